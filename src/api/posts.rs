//! `/api/v1/posts`: create, list, read, edit, delete, schedule, retry, calendar.

use app::error::AppError;
use app::model::{Calendar, Page, Platform, PostDetail, PostStatus, PostView};
use app::server::services::posts::{self, NewPost, PostFilter, PostPatch};
use app::server::AppState;
use axum::extract::State;
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use http::StatusCode;
use serde::Deserialize;
use uuid::Uuid;

use super::extract::{
    not_null, present, AcceptsGzip, ApiJson, ApiQuery, Caller, IdPath, Pagination,
};
use super::KeptJson;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, ToSchema)]
pub struct NewPostBody {
    account_id: Uuid,
    /// Not blank; each platform has its own length limit.
    #[schema(pattern = "\\S")]
    content: String,
    /// http(s) URLs of photos or videos, at most 20.
    #[serde(default)]
    #[schema(max_items = 20)]
    media_urls: Vec<String>,
    /// Words, with or without `#`.
    #[serde(default)]
    hashtags: Vec<String>,
    scheduled_for: Option<DateTime<Utc>>,
}

#[utoipa::path(post, operation_id = "posts_create", path = "/posts", tag = "posts", request_body = NewPostBody, responses((status = 201, description = "Created", body = PostView)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewPostBody>,
) -> Result<(StatusCode, Json<PostView>), AppError> {
    let new = NewPost {
        account_id: body.account_id,
        content: body.content,
        media_urls: body.media_urls,
        hashtags: body.hashtags,
        scheduled_for: body.scheduled_for,
        queue_item_id: None,
    };
    Ok((
        StatusCode::CREATED,
        Json(posts::create(&state.db, &caller.user, new).await?),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    status: Option<PostStatus>,
    platform: Option<Platform>,
}

#[utoipa::path(get, operation_id = "posts_list", path = "/posts", tag = "posts", params(ListQuery, crate::api::docs::PageParams), responses((status = 200, description = "OK", body = Page<PostView>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListQuery>,
    Pagination(page): Pagination,
    gzip: AcceptsGzip,
) -> Result<KeptJson, AppError> {
    let filter = PostFilter {
        status: query.status,
        platform: query.platform,
        ..PostFilter::default()
    };
    let answer = state
        .post_reads
        .list(&state.db, &caller.user, filter, page)
        .await?;
    Ok(KeptJson(answer, gzip))
}

#[utoipa::path(get, operation_id = "posts_get", path = "/posts/{id}", tag = "posts", params(("id" = Uuid, Path, description = "The resource id")), responses((status = 200, description = "OK", body = PostDetail)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
) -> Result<Json<PostDetail>, AppError> {
    Ok(Json(posts::detail(&state.db, &caller.user, id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostPatchBody {
    /// May be left out, not cleared (`null` is 422).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = String, required = false, pattern = "\\S")]
    content: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    media_urls: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "present")]
    hashtags: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "present")]
    scheduled_for: Option<Option<DateTime<Utc>>>,
    /// May be left out, not cleared (`null` is 422).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Uuid, required = false)]
    account_id: Option<Option<Uuid>>,
}

#[utoipa::path(patch, operation_id = "posts_update", path = "/posts/{id}", tag = "posts", params(("id" = Uuid, Path, description = "The resource id")), request_body = PostPatchBody, responses((status = 200, description = "OK", body = PostView)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<PostPatchBody>,
) -> Result<Json<PostView>, AppError> {
    let patch = PostPatch {
        content: not_null("content", body.content)?,
        // For lists, null clears.
        media_urls: body.media_urls.map(Option::unwrap_or_default),
        hashtags: body.hashtags.map(Option::unwrap_or_default),
        scheduled_for: body.scheduled_for,
        account_id: not_null("account_id", body.account_id)?,
    };
    Ok(Json(
        posts::update(&state.db, &caller.user, id, patch).await?,
    ))
}

#[utoipa::path(delete, operation_id = "posts_delete", path = "/posts/{id}", tag = "posts", params(("id" = Uuid, Path, description = "The resource id")), responses((status = 204, description = "Deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
) -> Result<StatusCode, AppError> {
    posts::delete(&state.db, &caller.user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct ScheduleBody {
    scheduled_for: DateTime<Utc>,
}

#[utoipa::path(post, operation_id = "posts_schedule", path = "/posts/{id}/schedule", tag = "posts", params(("id" = Uuid, Path, description = "The resource id")), request_body = ScheduleBody, responses((status = 200, description = "Scheduled", body = PostView)))]
pub async fn schedule(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<ScheduleBody>,
) -> Result<Json<PostView>, AppError> {
    Ok(Json(
        posts::schedule(&state.db, &caller.user, id, body.scheduled_for).await?,
    ))
}

#[utoipa::path(post, operation_id = "posts_retry", path = "/posts/{id}/retry", tag = "posts", params(("id" = Uuid, Path, description = "The resource id")), responses((status = 200, description = "Rescheduled", body = PostView)))]
pub async fn retry(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
) -> Result<Json<PostView>, AppError> {
    Ok(Json(posts::retry(&state.db, &caller.user, id).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    start_date: NaiveDate,
    end_date: NaiveDate,
    tz: Option<String>,
}

#[utoipa::path(get, operation_id = "posts_calendar", path = "/posts/calendar", tag = "posts", params(CalendarQuery), responses((status = 200, description = "OK", body = Calendar)))]
pub async fn calendar(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<CalendarQuery>,
    gzip: AcceptsGzip,
) -> Result<KeptJson, AppError> {
    let zone = posts::parse_zone(query.tz.as_deref())?;
    let answer = state
        .post_reads
        .calendar(
            &state.db,
            &caller.user,
            query.start_date,
            query.end_date,
            zone,
        )
        .await?;
    Ok(KeptJson(answer, gzip))
}
