//! Request extractors of the REST API: JSON bodies whose faults are the contract's 422/413,
//! path ids, pagination, and the caller (a bearer access token or an `X-API-Key`; admins and
//! provisioners have extractors of their own).

use app::error::AppError;
use app::model::Role;
use app::server::entities::user;
use app::server::services::api_keys::{self, KeyGrant};
use app::server::services::auth;
use app::server::services::paging::PageRequest;
use app::server::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use http::request::Parts;
use http::StatusCode;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// A JSON body. Malformed JSON, wrong types, unknown enum values or a missing content type →
/// 422 with serde's explanation; over the size limit → 413.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_error(rejection)),
        }
    }
}

fn json_error(rejection: JsonRejection) -> AppError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return AppError::PayloadTooLarge("Request body is too large".into());
    }
    let message = match rejection {
        JsonRejection::MissingJsonContentType(_) => {
            "Expected a JSON body with Content-Type: application/json".to_string()
        }
        JsonRejection::JsonDataError(err) => format!("Invalid request body: {}", err.body_text()),
        JsonRejection::JsonSyntaxError(err) => format!("Malformed JSON: {}", err.body_text()),
        other => other.body_text(),
    };
    AppError::Validation {
        field: None,
        message,
    }
}

/// A UUID path parameter; anything else is "not found" (there is no such resource).
pub struct IdPath(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(raw)) => Uuid::parse_str(&raw)
                .map(IdPath)
                .map_err(|_| AppError::NotFound("Not found".into())),
            Err(_) => Err(AppError::NotFound("Not found".into())),
        }
    }
}

/// Who is calling: a user signed in with a bearer access token, or an API key's owner.
pub struct Caller {
    pub user: user::Model,
    pub key: Option<KeyGrant>,
}

/// The credential a request carries, before it is checked.
enum Credential<'a> {
    ApiKey(&'a str),
    Bearer(&'a str),
}

fn credential(parts: &Parts) -> Result<Credential<'_>, AppError> {
    if let Some(raw) = parts.headers.get("x-api-key") {
        return raw
            .to_str()
            .map(Credential::ApiKey)
            .map_err(|_| AppError::Unauthorized("Invalid API key".into()));
    }
    let header = parts
        .headers
        .get(http::header::AUTHORIZATION)
        .ok_or_else(|| AppError::Unauthorized("Not authenticated".into()))?;
    header
        .to_str()
        .ok()
        .and_then(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(Credential::Bearer)
        .ok_or_else(|| AppError::Unauthorized("Expected Authorization: Bearer <token>".into()))
}

/// A valid key, within its plan's requests per minute (else 429 with `Retry-After`).
async fn authenticate_key(state: &AppState, raw: &str) -> Result<KeyGrant, AppError> {
    let grant = api_keys::authenticate(&state.db, raw).await?;
    state.limits.api_key(grant.key_id, grant.user.plan)?;
    Ok(grant)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match credential(parts)? {
            Credential::ApiKey(raw) => {
                let grant = authenticate_key(state, raw).await?;
                if !grant.allows_method(&parts.method) {
                    return Err(AppError::Forbidden(grant.method_refusal().into()));
                }
                Ok(Caller {
                    user: grant.user.clone(),
                    key: Some(grant),
                })
            }
            Credential::Bearer(token) => {
                let user = auth::authenticate_access(&state.db, &state.tokens, token).await?;
                Ok(Caller { user, key: None })
            }
        }
    }
}

/// A user signed in with a bearer access token; API keys are refused whatever their scopes.
/// The admin endpoints take this (their services check the role): a leaked key must never
/// open user management or the event log.
pub struct SignedIn(pub user::Model);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match credential(parts)? {
            Credential::ApiKey(_) => Err(AppError::Forbidden(
                "This endpoint needs an access token, not an API key".into(),
            )),
            Credential::Bearer(token) => auth::authenticate_access(&state.db, &state.tokens, token)
                .await
                .map(SignedIn),
        }
    }
}

/// Who may provision users: an admin with a bearer access token, or an API key with the
/// `provision` scope (which `api_keys::authenticate` keeps only while its owner is an admin).
/// A provisioning key needs neither `read` nor `write`.
pub struct Provisioner(pub user::Model);

