//! Browser sessions: the middleware in front of pages and server functions. It refuses
//! state-changing requests from other origins, resolves the signed-in user from the session
//! cookies (refreshing silently when the access token has expired), and sends signed-out
//! visitors of dashboard pages to the login page.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use http::header::{HOST, LOCATION, ORIGIN, SET_COOKIE};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use leptos::prelude::use_context;

use super::cookies::{clear_cookie, read_cookie, set_cookie, ACCESS_COOKIE, REFRESH_COOKIE};
use super::tokens::TokenKeys;
use crate::error::AppError;
use crate::model::TokenPair;
use crate::nav;
use crate::server::entities::user;
use crate::server::services::auth::{self, Refreshed, Reuse};
use crate::server::AppState;

/// How long a just-rotated refresh cookie still signs in parallel requests.
const REFRESH_GRACE_SECONDS: i64 = 30;

/// The signed-in user of this request, if any (a request extension).
#[derive(Clone, Debug)]
pub struct SessionUser(pub Option<user::Model>);

pub async fn browser_session(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    if is_state_changing(req.method()) && !same_origin(req.headers()) {
        return AppError::Forbidden("Cross-site requests are not allowed".into()).into_response();
    }
    let mut cookies = Vec::new();
    let user = resolve_user(&state, req.headers(), &mut cookies).await;

    let mut response = if user.is_none()
        && req.method() == Method::GET
        && nav::is_protected_path(req.uri().path())
    {
        let target = req
            .uri()
            .path_and_query()
            .map(|pq| pq.as_str())
            .unwrap_or("/dashboard");
        let location = format!("/login?next={}", percent_encode(target));
        Response::builder()
            .status(StatusCode::FOUND)
            .header(LOCATION, location)
            .body(Body::empty())
            .expect("a redirect with a valid header")
    } else {
        req.extensions_mut().insert(SessionUser(user));
        next.run(req).await
    };
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

async fn resolve_user(
    state: &AppState,
    headers: &HeaderMap,
    cookies: &mut Vec<String>,
) -> Option<user::Model> {
    if let Some(access) = read_cookie(headers, ACCESS_COOKIE) {
        if let Ok(user) = auth::authenticate_access(&state.db, &state.tokens, &access).await {
            return Some(user);
        }
    }
    let refresh = read_cookie(headers, REFRESH_COOKIE)?;
    let grace = Reuse::Grace(Duration::seconds(REFRESH_GRACE_SECONDS));
    let secure = state.settings.secure_cookies();
    match auth::refresh(&state.db, &state.tokens, &refresh, grace).await {
        Ok(Refreshed::Rotated(user, pair)) => {
            cookies.extend(session_cookies(&pair, &state.tokens, secure));
            Some(user)
        }
        Ok(Refreshed::Concurrent(user)) => Some(user),
        Err(AppError::Unauthorized(_)) => {
            cookies.extend(cleared_session_cookies(secure));
            None
        }
        // The database is down: keep the cookies for when it is back.
        Err(_) => None,
    }
}

/// The two Set-Cookie values that sign a browser in with `pair`.
pub fn session_cookies(pair: &TokenPair, keys: &TokenKeys, secure: bool) -> [String; 2] {
    [
        set_cookie(ACCESS_COOKIE, &pair.access_token, keys.access_ttl, secure),
        set_cookie(
            REFRESH_COOKIE,
            &pair.refresh_token,
            keys.refresh_ttl,
            secure,
        ),
    ]
}

pub fn cleared_session_cookies(secure: bool) -> [String; 2] {
    [
        clear_cookie(ACCESS_COOKIE, secure),
        clear_cookie(REFRESH_COOKIE, secure),
    ]
}

fn is_state_changing(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A browser says where a request comes from (`Sec-Fetch-Site`, `Origin`); anything from
/// another site is refused. Requests without either header are not from a browser page.
fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if !matches!(site, "same-origin" | "none") {
            return false;
        }
    }
    match headers.get(ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(origin) => {
            let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
            let host = headers
                .get(HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
        }
    }
}

fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The signed-in user, inside a server function or while rendering a page.
pub fn session_user() -> Option<user::Model> {
    use_context::<http::request::Parts>()?
        .extensions
        .get::<SessionUser>()?
        .0
        .clone()
}

/// The signed-in user, or 401.
pub fn require_user() -> Result<user::Model, AppError> {
    session_user().ok_or_else(|| AppError::Unauthorized("Please sign in".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn other_origins_are_refused() {
        assert!(same_origin(&headers(&[
            ("host", "app.test:3000"),
            ("origin", "http://app.test:3000")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "app.test:3000"),
            ("origin", "https://evil.test")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "app.test"),
            ("sec-fetch-site", "cross-site")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "app.test"),
            ("sec-fetch-site", "same-site")
        ])));
        assert!(same_origin(&headers(&[
            ("host", "app.test"),
            ("sec-fetch-site", "same-origin")
        ])));
        assert!(same_origin(&headers(&[("host", "app.test")])));
    }

    #[test]
    fn next_targets_are_encoded() {
        assert_eq!(
            percent_encode("/calendar?m=11&y=2026"),
            "/calendar%3Fm%3D11%26y%3D2026"
        );
    }
}
