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
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct NewTemplateBody {
    /// Not blank; at most 255 characters once trimmed.
    #[schema(pattern = "\\S", max_length = 255)]
    name: String,
    #[schema(pattern = "\\S", max_length = 63206)]
    content: String,
    #[serde(default)]
    hashtags: Vec<String>,
    #[serde(default)]
    platforms: Vec<Platform>,
}

#[utoipa::path(post, operation_id = "templates_create", path = "/templates", tag = "templates", request_body = NewTemplateBody, responses((status = 201, description = "Created", body = TemplateView)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewTemplateBody>,
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

#[utoipa::path(get, operation_id = "templates_list", path = "/templates", tag = "templates", params(crate::api::docs::PageParams), responses((status = 200, description = "OK", body = Page<TemplateView>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Pagination(page): Pagination,
) -> Result<Json<Page<TemplateView>>, AppError> {
    Ok(Json(templates::list(&state.db, &caller.user, page).await?))
}

#[utoipa::path(get, operation_id = "templates_get", path = "/templates/{id}", tag = "templates", params(("id" = Uuid, Path, description = "The resource id")), responses((status = 200, description = "OK", body = TemplateView)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
) -> Result<Json<TemplateView>, AppError> {
    Ok(Json(
        templates::find(&state.db, &caller.user, id).await?.view(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplatePatchBody {
    /// May be left out, not cleared (`null` is 422).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = String, required = false, pattern = "\\S", max_length = 255)]
    name: Option<Option<String>>,
    /// May be left out, not cleared (`null` is 422).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = String, required = false, pattern = "\\S", max_length = 63206)]
    content: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    hashtags: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "present")]
    platforms: Option<Option<Vec<Platform>>>,
}

#[utoipa::path(patch, operation_id = "templates_update", path = "/templates/{id}", tag = "templates", params(("id" = Uuid, Path, description = "The resource id")), request_body = TemplatePatchBody, responses((status = 200, description = "OK", body = TemplateView)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<TemplatePatchBody>,
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

#[utoipa::path(delete, operation_id = "templates_delete", path = "/templates/{id}", tag = "templates", params(("id" = Uuid, Path, description = "The resource id")), responses((status = 204, description = "Deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
) -> Result<StatusCode, AppError> {
    templates::delete(&state.db, &caller.user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct RenderBody {
    /// The product's fields, read by the template's `{{product.field}}` placeholders.
    #[schema(value_type = Object)]
    product_data: Value,
}

#[utoipa::path(post, operation_id = "templates_render", path = "/templates/{id}/render", tag = "templates", params(("id" = Uuid, Path, description = "The resource id")), request_body = RenderBody, responses((status = 200, description = "OK", body = RenderedTemplate)))]
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
