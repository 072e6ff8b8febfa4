//! Server functions: each parses its input, calls a service and maps the result. Their URLs
//! live under `/fn/` so they never collide with the REST API under `/api/v1/`.

pub mod auth;
pub mod calendar;
pub mod posts;

/// Gives a failed server-function call the error's HTTP status (server_fn answers 500 for
/// every error otherwise). Plain form posts keep the redirect that carries the error back to
/// the form.
#[cfg(feature = "ssr")]
pub(crate) fn with_status<T>(
    result: Result<T, crate::error::AppError>,
) -> Result<T, crate::error::AppError> {
    use leptos::prelude::use_context;
    if let Err(err) = &result {
        let plain_form = use_context::<http::request::Parts>()
            .and_then(|parts| parts.headers.get(http::header::ACCEPT).cloned())
            .and_then(|accept| accept.to_str().ok().map(|a| a.contains("text/html")))
            .unwrap_or(false);
        if !plain_form {
            if let (Some(response), Ok(status)) = (
                use_context::<leptos_axum::ResponseOptions>(),
                http::StatusCode::from_u16(err.status()),
            ) {
                response.set_status(status);
            }
        }
    }
    result
}
