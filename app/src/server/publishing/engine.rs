//! The publishing engine: claims due posts atomically (any number of instances may run it over
//! one database), publishes each through its platform's adapter, and records what happened.
//!
//! A claimed post is `publishing` with a lease held by this instance. Every outcome is written
//! only while the lease is still ours. A post whose lease ran out (its instance died) is claimed
//! again; if its last attempt had begun talking to the platform, the engine resumes from the
//! stored platform handle or looks for the post on the platform before publishing again.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use futures::{FutureExt, StreamExt};
use rand::Rng;
use sea_orm::sea_query::{Expr, OnConflict, SimpleExpr};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;
use std::panic::AssertUnwindSafe;
use uuid::Uuid;

use super::adapter::{
    clamp_platform_delay, AccountAuth, OutgoingPost, PublishError, Publisher, Started,
};
use super::leases::{LeaseLost, Leases};
use super::tokens::{Renewal, Tokens};
use super::Platforms;
use crate::model::{EventKind, EventLevel, PostStatus, QueueStatus};
use crate::server::auth::vault::TokenVault;
use crate::server::config::SchedulerSettings;
use crate::server::entities::{content_queue, post, post_metrics, social_account};
use crate::server::services::event_log::{self, Event};

/// How long a rate-limited post waits when the platform does not say.
const DEFAULT_RATE_LIMIT_WAIT: Duration = Duration::minutes(15);
/// Posts published within this window count against a platform's daily cap.
const CAP_WINDOW: Duration = Duration::hours(24);
/// Metrics are kept fresh for posts this recent.
const METRICS_WINDOW: Duration = Duration::days(30);
/// A post whose token another instance is renewing waits this long.
const TOKEN_RENEWAL_WAIT: Duration = Duration::seconds(5);
/// Tokens expiring within this are renewed by the token job.
const TOKEN_RENEWAL_MARGIN: Duration = Duration::days(7);

/// What one tick did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TickReport {
    pub claimed: usize,
    pub posted: usize,
    pub retrying: usize,
    pub deferred: usize,
    pub failed: usize,
    /// Outcomes not written because another instance had taken the post over.
    pub lost: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Posted,
    Retrying,
    Deferred,
    Failed,
    Lost,
}

/// Why the publishing of one post stopped before an outcome was written.
enum Stop {
    /// The lease is gone: another instance has the post now.
    LeaseLost,
    /// The database failed us mid-way.
    Db(DbErr),
}

impl From<DbErr> for Stop {
    fn from(err: DbErr) -> Self {
        Stop::Db(err)
    }
}

impl From<LeaseLost> for Stop {
    fn from(_: LeaseLost) -> Self {
        Stop::LeaseLost
    }
}

/// Clears the "a tick is running" flag however the tick ends, a panic included, so that one
/// bad tick never stops publishing on this instance.
struct Ticking<'a>(&'a AtomicBool);

impl Drop for Ticking<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

pub struct Engine {
    db: DatabaseConnection,
    settings: SchedulerSettings,
    platforms: Arc<Platforms>,
    vault: Arc<TokenVault>,
    instance: String,
    leases: Leases,
    tokens: Tokens,
    ticking: AtomicBool,
    /// Event-log entries of the batch in flight, written together when it is done (one
    /// insert instead of one per post).
    journal: Mutex<Vec<Event>>,
}

impl Engine {
    pub fn new(
        db: DatabaseConnection,
        settings: SchedulerSettings,
        platforms: Arc<Platforms>,
        vault: Arc<TokenVault>,
    ) -> Self {
        let instance = if settings.instance_id.is_empty() {
            let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
            let suffix: u32 = rand::thread_rng().gen();
            format!("{host}-{}-{suffix:08x}", std::process::id())
        } else {
            settings.instance_id.clone()
        };
        let leases = Leases::new(
            db.clone(),
            instance.clone(),
            settings.lease_seconds,
            std::time::Duration::from_millis(settings.lease_renew_ms),
        );
        Engine {
            tokens: Tokens::new(db.clone(), vault.clone()),
            db,
            leases,
            settings,
            platforms,
            vault,
            instance,
            ticking: AtomicBool::new(false),
            journal: Mutex::new(Vec::new()),
        }
    }

