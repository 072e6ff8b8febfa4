//! Product import against a local fake shop: JSON-LD, OpenGraph, redirects, and the limits.

use std::time::Duration;

use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::get;
use serde_json::{json, Value};

use crate::helpers::{detail, spawn_app, spawn_app_with};

const JSON_LD: &str = r#"<html><head><script type="application/ld+json">
{"@context":"https://schema.org","@type":"Product","name":"Trail Running Shoes","description":"Grippy and light.",
 "image":"https://cdn.example/shoes.jpg","offers":{"@type":"Offer","price":"119.00","priceCurrency":"USD"}}
</script></head><body>Shoes</body></html>"#;

const OPEN_GRAPH: &str = r#"<html><head><meta property="og:title" content="Soy Candle Trio">
<meta property="og:description" content="Fig, cedar and sea salt."><meta property="og:image" content="https://cdn.example/c.jpg">
</head></html>"#;

/// The one answer for a host that is private, on another port, unresolvable or closed.
const NOT_ALLOWED: &str =
    "Could not read the product page: the address is unreachable or not allowed";

/// A shop on 127.0.0.1: its address.
async fn fake_shop() -> String {
    let app = axum::Router::new()
        .route("/shoes", get(|| async { Html(JSON_LD) }))
        .route("/candles", get(|| async { Html(OPEN_GRAPH) }))
        .route("/moved", get(|| async { Redirect::permanent("/shoes") }))
        // Public pages that send the importer on to private addresses.
        .route(
            "/to-metadata",
            get(|| async { Redirect::temporary("http://169.254.169.254/latest/meta-data") }),
        )
        .route(
            "/to-intranet",
            get(|| async { Redirect::temporary("http://10.0.0.1/admin") }),
        )
        .route(
            "/to-nat64",
            get(|| async { Redirect::temporary("http://[64:ff9b::a9fe:a9fe]/") }),
        )
        .route(
            "/slow-redirect",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(700)).await;
                Redirect::temporary("/slow-redirect-2")
            }),
        )
        .route(
            "/slow-redirect-2",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(700)).await;
                Html(JSON_LD)
            }),
        )
        .route(
            "/about",
            get(|| async { Html("<html><title>About us</title></html>") }),
        )
        .route(
            "/gone",
            get(|| async { (http::StatusCode::NOT_FOUND, "gone").into_response() }),
        )
        .route("/huge", get(|| async { Html("x".repeat(3 * 1024 * 1024)) }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                Html(JSON_LD)
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    address
}

#[tokio::test]
async fn products_are_read_from_json_ld_or_open_graph() {
    let app = spawn_app_with(|s| {
        s.integrations.import_allow_private_hosts = true;
        s.integrations.import_timeout_seconds = 1;
    })
    .await;
    let shop = fake_shop().await;
    let pair = app.signed_up("ada@example.com").await;
    let t = &pair.access_token;

    let res = app
        .post_bearer(
            "/api/v1/queue/import",
            t,
            &json!({"url": format!("{shop}/shoes")}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let item: Value = res.json().await.unwrap();
    assert_eq!(item["status"], "pending");
    assert_eq!(item["product_data"]["title"], "Trail Running Shoes");
    assert_eq!(item["product_data"]["price"], "119.00");
    assert_eq!(
        item["product_data"]["images"],
        json!(["https://cdn.example/shoes.jpg"])
    );
    assert_eq!(item["platforms"], json!(["instagram", "facebook"]));

    let og: Value = app
        .post_bearer(
            "/api/v1/queue/import",
            t,
            &json!({"url": format!("{shop}/candles"), "platforms": ["tiktok"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(og["product_data"]["title"], "Soy Candle Trio");
    assert_eq!(og["product_data"]["url"], format!("{shop}/candles"));
    assert_eq!(og["platforms"], json!(["tiktok"]));

    let moved: Value = app
        .post_bearer(
            "/api/v1/queue/import",
            t,
            &json!({"url": format!("{shop}/moved")}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(moved["product_data"]["title"], "Trail Running Shoes");

    for (path, expected) in [
        ("/about", "No product data found on that page"),
        (
            "/gone",
            "Could not read the product page: the page answered HTTP 404",
        ),
        (
            "/huge",
            "Could not read the product page: the page is larger than 2048 KB",
        ),
        (
            "/slow",
            "Could not read the product page: the page took too long to answer",
        ),
    ] {
        let res = app
            .post_bearer(
                "/api/v1/queue/import",
                t,
                &json!({"url": format!("{shop}{path}")}),
            )
            .await;
        assert_eq!(res.status(), 400, "{path}");
        assert_eq!(detail(res).await, expected);
    }
    let closed = app
        .post_bearer(
            "/api/v1/queue/import",
            t,
            &json!({"url": "http://127.0.0.1:9/x"}),
        )
        .await;
    assert_eq!(closed.status(), 400);
    for bad in ["ftp://example.com/x", "not a url", "file:///etc/passwd"] {
        assert_eq!(
            app.post_bearer("/api/v1/queue/import", t, &json!({"url": bad}))
                .await
                .status(),
            422,
            "{bad}"
        );
    }
    assert_eq!(app.count("content_queue").await, 3);
}

#[tokio::test]
async fn private_addresses_are_refused_by_default() {
    let app = spawn_app().await;
    let shop = fake_shop().await;
    let pair = app.signed_up("ada@example.com").await;
    let res = app
        .post_bearer(
            "/api/v1/queue/import",
            &pair.access_token,
            &json!({"url": format!("{shop}/shoes")}),
        )
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(detail(res).await, NOT_ALLOWED);
    let res = app
        .post_bearer(
            "/api/v1/queue/import",
            &pair.access_token,
            &json!({"url": "http://169.254.169.254/latest/meta-data"}),
        )
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(app.count("content_queue").await, 0);
}

#[tokio::test]
async fn a_public_page_cannot_redirect_the_import_to_a_private_address() {
    // Loopback stands in for the public internet here (the development setting opens
    // loopback only); every other private range stays refused, redirects included.
    let app = spawn_app_with(|s| {
        s.integrations.import_allow_private_hosts = true;
        s.integrations.import_timeout_seconds = 1;
    })
    .await;
    let shop = fake_shop().await;
    let pair = app.signed_up("ada@example.com").await;
    for path in ["/to-metadata", "/to-intranet", "/to-nat64"] {
        let res = app
            .post_bearer(
                "/api/v1/queue/import",
                &pair.access_token,
                &json!({"url": format!("{shop}{path}")}),
            )
            .await;
        assert_eq!(res.status(), 400, "{path}");
        assert_eq!(detail(res).await, NOT_ALLOWED, "{path}");
    }
    // Unresolvable, closed and private look the same to the caller.
    for url in [
        "http://no-such-host.invalid/x",
        "http://127.0.0.1:9/x",
        "http://10.0.0.1/",
        "http://[fe80::1]/",
    ] {
        let res = app
            .post_bearer(
                "/api/v1/queue/import",
                &pair.access_token,
                &json!({"url": url}),
            )
            .await;
        assert_eq!(res.status(), 400, "{url}");
        assert_eq!(detail(res).await, NOT_ALLOWED, "{url}");
    }
    // One deadline for the whole import: two 0.7 s hops exceed the 1 s budget together.
    let res = app
        .post_bearer(
            "/api/v1/queue/import",
            &pair.access_token,
            &json!({"url": format!("{shop}/slow-redirect")}),
        )
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        detail(res).await,
        "Could not read the product page: the page took too long to answer"
    );
    assert_eq!(app.count("content_queue").await, 0);
}

#[tokio::test]
async fn outside_development_only_ports_80_and_443_are_fetched() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    // A public address on another port: refused before any connection is tried.
    let res = app
        .post_bearer(
            "/api/v1/queue/import",
            &pair.access_token,
            &json!({"url": "http://93.184.216.34:8080/product"}),
        )
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(detail(res).await, NOT_ALLOWED);
}
