//! The admin console's data and its one form. The console's pages render on the server only
//! (nothing of them reaches the browser bundle), so their reads are plain server-side
//! functions the pages await; changing a user is a server function posted by a plain form.
//! Everyone but an admin gets `AppError::NotFound`: the console does not exist for them.
//!
//! Times are written in the admin's own zone, to the second.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::Postcard;
use uuid::Uuid;

use crate::components::url_state::encode;
use crate::error::AppError;
use crate::model::{PlanTier, Role};
use crate::server::entities::{social_account, user};
use crate::server::services::event_log::{LogCursor, LogFilter};
use crate::server::services::{admin, local_time, paging::PageRequest};
use crate::server::state::app_state;

/// The signed-in admin; anyone else is told the page does not exist.
pub fn require_admin() -> Result<user::Model, AppError> {
    crate::server::auth::session::session_user()
        .filter(|u| u.role == Role::Admin)
        .ok_or_else(|| AppError::not_found("Page"))
}

/// The log filter as the URL carries it (`/admin/logs?kind=&level=&user=&post=&q=&since=&until=&before=`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LogQuery {
    pub kind: Option<String>,
    pub level: Option<String>,
    /// A user's id or email.
    pub user: Option<String>,
    pub post: Option<String>,
    pub q: Option<String>,
    /// `datetime-local` values in the admin's zone.
    pub since: Option<String>,
    pub until: Option<String>,
    /// Where the page starts (a `LogCursor`); none for the newest.
    pub before: Option<String>,
}

impl LogQuery {
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut query = LogQuery::default();
        for (key, value) in pairs {
            let value = Some(value.to_string()).filter(|v| !v.trim().is_empty());
            match key {
                "kind" => query.kind = value,
                "level" => query.level = value,
                "user" => query.user = value,
                "post" => query.post = value,
                "q" => query.q = value,
                "since" => query.since = value,
                "until" => query.until = value,
                "before" => query.before = value,
                _ => {}
            }
        }
        query
    }

    /// The filter's part of the URL (without the page), for links that keep it.
    pub fn filter_params(&self) -> Vec<(&'static str, String)> {
        [
            ("kind", &self.kind),
            ("level", &self.level),
            ("user", &self.user),
            ("post", &self.post),
            ("q", &self.q),
            ("since", &self.since),
            ("until", &self.until),
        ]
        .into_iter()
        .filter_map(|(key, value)| value.clone().map(|v| (key, v)))
        .collect()
    }
}

/// Reads the URL's filter: unknown kinds or levels, bad ids, unknown users and impossible
/// ranges are the field's error.
pub async fn resolve_filter(
    db: &sea_orm::DatabaseConnection,
    query: &LogQuery,
    zone: Tz,
) -> Result<(LogFilter, Option<LogCursor>), AppError> {
    use crate::model::{EventKind, EventLevel};
    use crate::server::services::users;
    let kind = match query.kind.as_deref() {
        Some(value) => Some(
            EventKind::parse(value)
                .ok_or_else(|| AppError::validation("kind", format!("Unknown kind {value:?}")))?,
        ),
        None => None,
    };
    let level = match query.level.as_deref() {
        Some(value) => Some(
            EventLevel::parse(value)
                .ok_or_else(|| AppError::validation("level", format!("Unknown level {value:?}")))?,
        ),
        None => None,
    };
    let user_id = match query.user.as_deref().map(str::trim) {
        Some(value) => Some(match Uuid::parse_str(value) {
            Ok(id) => id,
            Err(_) => {
                let email = users::normalize_email(value)
                    .map_err(|_| AppError::validation("user", "Give a user's email or id"))?;
                users::find_by_email(db, &email)
                    .await?
                    .ok_or_else(|| {
                        AppError::validation("user", format!("No user has the email {email}"))
                    })?
                    .id
            }
        }),
        None => None,
    };
    let post_id = match query.post.as_deref().map(str::trim) {
        Some(value) => Some(
            Uuid::parse_str(value)
                .map_err(|_| AppError::validation("post", "A post is named by its id"))?,
        ),
        None => None,
    };
    let instant =
        |value: &Option<String>, field: &str| -> Result<Option<DateTime<Utc>>, AppError> {
            value
                .as_deref()
                .map(|v| {
                    let local = local_time::parse_local(v, field)?;
                    local_time::to_utc(zone, local, Some(local_time::Occurrence::Earlier), field)
                })
                .transpose()
        };
    let filter = LogFilter {
        kind,
        level,
        user_id,
        post_id,
        q: query.q.clone(),
        since: instant(&query.since, "since")?,
        until: instant(&query.until, "until")?,
    };
    filter.check()?;
    let before = query.before.as_deref().map(LogCursor::decode).transpose()?;
    Ok((filter, before))
}

