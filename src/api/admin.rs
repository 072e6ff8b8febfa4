//! `/api/v1/admin`: the event log and user management (admins only, with an access token;
//! others and API keys 403).

use app::error::AppError;
use app::model::{AdminUser, EventKind, EventLevel, LogEntry, Page, PlanTier, Role};
use app::server::services::admin::{self, UserPatch};
use app::server::services::event_log::LogFilter;
use app::server::AppState;
use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::extract::{ApiJson, ApiQuery, IdPath, Pagination, SignedIn};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    kind: Option<EventKind>,
    level: Option<EventLevel>,
    user_id: Option<Uuid>,
    /// Only the entries about this post.
    post_id: Option<Uuid>,
    /// Text the message contains (any case).
    q: Option<String>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
}

#[utoipa::path(get, operation_id = "admin_logs", path = "/admin/logs", tag = "admin", params(LogQuery, crate::api::docs::PageParams), responses((status = 200, description = "OK", body = Page<LogEntry>)))]
pub async fn logs(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    ApiQuery(query): ApiQuery<LogQuery>,
    Pagination(page): Pagination,
) -> Result<Json<Page<LogEntry>>, AppError> {
    let filter = LogFilter {
        kind: query.kind,
        level: query.level,
        user_id: query.user_id,
        post_id: query.post_id,
        q: query.q,
        since: query.since,
        until: query.until,
    };
    Ok(Json(admin::logs(&state.db, &actor, filter, page).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsersQuery {
    q: Option<String>,
}

#[utoipa::path(get, operation_id = "admin_users", path = "/admin/users", tag = "admin", params(UsersQuery, crate::api::docs::PageParams), responses((status = 200, description = "OK", body = Page<AdminUser>)))]
pub async fn users(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    ApiQuery(query): ApiQuery<UsersQuery>,
    Pagination(page): Pagination,
) -> Result<Json<Page<AdminUser>>, AppError> {
    Ok(Json(
        admin::users(&state.db, &actor, query.q.as_deref(), page).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatchBody {
    plan: Option<PlanTier>,
    role: Option<Role>,
    is_active: Option<bool>,
}

#[utoipa::path(patch, operation_id = "admin_update_user", path = "/admin/users/{id}", tag = "admin", params(("id" = Uuid, Path, description = "The resource id")), request_body = UserPatchBody, responses((status = 200, description = "OK", body = AdminUser)))]
pub async fn update_user(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<UserPatchBody>,
) -> Result<Json<AdminUser>, AppError> {
    let patch = UserPatch {
        plan: body.plan,
        role: body.role,
        is_active: body.is_active,
    };
    Ok(Json(
        admin::update_user(&state.db, &actor, id, patch).await?,
    ))
}
