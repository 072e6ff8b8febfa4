//! The marketing pages through the real router: `/` and `/pricing` ship no wasm and read their
//! prices from the plan table, their stylesheet is inlined and their files are served under
//! content-hashed names for a year; `robots.txt` and `sitemap.xml` name the public URL.

use reqwest::header::{ACCEPT, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE};
use uuid::Uuid;

use app::plans::price_label;

use crate::helpers::{spawn_app, spawn_app_with, TestApp};

/// A page as a browser asks for it: its status, headers and HTML.
async fn html(app: &TestApp, path: &str, cookie: Option<&str>) -> (Page, String) {
    let mut req = app.client.get(app.url(path)).header(ACCEPT, "text/html");
    if let Some(cookie) = cookie {
        req = req.header(COOKIE, cookie);
    }
    let res = req.send().await.unwrap();
    let page = Page {
        status: res.status().as_u16(),
        headers: res.headers().clone(),
    };
    (page, res.text().await.unwrap())
}

struct Page {
    status: u16,
    headers: reqwest::header::HeaderMap,
}

#[tokio::test]
async fn marketing_pages_ship_no_wasm_and_may_not_run_any() {
    let app = spawn_app().await;
    for path in ["/", "/pricing"] {
        let (res, page) = html(&app, path, None).await;
        assert_eq!(res.status, 200, "{path}");
        for code in [
            "/pkg/postpilot.js",
            ".wasm",
            "__wasm_split",
            "hydrate",
            "__RESOLVED_RESOURCES",
            "__INCOMPLETE_CHUNKS",
        ] {
            assert!(!page.contains(code), "{path} names {code:?}");
        }
        let policy = res.headers[CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(!policy.contains("wasm-unsafe-eval"), "{policy}");
        // The navbar differs signed in: no shared cache may hand one visitor's page to another.
        let varies: Vec<_> = res.headers.get_all("vary").iter().collect();
        assert!(varies.iter().any(|v| *v == "cookie"), "{varies:?}");
        assert_eq!(res.headers[CACHE_CONTROL], "private, no-cache");
        assert!(page.contains("<h1"), "{path}");
    }
    // The app's pages still hydrate.
    let (res, page) = html(&app, "/login", None).await;
    assert!(page.contains("/pkg/postpilot.js") && page.contains("__RESOLVED_RESOURCES"));
    let policy = res.headers[CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(policy.contains("wasm-unsafe-eval"), "{policy}");
}

#[tokio::test]
async fn a_page_asked_for_with_a_trailing_slash_is_sent_to_its_one_url() {
    let app = spawn_app().await;
    for (asked, sent_to) in [
        ("/pricing/", "/pricing"),
        ("/pricing//?ref=ad", "/pricing?ref=ad"),
        ("/login/", "/login"),
    ] {
        let res = app.get(asked).await;
        assert_eq!(res.status(), 308, "{asked}");
        assert_eq!(res.headers()["location"], sent_to, "{asked}");
    }
    let res = app.get("/").await;
    assert_eq!(res.status(), 200);
    // Never to another site: "//evil.example/" trimmed would be a protocol-relative URL.
    // A directory of the site is not a page: no redirect back and forth ("/fonts" ⇄ "/fonts/").
    let site = fake_built_site();
    let root = site.to_str().unwrap().to_string();
    let with_site = spawn_app_with(move |settings| settings.server.site_root = root).await;
    let res = with_site.get("/fonts").await;
    assert_eq!(res.status(), 404);
    let res = with_site.get("/fonts/").await;
    assert_eq!(res.headers()["location"], "/fonts");
    let _ = std::fs::remove_dir_all(site);
    let res = app.get("/pricing/?q=a%5Cb").await;
    assert_eq!(res.headers()["location"], "/pricing?q=a%5Cb");
    for hostile in ["//evil.example/", "///evil.example//"] {
        let res = app.get(hostile).await;
        assert_ne!(res.status(), 308, "{hostile}");
        assert!(res.headers().get("location").is_none(), "{hostile}");
    }
}

#[tokio::test]
async fn prices_come_from_the_plan_table_the_billing_api_serves() {
    let app = spawn_app().await;
    let plans: Vec<serde_json::Value> =
        app.get("/api/v1/billing/plans").await.json().await.unwrap();
    for path in ["/", "/pricing"] {
        let (_, page) = html(&app, path, None).await;
        for plan in &plans {
            let tier = plan["tier"].as_str().unwrap();
            let card_at = page
                .find(&format!("data-plan=\"{tier}\""))
                .unwrap_or_else(|| panic!("{path} has no {tier} card"));
            let card = &page[card_at..];
            // The card ends with its only link, the call to action.
            let card = &card[..card.find("</a>").expect("the card ends")];
            let shown = card
                .split("data-testid=\"plan-price\"")
                .nth(1)
                .and_then(|rest| rest.split_once('>'))
                .and_then(|(_, rest)| rest.split_once("</span>"))
                .map(|(text, _)| text.replace("<!>", ""))
                .unwrap_or_else(|| panic!("{path}: {tier} shows no price"));
            let price = price_label(plan["price_monthly_cents"].as_i64().unwrap());
            assert_eq!(shown, price, "{path}: {tier}");
            for feature in plan["features"].as_array().unwrap() {
                assert!(
                    card.contains(feature.as_str().unwrap()),
                    "{path}: {tier} lacks {feature}"
                );
            }
        }
        // The structured data offers the same prices.
        assert!(page.contains("\"@type\":\"SoftwareApplication\""), "{path}");
        assert!(page.contains("\"price\":\"29.00\""), "{path}");
    }
    let (_, pricing) = html(&app, "/pricing", None).await;
    assert!(pricing.contains("data-testid=\"plan-comparison\""));
    assert!(
        pricing.contains("<details"),
        "the FAQ opens without JavaScript"
    );
}

#[tokio::test]
async fn canonical_and_sharing_urls_use_the_public_url() {
    let app = spawn_app_with(|settings| {
        settings.server.public_url = "https://postpilot.example".into();
    })
    .await;
    let (_, page) = html(&app, "/pricing", None).await;
    assert!(
        page.contains(r#"<link href="https://postpilot.example/pricing" rel="canonical">"#),
        "{page}"
    );
    // `/og-image.png`, or `/assets/{hash}-og-image.png` when a release build is in the site root.
    let image = page
        .split(r#"property="og:image" content=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("an og:image");
    assert!(
        image.starts_with("https://postpilot.example/") && image.ends_with("og-image.png"),
        "{image}"
    );
    assert!(page.contains(r#"name="twitter:card" content="summary_large_image""#));
    assert_eq!(page.matches(r#"name="description""#).count(), 1);

    let robots = app.get("/robots.txt").await;
    assert!(robots.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let robots = robots.text().await.unwrap();
    assert!(robots.contains("Sitemap: https://postpilot.example/sitemap.xml"));
    for private in [
        "Disallow: /dashboard",
        "Disallow: /api/",
        "Disallow: /admin",
    ] {
        assert!(robots.contains(private), "{robots}");
    }
    assert!(!robots.contains("Disallow: /pricing"));

    let sitemap = app.get("/sitemap.xml").await.text().await.unwrap();
    for page in ["/", "/pricing", "/docs"] {
        assert!(
            sitemap.contains(&format!("<loc>https://postpilot.example{page}</loc>")),
            "{sitemap}"
        );
    }
    assert!(!sitemap.contains("/dashboard"));
}

#[tokio::test]
async fn signed_in_visitors_are_offered_the_dashboard() {
    let app = spawn_app().await;
    let (_, page) = html(&app, "/", None).await;
    assert!(page.contains("Start free") && !page.contains("Go to dashboard"));

    let cookie = app.browser_session("shop@example.com").await;
    for path in ["/", "/pricing"] {
        let (_, page) = html(&app, path, Some(&cookie)).await;
        assert!(page.contains("Go to dashboard"), "{path}");
    }
}

/// A built site as scripts/build-release.sh leaves it: the marketing stylesheet, the fonts
/// and the sharing image.
fn fake_built_site() -> std::path::PathBuf {
    let site = std::env::temp_dir().join(format!("postpilot-site-{}", Uuid::new_v4()));
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::create_dir_all(site.join("fonts")).unwrap();
    std::fs::write(
        site.join("pkg/marketing.css"),
        "@font-face{font-family:Inter;src:url(/fonts/inter-latin-wght-normal.woff2)}.marker-rule{color:red}",
    )
    .unwrap();
    std::fs::write(site.join("fonts/inter-latin-wght-normal.woff2"), b"inter").unwrap();
    std::fs::write(
        site.join("fonts/plus-jakarta-sans-latin-wght-normal.woff2"),
        b"jakarta",
    )
    .unwrap();
    std::fs::write(site.join("og-image.png"), b"\x89PNG fake").unwrap();
    site
}

#[tokio::test]
async fn the_built_stylesheet_is_inlined_and_its_files_are_cached_for_a_year() {
    let site = fake_built_site();
    let root = site.to_str().unwrap().to_string();
    let app = spawn_app_with(move |settings| settings.server.site_root = root).await;

    let (_, page) = html(&app, "/", None).await;
    assert!(page.contains(".marker-rule{color:red}</style>"), "{page}");
    assert!(
        !page.contains("/pkg/postpilot.css"),
        "the app's stylesheet is not loaded"
    );
    let font_url = page
        .split('"')
        .find(|part| {
            part.starts_with("/assets/") && part.ends_with("-inter-latin-wght-normal.woff2")
        })
        .expect("a hashed font URL")
        .to_string();
    assert!(
        page.contains(&format!(
            r#"<link rel="preload" href="{font_url}" as="font""#
        )),
        "{page}"
    );
    assert!(
        page.contains(&format!("src:url({font_url})")),
        "the stylesheet names the hashed font"
    );

    let res = app.get(&font_url).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[CONTENT_TYPE], "font/woff2");
    assert_eq!(
        res.headers()[CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"inter");

    let image = page
        .split('"')
        .find(|part| part.ends_with("-og-image.png"))
        .expect("a hashed sharing image");
    let (origin, path) = image.split_at(image.find("/assets/").expect("a hashed URL"));
    assert!(origin.starts_with("http"), "an absolute URL: {image}");
    let res = app.get(path).await;
    assert_eq!(res.headers()[CONTENT_TYPE], "image/png");

    // Another release's name for the font (a page from an instance mid-deploy) still gets a
    // font, this release's, to be revalidated; a name of no file is not found.
    let res = app
        .get("/assets/000000000000-inter-latin-wght-normal.woff2")
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[CACHE_CONTROL], "no-cache");
    let res = app.get("/assets/000000000000-unknown.woff2").await;
    assert_eq!(res.status(), 404);
    let _ = std::fs::remove_dir_all(site);
}