/// An entry as the console shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogRow {
    pub id: Uuid,
    /// In the admin's zone, to the second.
    pub at: String,
    /// RFC 3339, for `<time datetime>`.
    pub at_iso: String,
    pub kind: String,
    pub level: String,
    pub message: String,
    pub user: Option<UserRef>,
    pub post_id: Option<Uuid>,
    pub account: Option<AccountRef>,
    /// The entry's data, pretty-printed.
    pub data: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRef {
    pub id: Uuid,
    /// None when the user has since been deleted.
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountRef {
    pub id: Uuid,
    /// None when the account has since been deleted.
    pub name: Option<String>,
    pub platform: Option<String>,
    pub connected: bool,
}

/// "2026-12-07 15:30:12" in `zone`.
pub fn log_time(zone: Tz, at: DateTime<Utc>) -> String {
    at.with_timezone(&zone)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Entries as rows, with the users and accounts they name looked up (two queries).
pub async fn rows(
    db: &sea_orm::DatabaseConnection,
    zone: Tz,
    entries: Vec<crate::model::LogEntry>,
) -> Result<Vec<LogRow>, AppError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use std::collections::HashMap;
    let account_of = |data: &serde_json::Value| {
        data.get("account_id")
            .and_then(|v| v.as_str())
            .and_then(|v| Uuid::parse_str(v).ok())
    };
    let mut user_ids: Vec<Uuid> = entries.iter().filter_map(|e| e.user_id).collect();
    user_ids.sort();
    user_ids.dedup();
    let mut account_ids: Vec<Uuid> = entries.iter().filter_map(|e| account_of(&e.data)).collect();
    account_ids.sort();
    account_ids.dedup();
    let (users, accounts) = futures::try_join!(
        user::Entity::find()
            .filter(user::Column::Id.is_in(user_ids))
            .all(db),
        social_account::Entity::find()
            .filter(social_account::Column::Id.is_in(account_ids))
            .all(db),
    )?;
    let emails: HashMap<Uuid, String> = users.into_iter().map(|u| (u.id, u.email)).collect();
    let accounts: HashMap<Uuid, social_account::Model> =
        accounts.into_iter().map(|a| (a.id, a)).collect();
    Ok(entries
        .into_iter()
        .map(|entry| {
            let account = account_of(&entry.data).map(|id| {
                let found = accounts.get(&id);
                AccountRef {
                    id,
                    name: found.map(|a| a.account_name.clone()),
                    platform: found.map(|a| a.platform.as_str().to_string()),
                    connected: found.is_some_and(|a| a.is_connected),
                }
            });
            LogRow {
                id: entry.id,
                at: log_time(zone, entry.at),
                at_iso: entry.at.to_rfc3339(),
                kind: entry.kind.as_str().to_string(),
                level: entry.level.as_str().to_string(),
                message: entry.message,
                user: entry.user_id.map(|id| UserRef {
                    id,
                    email: emails.get(&id).cloned(),
                }),
                post_id: entry.post_id,
                account,
                data: serde_json::to_string_pretty(&entry.data).unwrap_or_default(),
            }
        })
        .collect())
}

/// The logs page: a page of entries, the link to the next, and where the live tail starts.
#[derive(Debug, Clone, PartialEq)]
pub struct LogsPage {
    pub rows: Vec<LogRow>,
    /// The next (older) page's cursor.
    pub older: Option<String>,
    /// Whether this is a later page (a link back to the newest is offered).
    pub paged: bool,
    /// Where the live tail starts: the newest entry shown, or this render's time.
    pub tail_after: String,
    /// The admin's zone, for the range's label.
    pub zone: String,
}

pub async fn logs_page(query: &LogQuery) -> Result<LogsPage, AppError> {
    let state = app_state()?;
    let admin = require_admin()?;
    let zone = local_time::user_zone(&admin);
    let (filter, before) = resolve_filter(&state.db, query, zone).await?;
    let slice = admin::log_page(&state.db, &admin, &filter, before).await?;
    // The tail follows from the newest entry shown, or from this render on an empty list.
    let tail_after = slice
        .entries
        .first()
        .map(LogCursor::of)
        .unwrap_or(LogCursor {
            at: Utc::now(),
            id: Uuid::nil(),
        })
        .encode();
    Ok(LogsPage {
        tail_after,
        rows: rows(&state.db, zone, slice.entries).await?,
        older: slice.older.map(|c| c.encode()),
        paged: before.is_some(),
        zone: zone.name().to_string(),
    })
}

/// A user as the users page lists them.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub plan: PlanTier,
    pub role: Role,
    pub active: bool,
    pub joined: String,
    pub posts: u64,
    pub accounts: u64,
    /// The admin looking at the page (who cannot demote or deactivate themselves).
    pub is_you: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UsersPage {
    pub users: Vec<UserRow>,
    pub total: u64,
    pub page: u64,
    pub pages: u64,
}

pub const USERS_PER_PAGE: u64 = 25;

pub async fn users_page(q: Option<&str>, page: Option<u64>) -> Result<UsersPage, AppError> {
    let state = app_state()?;
    let admin = require_admin()?;
    let zone = local_time::user_zone(&admin);
    let found = admin::users(
        &state.db,
        &admin,
        q,
        PageRequest::new(page, Some(USERS_PER_PAGE))?,
    )
    .await?;
    Ok(UsersPage {
        pages: found.total.div_ceil(USERS_PER_PAGE).max(1),
        total: found.total,
        page: found.page,
        users: found
            .items
            .into_iter()
            .map(|u| UserRow {
                is_you: u.id == admin.id,
                id: u.id,
                email: u.email,
                plan: u.plan,
                role: u.role,
                active: u.is_active,
                joined: local_time::format_date(zone, u.created_at),
                posts: u.posts,
                accounts: u.accounts,
            })
            .collect(),
    })
}

/// Changes one thing about a user (the form sends one of `plan`, `role` or `active`) and
/// returns to the list as it was (`q`, `page`).
#[server(prefix = "/fn", endpoint = "admin/users/update", output = Postcard)]
pub async fn admin_update_user(
    id: Uuid,
    plan: Option<String>,
    role: Option<String>,
    active: Option<String>,
    q: Option<String>,
    page: Option<u64>,
) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::services::admin::UserPatch;
            let state = app_state()?;
            let admin = require_admin()?;
            let parse_plan = |v: &str| {
                PlanTier::parse(v)
                    .ok_or_else(|| AppError::validation("plan", format!("Unknown plan {v:?}")))
            };
            let parse_role = |v: &str| {
                Role::parse(v)
                    .ok_or_else(|| AppError::validation("role", format!("Unknown role {v:?}")))
            };
            let patch = UserPatch {
                plan: plan.as_deref().map(parse_plan).transpose()?,
                role: role.as_deref().map(parse_role).transpose()?,
                is_active: match active.as_deref() {
                    None => None,
                    Some("true") => Some(true),
                    Some("false") => Some(false),
                    Some(other) => {
                        return Err(AppError::validation(
                            "active",
                            format!("{other:?} is neither true nor false"),
                        ))
                    }
                },
            };
            admin::update_user(&state.db, &admin, id, patch).await?;
            let mut back = "/admin/users?notice=updated".to_string();
            if let Some(q) = q.filter(|q| !q.trim().is_empty()) {
                back.push_str(&format!("&q={}", encode(&q)));
            }
            if let Some(page) = page.filter(|p| *p > 1) {
                back.push_str(&format!("&page={page}"));
            }
            leptos_axum::redirect(&back);
            Ok(())
        }
        .await,
    )
}

