//! `GET /billing/portal`: the billing page's "Manage payment details" link. Stripe's Customer
//! Portal is a page Stripe hosts for one short-lived session, so the link asks for a session
//! when followed and sends the browser on to it.

use app::error::AppError;
use app::server::auth::session::SessionUser;
use app::server::services::billing;
use app::server::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;

pub async fn open(
    State(state): State<AppState>,
    Extension(SessionUser(user)): Extension<SessionUser>,
) -> Result<Response, AppError> {
    let user = user.ok_or_else(|| AppError::Unauthorized("Sign in to manage billing".into()))?;
    match billing::portal(&user, state.billing()).await {
        Ok(url) => Ok(Redirect::to(&url).into_response()),
        // Back to the billing page, which shows why (no payment details yet, Stripe down).
        Err(err @ (AppError::BadRequest(_) | AppError::Unavailable(_))) => {
            let reason = err.to_string();
            let query: String = url_encode(&reason);
            Ok(Redirect::to(&format!("/billing?portal_error={query}")).into_response())
        }
        Err(err) => Err(err),
    }
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
