//! `/api/v1/accounts`: connect, list, get, soft-disconnect social accounts (revoking a
//! platform token where the platform allows it).

use app::error::AppError;
use app::model::{Page, Platform, SocialAccountInfo};
use app::server::services::accounts::{self, ConnectRequest};
use app::server::services::oauth;
use app::server::AppState;
use axum::extract::State;
use axum::Json;
use http::StatusCode;
use serde::Deserialize;

use super::extract::{ApiJson, Caller, IdPath, Pagination};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct ConnectBody {
    platform: Platform,
    /// Not blank; at most 255 characters once trimmed.
    #[schema(pattern = "\\S", max_length = 255)]
    account_name: String,
    /// The platform's id of the account; none connects a sandbox account.
    #[schema(pattern = "\\S", max_length = 255)]
    account_id_external: Option<String>,
}

#[utoipa::path(post, operation_id = "accounts_connect", path = "/accounts", tag = "accounts", request_body = ConnectBody, responses((status = 201, description = "Connected", body = SocialAccountInfo), (status = 409, description = "This account is already connected", body = crate::api::docs::ErrorBody)))]
pub async fn connect(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<ConnectBody>,
) -> Result<(StatusCode, Json<SocialAccountInfo>), AppError> {
    let request = ConnectRequest {
        platform: body.platform,
        account_name: body.account_name,
        account_id_external: body.account_id_external,
    };
    let account = accounts::connect(&state.db, &caller.user, request).await?;
    Ok((StatusCode::CREATED, Json(account)))
}

#[utoipa::path(get, operation_id = "accounts_list", path = "/accounts", tag = "accounts", params(crate::api::docs::PageParams), responses((status = 200, description = "OK", body = Page<SocialAccountInfo>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Pagination(page): Pagination,
) -> Result<Json<Page<SocialAccountInfo>>, AppError> {
    Ok(Json(accounts::list(&state.db, &caller.user, page).await?))
}

#[utoipa::path(get, operation_id = "accounts_get", path = "/accounts/{id}", tag = "accounts", params(("id" = Uuid, Path, description = "The resource id")), responses((status = 200, description = "OK", body = SocialAccountInfo)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
) -> Result<Json<SocialAccountInfo>, AppError> {
    Ok(Json(
        accounts::find(&state.db, &caller.user, id).await?.info(),
    ))
}

#[utoipa::path(delete, operation_id = "accounts_disconnect", path = "/accounts/{id}", tag = "accounts", params(("id" = Uuid, Path, description = "The resource id")), responses((status = 204, description = "Disconnected")))]
pub async fn disconnect(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
) -> Result<StatusCode, AppError> {
    oauth::disconnect(&state.db, &state.vault, &state.oauth, &caller.user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
