//! Pages and browser sessions through the real router: the route guard, cookie sessions from
//! the sign-in forms (as a browser without JavaScript posts them), silent refresh, sign-out
//! and the cross-origin guard.

use reqwest::header::{ACCEPT, COOKIE, LOCATION, SET_COOKIE};
use reqwest::Response;

use crate::helpers::{spawn_app, TestApp};

fn cookies_of(res: &Response) -> Vec<String> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

/// `name=value` of a Set-Cookie list, for sending back.
fn cookie_pair(set_cookies: &[String], name: &str) -> String {
    set_cookies
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie in {set_cookies:?}"))
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

async fn form_post(
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
    cookie: Option<&str>,
) -> Response {
    let mut req = app
        .client
        .post(app.url(path))
        .header(ACCEPT, "text/html")
        .header("origin", app.address.clone())
        .form(form);
    if let Some(cookie) = cookie {
        req = req.header(COOKIE, cookie);
    }
    req.send().await.unwrap()
}

async fn page(app: &TestApp, path: &str, cookie: Option<&str>) -> Response {
    let mut req = app.client.get(app.url(path)).header(ACCEPT, "text/html");
    if let Some(cookie) = cookie {
        req = req.header(COOKIE, cookie);
    }
    req.send().await.unwrap()
}

/// Registers through the page's form and returns the session cookies.
async fn register_in_browser(app: &TestApp, email: &str) -> (String, String) {
    let res = form_post(
        app,
        "/fn/auth/register",
        &[
            ("email", email),
            ("password", "correct-horse-1"),
            ("next", ""),
        ],
        None,
    )
    .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()[LOCATION], "/dashboard");
    let cookies = cookies_of(&res);
    for c in &cookies {
        assert!(
            c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Path=/"),
            "{c}"
        );
        // Plain-http development: no Secure flag (tests use http://127.0.0.1).
        assert!(!c.contains("Secure"), "{c}");
    }
    (
        cookie_pair(&cookies, "pp_access"),
        cookie_pair(&cookies, "pp_refresh"),
    )
}

#[tokio::test]
async fn dashboard_pages_redirect_to_login_when_signed_out() {
    let app = spawn_app().await;
    for (path, next) in [
        ("/dashboard", "/dashboard"),
        ("/calendar?month=2026-11", "/calendar%3Fmonth%3D2026-11"),
        ("/admin/logs", "/admin/logs"),
    ] {
        let res = page(&app, path, None).await;
        assert_eq!(res.status(), 302, "{path}");
        assert_eq!(res.headers()[LOCATION], format!("/login?next={next}"));
    }
}

#[tokio::test]
async fn public_pages_render_and_unknown_pages_are_404() {
    let app = spawn_app().await;
    for (path, text) in [
        ("/login", "Welcome back"),
        ("/register", "Create your account"),
        ("/forgot-password", "Forgot your password?"),
    ] {
        let res = page(&app, path, None).await;
        assert_eq!(res.status(), 200, "{path}");
        let html = res.text().await.unwrap();
        assert!(html.contains(text), "{path} lacks {text:?}");
        assert!(html.contains("/pkg/postpilot.js"), "{path} loads the app");
    }
    let res = page(&app, "/no-such-page", None).await;
    assert_eq!(res.status(), 404);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("This page does not exist"));
}

#[tokio::test]
async fn registering_in_the_browser_signs_in_and_the_dashboard_greets() {
    let app = spawn_app().await;
    let (access, refresh) = register_in_browser(&app, "ada@example.com").await;
    let cookie = format!("{access}; {refresh}");
    let res = page(&app, "/dashboard", Some(&cookie)).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Welcome, ada!"), "{html}");
    for label in [
        "Queue",
        "Calendar",
        "Accounts",
        "Analytics",
        "Templates",
        "API Keys",
        "Billing",
        "Settings",
    ] {
        assert!(html.contains(label), "sidebar lacks {label}");
    }
}

