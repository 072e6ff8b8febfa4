//! Connecting accounts by signing in with the platform: an attempt is started (state + PKCE),
//! its callback exchanges the code for the accounts the user granted, and the user chooses
//! which to connect (TikTok grants one account: it is connected at once). Disconnecting an
//! account revokes its token where the platform allows it.
//!
//! Each attempt is single use: the callback moves it from `pending` on with a conditional
//! update, and the choice deletes it with a conditional delete in the transaction that
//! connects the accounts, so a replayed callback or a second tab finds it gone.

use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::accounts::{self, PlatformAccount};
use super::event_log::{self, Event};
use crate::error::AppError;
use crate::model::{EventKind, EventLevel, Platform};
use crate::server::auth::secrets::{random_token, sha256_hex};
use crate::server::auth::vault::TokenVault;
use crate::server::config::Settings;
use crate::server::db;
use crate::server::entities::{oauth_attempt, user};
use crate::server::oauth::{self as platform_oauth, Discovered, OAuthClient, OAuthError, Pkce};

pub use crate::server::oauth::{is_live, live_platforms};

/// How long the user has to allow access, and then to choose.
const ATTEMPT_MINUTES: i64 = 10;

const PENDING: &str = "pending";
const EXCHANGING: &str = "exchanging";
const CHOOSING: &str = "choosing";

/// What the user reads when an attempt is unknown, used or expired.
pub const STALE: &str =
    "This sign-in has expired or was already used. Start again from the accounts page.";

/// Starts signing in with `platform`: records the attempt and returns the address of the
/// platform's authorization page.
pub async fn start(
    db: &impl ConnectionTrait,
    vault: &TokenVault,
    settings: &Settings,
    owner: &user::Model,
    platform: Platform,
) -> Result<String, AppError> {
    if !is_live(&settings.platforms, platform) {
        return Err(AppError::BadRequest(format!(
            "Signing in with {} is not set up on this server.",
            platform.label()
        )));
    }
    let now = Utc::now();
    // Attempts nobody finished: gone once expired (anyone's; they are useless to all).
    oauth_attempt::Entity::delete_many()
        .filter(oauth_attempt::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?;
    let state = random_token(32);
    let pkce = Pkce::generate(platform);
    oauth_attempt::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(owner.id),
        platform: Set(platform),
        state_hash: Set(sha256_hex(&state)),
        stage: Set(PENDING.into()),
        code_verifier_enc: Set(vault.seal(&pkce.verifier)),
        choices_enc: Set(None),
        created_at: Set(now),
        expires_at: Set(now + Duration::minutes(ATTEMPT_MINUTES)),
    }
    .insert(db)
    .await?;
    let redirect = platform_oauth::redirect_uri(&settings.server.public_url, platform);
    Ok(platform_oauth::authorize_url(
        &settings.platforms,
        platform,
        &redirect,
        &state,
        &pkce.challenge,
    ))
}

/// What the platform's redirect back carried.
#[derive(Debug, Default, Clone)]
pub struct CallbackParams {
    pub state: Option<String>,
    pub code: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// Where a callback leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    /// The accounts were found: the user chooses on the choice page of this attempt.
    Choose(Uuid),
    /// Nothing to choose (TikTok): this many accounts were connected.
    Connected(usize),
}

/// The platform sent the user back: takes the attempt (once), exchanges the code and finds the
/// accounts granted. A refusal comes back as an error carrying the platform's reason.
pub async fn callback<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &TokenVault,
    client: &OAuthClient,
    settings: &Settings,
    owner: &user::Model,
    platform: Platform,
    params: CallbackParams,
) -> Result<Callback, AppError> {
    let state = params
        .state
        .clone()
        .filter(|s| !s.is_empty() && s.len() <= 200)
        .ok_or_else(|| AppError::BadRequest(STALE.into()))?;
    let attempt = oauth_attempt::Entity::find()
        .filter(oauth_attempt::Column::StateHash.eq(sha256_hex(&state)))
        .filter(oauth_attempt::Column::UserId.eq(owner.id))
        .filter(oauth_attempt::Column::Platform.eq(platform))
        .one(db)
        .await?
        .ok_or_else(|| AppError::BadRequest(STALE.into()))?;
    // Taken once: a replayed callback (or the same link in a second tab) changes no row.
    let taken = oauth_attempt::Entity::update_many()
        .col_expr(oauth_attempt::Column::Stage, Expr::value(EXCHANGING))
        .filter(oauth_attempt::Column::Id.eq(attempt.id))
        .filter(oauth_attempt::Column::Stage.eq(PENDING))
        .filter(oauth_attempt::Column::ExpiresAt.gt(Utc::now()))
        .exec(db)
        .await?
        .rows_affected;
    if taken != 1 {
        return Err(AppError::BadRequest(STALE.into()));
    }
    let result = exchange(db, vault, client, settings, owner, &attempt, params).await;
    if !matches!(result, Ok(Callback::Choose(_))) {
        oauth_attempt::Entity::delete_by_id(attempt.id)
            .exec(db)
            .await?;
    }
    if let Err(AppError::BadRequest(reason)) = &result {
        event_log::record(
            db,
            Event::new(
                EventKind::Audit,
                format!(
                    "Signing in with {} did not connect: {reason}",
                    platform.label()
                ),
            )
            .level(EventLevel::Warn)
            .user(owner.id),
        )
        .await;
    }
    result
}

