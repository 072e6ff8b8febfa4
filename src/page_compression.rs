//! Brotli for rendered pages, compressed in one piece. Every HTML answer of the pages router is
//! buffered: the signed-in pages are rendered whole before the first byte is sent anyway
//! (`SsrMode::Async`) and the others are small and static. With the size known, the encoder is
//! sized to the page instead of to brotli's 4 MB default window, which tower-http's streaming
//! encoder sets up (and clears) for every answer. With eight renders in flight that setup was
//! a fifth of the pages' CPU (perf on `make bench-pages`). Clients without brotli get the
//! generic compression layer's gzip, as before.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, VARY};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use brotli::enc::backward_references::BrotliEncoderParams;

/// Brotli quality for pages. Measured on a month of the calendar (170 KB of HTML): quality 3
/// gives 13.5 KB in 0.4 ms, 5 gives 11.3 KB in 1.0 ms, and gzip's fastest 23 KB.
const QUALITY: i32 = 3;
/// The largest window brotli may use (2^22 bytes); pages are far smaller.
const MAX_WINDOW_BITS: i32 = 22;
/// Pages are never this big; a larger body is answered with a 500 rather than held in memory.
const MAX_PAGE_BYTES: usize = 16 * 1024 * 1024;

pub async fn compress_pages(req: Request, next: Next) -> Response {
    let wants_brotli = accepts_brotli(req.headers());
    let response = next.run(req).await;
    if !wants_brotli || !is_uncompressed_html(&response) {
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
    let compressed = brotli_page(&page);
    parts
        .headers
        .insert(CONTENT_ENCODING, HeaderValue::from_static("br"));
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

fn brotli_page(page: &[u8]) -> Vec<u8> {
    // The smallest window that holds the whole page (brotli's minimum is 2^10).
    let window_bits = (usize::BITS - page.len().max(1).leading_zeros()) as i32;
    let params = BrotliEncoderParams {
        quality: QUALITY,
        lgwin: window_bits.clamp(10, MAX_WINDOW_BITS),
        size_hint: page.len(),
        ..BrotliEncoderParams::default()
    };
    let mut out = Vec::with_capacity(page.len() / 4);
    let mut input = page;
    brotli::BrotliCompress(&mut input, &mut out, &params)
        .expect("compressing into memory does not fail");
    out
}

fn is_uncompressed_html(response: &Response) -> bool {
    let headers = response.headers();
    !headers.contains_key(CONTENT_ENCODING)
        && headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"))
}

/// Whether brotli is the client's choice: `br` (or, when `br` is not named, `*`) accepted with
/// a q-value above 0 and no lower than any other coding's. A client that prefers gzip is left
/// to the generic compression layer.
fn accepts_brotli(headers: &HeaderMap) -> bool {
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
    let Some(brotli) = q_of("br").or_else(|| q_of("*")) else {
        return false;
    };
    let best_other = codings
        .iter()
        .filter(|(n, _)| n != "br" && n != "*" && n != "identity")
        .map(|(_, q)| *q)
        .fold(0.0, f32::max);
    brotli > 0.0 && brotli >= best_other
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
    fn brotli_is_used_only_when_accepted() {
        assert!(accepts_brotli(&accept("gzip, deflate, br, zstd")));
        assert!(accepts_brotli(&accept("br;q=0.5, gzip;q=0.5")));
        assert!(accepts_brotli(&accept("*")));
        assert!(!accepts_brotli(&accept("gzip")));
        assert!(!accepts_brotli(&accept("br;q=0, gzip")));
        assert!(!accepts_brotli(&accept("gzip, br; q=0.0")));
        assert!(!accepts_brotli(&accept("gzip, br;Q=0")));
        // An explicit refusal beats the wildcard; a preference for gzip is respected.
        assert!(!accepts_brotli(&accept("gzip, br;q=0, *")));
        assert!(!accepts_brotli(&accept("gzip;q=1, br;q=0.1")));
        assert!(!accepts_brotli(&accept("br;q=0.5, gzip")));
        assert!(accepts_brotli(&accept("gzip;q=0.5, br")));
        assert!(!accepts_brotli(&HeaderMap::new()));
    }

    #[test]
    fn a_page_round_trips_through_brotli() {
        use std::io::Read;
        let page = "<li class=\"chip\">Post</li>".repeat(5_000);
        let packed = brotli_page(page.as_bytes());
        assert!(packed.len() < page.len() / 20, "{} bytes", packed.len());
        let mut unpacked = String::new();
        brotli::Decompressor::new(packed.as_slice(), 4096)
            .read_to_string(&mut unpacked)
            .unwrap();
        assert_eq!(unpacked, page);
        assert!(!brotli_page(b"").is_empty());
    }
}
