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

#[derive(Deserialize)]
pub struct CreateKey {
    name: String,
    scopes: Option<Vec<String>>,
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateKey>,
) -> Result<(StatusCode, Json<ApiKeyCreated>), AppError> {
    let key = api_keys::create(&state.db, &caller.user, &body.name, body.scopes).await?;
    Ok((StatusCode::CREATED, Json(key)))
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Pagination(page): Pagination,
) -> Result<Json<Page<ApiKeyInfo>>, AppError> {
    Ok(Json(api_keys::list(&state.db, &caller.user, page).await?))
}

pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
) -> Result<StatusCode, AppError> {
    api_keys::revoke(&state.db, &caller.user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
