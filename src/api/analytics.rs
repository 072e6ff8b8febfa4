//! `/api/v1/analytics`: overview and per-post metrics.

use app::error::AppError;
use app::model::{AnalyticsOverview, Page, PostAnalytics};
use app::server::services::analytics;
use app::server::AppState;
use axum::extract::{Path, State};
use axum::Json;
use chrono::NaiveDate;
use serde::Deserialize;

use super::extract::{AcceptsGzip, ApiQuery, Caller, Pagination};
use super::KeptJson;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverviewQuery {
    start_date: Option<NaiveDate>,
    end_date: Option<NaiveDate>,
}

#[utoipa::path(get, operation_id = "analytics_overview", path = "/analytics/overview", tag = "analytics", params(OverviewQuery), responses((status = 200, description = "OK", body = AnalyticsOverview)))]
pub async fn overview(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<OverviewQuery>,
    gzip: AcceptsGzip,
) -> Result<KeptJson, AppError> {
    let answer = state
        .post_reads
        .overview(&state.db, &caller.user, query.start_date, query.end_date)
        .await?;
    Ok(KeptJson(answer, gzip))
}

#[utoipa::path(get, operation_id = "analytics_posts", path = "/analytics/posts", tag = "analytics", params(crate::api::docs::PageParams), responses((status = 200, description = "OK", body = Page<PostAnalytics>)))]
pub async fn posts(
    State(state): State<AppState>,
    caller: Caller,
    Pagination(page): Pagination,
) -> Result<Json<Page<PostAnalytics>>, AppError> {
    Ok(Json(analytics::posts(&state.db, &caller.user, page).await?))
}

#[utoipa::path(get, operation_id = "analytics_post", path = "/analytics/posts/{post_id}", tag = "analytics", params(("post_id" = Uuid, Path, description = "The post id")), responses((status = 200, description = "OK", body = PostAnalytics)))]
pub async fn post(
    State(state): State<AppState>,
    caller: Caller,
    Path(post_id): Path<String>,
) -> Result<Json<PostAnalytics>, AppError> {
    let post_id = post_id.parse().map_err(|_| AppError::not_found("Post"))?;
    Ok(Json(
        analytics::post(&state.db, &caller.user, post_id).await?,
    ))
}