    /// The engine of a running app: its database, settings, adapters and vault.
    pub fn from_state(state: &crate::server::AppState) -> Self {
        Engine::new(
            state.db.clone(),
            state.settings.scheduler.clone(),
            state.platforms.clone(),
            state.vault.clone(),
        )
    }

    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Publishes everything due now, batch after batch. A tick that finds the previous one
    /// still running returns at once (the running one drains what is due).
    pub async fn tick(&self) -> Result<TickReport, DbErr> {
        if self.ticking.swap(true, Ordering::AcqRel) {
            return Ok(TickReport::default());
        }
        let _ticking = Ticking(&self.ticking);
        self.drain().await
    }

    async fn drain(&self) -> Result<TickReport, DbErr> {
        let mut report = TickReport::default();
        self.leases.hold_deactivated().await?;
        loop {
            let claimed = self.leases.claim(self.settings.batch_size).await?;
            let batch_len = claimed.len();
            report.claimed += batch_len;
            let accounts = match self.accounts_of(&claimed).await {
                Ok(accounts) => accounts,
                Err(err) => {
                    // The leases run out and the posts are recovered by the next tick.
                    for post in &claimed {
                        self.leases.release(post.id);
                    }
                    return Err(err);
                }
            };
            let work = futures::stream::iter(claimed)
                .map(|post| {
                    let account = accounts.get(&post.account_id).cloned();
                    self.publish(post, account)
                })
                .buffer_unordered(self.settings.concurrency)
                .collect::<Vec<Outcome>>();
            let outcomes = self.leases.renewing_while(work).await;
            self.flush_journal().await;
            for outcome in outcomes {
                match outcome {
                    Outcome::Posted => report.posted += 1,
                    Outcome::Retrying => report.retrying += 1,
                    Outcome::Deferred => report.deferred += 1,
                    Outcome::Failed => report.failed += 1,
                    Outcome::Lost => report.lost += 1,
                }
            }
            if (batch_len as u64) < self.settings.batch_size {
                return Ok(report);
            }
        }
    }