/// One instance's scheduler on the system page.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceRow {
    pub name: String,
    pub version: String,
    pub started: String,
    pub last_tick: String,
    /// "12 s ago".
    pub last_tick_ago: String,
    pub took_ms: i64,
    pub error: Option<String>,
    pub silent: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SystemPage {
    pub instances: Vec<InstanceRow>,
    pub due_now: u64,
    pub waiting_since: Option<String>,
    pub publishing: u64,
    pub failed_24h: u64,
    pub failure_reasons: Vec<(String, u64)>,
    pub published_1h: u64,
    pub lateness_p50: Option<String>,
    pub lateness_p99: Option<String>,
    pub database: &'static str,
    pub database_size: String,
    pub version: &'static str,
    pub uptime: String,
    pub scheduler_enabled: bool,
}

/// "3 h 12 min", "42 s", "1.3 s", "120 ms".
pub fn duration_label(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    let s = d.as_secs();
    match () {
        _ if ms < 1_000 => format!("{ms} ms"),
        _ if s < 10 => format!("{:.1} s", d.as_secs_f64()),
        _ if s < 120 => format!("{s} s"),
        _ if s < 7_200 => format!("{} min", s / 60),
        _ if s < 172_800 => format!("{} h {} min", s / 3_600, s % 3_600 / 60),
        _ => format!("{} days {} h", s / 86_400, s % 86_400 / 3_600),
    }
}

