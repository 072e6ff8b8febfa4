//! API keys: `po_live_` + 43 url-safe characters, shown once, stored as SHA-256. Scopes:
//! `read` (GET only), `write` (everything a user can do), `provision` (admins' keys only, and
//! only while the owner is still an admin: the role is checked on every use). Keys users make
//! themselves work only while their owner's plan includes API access; the key provisioning
//! issues is the platform's and works whatever the plan.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::event_log::{self, Event};
use super::paging::PageRequest;
use super::users;
use crate::error::AppError;
use crate::model::{ApiKeyCreated, ApiKeyInfo, EventKind, Page, Role};
use crate::server::auth::secrets::{random_token, sha256_hex};
use crate::server::entities::{api_key, user, StringList};

pub const KEY_PREFIX: &str = "po_live_";
pub const SCOPES: [&str; 3] = ["read", "write", "provision"];
const DEFAULT_SCOPES: [&str; 2] = ["read", "write"];
/// How much of the key is kept in clear to recognise it in lists.
const SHOWN_PREFIX_LEN: usize = 12;

/// Creates a key for `owner` after checking name, scopes and plan.
pub async fn create(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    name: &str,
    scopes: Option<Vec<String>>,
) -> Result<ApiKeyCreated, AppError> {
    if !owner.plan.limits().api_access {
        return Err(AppError::Forbidden(
            "API access is available on the Pro and Enterprise plans".into(),
        ));
    }
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::validation("name", "Name is required"));
    }
    if name.chars().count() > 255 {
        return Err(AppError::validation(
            "name",
            "Name must be at most 255 characters",
        ));
    }
    let scopes = match scopes {
        None => DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect(),
        Some(list) if list.is_empty() => {
            return Err(AppError::validation("scopes", "Give at least one scope"))
        }
        Some(list) => list,
    };
    if let Some(bad) = scopes.iter().find(|s| !SCOPES.contains(&s.as_str())) {
        return Err(AppError::validation(
            "scopes",
            format!("Unknown scope {bad:?}: use read, write or provision"),
        ));
    }
    if scopes.iter().any(|s| s == "provision") && owner.role != Role::Admin {
        return Err(AppError::Forbidden(
            "Only admins can create provisioning keys".into(),
        ));
    }
    let created = create_unchecked(db, owner.id, name, scopes, KeyOrigin::User).await?;
    event_log::record(
        db,
        Event::new(EventKind::Audit, "API key created")
            .user(owner.id)
            .data(
                json!({ "key_id": created.id, "prefix": created.prefix, "scopes": created.scopes }),
            ),
    )
    .await;
    Ok(created)
}

/// Who a key is for, which decides whether the owner's plan gates it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyOrigin {
    /// Made by the user: works only while their plan includes API access.
    User,
    /// Issued by provisioning for the platform's calls on the user's behalf: any plan.
    Platform,
}

/// Creates a key without plan or role checks (provisioning issues one to the new user).
pub async fn create_unchecked(
    db: &impl ConnectionTrait,
    owner: Uuid,
    name: &str,
    mut scopes: Vec<String>,
    origin: KeyOrigin,
) -> Result<ApiKeyCreated, AppError> {
    scopes.sort();
    scopes.dedup();
    let key = format!("{KEY_PREFIX}{}", random_token(32));
    let row = api_key::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(owner),
        name: Set(name.to_string()),
        key_hash: Set(sha256_hex(&key)),
        prefix: Set(key[..SHOWN_PREFIX_LEN].to_string()),
        scopes: Set(StringList(scopes)),
        is_active: Set(true),
        last_used_at: Set(None),
        expires_at: Set(None),
        created_at: Set(Utc::now()),
        platform_issued: Set(origin == KeyOrigin::Platform),
    }
    .insert(db)
    .await?;
    Ok(ApiKeyCreated {
        id: row.id,
        name: row.name,
        key,
        prefix: row.prefix,
        scopes: row.scopes.0,
        is_active: row.is_active,
        created_at: row.created_at,
        expires_at: row.expires_at,
    })
}

