//! Token renewal, the one rule both the publishing path and the token job follow:
//!
//! - Renewal of an account is single-flight across instances: an instance renews only after
//!   claiming the account (`token_renewal_until`, a lease on the database's clock, taken by a
//!   conditional update that also checks the token is still the one it holds). TikTok rotates
//!   refresh tokens, so a second concurrent renewal would spend a dead one.
//! - A transient failure (no answer, 5xx, rate limit) is retried later; the account is left
//!   as it is.
//! - Only a definite refusal (invalid grant, revoked) marks the account `needs_reconnect`.
//! - Within one instance, renewals of an account take turns: a second post of the account
//!   then sees what the first renewal did, rather than deferring as if another instance held
//!   the claim. If that renewal failed for a passing reason, the posts that waited for it
//!   are retried later with it, without asking the platform again at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::Utc;
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use super::adapter::{AccountAuth, PublishError, Publisher, TokenGrant};
use super::engine::Engine;
use super::leases::{db_now, db_now_plus};
use crate::model::{EventKind, EventLevel};
use crate::server::auth::vault::TokenVault;
use crate::server::entities::social_account;
use crate::server::services::accounts;
use crate::server::services::event_log::{self, Event};

/// How long a renewal claim holds: longer than a platform call may take.
const CLAIM_SECONDS: i64 = 120;

/// What became of a renewal.
#[derive(Debug)]
pub(super) enum Renewal {
    /// This instance renewed the token; the new one is stored.
    Renewed(TokenGrant),
    /// Another instance renewed it meanwhile: the account as it is now.
    RenewedElsewhere(Box<social_account::Model>),
    /// Another instance is renewing it right now.
    Busy,
    /// Worth trying again later; the account is unchanged.
    Failed(PublishError),
    /// The platform refused for good: the account is marked for reconnection.
    Refused(String),
}

pub(super) struct Tokens {
    db: DatabaseConnection,
    vault: Arc<TokenVault>,
    /// One turn per account being renewed in this process.
    turns: Mutex<HashMap<Uuid, Arc<tokio::sync::Mutex<Turn>>>>,
}

/// An account's turn to renew, and how the last renewal in it failed, if it did.
#[derive(Default)]
struct Turn {
    last_failure: Option<(Instant, PublishError)>,
}

impl Tokens {
    pub(super) fn new(db: DatabaseConnection, vault: Arc<TokenVault>) -> Self {
        Tokens {
            db,
            vault,
            turns: Mutex::default(),
        }
    }

    /// Renews `account`'s token through `publisher` with the credentials `auth`, following
    /// the rule above. `post` names the post that needed it, for the event log.
    pub(super) async fn renew(
        &self,
        publisher: &dyn Publisher,
        account: &social_account::Model,
        auth: &AccountAuth,
        post: Option<Uuid>,
    ) -> Result<Renewal, DbErr> {
        let turn = self
            .turns
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(account.id)
            .or_default()
            .clone();
        let asked = Instant::now();
        let renewal = {
            let mut mine = turn.lock().await;
            match &mine.last_failure {
                // The renewal this one waited for has just failed: asking again at once would
                // fail alike (or spend the platform's rate limit), and one waiter after another
                // could hold the batch for a timeout each.
                Some((failed_at, err)) if *failed_at >= asked => Ok(Renewal::Failed(err.clone())),
                _ => {
                    let renewal = self.renew_in_turn(publisher, account, auth, post).await;
                    mine.last_failure = match &renewal {
                        Ok(Renewal::Failed(err)) => Some((Instant::now(), err.clone())),
                        _ => None,
                    };
                    renewal
                }
            }
        };
        let mut turns = self
            .turns
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // The map's handle and this one: nobody else is waiting for the account.
        if Arc::strong_count(&turn) == 2 {
            turns.remove(&account.id);
        }
        renewal
    }

