//! The platforms' sign-in routes beside the pages, for the signed-in browser session:
//! `GET /oauth/{platform}/start` sends the browser to the platform's authorization page and
//! `GET /oauth/{platform}/callback` is where the platform sends it back. Every outcome is a
//! redirect: to the choice page, or to the accounts page with a notice or the reason it did
//! not work (in a flash cookie the page reads once). The rules live in `app::server::services::oauth`.

use std::collections::HashMap;

use app::error::AppError;
use app::model::Platform;
use app::server::auth::cookies::set_oauth_error_cookie;
use app::server::auth::session::SessionUser;
use app::server::entities::user;
use app::server::services::oauth::{self, Callback, CallbackParams};
use app::server::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;

/// `GET /oauth/{platform}/start`.
pub async fn start(
    State(state): State<AppState>,
    Extension(SessionUser(user)): Extension<SessionUser>,
    Path(platform): Path<String>,
) -> Response {
    let (user, platform) = match signed_in(user, &platform) {
        Ok(both) => both,
        Err(refusal) => return refusal.into_response(),
    };
    match oauth::start(&state.db, &state.vault, &state.settings, &user, platform).await {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(err) => back_with(&state, &err),
    }
}

/// `GET /oauth/{platform}/callback?code=&state=` (or `?error=&error_description=&state=`).
pub async fn callback(
    State(state): State<AppState>,
    Extension(SessionUser(user)): Extension<SessionUser>,
    Path(platform): Path<String>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let (user, platform) = match signed_in(user, &platform) {
        Ok(both) => both,
        Err(refusal) => return refusal.into_response(),
    };
    // An unreadable query is a callback without state: refused as such.
    let mut query = query.map(|Query(q)| q).unwrap_or_default();
    let params = CallbackParams {
        state: query.remove("state"),
        code: query.remove("code"),
        error: query.remove("error"),
        error_description: query.remove("error_description"),
    };
    let outcome = oauth::callback(
        &state.db,
        &state.vault,
        &state.oauth,
        &state.settings,
        &user,
        platform,
        params,
    )
    .await;
    match outcome {
        Ok(Callback::Choose(id)) => Redirect::to(&format!("/accounts/connect?attempt={id}")),
        Ok(Callback::Connected(_)) => Redirect::to("/accounts?notice=oauth-connected"),
        Err(err) => return back_with(&state, &err),
    }
    .into_response()
}

/// Why a sign-in route does not run: a signed-out browser is sent to sign in, an unknown
/// platform is a 404.
enum Refusal {
    SignedOut,
    UnknownPlatform,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::SignedOut => Redirect::to("/login?next=%2Faccounts").into_response(),
            Refusal::UnknownPlatform => AppError::not_found("Page").into_response(),
        }
    }
}

/// The session's user and the path's platform.
fn signed_in(
    user: Option<user::Model>,
    platform: &str,
) -> Result<(user::Model, Platform), Refusal> {
    let user = user.ok_or(Refusal::SignedOut)?;
    let platform = Platform::parse(platform).ok_or(Refusal::UnknownPlatform)?;
    Ok((user, platform))
}

/// Back to the accounts page, which shows why. The reason goes in a short-lived cookie for
/// this browser, never in the address: a link cannot put words on the page, and the
/// platform's text stays out of access logs and browser history.
fn back_with(state: &AppState, err: &AppError) -> Response {
    let cookie = set_oauth_error_cookie(&err.to_string(), state.settings.secure_cookies());
    ([(SET_COOKIE, cookie)], Redirect::to("/accounts")).into_response()
}