    /// The accounts a batch posts to, read once for the whole batch.
    async fn accounts_of(
        &self,
        posts: &[post::Model],
    ) -> Result<HashMap<Uuid, social_account::Model>, DbErr> {
        let ids: HashSet<Uuid> = posts.iter().map(|p| p.account_id).collect();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(social_account::Entity::find()
            .filter(social_account::Column::Id.is_in(ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect())
    }

    async fn note(&self, event: Event) {
        self.journal.lock().expect("journal lock").push(event);
    }

    async fn flush_journal(&self) {
        let events = std::mem::take(&mut *self.journal.lock().expect("journal lock"));
        event_log::record_many(&self.db, events).await;
    }

    async fn publish(&self, post: post::Model, account: Option<social_account::Model>) -> Outcome {
        let started = Instant::now();
        // A panic while publishing one post (a bug, a platform answer nobody expected) must
        // not take the batch, the tick or the instance's publishing down with it.
        let result = AssertUnwindSafe(self.publish_inner(&post, account.clone(), started))
            .catch_unwind()
            .await;
        let result = match result {
            Ok(result) => result,
            Err(panic) => Ok(self
                .after_panic(&post, account.as_ref(), started, panic)
                .await),
        };
        self.leases.release(post.id);
        match result {
            Ok(outcome) => outcome,
            Err(Stop::LeaseLost) => {
                tracing::warn!(post_id = %post.id, instance = %self.instance, "lease lost mid-publish; no further platform call");
                self.note(
                    Event::new(
                        EventKind::Scheduler,
                        "Lease lost while publishing; this instance stopped before any further platform call and another instance takes the post over",
                    )
                    .level(EventLevel::Warn)
                    .user(post.user_id)
                    .post(post.id)
                    .data(json!({ "account_id": post.account_id, "instance": self.instance })),
                )
                .await;
                Outcome::Lost
            }
            Err(Stop::Db(err)) => {
                // The database failed us mid-way: the lease will expire and the post be
                // recovered (with its checkpoint) by whichever instance comes next.
                tracing::error!(post_id = %post.id, error = %err, "publishing stopped by a database error");
                self.note(
                    Event::new(
                        EventKind::Scheduler,
                        format!("Publishing interrupted by a database error: {err}"),
                    )
                    .level(EventLevel::Error)
                    .user(post.user_id)
                    .post(post.id),
                )
                .await;
                Outcome::Lost
            }
        }
    }

    /// The post's publishing panicked: it is retried like after a transient failure (its
    /// checkpoints make the retry resume instead of posting twice), and the log says why.
    async fn after_panic(
        &self,
        post: &post::Model,
        account: Option<&social_account::Model>,
        started: Instant,
        panic: Box<dyn std::any::Any + Send>,
    ) -> Outcome {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".into());
        tracing::error!(post_id = %post.id, panic = %what, "publishing a post panicked");
        let Some(account) = account else {
            // Nothing to retry with: the lease runs out and the post is claimed again.
            return Outcome::Lost;
        };
        let message = "Publishing stopped on an internal error; retrying";
        match self.transient(post, started, account, message, None).await {
            Ok(outcome) => outcome,
            Err(err) => {
                tracing::error!(post_id = %post.id, error = %err, "outcome after a panic not written");
                Outcome::Lost
            }
        }
    }

    async fn publish_inner(
        &self,
        post: &post::Model,
        account: Option<social_account::Model>,
        started: Instant,
    ) -> Result<Outcome, Stop> {
        let Some(account) = account else {
            return Ok(self
                .fail(
                    post,
                    started,
                    None,
                    "The post's account no longer exists",
                    None,
                )
                .await?);
        };
        if !account.is_connected || account.needs_reconnect {
            let reason = format!(
                "{} account {} needs to be reconnected before it can publish",
                account.platform.label(),
                account.account_name
            );
            return Ok(self
                .fail(post, started, Some(&account), &reason, None)
                .await?);
        }
        let mut auth = match self.auth_for(&account) {
            Ok(auth) => auth,
            Err(reason) => {
                return Ok(self
                    .fail(post, started, Some(&account), &reason, None)
                    .await?)
            }
        };
        if let Some(wait_until) = self.daily_cap_reached(&account, Utc::now()).await? {
            let reason = format!(
                "{}'s limit of {} posts a day is reached; publishing at {}",
                account.platform.label(),
                account
                    .platform
                    .rules()
                    .daily_publish_cap
                    .unwrap_or_default(),
                wait_until.format("%Y-%m-%d %H:%M UTC")
            );
            return Ok(self
                .defer(post, started, &account, wait_until, &reason, None)
                .await?);
        }

        let publisher = self.platforms.for_account(&account);
        let outgoing = outgoing(post);
        let mut result = self
            .attempt(publisher.as_ref(), &auth, post, &outgoing)
            .await?;

        if let Err(PublishError::TokenExpired { .. }) = &result {
            // Renewal posts nothing, and a renewal cut short could lose a rotated refresh
            // token: it is not cancelled with the lease.
            match self
                .tokens
                .renew(publisher.as_ref(), &account, &auth, Some(post.id))
                .await?
            {
                Renewal::Renewed(grant) => {
                    auth.access_token = grant.access_token;
                    auth.refresh_token = grant.refresh_token.or(auth.refresh_token);
                }
                Renewal::RenewedElsewhere(fresh) => match self.auth_for(&fresh) {
                    Ok(fresh) => auth = fresh,
                    Err(reason) => {
                        return Ok(self
                            .fail(post, started, Some(&account), &reason, None)
                            .await?)
                    }
                },
                Renewal::Busy => {
                    let reason = format!(
                        "{} token is being renewed by another instance",
                        account.platform.label()
                    );
                    let until = Utc::now() + TOKEN_RENEWAL_WAIT;
                    return Ok(self
                        .defer(post, started, &account, until, &reason, None)
                        .await?);
                }
                Renewal::Failed(err) => {
                    let message = format!(
                        "{} token could not be renewed yet ({err})",
                        account.platform.label()
                    );
                    return Ok(self
                        .transient(post, started, &account, &message, err.code())
                        .await?);
                }
                Renewal::Refused(reason) => {
                    return Ok(self
                        .needs_reconnect(post, started, &account, &reason)
                        .await?);
                }
            }
            result = self
                .attempt(publisher.as_ref(), &auth, post, &outgoing)
                .await?;
            if let Err(PublishError::TokenExpired { code, message }) = result {
                // A fresh token refused again is not worth another loop.
                result = Err(PublishError::Permanent { code, message });
            }
        }

        let outcome = match result {
            Ok(external_id) => self.posted(post, started, &account, &external_id).await,
            Err(PublishError::RateLimited {
                code,
                message,
                retry_after,
            }) => {
                // Adapters clamp what they read; clamped again here so that no adapter can
                // park a post for days.
                let wait = retry_after
                    .map(clamp_platform_delay)
                    .and_then(|d| Duration::from_std(d).ok())
                    .unwrap_or(DEFAULT_RATE_LIMIT_WAIT);
                self.defer(
                    post,
                    started,
                    &account,
                    Utc::now() + wait,
                    &message,
                    code.as_deref(),
                )
                .await
            }
            Err(PublishError::Transient { code, message }) => {
                self.transient(post, started, &account, &message, code.as_deref())
                    .await
            }
            Err(
                err @ (PublishError::Permanent { .. }
                | PublishError::TokenExpired { .. }
                | PublishError::Unconfirmed { .. }),
            ) => {
                self.fail(post, started, Some(&account), &err.to_string(), err.code())
                    .await
            }
        };
        Ok(outcome?)
    }

    /// One try at the platform, resuming an interrupted one when there is a checkpoint. Every
    /// platform call runs only while the lease holds, and a checkpoint that finds the lease
    /// gone stops the attempt before the next call.
    async fn attempt(
        &self,
        publisher: &dyn Publisher,
        auth: &AccountAuth,
        post: &post::Model,
        outgoing: &OutgoingPost,
    ) -> Result<Result<String, PublishError>, Stop> {
        if let Some(publish_ref) = &post.publish_ref {
            return Ok(self
                .leases
                .while_held(post.id, publisher.finish(auth, outgoing, publish_ref))
                .await?);
        }
        if let Some(since) = post.publish_started_at {
            if !publisher.confirms_interrupted_start() {
                return Ok(Err(PublishError::unconfirmed(post.platform)));
            }
            let found = self
                .leases
                .while_held(
                    post.id,
                    publisher.find_published(auth, outgoing, since - Duration::minutes(1)),
                )
                .await?;
            match found {
                Ok(Some(external_id)) => return Ok(Ok(external_id)),
                Ok(None) => {}
                Err(err) => return Ok(Err(err)),
            }
        }
        if publisher.has_side_effects() {
            self.leases
                .checkpoint(
                    post.id,
                    post::Column::PublishStartedAt,
                    Expr::value(Utc::now()),
                )
                .await??;
        }
        let started = self
            .leases
            .while_held(post.id, publisher.start(auth, outgoing))
            .await?;
        match started {
            Ok(Started::Published { external_post_id }) => Ok(Ok(external_post_id)),
            Ok(Started::InProgress { publish_ref }) => {
                self.leases
                    .checkpoint(
                        post.id,
                        post::Column::PublishRef,
                        Expr::value(publish_ref.clone()),
                    )
                    .await??;
                Ok(self
                    .leases
                    .while_held(post.id, publisher.finish(auth, outgoing, &publish_ref))
                    .await?)
            }
            Err(err) => {
                if err.nothing_posted() {
                    // The platform refused: the next attempt starts afresh instead of
                    // looking for (or, on TikTok, fearing) a post that does not exist.
                    self.leases
                        .checkpoint(post.id, post::Column::PublishStartedAt, Expr::cust("NULL"))
                        .await??;
                }
                Ok(Err(err))
            }
        }
    }

    fn auth_for(&self, account: &social_account::Model) -> Result<AccountAuth, String> {
        let open = |sealed: &Option<String>| -> Result<Option<String>, String> {
            sealed
                .as_deref()
                .map(|s| self.vault.open(s))
                .transpose()
                .map_err(|e| {
                    format!(
                        "{} account {}: {e}; reconnect it",
                        account.platform.label(),
                        account.account_name
                    )
                })
        };
        Ok(AccountAuth {
            account_id: account.id,
            platform: account.platform,
            external_id: account.account_id_external.clone(),
            access_token: open(&account.access_token_enc)?.unwrap_or_default(),
            refresh_token: open(&account.refresh_token_enc)?,
        })
    }

    /// When the account's platform caps posts per day and the cap is reached: the time the
    /// oldest post in the window leaves it.
    async fn daily_cap_reached(
        &self,
        account: &social_account::Model,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, DbErr> {
        let Some(cap) = account.platform.rules().daily_publish_cap else {
            return Ok(None);
        };
        let recent = post::Entity::find()
            .filter(post::Column::AccountId.eq(account.id))
            .filter(post::Column::Status.eq(PostStatus::Posted))
            .filter(post::Column::PostedAt.gt(now - CAP_WINDOW))
            .order_by_desc(post::Column::PostedAt)
            .limit(u64::from(cap))
            .all(&self.db)
            .await?;
        if recent.len() < cap as usize {
            return Ok(None);
        }
        Ok(recent
            .last()
            .and_then(|oldest| oldest.posted_at)
            .map(|at| at + CAP_WINDOW))
    }

    /// Writes an outcome if the lease is still ours. `false` (logged) when another instance
    /// took the post over meanwhile.
    async fn settle(
        &self,
        post: &post::Model,
        changes: Vec<(post::Column, SimpleExpr)>,
    ) -> Result<bool, DbErr> {
        let mut update =
            post::Entity::update_many().col_expr(post::Column::UpdatedAt, Expr::value(Utc::now()));
        let lease_released = [
            cleared(post::Column::LeaseOwner),
            cleared(post::Column::LeaseExpiresAt),
        ];
        for (column, value) in lease_released.into_iter().chain(changes) {
            update = update.col_expr(column, value);
        }
        let result = update
            .filter(post::Column::Id.eq(post.id))
            .filter(post::Column::Status.eq(PostStatus::Publishing))
            .filter(post::Column::LeaseOwner.eq(self.instance.as_str()))
            .exec(&self.db)
            .await?;
        if result.rows_affected == 1 {
            return Ok(true);
        }
        tracing::warn!(post_id = %post.id, instance = %self.instance, "lease lost before the outcome was written");
        self.note(
            Event::new(
                EventKind::Scheduler,
                "Lease expired before the outcome was written; another instance took the post over",
            )
            .level(EventLevel::Warn)
            .user(post.user_id)
            .post(post.id)
            .data(json!({ "account_id": post.account_id, "instance": self.instance })),
        )
        .await;
        Ok(false)
    }

    async fn posted(
        &self,
        post: &post::Model,
        started: Instant,
        account: &social_account::Model,
        external_id: &str,
    ) -> Result<Outcome, DbErr> {
        let now = Utc::now();
        let won = self
            .settle(
                post,
                vec![
                    status(PostStatus::Posted),
                    (post::Column::PostedAt, Expr::value(now)),
                    (post::Column::ExternalPostId, Expr::value(external_id)),
                    (post::Column::Attempts, Expr::value(post.attempts + 1)),
                    cleared(post::Column::ErrorMessage),
                    cleared(post::Column::NextAttemptAt),
                ],
            )
            .await?;
        if !won {
            return Ok(Outcome::Lost);
        }
        if let Some(item) = post.queue_item_id {
            self.mark_queue_item_posted(item).await?;
        }
        self.log(
            post,
            account,
            started,
            EventLevel::Info,
            "Published",
            None,
            json!({
                "external_post_id": external_id,
                "lateness_ms": post.scheduled_for.map(|due| (now - due).num_milliseconds()),
            }),
        )
        .await;
        Ok(Outcome::Posted)
    }

    async fn transient(
        &self,
        post: &post::Model,
        started: Instant,
        account: &social_account::Model,
        message: &str,
        code: Option<&str>,
    ) -> Result<Outcome, DbErr> {
        let attempts = post.attempts + 1;
        if attempts >= self.settings.max_attempts {
            let reason = format!("Gave up after {attempts} attempts: {message}");
            return self.fail(post, started, Some(account), &reason, code).await;
        }
        let retry_at = Utc::now() + self.backoff(attempts);
        let won = self
            .settle(
                post,
                vec![
                    status(PostStatus::Scheduled),
                    (post::Column::Attempts, Expr::value(attempts)),
                    (post::Column::NextAttemptAt, Expr::value(retry_at)),
                    (post::Column::ErrorMessage, Expr::value(message)),
                ],
            )
            .await?;
        if !won {
            return Ok(Outcome::Lost);
        }
        self.log(
            post,
            account,
            started,
            EventLevel::Warn,
            &format!(
                "Attempt {attempts} failed, retrying at {}: {message}",
                retry_at.format("%H:%M:%S UTC")
            ),
            code,
            json!({
                "attempt": attempts,
                "retry_at": retry_at,
            }),
        )
        .await;
        Ok(Outcome::Retrying)
    }

    async fn defer(
        &self,
        post: &post::Model,
        started: Instant,
        account: &social_account::Model,
        until: DateTime<Utc>,
        reason: &str,
        code: Option<&str>,
    ) -> Result<Outcome, DbErr> {
        // Not an attempt that failed: `attempts` stays as it is.
        let won = self
            .settle(
                post,
                vec![
                    status(PostStatus::Scheduled),
                    (post::Column::NextAttemptAt, Expr::value(until)),
                ],
            )
            .await?;
        if !won {
            return Ok(Outcome::Lost);
        }
        self.log(
            post,
            account,
            started,
            EventLevel::Warn,
            &format!(
                "Deferred until {}: {reason}",
                until.format("%Y-%m-%d %H:%M:%S UTC")
            ),
            code,
            json!({
                "deferred_until": until,
            }),
        )
        .await;
        Ok(Outcome::Deferred)
    }

    async fn fail(
        &self,
        post: &post::Model,
        started: Instant,
        account: Option<&social_account::Model>,
        reason: &str,
        code: Option<&str>,
    ) -> Result<Outcome, DbErr> {
        let won = self
            .settle(
                post,
                vec![
                    status(PostStatus::Failed),
                    (post::Column::Attempts, Expr::value(post.attempts + 1)),
                    (post::Column::ErrorMessage, Expr::value(reason)),
                    cleared(post::Column::NextAttemptAt),
                    cleared(post::Column::PublishRef),
                    cleared(post::Column::PublishStartedAt),
                ],
            )
            .await?;
        if !won {
            return Ok(Outcome::Lost);
        }
        let entry = Event::new(EventKind::Publish, format!("Failed: {reason}"))
            .level(EventLevel::Error)
            .user(post.user_id)
            .post(post.id)
            .data(json!({
                "account_id": post.account_id,
                "platform": post.platform,
                "account": account.map(|a| a.account_name.clone()),
                "latency_ms": started.elapsed().as_millis() as u64,
                "response_code": code,
                "attempt": post.attempts + 1,
            }));
        self.note(entry).await;
        Ok(Outcome::Failed)
    }

    /// The token could not be renewed (the account is marked by `tokens`): its due posts fail
    /// now with that reason instead of each finding out on its own.
    async fn needs_reconnect(
        &self,
        post: &post::Model,
        started: Instant,
        account: &social_account::Model,
        reason: &str,
    ) -> Result<Outcome, DbErr> {
        let due = post::Entity::update_many()
            .col_expr(
                post::Column::Status,
                Expr::value(PostStatus::Failed.as_str()),
            )
            .col_expr(post::Column::ErrorMessage, Expr::value(reason))
            .col_expr(post::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(post::Column::AccountId.eq(account.id))
            .filter(post::Column::Status.eq(PostStatus::Scheduled))
            .filter(post::Column::ScheduledFor.lte(Utc::now()))
            .exec(&self.db)
            .await?;
        if due.rows_affected > 0 {
            tracing::warn!(account_id = %account.id, failed = due.rows_affected, "due posts failed: account needs reconnection");
        }
        self.fail(post, started, Some(account), reason, None).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn log(
        &self,
        post: &post::Model,
        account: &social_account::Model,
        started: Instant,
        level: EventLevel,
        message: &str,
        code: Option<&str>,
        extra: serde_json::Value,
    ) {
        let mut data = json!({
            "account_id": account.id,
            "account": account.account_name,
            "platform": account.platform,
            "latency_ms": started.elapsed().as_millis() as u64,
            "response_code": code,
            "instance": self.instance,
        });
        if let (Some(data), Some(extra)) = (data.as_object_mut(), extra.as_object()) {
            data.extend(extra.clone());
        }
        self.note(
            Event::new(EventKind::Publish, message)
                .level(level)
                .user(post.user_id)
                .post(post.id)
                .data(data),
        )
        .await;
    }

    /// base × 2^(attempt−1), capped, with ±20 % jitter so retries of many posts spread out.
    fn backoff(&self, attempt: i32) -> Duration {
        let base = self.settings.backoff_base_seconds as f64;
        let capped = (base * 2f64.powi(attempt.saturating_sub(1).min(30)))
            .min(self.settings.backoff_max_seconds as f64);
        let jitter = rand::thread_rng().gen_range(0.8..=1.2);
        Duration::milliseconds((capped * jitter * 1000.0) as i64)
    }

    /// A queue item is posted once every post made from it is.
    async fn mark_queue_item_posted(&self, item: Uuid) -> Result<(), DbErr> {
        let unpublished = post::Entity::find()
            .filter(post::Column::QueueItemId.eq(item))
            .filter(post::Column::Status.ne(PostStatus::Posted))
            .count(&self.db)
            .await?;
        if unpublished == 0 {
            content_queue::Entity::update_many()
                .col_expr(
                    content_queue::Column::Status,
                    Expr::value(QueueStatus::Posted.as_str()),
                )
                .col_expr(content_queue::Column::UpdatedAt, Expr::value(Utc::now()))
                .filter(content_queue::Column::Id.eq(item))
                .filter(content_queue::Column::Status.eq(QueueStatus::Approved))
                .exec(&self.db)
                .await?;
        }
        Ok(())
    }

    /// Reads fresh metrics for every post published in the last 30 days.
    pub async fn refresh_metrics(&self) -> Result<usize, DbErr> {
        let since = Utc::now() - METRICS_WINDOW;
        let posts = post::Entity::find()
            .filter(post::Column::Status.eq(PostStatus::Posted))
            .filter(post::Column::PostedAt.gt(since))
            .filter(post::Column::ExternalPostId.is_not_null())
            .all(&self.db)
            .await?;
        let accounts: std::collections::HashMap<Uuid, social_account::Model> =
            social_account::Entity::find()
                .filter(
                    social_account::Column::Id.is_in(
                        posts
                            .iter()
                            .map(|p| p.account_id)
                            .collect::<std::collections::HashSet<_>>(),
                    ),
                )
                .all(&self.db)
                .await?
                .into_iter()
                .map(|a| (a.id, a))
                .collect();
        let refreshed = futures::stream::iter(posts)
            .map(|post| {
                let account = accounts.get(&post.account_id).cloned();
                async move {
                    let account = account.filter(|a| a.is_connected && !a.needs_reconnect)?;
                    let auth = self.auth_for(&account).ok()?;
                    let external_id = post.external_post_id.as_deref()?;
                    let publisher = self.platforms.for_account(&account);
                    match publisher.metrics(&auth, external_id, post.posted_at?).await {
                        Ok(metrics) => Some((post.id, metrics)),
                        Err(err) => {
                            tracing::warn!(post_id = %post.id, error = %err, "metrics not refreshed");
                            None
                        }
                    }
                }
            })
            .buffer_unordered(self.settings.concurrency)
            .filter_map(|fresh| async move { fresh })
            .collect::<Vec<_>>()
            .await;
        let now = Utc::now();
        for (post_id, m) in &refreshed {
            let row = post_metrics::ActiveModel {
                id: Set(Uuid::new_v4()),
                post_id: Set(*post_id),
                impressions: Set(m.impressions),
                reach: Set(m.reach),
                likes: Set(m.likes),
                comments: Set(m.comments),
                shares: Set(m.shares),
                clicks: Set(m.clicks),
                fetched_at: Set(now),
            };
            post_metrics::Entity::insert(row)
                .on_conflict(
                    OnConflict::column(post_metrics::Column::PostId)
                        .update_columns([
                            post_metrics::Column::Impressions,
                            post_metrics::Column::Reach,
                            post_metrics::Column::Likes,
                            post_metrics::Column::Comments,
                            post_metrics::Column::Shares,
                            post_metrics::Column::Clicks,
                            post_metrics::Column::FetchedAt,
                        ])
                        .to_owned(),
                )
                .exec(&self.db)
                .await?;
        }
        Ok(refreshed.len())
    }

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

/// `column = status` in an outcome.
fn status(status: PostStatus) -> (post::Column, SimpleExpr) {
    (post::Column::Status, Expr::value(status.as_str()))
}

/// `column = NULL` in an outcome (an untyped NULL, which both databases accept for any type).
fn cleared(column: post::Column) -> (post::Column, SimpleExpr) {
    (column, Expr::cust("NULL"))
}

/// The post as it will read on the platform: the text, then its hashtags.
fn outgoing(post: &post::Model) -> OutgoingPost {
    let mut caption = post.content.trim_end().to_string();
    if !post.hashtags.0.is_empty() {
        let tags: Vec<String> = post.hashtags.0.iter().map(|t| format!("#{t}")).collect();
        caption.push_str("\n\n");
        caption.push_str(&tags.join(" "));
    }
    OutgoingPost {
        post_id: post.id,
        caption,
        media_urls: post.media_urls.0.clone(),
    }
}
