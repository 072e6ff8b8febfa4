//! The admin console's data: the event log and user management. Admins only; every change an
//! admin makes (and every export) is itself written to the event log.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::event_log::{self, Event, LogCursor, LogFilter, LogSlice};
use super::paging::PageRequest;
use crate::error::AppError;
use crate::model::{AdminUser, EventKind, LogEntry, Page, PlanTier, Role};
use crate::server::entities::{event_log as log, post, social_account, user};

pub fn require_admin(actor: &user::Model) -> Result<(), AppError> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden("Only admins can do this".into()))
    }
}

/// The event log for the REST API: newest first, by page number (the console pages by
/// keyset instead: `log_page`).
pub async fn logs(
    db: &impl ConnectionTrait,
    actor: &user::Model,
    filter: LogFilter,
    page: PageRequest,
) -> Result<Page<LogEntry>, AppError> {
    require_admin(actor)?;
    filter.check()?;
    let select = log::Entity::find()
        .filter(filter.condition(db.get_database_backend()))
        .order_by_desc(log::Column::At)
        .order_by_desc(log::Column::Id);
    page.fetch(db, select, log::Model::entry).await
}

/// Entries a console page shows.
pub const LOG_PAGE_SIZE: u64 = 50;
/// The most entries one export holds (newest first).
pub const EXPORT_MAX: u64 = 10_000;

/// A page of the console's log: the newest entries the filter selects, older than `before`.
pub async fn log_page(
    db: &impl ConnectionTrait,
    actor: &user::Model,
    filter: &LogFilter,
    before: Option<LogCursor>,
) -> Result<LogSlice, AppError> {
    require_admin(actor)?;
    event_log::newest(db, filter, before, LOG_PAGE_SIZE).await
}

/// The filtered view for download, newest first, at most `EXPORT_MAX` entries (the second
/// value says whether there were more). The export is itself written to the log.
pub async fn export_logs(
    db: &impl ConnectionTrait,
    actor: &user::Model,
    filter: &LogFilter,
) -> Result<(Vec<LogEntry>, bool), AppError> {
    require_admin(actor)?;
    let mut entries = Vec::new();
    let mut before = None;
    let truncated = loop {
        let left = EXPORT_MAX - entries.len() as u64;
        let slice = event_log::newest(db, filter, before, left.min(1_000)).await?;
        entries.extend(slice.entries);
        match slice.older {
            Some(cursor) if (entries.len() as u64) < EXPORT_MAX => before = Some(cursor),
            Some(_) => break true,
            None => break false,
        }
    };
    event_log::record(
        db,
        Event::new(
            EventKind::Audit,
            format!(
                "Admin {} exported {} log entries",
                actor.email,
                entries.len()
            ),
        )
        .user(actor.id)
        .data(json!({ "by": actor.id, "count": entries.len(), "filter": describe(filter) })),
    )
    .await;
    Ok((entries, truncated))
}

/// Entries as CSV: one line each, its data as JSON in the last column. Text that a
/// spreadsheet would run as a formula is kept inert.
pub fn logs_csv(entries: &[LogEntry]) -> String {
    use crate::server::csv::{inert, write_record};
    let mut out = String::new();
    write_record(
        &mut out,
        &[
            "at", "level", "kind", "user_id", "post_id", "message", "data",
        ],
    );
    for entry in entries {
        let id = |id: Option<Uuid>| id.map(|id| id.to_string()).unwrap_or_default();
        write_record(
            &mut out,
            &[
                entry.at.to_rfc3339(),
                entry.level.to_string(),
                entry.kind.to_string(),
                id(entry.user_id),
                id(entry.post_id),
                inert(&entry.message).into_owned(),
                inert(&entry.data.to_string()).into_owned(),
            ],
        );
    }
    out
}

/// A filter in words, for the audit entry of an export.
fn describe(filter: &LogFilter) -> serde_json::Value {
    json!({
        "kind": filter.kind,
        "level": filter.level,
        "user_id": filter.user_id,
        "post_id": filter.post_id,
        "q": filter.text(),
        "since": filter.since,
        "until": filter.until,
    })
}