async fn exchange<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &TokenVault,
    client: &OAuthClient,
    settings: &Settings,
    owner: &user::Model,
    attempt: &oauth_attempt::Model,
    params: CallbackParams,
) -> Result<Callback, AppError> {
    let label = attempt.platform.label();
    if let Some(error) = params.error.filter(|e| !e.is_empty()) {
        let reason = params
            .error_description
            .filter(|d| !d.trim().is_empty())
            .unwrap_or(error);
        let reason: String = reason.chars().take(300).collect();
        return Err(AppError::BadRequest(format!(
            "{label} did not grant access: {reason}"
        )));
    }
    let code = params
        .code
        .filter(|c| !c.is_empty() && c.len() <= 2048)
        .ok_or_else(|| {
            AppError::BadRequest(format!("{label} sent no authorization code. Start again."))
        })?;
    let verifier = vault
        .open(&attempt.code_verifier_enc)
        .map_err(|_| AppError::BadRequest(STALE.into()))?;
    let redirect = platform_oauth::redirect_uri(&settings.server.public_url, attempt.platform);
    let found = client
        .discover(attempt.platform, &code, &verifier, &redirect)
        .await
        .map_err(|e| match e {
            OAuthError::Refused(m) | OAuthError::Unavailable(m) => AppError::BadRequest(m),
        })?;
    if found.is_empty() {
        return Err(AppError::BadRequest(
            "Facebook granted no Page. Connecting needs a Facebook Page you manage (an \
             Instagram business account is connected through the Page it is linked to)."
                .into(),
        ));
    }
    if attempt.platform == Platform::Tiktok {
        let connected = connect_found(db, vault, owner, None, &found).await?;
        return Ok(Callback::Connected(connected));
    }
    let sealed = vault
        .seal(&serde_json::to_string(&found).map_err(|e| AppError::internal("oauth choices", e))?);
    let stored = oauth_attempt::Entity::update_many()
        .col_expr(oauth_attempt::Column::Stage, Expr::value(CHOOSING))
        .col_expr(oauth_attempt::Column::ChoicesEnc, Expr::value(Some(sealed)))
        .col_expr(
            oauth_attempt::Column::ExpiresAt,
            Expr::value(Utc::now() + Duration::minutes(ATTEMPT_MINUTES)),
        )
        .filter(oauth_attempt::Column::Id.eq(attempt.id))
        .filter(oauth_attempt::Column::Stage.eq(EXCHANGING))
        .exec(db)
        .await?
        .rows_affected;
    if stored != 1 {
        return Err(AppError::BadRequest(STALE.into()));
    }
    Ok(Callback::Choose(attempt.id))
}

/// An account the user may choose on the choice page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// What the form sends back for it: `facebook:1234`.
    pub key: String,
    pub platform: Platform,
    pub name: String,
    /// The Facebook Page an Instagram account is linked to (its name), if it is one.
    pub linked_page: Option<String>,
    /// The owner has this account already (choosing it reconnects it, keeping its posts).
    pub known: bool,
    pub connected: bool,
}

/// The accounts found by the owner's attempt `id`, awaiting the choice.
pub async fn choices(
    db: &impl ConnectionTrait,
    vault: &TokenVault,
    owner: &user::Model,
    id: Uuid,
) -> Result<Vec<Choice>, AppError> {
    let found = found_of(db, vault, owner, id).await?;
    let existing = accounts::with_health(db, owner).await?;
    let mut page = None;
    Ok(found
        .iter()
        .map(|d| {
            if d.platform == Platform::Facebook {
                page = Some(d.name.clone());
            }
            let row = existing
                .iter()
                .map(|(a, _)| a)
                .find(|a| a.platform == d.platform && a.account_id_external == d.external_id);
            Choice {
                key: d.key(),
                platform: d.platform,
                name: d.name.clone(),
                linked_page: (d.platform == Platform::Instagram)
                    .then(|| page.clone())
                    .flatten(),
                known: row.is_some(),
                connected: row.is_some_and(|a| a.is_connected),
            }
        })
        .collect())
}