#[tokio::test]
async fn sign_in_form_errors_come_back_to_the_form() {
    let app = spawn_app().await;
    register_in_browser(&app, "ada@example.com").await;
    let res = app
        .client
        .post(app.url("/fn/auth/login"))
        .header(ACCEPT, "text/html")
        .header("referer", app.url("/login"))
        .form(&[
            ("email", "ada@example.com"),
            ("password", "wrong-horse-1"),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    assert!(cookies_of(&res).is_empty());
    let location = res.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(location.contains("__err="), "{location}");
    // Following the redirect renders the login page with the message (no JavaScript needed).
    let path = location.trim_start_matches(&app.address);
    let html = page(&app, path, None).await.text().await.unwrap();
    assert!(html.contains("Incorrect email or password"), "{html}");
}

#[tokio::test]
async fn sign_in_honours_a_local_next_and_ignores_other_sites() {
    let app = spawn_app().await;
    register_in_browser(&app, "ada@example.com").await;
    for (next, expected) in [
        ("/calendar", "/calendar"),
        ("https://evil.example", "/dashboard"),
    ] {
        let res = form_post(
            &app,
            "/fn/auth/login",
            &[
                ("email", "ada@example.com"),
                ("password", "correct-horse-1"),
                ("next", next),
            ],
            None,
        )
        .await;
        assert_eq!(res.status(), 302);
        assert_eq!(res.headers()[LOCATION], expected);
    }
}

#[tokio::test]
async fn an_expired_access_cookie_is_refreshed_silently() {
    let app = spawn_app().await;
    let (_, refresh) = register_in_browser(&app, "ada@example.com").await;
    // Only the refresh cookie (the access cookie's Max-Age has passed).
    let res = page(&app, "/dashboard", Some(&refresh)).await;
    assert_eq!(res.status(), 200);
    let renewed = cookies_of(&res);
    let new_refresh = cookie_pair(&renewed, "pp_refresh");
    assert_ne!(new_refresh, refresh);
    cookie_pair(&renewed, "pp_access");
    // A parallel request still carrying the old cookie is let through during the grace window…
    assert_eq!(page(&app, "/dashboard", Some(&refresh)).await.status(), 200);
    // …and the new one works.
    assert_eq!(
        page(&app, "/dashboard", Some(&new_refresh)).await.status(),
        200
    );
}

#[tokio::test]
async fn an_invalid_session_is_cleared_and_sent_to_login() {
    let app = spawn_app().await;
    let res = page(&app, "/dashboard", Some("pp_refresh=forged.token.value")).await;
    assert_eq!(res.status(), 302);
    let cleared = cookies_of(&res);
    assert!(
        cleared
            .iter()
            .any(|c| c.starts_with("pp_refresh=;") && c.contains("Max-Age=0")),
        "{cleared:?}"
    );
}

#[tokio::test]
async fn signing_out_clears_cookies_and_revokes_the_session() {
    let app = spawn_app().await;
    let (access, refresh) = register_in_browser(&app, "ada@example.com").await;
    let cookie = format!("{access}; {refresh}");
    let res = form_post(&app, "/fn/auth/logout", &[], Some(&cookie)).await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()[LOCATION], "/login");
    let cleared = cookies_of(&res);
    assert!(
        cleared.iter().all(|c| c.contains("Max-Age=0")),
        "{cleared:?}"
    );
    // The refresh token is revoked server-side, not just forgotten by the browser.
    let res = page(&app, "/dashboard", Some(&refresh)).await;
    assert_eq!(res.status(), 302);
}

#[tokio::test]
async fn state_changing_requests_from_other_origins_are_refused() {
    let app = spawn_app().await;
    register_in_browser(&app, "ada@example.com").await;
    let res = app
        .client
        .post(app.url("/fn/auth/login"))
        .header("origin", "https://evil.example")
        .form(&[
            ("email", "ada@example.com"),
            ("password", "correct-horse-1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(cookies_of(&res).is_empty());
    let res = app
        .client
        .post(app.url("/fn/auth/logout"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn the_forgot_password_form_gives_the_same_answer_for_any_email() {
    let app = spawn_app().await;
    let known = format!("known-{}@example.com", uuid::Uuid::new_v4().simple());
    app.browser_session(&known).await;
    for email in ["nobody@example.com", known.as_str()] {
        let res = app
            .client
            .post(app.url("/fn/auth/forgot-password"))
            .header(ACCEPT, "text/html")
            .header("origin", app.address.clone())
            .header("referer", app.url("/forgot-password"))
            .form(&[("email", email)])
            .send()
            .await
            .unwrap();
        assert!(res.status().is_redirection(), "{email}: {}", res.status());
        assert_eq!(
            crate::helpers::location(&res),
            "/forgot-password?sent=1",
            "{email}"
        );
    }
    let page = app
        .client
        .get(app.url("/forgot-password?sent=1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(app::fns::auth::FORGOT_PASSWORD_REPLY),
        "the page says what happens"
    );
}