/// "1.4 MB".
pub fn size_label(bytes: i64) -> String {
    let bytes = bytes.max(0) as f64;
    match bytes {
        b if b < 1_000.0 => format!("{b} B"),
        b if b < 1_000_000.0 => format!("{:.1} kB", b / 1_000.0),
        b if b < 1_000_000_000.0 => format!("{:.1} MB", b / 1_000_000.0),
        b => format!("{:.2} GB", b / 1_000_000_000.0),
    }
}

pub async fn system_page() -> Result<SystemPage, AppError> {
    use crate::server::db;
    use crate::server::publishing::health;
    let state = app_state()?;
    let admin = require_admin()?;
    let zone = local_time::user_zone(&admin);
    let now = Utc::now();
    let (scheduler, (database, size)) =
        futures::try_join!(health::snapshot(&state.db), db::kind_and_size(&state.db))?;
    let ago = |at: DateTime<Utc>| {
        format!(
            "{} ago",
            duration_label((now - at).to_std().unwrap_or_default())
        )
    };
    let lateness =
        |d: Option<chrono::Duration>| d.map(|d| duration_label(d.to_std().unwrap_or_default()));
    Ok(SystemPage {
        instances: scheduler
            .instances
            .into_iter()
            .map(|i| InstanceRow {
                last_tick_ago: ago(i.last_tick_at),
                name: i.instance,
                version: i.version,
                started: log_time(zone, i.started_at),
                last_tick: log_time(zone, i.last_tick_at),
                took_ms: i.last_tick_ms,
                error: i.last_error,
                silent: i.silent,
            })
            .collect(),
        due_now: scheduler.due_now,
        waiting_since: scheduler.waiting_since.map(ago),
        publishing: scheduler.publishing,
        failed_24h: scheduler.failed_24h,
        failure_reasons: scheduler.failure_reasons,
        published_1h: scheduler.published_1h,
        lateness_p50: lateness(scheduler.lateness_p50),
        lateness_p99: lateness(scheduler.lateness_p99),
        database,
        database_size: size_label(size),
        version: env!("CARGO_PKG_VERSION"),
        uptime: duration_label(health::uptime()),
        scheduler_enabled: state.settings.scheduler.enabled,
    })
}
