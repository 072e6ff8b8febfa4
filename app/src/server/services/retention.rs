//! Retention: the tables that grow with traffic are pruned on a schedule, so none grows
//! without bound. Event log entries older than `retention.event_log_days`; refresh and reset
//! tokens some days after they expired (or, for reset tokens, were used); processed webhook
//! ids after `retention.webhook_event_days`. Failed sign-ins never grow a table: they are one
//! counter on the user row (`services::auth`).

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use serde_json::json;
use tokio_cron_scheduler::{Job, JobSchedulerError};

use super::event_log::{self, Event};
use crate::error::AppError;
use crate::model::EventKind;
use crate::server::config::RetentionSettings;
use crate::server::entities::{
    event_log as log, password_reset_token, refresh_token, webhook_event,
};

/// What one pruning run deleted, table by table.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub event_log: u64,
    pub refresh_tokens: u64,
    pub reset_tokens: u64,
    pub webhook_events: u64,
}

/// Rows deleted by one statement: a first run over a large table deletes in steps, so it
/// never holds SQLite's write lock for long (publishing renews its leases beside it).
const PRUNE_BATCH: u64 = 5_000;

/// Deletes the rows of `E` matching `condition`, `PRUNE_BATCH` at a time.
async fn delete_in_batches<E: EntityTrait + Default>(
    db: &impl ConnectionTrait,
    id: E::Column,
    condition: Condition,
) -> Result<u64, AppError> {
    let mut total = 0;
    loop {
        let batch = Query::select()
            .column(id)
            .from(E::default())
            .cond_where(condition.clone())
            .limit(PRUNE_BATCH)
            .to_owned();
        let deleted = E::delete_many()
            .filter(id.in_subquery(batch))
            .exec(db)
            .await?;
        total += deleted.rows_affected;
        if deleted.rows_affected < PRUNE_BATCH {
            return Ok(total);
        }
    }
}

/// Event log entries from before `cutoff`.
pub async fn prune_event_log(
    db: &impl ConnectionTrait,
    cutoff: DateTime<Utc>,
) -> Result<u64, AppError> {
    delete_in_batches::<log::Entity>(
        db,
        log::Column::Id,
        Condition::all().add(log::Column::At.lt(cutoff)),
    )
    .await
}

/// Refresh tokens that expired before `cutoff`. Spent and revoked ones go too, once expired:
/// until then a spent token must stay, so its reuse is still recognised as theft.
pub async fn prune_refresh_tokens(
    db: &impl ConnectionTrait,
    cutoff: DateTime<Utc>,
) -> Result<u64, AppError> {
    delete_in_batches::<refresh_token::Entity>(
        db,
        refresh_token::Column::Id,
        Condition::all().add(refresh_token::Column::ExpiresAt.lt(cutoff)),
    )
    .await
}

/// Reset tokens that expired, or were used, before `cutoff`.
pub async fn prune_reset_tokens(
    db: &impl ConnectionTrait,
    cutoff: DateTime<Utc>,
) -> Result<u64, AppError> {
    delete_in_batches::<password_reset_token::Entity>(
        db,
        password_reset_token::Column::Id,
        Condition::any()
            .add(password_reset_token::Column::ExpiresAt.lt(cutoff))
            .add(password_reset_token::Column::UsedAt.lt(cutoff)),
    )
    .await
}

/// Processed webhook ids received before `cutoff`: providers stop retrying long before, so
/// replay protection does not need them.
pub async fn prune_webhook_events(
    db: &impl ConnectionTrait,
    cutoff: DateTime<Utc>,
) -> Result<u64, AppError> {
    delete_in_batches::<webhook_event::Entity>(
        db,
        webhook_event::Column::Id,
        Condition::all().add(webhook_event::Column::ReceivedAt.lt(cutoff)),
    )
    .await
}

/// One pruning run as of `now`, logged in the event log when it deleted anything.
pub async fn prune(
    db: &impl ConnectionTrait,
    settings: &RetentionSettings,
    now: DateTime<Utc>,
) -> Result<Pruned, AppError> {
    let spent = now - Duration::days(settings.spent_token_days);
    let pruned = Pruned {
        event_log: prune_event_log(db, now - Duration::days(settings.event_log_days)).await?,
        refresh_tokens: prune_refresh_tokens(db, spent).await?,
        reset_tokens: prune_reset_tokens(db, spent).await?,
        webhook_events: prune_webhook_events(db, now - Duration::days(settings.webhook_event_days))
            .await?,
    };
    if pruned != Pruned::default() {
        event_log::record(
            db,
            Event::new(EventKind::Scheduler, "Old records pruned").data(json!({
                "event_log": pruned.event_log,
                "refresh_tokens": pruned.refresh_tokens,
                "reset_tokens": pruned.reset_tokens,
                "webhook_events": pruned.webhook_events,
            })),
        )
        .await;
    }
    Ok(pruned)
}

/// The scheduled job (`retention.prune_cron`, daily by default). Every instance may run it:
/// the deletes are idempotent.
pub fn job(db: DatabaseConnection, settings: RetentionSettings) -> Result<Job, JobSchedulerError> {
    let cron = settings.prune_cron.clone();
    Job::new_async(cron.as_str(), move |_, _| {
        let (db, settings) = (db.clone(), settings.clone());
        Box::pin(async move {
            match prune(&db, &settings, Utc::now()).await {
                Ok(pruned) => tracing::info!(?pruned, "retention: old records pruned"),
                Err(err) => tracing::error!(error = %err, "retention pruning failed"),
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::config::Settings;

    #[tokio::test]
    async fn the_shipped_schedule_is_a_valid_daily_job() {
        let settings = Settings::load_from(None, |_| None).unwrap();
        assert_eq!(settings.retention.event_log_days, 90);
        let db = sea_orm::DatabaseConnection::Disconnected;
        job(db.clone(), settings.retention.clone()).expect("the default cron parses");
        let mut broken = settings.retention;
        broken.prune_cron = "every day".into();
        assert!(job(db, broken).is_err(), "a bad cron is refused at start");
    }
}
