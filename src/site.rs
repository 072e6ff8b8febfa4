//! What crawlers and browsers ask a site for besides its pages: `robots.txt`, `sitemap.xml`
//! (both from `app::nav` and `server.public_url`), and the content-hashed assets of the
//! marketing pages, which never change under their name and so are cached for a year.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, StatusCode};

use app::nav::{private_prefixes, INDEXED_PAGES, PUBLIC_FILE_PREFIXES};
use app::server::site_assets::Lookup;
use app::server::AppState;

const A_DAY: &str = "public, max-age=86400";
const FOREVER: &str = "public, max-age=31536000, immutable";

fn public_url(state: &AppState) -> &str {
    state.settings.server.public_url.trim_end_matches('/')
}

pub async fn robots_txt(State(state): State<AppState>) -> Response {
    let mut body = String::from("User-agent: *\nAllow: /\n");
    for prefix in PUBLIC_FILE_PREFIXES {
        body.push_str(&format!("Allow: {prefix}\n"));
    }
    for prefix in private_prefixes() {
        body.push_str(&format!("Disallow: {prefix}\n"));
    }
    body.push_str(&format!("\nSitemap: {}/sitemap.xml\n", public_url(&state)));
    text(body, "text/plain; charset=utf-8")
}

pub async fn sitemap_xml(State(state): State<AppState>) -> Response {
    let base = xml_escape(public_url(&state));
    let mut body = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for page in INDEXED_PAGES {
        body.push_str(&format!("  <url><loc>{base}{page}</loc></url>\n"));
    }
    body.push_str("</urlset>\n");
    text(body, "application/xml; charset=utf-8")
}

fn text(body: String, content_type: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (CACHE_CONTROL, HeaderValue::from_static(A_DAY)),
        ],
        body,
    )
        .into_response()
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// `/assets/{hash}-{name}`: a file whose name changes with its contents, kept for a year.
/// Another release's name for the same file (instances mid-deploy) gets this release's
/// contents, to be revalidated.
pub async fn hashed_asset(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    let (file, cache) = match state.site_assets.file(&name) {
        Some(Lookup::Current(file)) => (file, FOREVER),
        Some(Lookup::Other(file)) => (file, "no-cache"),
        None => return (StatusCode::NOT_FOUND, "No such asset").into_response(),
    };
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static(file.content_type)),
            (CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        file.bytes.clone(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::xml_escape;

    #[test]
    fn urls_are_escaped_for_xml() {
        assert_eq!(
            xml_escape("https://a.example/?x=1&y=<2>"),
            "https://a.example/?x=1&amp;y=&lt;2&gt;"
        );
    }
}
