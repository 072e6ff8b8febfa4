//! The marketing pages (`app::nav::MARKETING_PAGES`) are rendered by Leptos like every page
//! but never hydrate. Leptos still writes its hydration data into every streamed page (inline
//! scripts that set `__RESOLVED_RESOURCES`, `__INCOMPLETE_CHUNKS` and the like, for the wasm to
//! read): on these pages it is JavaScript nobody reads, so it is dropped before the page is
//! sent. Their navbar depends on the session cookie: no shared cache may keep them.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, VARY};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

/// The globals of Leptos's server-side hydration context (hydration_context's `ssr.rs`): an
/// inline script that begins with one of them holds hydration data only.
const HYDRATION_DATA: [&str; 5] = [
    "__RESOLVED_RESOURCES",
    "__SERIALIZED_ERRORS",
    "__PENDING_RESOURCES",
    "__RESOURCE_RESOLVERS",
    "__INCOMPLETE_CHUNKS",
];
/// Marketing pages are tens of KB; anything larger is answered with a 500, not held.
const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;

pub async fn without_hydration_data(req: Request, next: Next) -> Response {
    let marketing = app::nav::is_marketing_path(req.uri().path());
    let response = next.run(req).await;
    let html = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !marketing || !html {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    parts.headers.remove(CONTENT_LENGTH);
    parts
        .headers
        .append(VARY, HeaderValue::from_static("cookie"));
    // Per visitor (the navbar) and per response (the CSP nonce): no shared cache keeps it.
    parts
        .headers
        .insert(CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    let Ok(page) = axum::body::to_bytes(body, MAX_PAGE_BYTES).await else {
        parts.status = StatusCode::INTERNAL_SERVER_ERROR;
        return Response::from_parts(parts, Body::empty());
    };
    let body = match std::str::from_utf8(&page) {
        Ok(html) => Body::from(drop_hydration_data(html)),
        Err(_) => Body::from(page),
    };
    Response::from_parts(parts, body)
}

/// The page without the inline scripts that hold only hydration data.
fn drop_hydration_data(page: &str) -> String {
    let mut out = String::with_capacity(page.len());
    let mut rest = page;
    while let Some(start) = rest.find("<script") {
        let (before, script) = rest.split_at(start);
        out.push_str(before);
        let Some(element_end) = script.find("</script>").map(|at| at + "</script>".len()) else {
            rest = script;
            break;
        };
        let element = &script[..element_end];
        let body = element
            .find('>')
            .map(|open_end| &element[open_end + 1..])
            .unwrap_or("");
        if !HYDRATION_DATA.iter().any(|data| body.starts_with(data)) {
            out.push_str(element);
        }
        rest = &script[element_end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::drop_hydration_data;

    #[test]
    fn only_the_hydration_data_scripts_go() {
        let page = concat!(
            r#"<head><script nonce="n">try{theme()}catch(e){}</script></head><body><p>Hi</p>"#,
            r#"<script type="application/ld+json">{"@type":"SoftwareApplication"}</script>"#,
            r#"<script nonce="n">__RESOLVED_RESOURCES=[];__SERIALIZED_ERRORS=[];</script>"#,
            r#"<script nonce="n">__RESOLVED_RESOURCES[0] = "x";</script>"#,
            r#"<script nonce="n">__SERIALIZED_ERRORS.push([0, 1, "e"]);</script>"#,
            r#"<script nonce="n">__INCOMPLETE_CHUNKS=[];</script></body>"#
        );
        assert_eq!(
            drop_hydration_data(page),
            concat!(
                r#"<head><script nonce="n">try{theme()}catch(e){}</script></head><body><p>Hi</p>"#,
                r#"<script type="application/ld+json">{"@type":"SoftwareApplication"}</script>"#,
                "</body>"
            )
        );
    }

    #[test]
    fn pages_without_those_scripts_or_with_an_unclosed_one_are_kept_whole() {
        for page in ["<p>no scripts</p>", "<p>a</p><script>__INCOMPLETE_CHUNKS=["] {
            assert_eq!(drop_hydration_data(page), page);
        }
    }
}
