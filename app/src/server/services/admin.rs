//! The admin console's data: the event log and user management. Admins only.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::event_log::{self, Event};
use super::paging::PageRequest;
use crate::error::AppError;
use crate::model::{AdminUser, EventKind, EventLevel, LogEntry, Page, PlanTier, Role};
use crate::server::entities::{event_log as log, post, social_account, user};

pub fn require_admin(actor: &user::Model) -> Result<(), AppError> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden("Only admins can do this".into()))
    }
}

#[derive(Debug, Default)]
pub struct LogFilter {
    pub kind: Option<EventKind>,
    pub level: Option<EventLevel>,
    pub user_id: Option<Uuid>,
    pub q: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// The event log, newest first.
pub async fn logs(
    db: &impl ConnectionTrait,
    actor: &user::Model,
    filter: LogFilter,
    page: PageRequest,
) -> Result<Page<LogEntry>, AppError> {
    require_admin(actor)?;
    let mut select = log::Entity::find();
    if let Some(kind) = filter.kind {
        select = select.filter(log::Column::Kind.eq(kind));
    }
    if let Some(level) = filter.level {
        select = select.filter(log::Column::Level.eq(level));
    }
    if let Some(user_id) = filter.user_id {
        select = select.filter(log::Column::UserId.eq(user_id));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        select = select.filter(log::Column::Message.contains(q));
    }
    if let Some(since) = filter.since {
        select = select.filter(log::Column::At.gte(since));
    }
    if let Some(until) = filter.until {
        select = select.filter(log::Column::At.lt(until));
    }
    let select = select
        .order_by_desc(log::Column::At)
        .order_by_desc(log::Column::Id);
    page.fetch(db, select, log::Model::entry).await
}

async fn admin_view(db: &impl ConnectionTrait, u: user::Model) -> Result<AdminUser, AppError> {
    let posts = post::Entity::find()
        .filter(post::Column::UserId.eq(u.id))
        .count(db)
        .await?;
    let accounts = social_account::Entity::find()
        .filter(social_account::Column::UserId.eq(u.id))
        .filter(social_account::Column::IsConnected.eq(true))
        .count(db)
        .await?;
    Ok(AdminUser {
        id: u.id,
        email: u.email,
        plan: u.plan,
        role: u.role,
        is_active: u.is_active,
        created_at: u.created_at,
        posts,
        accounts,
    })
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
    let mut items = Vec::with_capacity(found.items.len());
    for u in found.items {
        items.push(admin_view(db, u).await?);
    }
    Ok(Page {
        items,
        total: found.total,
        page: found.page,
        per_page: found.per_page,
    })
}

#[derive(Debug, Default)]
pub struct UserPatch {
    pub plan: Option<PlanTier>,
    pub role: Option<Role>,
    pub is_active: Option<bool>,
}

/// Changes a user's plan, role or active flag. Admins cannot lock themselves out.
pub async fn update_user(
    db: &impl ConnectionTrait,
    actor: &user::Model,
    id: Uuid,
    patch: UserPatch,
) -> Result<AdminUser, AppError> {
    require_admin(actor)?;
    let target = user::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("User"))?;
    if target.id == actor.id && (patch.role == Some(Role::Member) || patch.is_active == Some(false))
    {
        return Err(AppError::BadRequest(
            "You cannot remove your own admin access".into(),
        ));
    }
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
    let updated = active.update(db).await?;
    event_log::record(
        db,
        Event::new(EventKind::Audit, format!("Admin updated {}", updated.email))
            .user(updated.id)
            .data(json!({
                "by": actor.id,
                "before": { "plan": before.0, "role": before.1, "is_active": before.2 },
                "after": { "plan": updated.plan, "role": updated.role, "is_active": updated.is_active },
            })),
    )
    .await;
    admin_view(db, updated).await
}
