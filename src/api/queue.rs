//! `/api/v1/queue`: product items, caption generation, approve (→ posts) and reject.

use app::error::AppError;
use app::model::{ApprovedItem, GeneratedCaption, Page, Platform, QueueItemView, QueueStatus};
use app::server::captions::{Product, Tone};
use app::server::services::{product_import, queue};
use app::server::AppState;
use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use http::StatusCode;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::extract::{ApiJson, ApiQuery, Caller, IdPath, OptionalJson, Pagination};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, ToSchema)]
pub struct NewQueueItemBody {
    product_data: Product,
    platforms: Vec<Platform>,
}

#[utoipa::path(post, operation_id = "queue_create", path = "/queue", tag = "queue", request_body = NewQueueItemBody, responses((status = 201, description = "Queued", body = QueueItemView)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewQueueItemBody>,
) -> Result<(StatusCode, Json<QueueItemView>), AppError> {
    let item = queue::create(&state.db, &caller.user, body.product_data, body.platforms).await?;
    Ok((StatusCode::CREATED, Json(item)))
}

#[derive(Deserialize, ToSchema)]
pub struct ImportBody {
    /// The product page, http or https.
    #[schema(pattern = "^[Hh][Tt][Tt][Pp][Ss]?://")]
    url: String,
    #[serde(default)]
    platforms: Option<Vec<Platform>>,
}

/// Reads a product page and queues its product (for Instagram and Facebook unless told).
#[utoipa::path(post, operation_id = "queue_import", path = "/queue/import", tag = "queue", request_body = ImportBody, responses((status = 201, description = "Imported and queued", body = QueueItemView)))]
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<ImportBody>,
) -> Result<(StatusCode, Json<QueueItemView>), AppError> {
    let product = product_import::import(&state.settings.integrations, &body.url).await?;
    let platforms = body
        .platforms
        .unwrap_or_else(|| vec![Platform::Instagram, Platform::Facebook]);
    let item = queue::create(&state.db, &caller.user, product, platforms).await?;
    Ok((StatusCode::CREATED, Json(item)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    status: Option<QueueStatus>,
}

#[utoipa::path(get, operation_id = "queue_list", path = "/queue", tag = "queue", params(ListQuery, crate::api::docs::PageParams), responses((status = 200, description = "OK", body = Page<QueueItemView>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListQuery>,
    Pagination(page): Pagination,
) -> Result<Json<Page<QueueItemView>>, AppError> {
    Ok(Json(
        queue::list(&state.db, &caller.user, query.status, page).await?,
    ))
}

#[utoipa::path(get, operation_id = "queue_get", path = "/queue/{id}", tag = "queue", params(("id" = Uuid, Path, description = "The resource id")), responses((status = 200, description = "OK", body = QueueItemView)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
) -> Result<Json<QueueItemView>, AppError> {
    Ok(Json(queue::find(&state.db, &caller.user, id).await?.view()))
}

#[utoipa::path(delete, operation_id = "queue_delete", path = "/queue/{id}", tag = "queue", params(("id" = Uuid, Path, description = "The resource id")), responses((status = 204, description = "Deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
) -> Result<StatusCode, AppError> {
    queue::delete(&state.db, &caller.user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default, ToSchema)]
pub struct GenerateBody {
    #[serde(default)]
    tone: Option<Tone>,
}

/// `POST /queue/{id}/generate`: the queue item, and why the built-in writer wrote its caption
/// if the AI writer failed.
#[derive(Serialize, ToSchema)]
pub struct GeneratedItem {
    #[serde(flatten)]
    item: QueueItemView,
    /// Why the built-in writer wrote this caption instead of the AI writer (which failed), in
    /// plain words; null when the configured writer wrote it.
    fallback_reason: Option<String>,
}

#[utoipa::path(post, operation_id = "queue_generate", path = "/queue/{id}/generate", tag = "queue", params(("id" = Uuid, Path, description = "The resource id")), request_body = Option<GenerateBody>, responses((status = 200, description = "Captions written", body = GeneratedItem)))]
pub async fn generate(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
    OptionalJson(body): OptionalJson<GenerateBody>,
) -> Result<Json<GeneratedItem>, AppError> {
    let tone = body.tone.unwrap_or_default();
    let generated =
        queue::generate(&state.db, state.captions.as_ref(), &caller.user, id, tone).await?;
    Ok(Json(GeneratedItem {
        item: generated.item,
        fallback_reason: generated.fallback.map(|f| f.message()),
    }))
}

#[derive(Deserialize, Default, ToSchema)]
pub struct ApproveBody {
    scheduled_for: Option<DateTime<Utc>>,
    account_ids: Option<Vec<Uuid>>,
}

#[utoipa::path(post, operation_id = "queue_approve", path = "/queue/{id}/approve", tag = "queue", params(("id" = Uuid, Path, description = "The resource id")), request_body = Option<ApproveBody>, responses((status = 200, description = "Approved; posts created", body = ApprovedItem)))]
pub async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
    OptionalJson(body): OptionalJson<ApproveBody>,
) -> Result<Json<ApprovedItem>, AppError> {
    Ok(Json(
        queue::approve(
            &state.db,
            &caller.user,
            id,
            body.scheduled_for,
            body.account_ids,
        )
        .await?,
    ))
}

#[utoipa::path(post, operation_id = "queue_reject", path = "/queue/{id}/reject", tag = "queue", params(("id" = Uuid, Path, description = "The resource id")), responses((status = 200, description = "Rejected", body = QueueItemView)))]
pub async fn reject(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
) -> Result<Json<QueueItemView>, AppError> {
    Ok(Json(queue::reject(&state.db, &caller.user, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct CaptionBody {
    product_data: Product,
    platform: Platform,
    #[serde(default)]
    tone: Option<Tone>,
}

#[utoipa::path(post, operation_id = "queue_generate_caption", path = "/queue/generate-caption", tag = "queue", request_body = CaptionBody, responses((status = 200, description = "OK", body = GeneratedCaption)))]
pub async fn generate_caption(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CaptionBody>,
) -> Result<Json<GeneratedCaption>, AppError> {
    let tone = body.tone.unwrap_or_default();
    Ok(Json(
        queue::caption_for(
            &state.db,
            state.captions.as_ref(),
            &caller.user,
            body.product_data,
            body.platform,
            tone,
        )
        .await?,
    ))
}
