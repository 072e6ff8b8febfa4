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
        // Back to the billing page, which says why in its own words (a code, not text: a
        // link cannot put words on our page).
        Err(AppError::BadRequest(_)) => {
            Ok(Redirect::to("/billing?portal_error=no-customer").into_response())
        }
        Err(AppError::Unavailable(_)) => {
            Ok(Redirect::to("/billing?portal_error=unavailable").into_response())
        }
        Err(err) => Err(err),
    }
}
