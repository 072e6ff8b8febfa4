//! `/api/v1/api-keys`: create (the raw key is in this answer only), list, revoke.

use app::error::AppError;
use app::model::{ApiKeyCreated, ApiKeyInfo, Page};
use app::server::services::api_keys;
use app::server::AppState;
use axum::extract::State;
use axum::Json;
use http::StatusCode;
use serde::Deserialize;

use super::extract::{ApiJson, Caller, IdPath, Pagination};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct CreateKey {
    /// Not blank; at most 255 characters once trimmed.
    #[schema(pattern = "\\S", max_length = 255)]
    name: String,
    /// `read`, `write` and (admins only) `provision`; default `read` and `write`.
    #[schema(min_items = 1)]
    scopes: Option<Vec<String>>,
}

#[utoipa::path(post, operation_id = "api_keys_create", path = "/api-keys", tag = "api-keys", request_body = CreateKey, responses((status = 201, description = "Created; the key is shown only here", body = ApiKeyCreated)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateKey>,
) -> Result<(StatusCode, Json<ApiKeyCreated>), AppError> {
    let key = api_keys::create(&state.db, &caller.user, &body.name, body.scopes).await?;
    Ok((StatusCode::CREATED, Json(key)))
}

#[utoipa::path(get, operation_id = "api_keys_list", path = "/api-keys", tag = "api-keys", params(crate::api::docs::PageParams), responses((status = 200, description = "OK", body = Page<ApiKeyInfo>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Pagination(page): Pagination,
) -> Result<Json<Page<ApiKeyInfo>>, AppError> {
    Ok(Json(api_keys::list(&state.db, &caller.user, page).await?))
}

#[utoipa::path(delete, operation_id = "api_keys_revoke", path = "/api-keys/{id}", tag = "api-keys", params(("id" = Uuid, Path, description = "The resource id")), responses((status = 204, description = "Revoked")))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
) -> Result<StatusCode, AppError> {
    api_keys::revoke(&state.db, &caller.user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