/// Posts and connected accounts of each of `ids`, two grouped queries for a whole page.
async fn counts(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<(HashMap<Uuid, u64>, HashMap<Uuid, u64>), AppError> {
    let posts = post::Entity::find()
        .filter(post::Column::UserId.is_in(ids.to_vec()))
        .select_only()
        .column(post::Column::UserId)
        .column_as(post::Column::Id.count(), "n")
        .group_by(post::Column::UserId)
        .into_tuple::<(Uuid, i64)>()
        .all(db);
    let accounts = social_account::Entity::find()
        .filter(social_account::Column::UserId.is_in(ids.to_vec()))
        .filter(social_account::Column::IsConnected.eq(true))
        .select_only()
        .column(social_account::Column::UserId)
        .column_as(social_account::Column::Id.count(), "n")
        .group_by(social_account::Column::UserId)
        .into_tuple::<(Uuid, i64)>()
        .all(db);
    let (posts, accounts) = futures::try_join!(posts, accounts)?;
    let map = |rows: Vec<(Uuid, i64)>| {
        rows.into_iter()
            .map(|(id, n)| (id, n.max(0) as u64))
            .collect::<HashMap<_, _>>()
    };
    Ok((map(posts), map(accounts)))
}

async fn admin_views(
    db: &impl ConnectionTrait,
    users: Vec<user::Model>,
) -> Result<Vec<AdminUser>, AppError> {
    let ids: Vec<Uuid> = users.iter().map(|u| u.id).collect();
    let (posts, accounts) = counts(db, &ids).await?;
    Ok(users
        .into_iter()
        .map(|u| AdminUser {
            posts: posts.get(&u.id).copied().unwrap_or(0),
            accounts: accounts.get(&u.id).copied().unwrap_or(0),
            id: u.id,
            email: u.email,
            plan: u.plan,
            role: u.role,
            is_active: u.is_active,
            created_at: u.created_at,
        })
        .collect())
}

/// Users, newest first, optionally those whose email contains `q`.
pub async fn users(
    db: &impl ConnectionTrait,
    actor: &user::Model,
    q: Option<&str>,
    page: PageRequest,
) -> Result<Page<AdminUser>, AppError> {
    require_admin(actor)?;
    let mut select = user::Entity::find();
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        select =
            select.filter(Condition::all().add(user::Column::Email.contains(q.to_lowercase())));
    }
    let select = select
        .order_by_desc(user::Column::CreatedAt)
        .order_by_desc(user::Column::Id);
    let found = page.fetch(db, select, |u| u).await?;
    Ok(Page {
        items: admin_views(db, found.items).await?,
        total: found.total,
        page: found.page,
        per_page: found.per_page,
    })
}

#[derive(Debug, Default, Clone, Copy)]
pub struct UserPatch {
    pub plan: Option<PlanTier>,
    pub role: Option<Role>,
    pub is_active: Option<bool>,
}

impl UserPatch {
    /// Whether it would take admin access away (from an admin).
    fn removes_admin_access(&self) -> bool {
        self.role == Some(Role::Member) || self.is_active == Some(false)
    }
}

/// Changes a user's plan, role or active flag. Admins cannot lock themselves out, and two
/// admins removing each other's access at once cannot both succeed: the actor's and the
/// target's rows are locked (in id order) and the actor's access is read again inside.
pub async fn update_user<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &user::Model,
    id: Uuid,
    patch: UserPatch,
) -> Result<AdminUser, AppError> {
    require_admin(actor)?;
    if id == actor.id && patch.removes_admin_access() {
        return Err(AppError::BadRequest(
            "You cannot remove your own admin access".into(),
        ));
    }
    let (before, updated) = crate::server::db::retry_busy(|| async move {
        let txn = crate::server::db::begin_owners_write(db, &[actor.id, id]).await?;
        let still_admin = user::Entity::find_by_id(actor.id)
            .one(&txn)
            .await?
            .is_some_and(|me| me.role == Role::Admin && me.is_active);
        if !still_admin {
            return Err(AppError::Forbidden("Only admins can do this".into()));
        }
        let target = user::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| AppError::not_found("User"))?;
        let before = (target.plan, target.role, target.is_active);
        let mut active = target.into_active_model();
        if let Some(plan) = patch.plan {
            active.plan = Set(plan);
        }
        if let Some(role) = patch.role {
            active.role = Set(role);
        }
        if let Some(is_active) = patch.is_active {
            active.is_active = Set(is_active);
        }
        active.updated_at = Set(Utc::now());
        let updated = active.update(&txn).await?;
        if before.2 && !updated.is_active {
            // Deactivated: every session and refresh token ends now, so that reactivating
            // later does not bring old (or stolen) ones back to life.
            super::auth::end_sessions(&txn, updated.id).await?;
        }
        txn.commit().await?;
        Ok((before, updated))
    })
    .await?;
    let mut changes = Vec::new();
    if before.0 != updated.plan {
        changes.push(format!("plan {} → {}", before.0, updated.plan));
    }
    if before.1 != updated.role {
        changes.push(format!("role {} → {}", before.1, updated.role));
    }
    if before.2 != updated.is_active {
        changes.push(
            if updated.is_active {
                "reactivated"
            } else {
                "deactivated"
            }
            .to_string(),
        );
    }
    let what = if changes.is_empty() {
        "nothing changed".to_string()
    } else {
        changes.join(", ")
    };
    event_log::record(
        db,
        Event::new(
            EventKind::Audit,
            format!("Admin {} updated {}: {what}", actor.email, updated.email),
        )
        .user(updated.id)
        .data(json!({
            "by": actor.id,
            "by_email": actor.email,
            "before": { "plan": before.0, "role": before.1, "is_active": before.2 },
            "after": { "plan": updated.plan, "role": updated.role, "is_active": updated.is_active },
        })),
    )
    .await;
    let mut views = admin_views(db, vec![updated]).await?;
    Ok(views.remove(0))
}
