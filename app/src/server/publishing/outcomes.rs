//! Outcome writes: what became of an attempt (posted, retrying, deferred, failed), each
//! written only while this instance still holds the post's lease, then journaled.

use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use super::engine::{Engine, Outcome};
use crate::model::{EventKind, EventLevel, PostStatus, QueueStatus};
use crate::server::entities::{content_queue, post, social_account};
use crate::server::services::event_log::Event;

impl Engine {
    /// Writes an outcome if the lease is still ours. `false` (logged) when another instance
    /// took the post over meanwhile.
    pub(super) async fn settle(
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

    pub(super) async fn posted(
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
                "media_urls": post.media_urls.0,
                "lateness_ms": post.scheduled_for.map(|due| (now - due).num_milliseconds()),
            }),
        )
        .await;
        Ok(Outcome::Posted)
    }

    pub(super) async fn transient(
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

    pub(super) async fn defer(
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

    pub(super) async fn fail(
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
    pub(super) async fn needs_reconnect(
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

    /// base × 2^(attempt−1), capped, with ±20 % jitter so retries of many posts spread out.
    pub(super) fn backoff(&self, attempt: i32) -> Duration {
        let base = self.settings.backoff_base_seconds as f64;
        let capped = (base * 2f64.powi(attempt.saturating_sub(1).min(30)))
            .min(self.settings.backoff_max_seconds as f64);
        let jitter = rand::thread_rng().gen_range(0.8..=1.2);
        Duration::milliseconds((capped * jitter * 1000.0) as i64)
    }

    /// A queue item is posted once every post made from it is.
    pub(super) async fn mark_queue_item_posted(&self, item: Uuid) -> Result<(), DbErr> {
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
}

/// `column = status` in an outcome.
fn status(status: PostStatus) -> (post::Column, SimpleExpr) {
    (post::Column::Status, Expr::value(status.as_str()))
}

/// `column = NULL` in an outcome (an untyped NULL, which both databases accept for any type).
fn cleared(column: post::Column) -> (post::Column, SimpleExpr) {
    (column, Expr::cust("NULL"))
}
