//! The browser-facing security headers: the Content-Security-Policy of pages (with the nonce
//! Leptos puts on its inline hydration and resource scripts) and the policy of every other
//! response. `startup` adds them, with nosniff, frame and referrer headers, to every answer.

/// For responses that are not Leptos pages (`/docs`, JSON, static files): scripts and styles
/// from this site only. Swagger UI draws its icons as `data:` images and sets inline styles.
pub const DEFAULT_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'; \
     form-action 'self'; frame-ancestors 'none'";

/// The policy of a server-rendered page. Scripts: this site's files, the inline scripts that
/// carry this response's `nonce` (Leptos's hydration bootstrap and serialized resources, the
/// theme script), and WebAssembly compilation, without which the app cannot hydrate.
///
/// `remote_media`: the composer shows thumbnails of the media URLs a post carries, wherever
/// they are hosted (over https); every other page loads images from this site only.
pub fn page_policy(nonce: &str, remote_media: bool) -> String {
    let images = if remote_media {
        "'self' data: https:"
    } else {
        "'self' data:"
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src {images}; font-src 'self'; \
         connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// Sets the page policy on the response being rendered, with the nonce leptos_axum made for
/// it. Called from the HTML shell, which renders before the first byte is sent.
pub fn send_page_policy() {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let path = use_context::<http::request::Parts>()
        .map(|parts| parts.uri.path().to_string())
        .unwrap_or_default();
    let composer = path == "/compose" || (path.starts_with("/posts/") && path.ends_with("/edit"));
    if let Ok(value) = http::HeaderValue::from_str(&page_policy(&nonce, composer)) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_allow_their_nonce_and_wasm_but_no_other_inline_script() {
        let policy = page_policy("abc123", false);
        assert!(policy.contains("img-src 'self' data:;"), "{policy}");
        assert!(page_policy("abc123", true).contains("img-src 'self' data: https:;"));
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"));
        let scripts = policy
            .split(';')
            .find(|directive| directive.trim().starts_with("script-src"))
            .unwrap();
        assert!(!scripts.contains("unsafe-inline"), "{scripts}");
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(http::HeaderValue::from_str(&policy).is_ok());
        assert!(http::HeaderValue::from_str(DEFAULT_POLICY).is_ok());
    }
}
