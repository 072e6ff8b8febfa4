//! `/api/v1/auth`: register, login, refresh, me, password reset and provisioning.

use app::error::AppError;
use app::model::{PlanTier, ProvisionedUser, Role, TokenPair, UserProfile};
use app::server::services::auth::{self, ProvisionRequest, Refreshed, Reuse};
use app::server::AppState;
use axum::extract::State;
use axum::Json;
use http::StatusCode;
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::{ApiJson, Caller};

#[derive(Deserialize)]
pub struct Credentials {
    email: String,
    password: String,
}

pub async fn register(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<(StatusCode, Json<TokenPair>), AppError> {
    let (_, pair) = auth::register(&state.db, &state.tokens, &body.email, &body.password).await?;
    Ok((StatusCode::CREATED, Json(pair)))
}

pub async fn login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<Json<TokenPair>, AppError> {
    let (_, pair) = auth::login(&state.db, &state.tokens, &body.email, &body.password).await?;
    Ok(Json(pair))
}

#[derive(Deserialize)]
pub struct RefreshRequest {
    refresh_token: String,
}

pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> Result<Json<TokenPair>, AppError> {
    match auth::refresh(&state.db, &state.tokens, &body.refresh_token, Reuse::Strict).await? {
        Refreshed::Rotated(_, pair) => Ok(Json(pair)),
        Refreshed::Concurrent(_) => Err(AppError::Unauthorized(
            "Refresh token has already been used".into(),
        )),
    }
}

pub async fn me(caller: Caller) -> Json<UserProfile> {
    Json(caller.user.profile())
}

#[derive(Deserialize)]
pub struct ForgotPasswordRequest {
    email: String,
}

pub async fn forgot_password(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ForgotPasswordRequest>,
) -> Result<Json<Value>, AppError> {
    auth::forgot_password(&state.db, &state.mailer, &state.settings, &body.email).await?;
    Ok(Json(
        json!({ "detail": app::fns::auth::FORGOT_PASSWORD_REPLY }),
    ))
}

#[derive(Deserialize)]
pub struct ResetPasswordRequest {
    token: String,
    password: String,
}

pub async fn reset_password(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ResetPasswordRequest>,
) -> Result<Json<Value>, AppError> {
    auth::reset_password(&state.db, &body.token, &body.password).await?;
    Ok(Json(json!({ "detail": "Your password has been changed" })))
}

#[derive(Deserialize)]
pub struct ProvisionBody {
    email: String,
    password: Option<String>,
    plan: Option<PlanTier>,
    external_platform_id: Option<String>,
    external_store_id: Option<String>,
}

/// Admins (JWT) or API keys with the `provision` scope.
pub async fn provision(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<ProvisionBody>,
) -> Result<(StatusCode, Json<ProvisionedUser>), AppError> {
    let allowed = match &caller.key {
        Some(grant) => grant.has_scope("provision"),
        None => caller.user.role == Role::Admin,
    };
    if !allowed {
        return Err(AppError::Forbidden(
            "Provisioning needs an admin account or an API key with the provision scope".into(),
        ));
    }
    let created = auth::provision(
        &state.db,
        caller.user.id,
        ProvisionRequest {
            email: body.email,
            password: body.password,
            plan: body.plan,
            external_platform_id: body.external_platform_id,
            external_store_id: body.external_store_id,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(created)))
}
