//! Sign-in, sign-up, sign-out and password reset for the browser, on the same services as the
//! REST API. Sessions are HttpOnly cookies holding the API's access and refresh tokens.

use leptos::prelude::*;
use server_fn::codec::Postcard;

use crate::error::AppError;
use crate::model::UserProfile;

#[cfg(feature = "ssr")]
pub(crate) mod session {
    use leptos::prelude::use_context;
    use leptos_axum::ResponseOptions;

    use crate::model::TokenPair;
    use crate::server::auth::session::{cleared_session_cookies, session_cookies};
    use crate::server::AppState;

    fn append(cookies: [String; 2]) {
        if let Some(response) = use_context::<ResponseOptions>() {
            for cookie in cookies {
                if let Ok(value) = http::HeaderValue::from_str(&cookie) {
                    response.append_header(http::header::SET_COOKIE, value);
                }
            }
        }
    }

    pub fn sign_in(state: &AppState, pair: &TokenPair) {
        append(session_cookies(
            pair,
            &state.tokens,
            state.settings.secure_cookies(),
        ));
    }

    pub fn sign_out(state: &AppState) {
        append(cleared_session_cookies(state.settings.secure_cookies()));
    }
}

/// The signed-in user, or `None`.
#[server(prefix = "/fn", endpoint = "auth/me", output = Postcard)]
pub async fn current_user() -> Result<Option<UserProfile>, AppError> {
    Ok(crate::server::auth::session::session_user().map(|user| user.profile()))
}

#[server(prefix = "/fn", endpoint = "auth/login", output = Postcard)]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::{services::auth, state::app_state};
            let state = app_state()?;
            let (_, pair) = auth::login(
                &state.db,
                &state.tokens,
                &state.settings.rate_limits,
                &email,
                &password,
            )
            .await?;
            session::sign_in(&state, &pair);
            leptos_axum::redirect(&crate::nav::safe_next(next.as_deref()));
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/fn", endpoint = "auth/register", output = Postcard)]
pub async fn register(
    email: String,
    password: String,
    next: Option<String>,
    timezone: Option<String>,
) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::services::{auth, users};
            use crate::server::state::app_state;
            let state = app_state()?;
            let (user, pair) = auth::register(&state.db, &state.tokens, &email, &password).await?;
            // The browser's zone, sent by the page once hydrated; without it (no JavaScript,
            // or a name we do not know) the account stays on UTC until changed in settings.
            if let Some(zone) = timezone.filter(|z| !z.is_empty() && z != "UTC") {
                if let Err(err) = users::set_timezone(&state.db, user, &zone).await {
                    tracing::info!(error = %err, "registration kept UTC");
                }
            }
            session::sign_in(&state, &pair);
            leptos_axum::redirect(&crate::nav::safe_next(next.as_deref()));
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/fn", endpoint = "auth/logout", output = Postcard)]
pub async fn logout() -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::auth::cookies::{read_cookie, REFRESH_COOKIE};
            use crate::server::{services::auth, state::app_state};
            let state = app_state()?;
            let refresh = use_context::<http::request::Parts>()
                .and_then(|parts| read_cookie(&parts.headers, REFRESH_COOKIE));
            if let Some(token) = refresh {
                auth::logout(&state.db, &state.tokens, &token).await?;
            }
            session::sign_out(&state);
            leptos_axum::redirect("/login");
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/fn", endpoint = "auth/forgot-password", output = Postcard)]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::{services::auth, state::app_state};
            let state = app_state()?;
            // Answered at once; the lookup and the mail happen in the background.
            drop(auth::forgot_password(
                &state.db,
                &state.mailer,
                &state.settings,
                &email,
            ));
            // The page's form comes back to say `FORGOT_PASSWORD_REPLY`.
            leptos_axum::redirect("/forgot-password?sent=1");
            Ok(())
        }
        .await,
    )
}

/// The same answer whether or not the email has an account.
pub const FORGOT_PASSWORD_REPLY: &str =
    "If an account exists for that email, a link to reset the password is on its way.";

#[server(prefix = "/fn", endpoint = "auth/reset-password", output = Postcard)]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::{services::auth, state::app_state};
            let state = app_state()?;
            auth::reset_password(&state.db, &token, &password).await?;
            leptos_axum::redirect("/login?reset=1");
            Ok(())
        }
        .await,
    )
}