/// The owner's keys, newest first, without their secrets.
pub async fn list(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    page: PageRequest,
) -> Result<Page<ApiKeyInfo>, AppError> {
    let select = api_key::Entity::find()
        .filter(api_key::Column::UserId.eq(owner.id))
        .order_by_desc(api_key::Column::CreatedAt)
        .order_by_desc(api_key::Column::Id);
    page.fetch(db, select, |key| key.info()).await
}

/// Revokes one of the owner's keys; someone else's key is "not found".
pub async fn revoke(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    id: Uuid,
) -> Result<(), AppError> {
    let key = api_key::Entity::find_by_id(id)
        .filter(api_key::Column::UserId.eq(owner.id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("API key"))?;
    let mut active = key.into_active_model();
    active.is_active = Set(false);
    active.update(db).await?;
    event_log::record(
        db,
        Event::new(EventKind::Audit, "API key revoked")
            .user(owner.id)
            .data(json!({ "key_id": id })),
    )
    .await;
    Ok(())
}

/// A request authenticated by an API key: its owner and what the key may do.
#[derive(Debug, Clone)]
pub struct KeyGrant {
    pub user: user::Model,
    pub key_id: Uuid,
    /// The key's scopes that still hold: `provision` only while the owner is an admin.
    pub scopes: Vec<String>,
}

impl KeyGrant {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// Why `allows_method` said no, in the caller's terms.
    pub fn method_refusal(&self) -> &'static str {
        if self.has_scope("read") {
            "This API key is read-only: it needs the write scope"
        } else if self.has_scope("provision") {
            "This API key can only provision users"
        } else {
            "This API key has no scope left that allows this"
        }
    }

    /// `read` keys may only read; writes need `write`.
    pub fn allows_method(&self, method: &http::Method) -> bool {
        let reading = matches!(
            *method,
            http::Method::GET | http::Method::HEAD | http::Method::OPTIONS
        );
        if reading {
            self.has_scope("read") || self.has_scope("write")
        } else {
            self.has_scope("write")
        }
    }
}

/// Resolves a raw key: unknown, revoked or expired, or a deactivated owner → 401; a key the
/// user made whose owner's plan has no API access → 403.
pub async fn authenticate(db: &impl ConnectionTrait, raw: &str) -> Result<KeyGrant, AppError> {
    let invalid = || AppError::Unauthorized("Invalid API key".into());
    let raw = raw.trim();
    if !raw.starts_with(KEY_PREFIX) {
        return Err(invalid());
    }
    let now = Utc::now();
    let key = api_key::Entity::find()
        .filter(api_key::Column::KeyHash.eq(sha256_hex(raw)))
        .one(db)
        .await?
        .ok_or_else(invalid)?;
    if !key.is_active {
        return Err(AppError::Unauthorized(
            "This API key has been revoked".into(),
        ));
    }
    if key.expires_at.is_some_and(|at| at <= now) {
        return Err(AppError::Unauthorized("This API key has expired".into()));
    }
    let owner = users::find_by_id(db, key.user_id)
        .await?
        .ok_or_else(invalid)?;
    if !owner.is_active {
        return Err(AppError::Unauthorized(
            "This account has been deactivated".into(),
        ));
    }
    if !key.platform_issued && !owner.plan.limits().api_access {
        return Err(AppError::Forbidden(
            "API access is available on the Pro and Enterprise plans".into(),
        ));
    }
    api_key::Entity::update_many()
        .col_expr(
            api_key::Column::LastUsedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(api_key::Column::Id.eq(key.id))
        .exec(db)
        .await?;
    let scopes = effective_scopes(key.scopes.0, owner.role);
    Ok(KeyGrant {
        user: owner,
        key_id: key.id,
        scopes,
    })
}

/// A key keeps `provision` only while its owner is an admin: demoting an admin disarms their
/// provisioning keys at once, without having to find and revoke them.
fn effective_scopes(mut scopes: Vec<String>, role: Role) -> Vec<String> {
    if role != Role::Admin {
        scopes.retain(|scope| scope != "provision");
    }
    scopes
}