async fn found_of(
    db: &impl ConnectionTrait,
    vault: &TokenVault,
    owner: &user::Model,
    id: Uuid,
) -> Result<Vec<Discovered>, AppError> {
    let attempt = oauth_attempt::Entity::find_by_id(id)
        .filter(oauth_attempt::Column::UserId.eq(owner.id))
        .filter(oauth_attempt::Column::Stage.eq(CHOOSING))
        .filter(oauth_attempt::Column::ExpiresAt.gt(Utc::now()))
        .one(db)
        .await?
        .ok_or_else(|| AppError::BadRequest(STALE.into()))?;
    let sealed = attempt
        .choices_enc
        .ok_or_else(|| AppError::BadRequest(STALE.into()))?;
    vault
        .open(&sealed)
        .ok()
        .and_then(|json| serde_json::from_str(&json).ok())
        .ok_or_else(|| AppError::BadRequest(STALE.into()))
}

/// Connects the accounts the owner chose (`keys` as in `Choice::key`) from attempt `id`, all
/// or none within the plan's limit, and ends the attempt. Returns how many were connected.
pub async fn choose<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &TokenVault,
    owner: &user::Model,
    id: Uuid,
    keys: &[String],
) -> Result<usize, AppError> {
    if keys.is_empty() {
        return Err(AppError::validation(
            "chosen",
            "Choose at least one account to connect",
        ));
    }
    let found = found_of(db, vault, owner, id).await?;
    let mut chosen = Vec::new();
    for key in keys {
        let account = found
            .iter()
            .find(|d| &d.key() == key)
            .ok_or_else(|| AppError::validation("chosen", "Choose among the accounts listed"))?;
        if !chosen.iter().any(|c: &Discovered| c.key() == *key) {
            chosen.push(account.clone());
        }
    }
    connect_found(db, vault, owner, Some(id), &chosen).await
}

/// Connects `found` under the owner's write lock, ending attempt `attempt` (if any) in the
/// same transaction: the second of two tabs finds it gone and connects nothing.
async fn connect_found<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &TokenVault,
    owner: &user::Model,
    attempt: Option<Uuid>,
    found: &[Discovered],
) -> Result<usize, AppError> {
    let chosen: Vec<PlatformAccount> = found
        .iter()
        .map(|d| PlatformAccount {
            platform: d.platform,
            external_id: d.external_id.clone(),
            name: d.name.clone(),
            tokens: d.grant(),
        })
        .collect();
    let rows = db::retry_busy(|| async {
        let txn = db::begin_owner_write(db, owner.id).await?;
        if let Some(id) = attempt {
            let ended = oauth_attempt::Entity::delete_many()
                .filter(oauth_attempt::Column::Id.eq(id))
                .filter(oauth_attempt::Column::UserId.eq(owner.id))
                .filter(oauth_attempt::Column::Stage.eq(CHOOSING))
                .exec(&txn)
                .await?
                .rows_affected;
            if ended != 1 {
                return Err(AppError::BadRequest(STALE.into()));
            }
        }
        let rows = accounts::connect_with_tokens_in(&txn, vault, owner, &chosen).await?;
        txn.commit().await?;
        Ok(rows)
    })
    .await?;
    for (account, is_new) in &rows {
        event_log::record(
            db,
            Event::new(
                EventKind::Audit,
                format!(
                    "{} {} account {} by signing in with {}",
                    if *is_new { "Connected" } else { "Reconnected" },
                    account.platform,
                    account.account_name,
                    account.platform.label()
                ),
            )
            .user(owner.id)
            .data(json!({ "account_id": account.id, "platform": account.platform, "expires_at": account.token_expires_at })),
        )
        .await;
    }
    Ok(rows.len())
}

/// Disconnects one of the owner's accounts (`accounts::disconnect`: tokens cleared, row and
/// posts kept), first revoking its token where the platform allows it. A revocation that
/// fails is logged and does not keep the account connected.
pub async fn disconnect(
    db: &impl ConnectionTrait,
    vault: &TokenVault,
    client: &OAuthClient,
    owner: &user::Model,
    id: Uuid,
) -> Result<(), AppError> {
    let account = accounts::find(db, owner, id).await?;
    let token = account
        .access_token_enc
        .as_deref()
        .and_then(|sealed| vault.open(sealed).ok());
    if let Some(token) = token {
        let outcome = client.revoke(account.platform, &token).await;
        let (message, level) = match &outcome {
            Ok(true) => (
                format!(
                    "Revoked PostPilot's {} access for account {}",
                    account.platform.label(),
                    account.account_name
                ),
                EventLevel::Info,
            ),
            Ok(false) => (String::new(), EventLevel::Info),
            Err(err) => (
                format!(
                    "Could not revoke {} access for account {} ({err}); its token was deleted",
                    account.platform.label(),
                    account.account_name
                ),
                EventLevel::Warn,
            ),
        };
        if !message.is_empty() {
            event_log::record(
                db,
                Event::new(EventKind::Audit, message)
                    .level(level)
                    .user(owner.id)
                    .data(json!({ "account_id": id })),
            )
            .await;
        }
    }
    accounts::disconnect(db, owner, id).await
}
