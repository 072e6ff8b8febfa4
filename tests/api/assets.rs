//! Static assets and compression: `/pkg` files are sent as their precompressed `.br` / `.gz`
//! siblings when the client accepts them (never compressed a second time), and pages are
//! gzipped when the client accepts it.

use std::io::Read;

use reqwest::header::{
    ACCEPT, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, VARY,
};
use uuid::Uuid;

use crate::helpers::{spawn_app_with, TestApp};

const RAW: &[u8] = b"(module) raw bytes of a fake wasm file, long enough to be worth compressing";
const BROTLI: &[u8] = b"fake brotli variant";
const GZIP: &[u8] = b"fake gzip variant";

/// The app serving a site directory whose pkg holds a fake wasm and its precompressed files
/// (their contents are markers, not real compressed data: the server must not touch them).
async fn app_with_fake_site() -> (TestApp, std::path::PathBuf) {
    let site = std::env::temp_dir().join(format!("postpilot-site-{}", Uuid::new_v4()));
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("postpilot.wasm"), RAW).unwrap();
    std::fs::write(pkg.join("postpilot.wasm.br"), BROTLI).unwrap();
    std::fs::write(pkg.join("postpilot.wasm.gz"), GZIP).unwrap();
    // Only a raw file: the compression layer may compress it on the fly.
    std::fs::write(pkg.join("plain.js"), "console.log('plain');\n".repeat(20)).unwrap();
    let root = site.to_str().unwrap().to_string();
    let app = spawn_app_with(move |settings| {
        settings.server.site_root = root;
        settings.server.site_pkg_dir = "pkg".into();
    })
    .await;
    (app, site)
}

async fn get(app: &TestApp, path: &str, accept_encoding: Option<&str>) -> reqwest::Response {
    let mut req = app.client.get(app.url(path));
    if let Some(encodings) = accept_encoding {
        req = req.header(ACCEPT_ENCODING, encodings);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn pkg_files_are_served_as_their_precompressed_variants() {
    let (app, site) = app_with_fake_site().await;

    let res = get(&app, "/pkg/postpilot.wasm", Some("gzip, deflate, br")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[CONTENT_ENCODING], "br");
    assert_eq!(res.headers()[CONTENT_TYPE], "application/wasm");
    assert_eq!(
        res.headers()[CONTENT_LENGTH],
        BROTLI.len().to_string().as_str()
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), BROTLI);

    let res = get(&app, "/pkg/postpilot.wasm", Some("gzip")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[CONTENT_ENCODING], "gzip");
    assert_eq!(res.bytes().await.unwrap().as_ref(), GZIP);

    let res = get(&app, "/pkg/postpilot.wasm", None).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().get(CONTENT_ENCODING).is_none());
    assert_eq!(res.bytes().await.unwrap().as_ref(), RAW);

    // Without a precompressed sibling, the file is compressed on the fly, once.
    let res = get(&app, "/pkg/plain.js", Some("br")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[CONTENT_ENCODING], "br");
    assert_eq!(res.headers().get_all(VARY).iter().count(), 1);
    let body = res.bytes().await.unwrap();
    let mut decoded = String::new();
    brotli::Decompressor::new(body.as_ref(), 4096)
        .read_to_string(&mut decoded)
        .unwrap();
    assert_eq!(decoded, "console.log('plain');\n".repeat(20));

    let _ = std::fs::remove_dir_all(site);
}

#[tokio::test]
async fn pages_are_gzipped_in_one_piece_and_brotli_is_left_to_the_generic_layer() {
    let (app, site) = app_with_fake_site().await;
    let page = |encodings: &'static str| {
        app.client
            .get(app.url("/login"))
            .header(ACCEPT, "text/html")
            .header(ACCEPT_ENCODING, encodings)
            .send()
    };

    // What a browser sends: the page comes gzipped (cheaper to make than brotli; see
    // page_compression), with its length known.
    let res = page("gzip, deflate, br, zstd").await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[CONTENT_ENCODING], "gzip");
    assert!(res.headers()[VARY]
        .to_str()
        .unwrap()
        .to_ascii_lowercase()
        .contains("accept-encoding"));
    let length = res.content_length();
    let body = res.bytes().await.unwrap();
    assert_eq!(length, Some(body.len() as u64));
    let mut html = String::new();
    flate2::read::GzDecoder::new(body.as_ref())
        .read_to_string(&mut html)
        .unwrap();
    assert!(html.contains("<html"), "{html}");

    // A client that takes brotli only still gets a compressed page.
    let res = page("br").await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[CONTENT_ENCODING], "br");
    let body = res.bytes().await.unwrap();
    let mut html = String::new();
    brotli::Decompressor::new(body.as_ref(), 4096)
        .read_to_string(&mut html)
        .unwrap();
    assert!(html.contains("<html"), "{html}");

    // And one that takes nothing gets the page as it is.
    let res = page("identity").await.unwrap();
    assert!(res.headers().get(CONTENT_ENCODING).is_none());
    assert!(res.text().await.unwrap().contains("<html"));

    let _ = std::fs::remove_dir_all(site);
}
