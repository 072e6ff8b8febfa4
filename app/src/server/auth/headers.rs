//! The browser-facing security headers: the Content-Security-Policy of pages (with the nonce
//! Leptos puts on its inline hydration and resource scripts) and the policy of every other
//! response. `startup` adds them, with nosniff, frame and referrer headers, to every answer.

/// For responses that are not Leptos pages (`/docs`, JSON, static files): scripts and styles
/// from this site only. Swagger UI draws its icons as `data:` images and sets inline styles.
pub const DEFAULT_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'; \
     form-action 'self'; frame-ancestors 'none'";

/// What a server-rendered page may load beyond this site's own files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageKind {
    /// The landing and pricing pages: plain HTML and CSS, no wasm.
    Marketing,
    /// Every page of the app, which hydrates with its wasm.
    App,
    /// The composer and the queue also show images hosted elsewhere (over https): the media
    /// URLs a post carries, a product's photo.
    RemoteImages,
}

impl PageKind {
    pub fn of_path(path: &str) -> Self {
        if crate::nav::is_marketing_path(path) {
            PageKind::Marketing
        } else if path == "/compose"
            || path == "/queue"
            || (path.starts_with("/posts/") && path.ends_with("/edit"))
        {
            PageKind::RemoteImages
        } else {
            PageKind::App
        }
    }
}

/// The policy of a server-rendered page. Scripts: this site's files, the inline scripts that
/// carry this response's `nonce` (Leptos's hydration bootstrap and serialized resources, the
/// theme script), and WebAssembly compilation on the pages that hydrate.
///
/// Forms post to this site; `form_target` adds the one other site a form here may lead to
/// (the billing page's upgrade goes on to Stripe's checkout, and the browser applies
/// `form-action` to the redirect too).
pub fn page_policy(nonce: &str, kind: PageKind, form_target: Option<&str>) -> String {
    let images = if kind == PageKind::RemoteImages {
        "'self' data: https:"
    } else {
        "'self' data:"
    };
    let wasm = if kind == PageKind::Marketing {
        ""
    } else {
        " 'wasm-unsafe-eval'"
    };
    let forms = match form_target {
        Some(origin) => format!("'self' {origin}"),
        None => "'self'".to_string(),
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}'{wasm}; \
         style-src 'self' 'unsafe-inline'; img-src {images}; font-src 'self'; \
         connect-src 'self'; object-src 'none'; base-uri 'self'; form-action {forms}; \
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
    let checkout = (path == "/billing")
        .then(use_context::<crate::server::state::AppState>)
        .flatten()
        .and_then(|state| state.settings.billing.checkout_origin());
    let policy = page_policy(&nonce, PageKind::of_path(&path), checkout.as_deref());
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_allow_their_nonce_and_wasm_but_no_other_inline_script() {
        let policy = page_policy("abc123", PageKind::App, None);
        assert!(policy.contains("img-src 'self' data:;"), "{policy}");
        assert!(page_policy("abc123", PageKind::RemoteImages, None)
            .contains("img-src 'self' data: https:;"));
        assert_eq!(PageKind::of_path("/queue"), PageKind::RemoteImages);
        assert_eq!(PageKind::of_path("/dashboard"), PageKind::App);
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"));
        let scripts = policy
            .split(';')
            .find(|directive| directive.trim().starts_with("script-src"))
            .unwrap();
        assert!(!scripts.contains("unsafe-inline"), "{scripts}");
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(policy.contains("form-action 'self';"), "{policy}");
        let billing = page_policy("abc123", PageKind::App, Some("https://checkout.stripe.com"));
        assert!(
            billing.contains("form-action 'self' https://checkout.stripe.com;"),
            "{billing}"
        );
        assert!(http::HeaderValue::from_str(&policy).is_ok());
        assert!(http::HeaderValue::from_str(DEFAULT_POLICY).is_ok());
    }

    #[test]
    fn marketing_pages_may_not_compile_wasm() {
        assert_eq!(PageKind::of_path("/"), PageKind::Marketing);
        assert_eq!(PageKind::of_path("/pricing"), PageKind::Marketing);
        assert_eq!(PageKind::of_path("/posts/1/edit"), PageKind::RemoteImages);
        assert_eq!(PageKind::of_path("/calendar"), PageKind::App);
        let policy = page_policy("abc123", PageKind::Marketing, None);
        assert!(
            policy.contains("script-src 'self' 'nonce-abc123';"),
            "{policy}"
        );
        assert!(!policy.contains("wasm"), "{policy}");
    }
}
