//! Rendered pages, gzipped in one piece at gzip's fastest level. Every HTML answer of the
//! pages router is buffered: the signed-in pages are rendered whole before the first byte is
//! sent anyway (`SsrMode::Async`) and the others are small and static. With the size known,
//! the encoder is sized to the page, where tower-http's streaming encoders set up (and clear)
//! their full window for every answer.
//!
//! Gzip level 1 rather than brotli: pages are made for one request, so the encoder's time is
//! part of every render. On the calendar's week with 1,000 posts in the month (205 KB of HTML)
//! brotli's quality 3 (the Rust encoder; its qualities 0 and 1 give twice the size) took
//! 1.0–1.3 ms for 23.6 KB, a quarter of the page's server CPU (perf on `make bench-pages`),
//! and gzip level 1 takes 0.36 ms for 32.9 KB. On the month (111 KB): 0.40 ms for 14.5 KB
//! against 0.15 ms for 18.9 KB. A first visit is mostly the wasm, JS and CSS, which stay
//! precompressed with brotli at its best. Clients that take no gzip are left to the generic
//! compression layer.

use std::io::Write;

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, VARY};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use flate2::write::GzEncoder;
use flate2::Compression;

/// Pages are never this big; a larger body is answered with a 500 rather than held in memory.
const MAX_PAGE_BYTES: usize = 16 * 1024 * 1024;

pub async fn compress_pages(req: Request, next: Next) -> Response {
    let wants_gzip = accepts_gzip(req.headers());
    let response = next.run(req).await;
    if !wants_gzip || !is_uncompressed_html(&response) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(page) = axum::body::to_bytes(body, MAX_PAGE_BYTES).await else {
        // The render failed halfway (or the page is absurdly large): nothing was sent yet, so
        // the answer is a plain 500 that keeps its headers (a refreshed session cookie).
        parts.status = StatusCode::INTERNAL_SERVER_ERROR;
        parts.headers.remove(CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    };
    let compressed = gzip_page(&page);
    parts
        .headers
        .insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    let varies = parts
        .headers
        .get_all(VARY)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("accept-encoding"));
    if !varies {
        parts
            .headers
            .append(VARY, HeaderValue::from_static("accept-encoding"));
    }
    parts.headers.remove(CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(compressed))
}

fn gzip_page(page: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(page.len() / 5), Compression::fast());
    encoder
        .write_all(page)
        .expect("compressing into memory does not fail");
    encoder
        .finish()
        .expect("compressing into memory does not fail")
}

fn is_uncompressed_html(response: &Response) -> bool {
    let headers = response.headers();
    !headers.contains_key(CONTENT_ENCODING)
        && headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"))
}

/// Whether the client takes gzip: `gzip` (or `x-gzip`, or, when neither is named, `*`)
/// accepted with a q-value above 0. The server may pick any coding the client accepts.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    let codings: Vec<(String, f32)> = headers
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next()?.trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| {
                    let (key, value) = p.split_once('=')?;
                    key.trim()
                        .eq_ignore_ascii_case("q")
                        .then(|| value.trim().parse::<f32>().ok())?
                })
                .next()
                .unwrap_or(1.0);
            (!name.is_empty()).then_some((name, q))
        })
        .collect();
    let q_of = |name: &str| codings.iter().find(|(n, _)| n == name).map(|(_, q)| *q);
    q_of("gzip")
        .or_else(|| q_of("x-gzip"))
        .or_else(|| q_of("*"))
        .is_some_and(|q| q > 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn gzip_is_used_only_when_accepted() {
        assert!(accepts_gzip(&accept("gzip, deflate, br, zstd")));
        assert!(accepts_gzip(&accept("br;q=1, gzip;q=0.5")));
        assert!(accepts_gzip(&accept("x-gzip")));
        assert!(accepts_gzip(&accept("*")));
        assert!(accepts_gzip(&accept("GZIP;Q=0.3")));
        assert!(!accepts_gzip(&accept("br")));
        assert!(!accepts_gzip(&accept("gzip;q=0, br")));
        assert!(!accepts_gzip(&accept("br, gzip; q=0.0")));
        // An explicit refusal beats the wildcard.
        assert!(!accepts_gzip(&accept("gzip;q=0, *")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn a_page_round_trips_through_gzip() {
        use std::io::Read;
        let page = "<li class=\"chip\">Post</li>".repeat(5_000);
        let packed = gzip_page(page.as_bytes());
        assert!(packed.len() < page.len() / 20, "{} bytes", packed.len());
        let mut unpacked = String::new();
        flate2::read::GzDecoder::new(packed.as_slice())
            .read_to_string(&mut unpacked)
            .unwrap();
        assert_eq!(unpacked, page);
        let mut empty = Vec::new();
        flate2::read::GzDecoder::new(gzip_page(b"").as_slice())
            .read_to_end(&mut empty)
            .unwrap();
        assert!(empty.is_empty());
    }
}
