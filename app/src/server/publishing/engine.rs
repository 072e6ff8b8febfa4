//! The publishing engine: claims due posts atomically (any number of instances may run it over
//! one database), publishes each through its platform's adapter, and records what happened.
//! This file holds the tick and the state machine of one post; claims and leases, outcome
//! writes, the journal, the account lookup, tokens and metrics have files of their own.
//!
//! A claimed post is `publishing` with a lease held by this instance. Every outcome is written
//! only while the lease is still ours. A post whose lease ran out (its instance died) is claimed
//! again; if its last attempt had begun talking to the platform, the engine resumes from the
//! stored platform handle or looks for the post on the platform before publishing again.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use futures::{FutureExt, StreamExt};
use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use std::panic::AssertUnwindSafe;

use super::adapter::{
    clamp_platform_delay, AccountAuth, OutgoingPost, PublishError, Publisher, Started,
};
use super::leases::{LeaseLost, Leases};
use super::tokens::{Renewal, Tokens};
use super::Platforms;
use crate::model::{EventKind, EventLevel, PostStatus};
use crate::server::auth::vault::TokenVault;
use crate::server::config::SchedulerSettings;
use crate::server::entities::{post, social_account};
use crate::server::ops_metrics;
use crate::server::services::event_log::Event;

/// How long a rate-limited post waits when the platform does not say.
const DEFAULT_RATE_LIMIT_WAIT: Duration = Duration::minutes(15);
/// Posts published within this window count against a platform's daily cap.
const CAP_WINDOW: Duration = Duration::hours(24);
/// A post whose token another instance is renewing waits this long.
const TOKEN_RENEWAL_WAIT: Duration = Duration::seconds(5);

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
pub(super) enum Outcome {
    Posted,
    Retrying,
    Deferred,
    Failed,
    Lost,
}

impl Outcome {
    /// Its label in `/metrics`.
    fn label(self) -> &'static str {
        match self {
            Outcome::Posted => "posted",
            Outcome::Retrying => "retrying",
            Outcome::Deferred => "deferred",
            Outcome::Failed => "failed",
            Outcome::Lost => "lost",
        }
    }
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
    pub(super) db: DatabaseConnection,
    pub(super) settings: SchedulerSettings,
    pub(super) platforms: Arc<Platforms>,
    pub(super) vault: Arc<TokenVault>,
    pub(super) instance: String,
    pub(super) leases: Leases,
    pub(super) tokens: Tokens,
    ticking: AtomicBool,
    /// Event-log entries of the batch in flight, written together when it is done (one
    /// insert instead of one per post).
    pub(super) journal: Mutex<Vec<Event>>,
    /// Gives library files the address platforms fetch them at (a bucket's public or
    /// presigned link); without it, posts go out with the addresses they carry.
    media: Option<Arc<crate::server::media::MediaStore>>,
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
            media: None,
        }
    }

    /// Publishes library files at the addresses `media` gives platforms.
    pub fn with_media(mut self, media: Arc<crate::server::media::MediaStore>) -> Self {
        self.media = Some(media);
        self
    }

    /// The engine of a running app: its database, settings, adapters and vault.
    pub fn from_state(state: &crate::server::AppState) -> Self {
        Engine::new(
            state.db.clone(),
            state.settings.scheduler.clone(),
            state.platforms.clone(),
            state.vault.clone(),
        )
        .with_media(state.media.clone())
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
        let outcome = self.conclude(&post, result).await;
        let lateness = (outcome == Outcome::Posted)
            .then(|| post.scheduled_for.map(|due| Utc::now() - due))
            .flatten();
        ops_metrics::record_outcome(post.platform, outcome.label(), lateness, started.elapsed());
        outcome
    }

    /// The outcome of a publishing that ended, or that stopped before writing one.
    async fn conclude(&self, post: &post::Model, result: Result<Outcome, Stop>) -> Outcome {
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
        let mut outgoing = outgoing(post);
        if let Some(media) = &self.media {
            for url in &mut outgoing.media_urls {
                *url = media.platform_url_of(url).await;
            }
        }
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
            // The first attempt may have checkpointed its start or a platform handle (a
            // TikTok status poll refused with 401): the second resumes from what is stored,
            // never starts a second publication from the row as it was claimed.
            let checkpointed = post::Entity::find_by_id(post.id)
                .one(&self.db)
                .await?
                .ok_or(Stop::LeaseLost)?;
            result = self
                .attempt(publisher.as_ref(), &auth, &checkpointed, &outgoing)
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
