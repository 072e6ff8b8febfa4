//! Social accounts: connect (within the plan's `max_secondary`), list, get, soft-disconnect,
//! reconnect, and each account's health (connected, needs reconnection, token expiring soon).
//! Reconnecting the same platform + external id reuses the row, so post history survives.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::event_log::{self, Event};
use super::paging::PageRequest;
use crate::error::AppError;
use crate::model::{AccountHealth, EventKind, Page, Platform, SocialAccountInfo};
use crate::plans::within_limit;
use crate::server::auth::vault::{TokenGrant, TokenVault};
use crate::server::db;
use crate::server::entities::{social_account, user};

const MAX_NAME_LEN: usize = 255;

pub struct ConnectRequest {
    pub platform: Platform,
    pub account_name: String,
    pub account_id_external: Option<String>,
}

/// Connects an account, or reconnects the owner's existing one with the same platform and
/// external id. Counting only connected accounts, the plan's limit must leave room.
pub async fn connect<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: &user::Model,
    request: ConnectRequest,
) -> Result<SocialAccountInfo, AppError> {
    let account_name = request.account_name.trim().to_string();
    if account_name.is_empty() {
        return Err(AppError::validation(
            "account_name",
            "Account name is required",
        ));
    }
    if account_name.chars().count() > MAX_NAME_LEN {
        return Err(AppError::validation(
            "account_name",
            format!("Account name must be at most {MAX_NAME_LEN} characters"),
        ));
    }
    let external_id = match request.account_id_external.map(|s| s.trim().to_string()) {
        Some(id) if id.is_empty() => {
            return Err(AppError::validation(
                "account_id_external",
                "External id cannot be empty",
            ))
        }
        Some(id) if id.chars().count() > MAX_NAME_LEN => {
            return Err(AppError::validation(
                "account_id_external",
                "External id is too long",
            ))
        }
        Some(id) => id,
        // Sandbox accounts: a stable id from the name, so connecting twice reconnects.
        None => format!("sandbox-{}", slug(&account_name)),
    };

    // The plan's account limit is reserved and spent in one step, under the owner's write
    // lock, so racing connections get exactly the accounts left and the rest a 403.
    let account = db::retry_busy(|| async {
        let txn = db::begin_owner_write(db, owner.id).await?;
        let existing = social_account::Entity::find()
            .filter(social_account::Column::UserId.eq(owner.id))
            .filter(social_account::Column::Platform.eq(request.platform))
            .filter(social_account::Column::AccountIdExternal.eq(external_id.clone()))
            .one(&txn)
            .await?;
        if existing.as_ref().is_some_and(|a| a.is_connected) {
            return Err(AppError::Conflict(
                "This account is already connected".into(),
            ));
        }
        let connected = connected_count(&txn, owner.id).await?;
        let limit = owner.plan.limits().max_secondary;
        if !within_limit(connected as i64, limit) {
            return Err(AppError::Forbidden(limit_reached(owner.plan)));
        }

        let now = Utc::now();
        let account = match existing {
            Some(row) => {
                let mut active = row.into_active_model();
                active.account_name = Set(account_name.clone());
                active.is_connected = Set(true);
                active.needs_reconnect = Set(false);
                active.reconnect_reason = Set(None);
                active.connected_at = Set(Some(now));
                active.updated_at = Set(now);
                active.update(&txn).await?
            }
            None => {
                social_account::ActiveModel {
                    id: Set(Uuid::new_v4()),
                    user_id: Set(owner.id),
                    platform: Set(request.platform),
                    account_name: Set(account_name.clone()),
                    account_id_external: Set(external_id.clone()),
                    access_token_enc: Set(None),
                    refresh_token_enc: Set(None),
                    token_expires_at: Set(None),
                    needs_reconnect: Set(false),
                    reconnect_reason: Set(None),
                    platform_login: Set(false),
                    is_connected: Set(true),
                    connected_at: Set(Some(now)),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(&txn)
                .await?
            }
        };
        txn.commit().await?;
        Ok(account)
    })
    .await?;
    event_log::record(
        db,
        Event::new(
            EventKind::Audit,
            format!(
                "Connected {} account {}",
                account.platform, account.account_name
            ),
        )
        .user(owner.id)
        .data(json!({ "account_id": account.id, "platform": account.platform })),
    )
    .await;
    Ok(account.info())
}

/// An account a platform's sign-in granted, with its tokens.
pub struct PlatformAccount {
    pub platform: Platform,
    pub external_id: String,
    pub name: String,
    pub tokens: TokenGrant,
}

/// Connects accounts from a platform's sign-in, all or none, inside `txn` (which must hold
/// the owner's write lock: `db::begin_owner_write`). An account the owner has with the same
/// platform and external id is reconnected in place (its posts stay); only accounts not
/// connected yet count against the plan's limit. Each stores its tokens sealed, marked
/// `platform_login`. Returns the rows with whether each was new.
pub async fn connect_with_tokens_in(
    txn: &DatabaseTransaction,
    vault: &TokenVault,
    owner: &user::Model,
    chosen: &[PlatformAccount],
) -> Result<Vec<(social_account::Model, bool)>, AppError> {
    let mut existing = Vec::with_capacity(chosen.len());
    for account in chosen {
        existing.push(
            social_account::Entity::find()
                .filter(social_account::Column::UserId.eq(owner.id))
                .filter(social_account::Column::Platform.eq(account.platform))
                .filter(social_account::Column::AccountIdExternal.eq(account.external_id.clone()))
                .one(txn)
                .await?,
        );
    }
    let adding = existing
        .iter()
        .filter(|row| !row.as_ref().is_some_and(|a| a.is_connected))
        .count() as i64;
    let connected = connected_count(txn, owner.id).await? as i64;
    let limit = owner.plan.limits().max_secondary;
    if adding > 0 && !within_limit(connected + adding - 1, limit) {
        let limits = owner.plan.limits();
        let room = (limit - connected).max(0);
        return Err(AppError::Forbidden(format!(
            "Your {} plan allows {limit} connected account{}; {connected} {} connected and you \
             chose {adding} more. Choose at most {room}, or upgrade to connect more.",
            limits.name,
            if limit == 1 { "" } else { "s" },
            if connected == 1 { "is" } else { "are" },
        )));
    }
    let now = Utc::now();
    let mut connected_rows = Vec::with_capacity(chosen.len());
    for (account, row) in chosen.iter().zip(existing) {
        let name: String = account.name.trim().chars().take(MAX_NAME_LEN).collect();
        let name = if name.is_empty() {
            account.platform.label().to_string()
        } else {
            name
        };
        let refresh = account
            .tokens
            .refresh_token
            .as_deref()
            .map(|t| vault.seal(t));
        let is_new = row.is_none();
        let model = match row {
            Some(row) => {
                let mut active = row.into_active_model();
                active.account_name = Set(name);
                active.access_token_enc = Set(Some(vault.seal(&account.tokens.access_token)));
                active.refresh_token_enc = Set(refresh);
                active.token_expires_at = Set(account.tokens.expires_at);
                active.platform_login = Set(true);
                active.is_connected = Set(true);
                active.needs_reconnect = Set(false);
                active.reconnect_reason = Set(None);
                active.connected_at = Set(Some(now));
                active.updated_at = Set(now);
                active.update(txn).await?
            }
            None => {
                social_account::ActiveModel {
                    id: Set(Uuid::new_v4()),
                    user_id: Set(owner.id),
                    platform: Set(account.platform),
                    account_name: Set(name),
                    account_id_external: Set(account.external_id.clone()),
                    access_token_enc: Set(Some(vault.seal(&account.tokens.access_token))),
                    refresh_token_enc: Set(refresh),
                    token_expires_at: Set(account.tokens.expires_at),
                    needs_reconnect: Set(false),
                    reconnect_reason: Set(None),
                    platform_login: Set(true),
                    is_connected: Set(true),
                    connected_at: Set(Some(now)),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(txn)
                .await?
            }
        };
        connected_rows.push((model, is_new));
    }
    Ok(connected_rows)
}

/// What the plan's account limit says once it is reached.
pub fn limit_reached(plan: crate::model::PlanTier) -> String {
    let limits = plan.limits();
    format!(
        "Your {} plan allows {} connected account{}. Upgrade to connect more.",
        limits.name,
        limits.max_secondary,
        if limits.max_secondary == 1 { "" } else { "s" }
    )
}

pub async fn connected_count(db: &impl ConnectionTrait, owner: Uuid) -> Result<u64, AppError> {
    Ok(social_account::Entity::find()
        .filter(social_account::Column::UserId.eq(owner))
        .filter(social_account::Column::IsConnected.eq(true))
        .count(db)
        .await?)
}

pub async fn list(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    page: PageRequest,
) -> Result<Page<SocialAccountInfo>, AppError> {
    let select = social_account::Entity::find()
        .filter(social_account::Column::UserId.eq(owner.id))
        .order_by_desc(social_account::Column::CreatedAt)
        .order_by_desc(social_account::Column::Id);
    page.fetch(db, select, |a| a.info()).await
}

/// One of the owner's accounts; someone else's is "not found".
pub async fn find(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    id: Uuid,
) -> Result<social_account::Model, AppError> {
    social_account::Entity::find_by_id(id)
        .filter(social_account::Column::UserId.eq(owner.id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Account"))
}

/// Soft disconnect: tokens are cleared, the row and its posts stay.
pub async fn disconnect(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    id: Uuid,
) -> Result<(), AppError> {
    let account = find(db, owner, id).await?;
    let (platform, name) = (account.platform, account.account_name.clone());
    let mut active = account.into_active_model();
    active.is_connected = Set(false);
    active.access_token_enc = Set(None);
    active.refresh_token_enc = Set(None);
    active.token_expires_at = Set(None);
    active.updated_at = Set(Utc::now());
    active.update(db).await?;
    event_log::record(
        db,
        Event::new(
            EventKind::Audit,
            format!("Disconnected {platform} account {name}"),
        )
        .user(owner.id)
        .data(json!({ "account_id": id })),
    )
    .await;
    Ok(())
}

/// Why `reconnect` cannot fix this account here, if it cannot: an account that published
/// through the platform's own login must be signed in to with the platform again, which only
/// the platform's sign-in can do (reconnecting it here would quietly make it a sandbox
/// account).
pub fn reconnect_blocker(account: &social_account::Model) -> Option<String> {
    let platform = account.platform.label();
    let real = account.platform_login || account.access_token_enc.is_some();
    let broken = !account.is_connected || account.needs_reconnect;
    (broken && real).then(|| {
        format!(
            "Reconnecting it takes signing in with {platform} again, which is not set up on \
             this server yet. Its posts and analytics are kept meanwhile."
        )
    })
}

/// Reconnects one of the owner's accounts: a disconnected sandbox account is connected again
/// (within the plan's limit, as `connect`), a sandbox account marked "needs reconnection" is
/// cleared. What `reconnect_blocker` names is refused with its reason. Reconnecting a healthy
/// account, or one a second click already reconnected, changes nothing.
pub async fn reconnect<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: &user::Model,
    id: Uuid,
) -> Result<SocialAccountInfo, AppError> {
    let account = find(db, owner, id).await?;
    if let Some(reason) = reconnect_blocker(&account) {
        return Err(AppError::BadRequest(reason));
    }
    if !account.is_connected {
        let request = ConnectRequest {
            platform: account.platform,
            account_name: account.account_name.clone(),
            account_id_external: Some(account.account_id_external.clone()),
        };
        return match connect(db, owner, request).await {
            // A racing click connected it first: that is what was asked.
            Err(AppError::Conflict(_)) => Ok(find(db, owner, id).await?.info()),
            other => other,
        };
    }
    if !account.needs_reconnect {
        return Ok(account.info());
    }
    let mut active = account.clone().into_active_model();
    active.needs_reconnect = Set(false);
    active.reconnect_reason = Set(None);
    active.updated_at = Set(Utc::now());
    let account = active.update(db).await?;
    event_log::record(
        db,
        Event::new(
            EventKind::Audit,
            format!(
                "Reconnected {} account {}",
                account.platform, account.account_name
            ),
        )
        .user(owner.id)
        .data(json!({ "account_id": account.id })),
    )
    .await;
    Ok(account.info())
}

/// A token this close to expiring, not yet renewed, is shown as "expiring soon" (the token job
/// starts renewing a week ahead, so this means its renewals have failed so far).
pub const EXPIRY_WARNING: chrono::Duration = chrono::Duration::days(3);

/// How an account is doing, as its owner should read it.
pub fn health(account: &social_account::Model, now: chrono::DateTime<Utc>) -> AccountHealth {
    if !account.is_connected {
        AccountHealth::Disconnected
    } else if account.needs_reconnect {
        AccountHealth::NeedsReconnect {
            reason: account.reconnect_reason.clone().unwrap_or_else(|| {
                format!(
                    "{} stopped accepting this account's access",
                    account.platform.label()
                )
            }),
        }
    } else {
        match account.token_expires_at {
            Some(at) if at - now < EXPIRY_WARNING => AccountHealth::ExpiringSoon { at },
            _ => AccountHealth::Connected,
        }
    }
}

/// Every account of the owner with its health, connected ones first (oldest first), then the
/// disconnected ones.
pub async fn with_health(
    db: &impl ConnectionTrait,
    owner: &user::Model,
) -> Result<Vec<(social_account::Model, AccountHealth)>, AppError> {
    let now = Utc::now();
    Ok(social_account::Entity::find()
        .filter(social_account::Column::UserId.eq(owner.id))
        .order_by_desc(social_account::Column::IsConnected)
        .order_by_asc(social_account::Column::CreatedAt)
        .order_by_asc(social_account::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|account| {
            let health = health(&account, now);
            (account, health)
        })
        .collect())
}

/// Stores an account's platform tokens, encrypted, and clears any "needs reconnection" mark.
/// Called by the engine when it renews a token; `attach_tokens` is the owner-checked door.
pub async fn store_tokens(
    db: &impl ConnectionTrait,
    vault: &TokenVault,
    account_id: Uuid,
    tokens: &TokenGrant,
) -> Result<(), DbErr> {
    let mut update = social_account::Entity::update_many()
        .col_expr(
            social_account::Column::AccessTokenEnc,
            Expr::value(vault.seal(&tokens.access_token)),
        )
        .col_expr(
            social_account::Column::TokenExpiresAt,
            Expr::value(tokens.expires_at),
        )
        .col_expr(social_account::Column::NeedsReconnect, Expr::value(false))
        .col_expr(
            social_account::Column::ReconnectReason,
            Expr::value(Option::<String>::None),
        )
        .col_expr(social_account::Column::PlatformLogin, Expr::value(true))
        .col_expr(social_account::Column::UpdatedAt, Expr::value(Utc::now()));
    if let Some(refresh) = &tokens.refresh_token {
        update = update.col_expr(
            social_account::Column::RefreshTokenEnc,
            Expr::value(vault.seal(refresh)),
        );
    }
    update
        .filter(social_account::Column::Id.eq(account_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Gives one of the owner's connected accounts real platform tokens (from OAuth): its posts
/// then go to the platform instead of the sandbox.
pub async fn attach_tokens(
    db: &impl ConnectionTrait,
    vault: &TokenVault,
    owner: &user::Model,
    id: Uuid,
    tokens: &TokenGrant,
) -> Result<(), AppError> {
    let account = find(db, owner, id).await?;
    if !account.is_connected {
        return Err(AppError::BadRequest("The account is disconnected".into()));
    }
    store_tokens(db, vault, id, tokens).await?;
    event_log::record(
        db,
        Event::new(
            EventKind::Audit,
            format!(
                "Platform tokens stored for {} account {}",
                account.platform, account.account_name
            ),
        )
        .user(owner.id)
        .data(json!({ "account_id": id, "expires_at": tokens.expires_at })),
    )
    .await;
    Ok(())
}

/// Lower-case words joined by dashes: "Demo Store!" → "demo-store".
pub fn slug(name: &str) -> String {
    name.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}
