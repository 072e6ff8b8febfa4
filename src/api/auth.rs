//! `/api/v1/auth`: register, login, refresh, me, password reset and provisioning.

use app::error::AppError;
use app::model::{PlanTier, ProvisionedUser, TokenPair, UserProfile};
use app::server::services::auth::{self, ProvisionRequest, Refreshed, Reuse};
use app::server::AppState;
use axum::extract::State;
use axum::Json;
use http::StatusCode;
use serde::Deserialize;

use super::docs::Message;
use super::extract::{ApiJson, Caller, Provisioner};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct Credentials {
    #[schema(format = Email, max_length = 254)]
    email: String,
    /// 8 to 256 characters.
    #[schema(min_length = 8, max_length = 256)]
    password: String,
}

#[utoipa::path(post, operation_id = "auth_register", path = "/auth/register", tag = "auth", security(()), request_body = Credentials, responses((status = 201, description = "Signed up", body = TokenPair), (status = 409, description = "An account with this email exists", body = crate::api::docs::ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<(StatusCode, Json<TokenPair>), AppError> {
    let (_, pair) = auth::register(&state.db, &state.tokens, &body.email, &body.password).await?;
    Ok((StatusCode::CREATED, Json(pair)))
}

#[utoipa::path(post, operation_id = "auth_login", path = "/auth/login", tag = "auth", security(()), request_body = Credentials, responses((status = 200, description = "OK", body = TokenPair)))]
pub async fn login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<Json<TokenPair>, AppError> {
    let (_, pair) = auth::login(
        &state.db,
        &state.tokens,
        &state.settings.rate_limits,
        &body.email,
        &body.password,
    )
    .await?;
    Ok(Json(pair))
}

#[derive(Deserialize, ToSchema)]
pub struct RefreshRequest {
    refresh_token: String,
}

#[utoipa::path(post, operation_id = "auth_refresh", path = "/auth/refresh", tag = "auth", security(()), request_body = RefreshRequest, responses((status = 200, description = "Rotated", body = TokenPair)))]
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

#[utoipa::path(get, operation_id = "auth_me", path = "/auth/me", tag = "auth", responses((status = 200, description = "OK", body = UserProfile)))]
pub async fn me(caller: Caller) -> Json<UserProfile> {
    Json(caller.user.profile())
}

#[derive(Deserialize, ToSchema)]
pub struct ForgotPasswordRequest {
    email: String,
}

#[utoipa::path(post, operation_id = "auth_forgot_password", path = "/auth/forgot-password", tag = "auth", security(()), request_body = ForgotPasswordRequest, responses((status = 200, description = "OK", body = Message)))]
pub async fn forgot_password(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ForgotPasswordRequest>,
) -> Result<Json<Message>, AppError> {
    // Answered at once; the lookup and the mail happen in the background.
    drop(auth::forgot_password(
        &state.db,
        &state.mailer,
        &state.settings,
        &body.email,
    ));
    Ok(Json(Message {
        detail: app::fns::auth::FORGOT_PASSWORD_REPLY.into(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct ResetPasswordRequest {
    token: String,
    #[schema(min_length = 8, max_length = 256)]
    password: String,
}

#[utoipa::path(post, operation_id = "auth_reset_password", path = "/auth/reset-password", tag = "auth", security(()), request_body = ResetPasswordRequest, responses((status = 200, description = "OK", body = Message)))]
pub async fn reset_password(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ResetPasswordRequest>,
) -> Result<Json<Message>, AppError> {
    auth::reset_password(&state.db, &body.token, &body.password).await?;
    Ok(Json(Message {
        detail: "Your password has been changed".into(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct ProvisionBody {
    #[schema(format = Email, max_length = 254)]
    email: String,
    /// Without one the user signs in through the platform (or resets it).
    #[schema(min_length = 8, max_length = 256)]
    password: Option<String>,
    plan: Option<PlanTier>,
    external_platform_id: Option<String>,
    external_store_id: Option<String>,
}

/// Admins (JWT) or admins' API keys with the `provision` scope.
#[utoipa::path(post, operation_id = "auth_provision", path = "/auth/provision", tag = "auth", request_body = ProvisionBody, responses((status = 201, description = "Created", body = ProvisionedUser), (status = 409, description = "An account with this email exists", body = crate::api::docs::ErrorBody)))]
pub async fn provision(
    State(state): State<AppState>,
    Provisioner(actor): Provisioner,
    ApiJson(body): ApiJson<ProvisionBody>,
) -> Result<(StatusCode, Json<ProvisionedUser>), AppError> {
    let created = auth::provision(
        &state.db,
        actor.id,
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
