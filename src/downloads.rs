//! Files the dashboard downloads with a plain link (not the REST API): the post and analytics
//! exports, for the signed-in browser session, and the import template, the same for everyone.

use app::error::AppError;
use app::fns::analytics::{report_query, AnalyticsQuery};
use app::fns::posts::{parse_filter, PostQuery};
use app::server::auth::session::SessionUser;
use app::server::services::post_import::TEMPLATE_CSV;
use app::server::services::posts::{self, PostFilter};
use app::server::services::{account, analytics, local_time};
use app::server::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use chrono::Utc;
use http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use std::collections::HashMap;

const CSV: &str = "text/csv; charset=utf-8";
const JSON: &str = "application/json";

/// `GET /posts/export.csv?status=&platform=&account=&q=&sort=`: the signed-in user's posts
/// that the filter selects, as a CSV attachment. Empty values mean "any"; unknown ones are
/// a 422. Signed-out browsers are sent to sign in by the session guard; anything else
/// without a session gets a 401.
pub async fn export_posts(
    State(state): State<AppState>,
    Extension(SessionUser(user)): Extension<SessionUser>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, AppError> {
    let user = user.ok_or_else(|| AppError::Unauthorized("Sign in to export your posts".into()))?;
    let Query(query) = query.map_err(|e| AppError::Validation {
        field: None,
        message: format!("Invalid query: {}", e.body_text()),
    })?;
    let filter = export_filter(&query)?;
    let zone = local_time::user_zone(&user);
    let csv = posts::export_csv(&state.db, &user, filter, zone).await?;
    let filename = format!(
        "postpilot-posts-{}.csv",
        local_time::today(zone, Utc::now()).format("%Y-%m-%d")
    );
    Ok(attachment(csv, &filename, "no-store"))
}

/// `GET /analytics/export.csv?start=&end=&platform=` (or `?range=7|30|90`): the analytics
/// page's range, every published post in it with its metrics, as a CSV attachment. The
/// parameters are read by the analytics page's own parser; bad ones are a 422.
pub async fn export_analytics(
    State(state): State<AppState>,
    Extension(SessionUser(user)): Extension<SessionUser>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, AppError> {
    let user =
        user.ok_or_else(|| AppError::Unauthorized("Sign in to export your analytics".into()))?;
    let Query(query) = query.map_err(|e| AppError::Validation {
        field: None,
        message: format!("Invalid query: {}", e.body_text()),
    })?;
    let value = |key: &str| query.get(key).cloned();
    let zone = local_time::user_zone(&user);
    let (range, _) = report_query(
        &AnalyticsQuery {
            range: value("range"),
            start: value("start"),
            end: value("end"),
            platform: value("platform"),
        },
        zone,
        local_time::today(zone, Utc::now()),
    )?;
    let csv = analytics::export_csv(&state.db, &user, &range).await?;
    let filename = format!(
        "postpilot-analytics-{}-to-{}.csv",
        range.start.format("%Y-%m-%d"),
        range.end.format("%Y-%m-%d")
    );
    Ok(attachment(csv, &filename, "no-store"))
}

/// `GET /settings/export.json`: everything the signed-in user owns, as one JSON attachment
/// (`services::account::export`).
pub async fn export_account(
    State(state): State<AppState>,
    Extension(SessionUser(user)): Extension<SessionUser>,
) -> Result<Response, AppError> {
    let user = user.ok_or_else(|| AppError::Unauthorized("Sign in to export your data".into()))?;
    let document = account::export(&state.db, &user).await?;
    let body = serde_json::to_string_pretty(&document)
        .map_err(|e| AppError::internal("data export", e))?;
    let zone = local_time::user_zone(&user);
    let filename = format!(
        "postpilot-data-{}.json",
        local_time::today(zone, Utc::now()).format("%Y-%m-%d")
    );
    Ok(file(body, JSON, &filename, "no-store"))
}

/// The export's filter: the posts page's parameters, read by the page's own parser.
fn export_filter(query: &HashMap<String, String>) -> Result<PostFilter, AppError> {
    let value = |key: &str| query.get(key).cloned();
    parse_filter(&PostQuery {
        status: value("status"),
        platform: value("platform"),
        account: value("account"),
        q: value("q"),
        sort: value("sort"),
        page: None,
    })
}

/// `GET /posts/import-template.csv`: the CSV import's template (static, no session needed).
pub async fn import_template() -> Response {
    attachment(
        TEMPLATE_CSV.to_string(),
        "postpilot-import-template.csv",
        "public, max-age=3600",
    )
}

fn attachment(body: String, filename: &str, cache: &'static str) -> Response {
    file(body, CSV, filename, cache)
}

fn file(body: String, kind: &'static str, filename: &str, cache: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, kind.to_string()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (CACHE_CONTROL, cache.to_string()),
        ],
        body,
    )
        .into_response()
}