    async fn renew_in_turn(
        &self,
        publisher: &dyn Publisher,
        account: &social_account::Model,
        auth: &AccountAuth,
        post: Option<Uuid>,
    ) -> Result<Renewal, DbErr> {
        if !self.claim(account).await? {
            let now = social_account::Entity::find_by_id(account.id)
                .one(&self.db)
                .await?;
            return Ok(match now {
                None => Renewal::Refused(format!(
                    "{} account {} no longer exists",
                    account.platform.label(),
                    account.account_name
                )),
                Some(now) if now.needs_reconnect || !now.is_connected => {
                    Renewal::Refused(needs_reconnect_reason(account, None))
                }
                Some(now) if now.access_token_enc != account.access_token_enc => {
                    Renewal::RenewedElsewhere(Box::new(now))
                }
                Some(_) => Renewal::Busy,
            });
        }
        let result = publisher.refresh_token(auth).await;
        let renewal = match result {
            Ok(grant) => {
                accounts::store_tokens(&self.db, &self.vault, account.id, &grant).await?;
                let mut event = Event::new(
                    EventKind::Scheduler,
                    format!("{} token renewed", account.platform.label()),
                )
                .user(account.user_id)
                .data(json!({ "account_id": account.id, "platform": account.platform, "expires_at": grant.expires_at }));
                if let Some(post) = post {
                    event = event.post(post);
                }
                event_log::record(&self.db, event).await;
                Renewal::Renewed(grant)
            }
            Err(err @ (PublishError::Transient { .. } | PublishError::RateLimited { .. })) => {
                tracing::warn!(account_id = %account.id, error = %err, "token renewal will be tried again");
                Renewal::Failed(err)
            }
            Err(
                err @ (PublishError::Permanent { .. }
                | PublishError::TokenExpired { .. }
                | PublishError::Unconfirmed { .. }),
            ) => {
                let reason = needs_reconnect_reason(account, Some(&err));
                social_account::Entity::update_many()
                    .col_expr(social_account::Column::NeedsReconnect, Expr::value(true))
                    .col_expr(
                        social_account::Column::ReconnectReason,
                        Expr::value(reason.clone()),
                    )
                    .col_expr(social_account::Column::UpdatedAt, Expr::value(Utc::now()))
                    .filter(social_account::Column::Id.eq(account.id))
                    .exec(&self.db)
                    .await?;
                event_log::record(
                    &self.db,
                    Event::new(EventKind::Scheduler, reason.clone())
                        .level(EventLevel::Error)
                        .user(account.user_id)
                        .data(json!({ "account_id": account.id, "platform": account.platform, "response_code": err.code() })),
                )
                .await;
                Renewal::Refused(reason)
            }
        };
        self.release(account.id).await?;
        Ok(renewal)
    }

    /// Claims the renewal of `account` for this instance: nobody else is renewing it, and its
    /// stored token is still the one this instance read (else someone renewed it already).
    async fn claim(&self, account: &social_account::Model) -> Result<bool, DbErr> {
        let backend = self.db.get_database_backend();
        let claim = Query::update()
            .table(social_account::Entity)
            .value(
                Alias::new("token_renewal_until"),
                Expr::cust(db_now_plus(backend, CLAIM_SECONDS)),
            )
            .and_where(social_account::Column::Id.eq(account.id))
            .and_where(social_account::Column::NeedsReconnect.eq(false))
            .and_where(social_account::Column::AccessTokenEnc.eq(account.access_token_enc.clone()))
            .and_where(Expr::cust(format!(
                "(token_renewal_until IS NULL OR token_renewal_until < {})",
                db_now(backend)
            )))
            .to_owned();
        Ok(self
            .db
            .execute(backend.build(&claim))
            .await?
            .rows_affected()
            == 1)
    }

    async fn release(&self, account: Uuid) -> Result<(), DbErr> {
        let backend = self.db.get_database_backend();
        let release = Query::update()
            .table(social_account::Entity)
            .value(Alias::new("token_renewal_until"), Expr::cust("NULL"))
            .and_where(social_account::Column::Id.eq(account))
            .to_owned();
        self.db.execute(backend.build(&release)).await?;
        Ok(())
    }
}

/// Why an account must be reconnected by its owner.
fn needs_reconnect_reason(account: &social_account::Model, err: Option<&PublishError>) -> String {
    match err {
        Some(err) => format!(
            "{} account {} needs to be reconnected: the token expired and could not be renewed ({err})",
            account.platform.label(),
            account.account_name
        ),
        None => format!(
            "{} account {} needs to be reconnected: the token expired and could not be renewed",
            account.platform.label(),
            account.account_name
        ),
    }
}

/// Tokens expiring within this are renewed by the token job.
const TOKEN_RENEWAL_MARGIN: chrono::Duration = chrono::Duration::days(7);

impl Engine {
    /// Renews tokens that expire within a week, before a post finds them expired.
    pub async fn refresh_tokens(&self) -> Result<usize, DbErr> {
        let accounts = social_account::Entity::find()
            .filter(social_account::Column::IsConnected.eq(true))
            .filter(social_account::Column::NeedsReconnect.eq(false))
            .filter(social_account::Column::AccessTokenEnc.is_not_null())
            .filter(social_account::Column::TokenExpiresAt.lt(Utc::now() + TOKEN_RENEWAL_MARGIN))
            .all(&self.db)
            .await?;
        let mut renewed = 0;
        for account in accounts {
            let Ok(auth) = self.auth_for(&account) else {
                continue;
            };
            let publisher = self.platforms.for_account(&account);
            // Every outcome is logged by the renewal itself; others are retried next run.
            if let Renewal::Renewed(_) = self
                .tokens
                .renew(publisher.as_ref(), &account, &auth, None)
                .await?
            {
                renewed += 1;
            }
        }
        Ok(renewed)
    }
}