impl FromRequestParts<AppState> for Provisioner {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let allowed = match credential(parts)? {
            Credential::ApiKey(raw) => {
                let grant = authenticate_key(state, raw).await?;
                grant.has_scope("provision").then_some(grant.user)
            }
            Credential::Bearer(token) => {
                let user = auth::authenticate_access(&state.db, &state.tokens, token).await?;
                (user.role == Role::Admin).then_some(user)
            }
        };
        allowed.map(Provisioner).ok_or_else(|| {
            AppError::Forbidden(
                "Provisioning needs an admin account or an admin's API key with the provision scope"
                    .into(),
            )
        })
    }
}

/// `?page=&per_page=`: 1-based page (default 1), page size 1–100 (default 20); else 422.
pub struct Pagination(pub PageRequest);

impl<S: Send + Sync> FromRequestParts<S> for Pagination {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let mut page = None;
        let mut per_page = None;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let parsed = || {
                value.parse::<u64>().map_err(|_| {
                    AppError::validation(key, format!("{key} must be a positive whole number"))
                })
            };
            match key {
                "page" => page = Some(parsed()?),
                "per_page" => per_page = Some(parsed()?),
                _ => {}
            }
        }
        PageRequest::new(page, per_page).map(Pagination)
    }
}

/// Query parameters; a malformed value (an unknown status, a bad date) → 422.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| ApiQuery(value))
            .map_err(|rejection| AppError::Validation {
                field: None,
                message: rejection.body_text(),
            })
    }
}

/// A JSON body that may be left out entirely, or be `null` (then `T::default()`); otherwise
/// as `ApiJson`.
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::PayloadTooLarge("Request body is too large".into())
                } else {
                    AppError::Validation {
                        field: None,
                        message: rejection.body_text(),
                    }
                }
            })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        serde_json::from_slice::<Option<T>>(&bytes)
            .map(|body| OptionalJson(body.unwrap_or_default()))
            .map_err(|err| AppError::Validation {
                field: None,
                message: format!("Invalid request body: {err}"),
            })
    }
}

/// For PATCH bodies (`#[serde(default, deserialize_with = "present")]`): an absent field is
/// `None` (unchanged), `null` is `Some(None)` (cleared), a value is `Some(Some(v))`.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}

/// A PATCH field that may be left out but not cleared: `null` → 422.
pub fn not_null<T>(field: &str, value: Option<Option<T>>) -> Result<Option<T>, AppError> {
    match value {
        Some(None) => Err(AppError::validation(
            field,
            format!("{field} cannot be null"),
        )),
        other => Ok(other.flatten()),
    }
}

/// Whether the client accepts a gzip body.
pub struct AcceptsGzip(pub bool);

impl<S: Send + Sync> FromRequestParts<S> for AcceptsGzip {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let values = parts
            .headers
            .get_all(http::header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|value| value.to_str().ok());
        Ok(AcceptsGzip(allows_gzip(values)))
    }
}

/// `Accept-Encoding` allows gzip when it names gzip (or x-gzip) with a non-zero quality, or
/// does not name it and allows `*`.
fn allows_gzip<'a>(values: impl Iterator<Item = &'a str>) -> bool {
    let mut any_allowed = false;
    for coding in values.flat_map(|value| value.split(',')) {
        let mut parts = coding.split(';').map(str::trim);
        let name = parts.next().unwrap_or_default();
        let allowed = !parts.any(|param| {
            param
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                == Some(0.0)
        });
        if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
            return allowed;
        }
        if name == "*" {
            any_allowed = allowed;
        }
    }
    any_allowed
}

#[cfg(test)]
mod tests {
    use super::allows_gzip;

    #[test]
    fn gzip_is_allowed_as_accept_encoding_says() {
        let allows = |header: &str| allows_gzip(std::iter::once(header));
        assert!(allows("gzip"));
        assert!(allows("br;q=1.0, GZIP;q=0.5"));
        assert!(allows("x-gzip"));
        assert!(allows("*"));
        assert!(!allows(""));
        assert!(!allows("br, deflate"));
        assert!(!allows("gzip;q=0"));
        assert!(!allows("*, gzip;q=0.0"));
        assert!(!allows("*;q=0"));
        assert!(allows_gzip(["br", "gzip"].into_iter()), "several headers");
    }
}
