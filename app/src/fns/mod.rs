//! Server functions: each parses its input, calls a service and maps the result. Their URLs
//! live under `/fn/` so they never collide with the REST API under `/api/v1/`.
//!
//! Between the server and the browser app (answers, errors, the data a page is hydrated with)
//! the format is postcard, not JSON: the REST API speaks JSON to integrators, but the browser
//! only ever talks to this same binary, and postcard's decoder is a fraction of serde_json's
//! in the wasm every first visit downloads. (Postcard is not self-describing: no
//! `#[serde(flatten)]`, `untagged` or `skip_serializing_if` on what these functions return.)

use std::future::Future;

use leptos::prelude::Resource;
use serde::{de::DeserializeOwned, Serialize};

pub mod accounts;
#[cfg(feature = "ssr")]
pub mod admin;
pub mod analytics;
pub mod api_keys;
pub mod auth;
pub mod billing;
pub mod calendar;
pub mod home;
pub mod media;
pub mod posts;
pub mod queue;
pub mod settings;
pub mod templates;

/// How a page's resources travel from the server render to the browser.
pub type Wire = codee::binary::PostcardCodec;

/// A page's data: loaded by `fetcher` on the server during the render, sent with the page in
/// the `Wire` format, and fetched again in the browser whenever `source` changes.
pub fn resource<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Resource<T, Wire>
where
    S: PartialEq + Clone + Send + Sync + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

/// Adds a `Set-Cookie` to the answer being rendered.
#[cfg(feature = "ssr")]
pub(crate) fn append_cookie(cookie: String) {
    if let (Some(response), Ok(value)) = (
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(&cookie),
    ) {
        response.append_header(http::header::SET_COOKIE, value);
    }
}

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

/// The ids a form posted under one name (`ids[]`, `accounts[]`…); one that is not an id is
/// the field's error, saying what it should have named.
#[cfg(feature = "ssr")]
pub(crate) fn parse_ids(
    ids: Option<Vec<String>>,
    field: &str,
    unknown: &str,
) -> Result<Vec<uuid::Uuid>, crate::error::AppError> {
    ids.unwrap_or_default()
        .iter()
        .map(|id| {
            uuid::Uuid::parse_str(id)
                .map_err(|_| crate::error::AppError::validation(field, unknown))
        })
        .collect()
}
