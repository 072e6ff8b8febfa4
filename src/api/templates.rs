//! `/api/v1/templates`: CRUD and rendering with product data.

use app::error::AppError;
use app::model::{Page, Platform, RenderedTemplate, TemplateView};
use app::server::services::templates::{self, NewTemplate, TemplatePatch};
use app::server::AppState;
use axum::extract::State;
use axum::Json;
use http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use super::extract::{not_null, present, ApiJson, Caller, IdPath, Pagination};

#[derive(Deserialize)]
pub struct CreateBody {
    name: String,
    content: String,
    #[serde(default)]
    hashtags: Vec<String>,
    #[serde(default)]
    platforms: Vec<Platform>,
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateBody>,
) -> Result<(StatusCode, Json<TemplateView>), AppError> {
    let new = NewTemplate {
        name: body.name,
        content: body.content,
        hashtags: body.hashtags,
        platforms: body.platforms,
    };
    Ok((
        StatusCode::CREATED,
        Json(templates::create(&state.db, &caller.user, new).await?),
    ))
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Pagination(page): Pagination,
) -> Result<Json<Page<TemplateView>>, AppError> {
    Ok(Json(templates::list(&state.db, &caller.user, page).await?))
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
) -> Result<Json<TemplateView>, AppError> {
    Ok(Json(
        templates::find(&state.db, &caller.user, id).await?.view(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchBody {
    #[serde(default, deserialize_with = "present")]
    name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    content: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    hashtags: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "present")]
    platforms: Option<Option<Vec<Platform>>>,
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<PatchBody>,
) -> Result<Json<TemplateView>, AppError> {
    let patch = TemplatePatch {
        name: not_null("name", body.name)?,
        content: not_null("content", body.content)?,
        hashtags: body.hashtags.map(Option::unwrap_or_default),
        platforms: body.platforms.map(Option::unwrap_or_default),
    };
    Ok(Json(
        templates::update(&state.db, &caller.user, id, patch).await?,
    ))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
) -> Result<StatusCode, AppError> {
    templates::delete(&state.db, &caller.user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct RenderBody {
    product_data: Value,
}

pub async fn render(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<RenderBody>,
) -> Result<Json<RenderedTemplate>, AppError> {
    Ok(Json(
        templates::render(&state.db, &caller.user, id, &body.product_data).await?,
    ))
}
