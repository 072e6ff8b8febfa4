//! The scheduler's health across every instance, for the admin console's system page: each
//! instance writes a row on every tick (`record_tick`), and `snapshot` reads those rows beside
//! the shared queue's state (due now, publishing, last day's failures, last hour's lateness).

use std::sync::OnceLock;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::model::PostStatus;
use crate::server::entities::{post, scheduler_instance};

/// An instance not heard from for this long is shown as silent (stopped, or stuck).
pub const SILENT_AFTER: Duration = Duration::minutes(2);
/// Instances not heard from for this long are forgotten.
const FORGET_AFTER: Duration = Duration::days(7);
/// The most failure reasons the page lists.
const REASONS: u64 = 5;
/// The most published posts the lateness percentiles are computed over.
const LATENESS_SAMPLE: u64 = 10_000;

static STARTED: OnceLock<(Instant, DateTime<Utc>)> = OnceLock::new();

/// When this process started (the first call marks it: `serve` calls it at start).
pub fn process_started() -> DateTime<Utc> {
    STARTED.get_or_init(|| (Instant::now(), Utc::now())).1
}

/// How long this process has been running.
pub fn uptime() -> std::time::Duration {
    STARTED
        .get_or_init(|| (Instant::now(), Utc::now()))
        .0
        .elapsed()
}

/// Writes this instance's row after a tick: when it ran, how long it took, and its error.
pub async fn record_tick(
    db: &DatabaseConnection,
    instance: &str,
    took: std::time::Duration,
    error: Option<String>,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let row = scheduler_instance::ActiveModel {
        instance: Set(instance.chars().take(200).collect()),
        version: Set(env!("CARGO_PKG_VERSION").to_string()),
        started_at: Set(process_started()),
        last_tick_at: Set(now),
        last_tick_ms: Set(took.as_millis().min(i64::MAX as u128) as i64),
        last_error: Set(error),
    };
    use scheduler_instance::Column;
    scheduler_instance::Entity::insert(row)
        .on_conflict(
            OnConflict::column(Column::Instance)
                .update_columns([
                    Column::Version,
                    Column::StartedAt,
                    Column::LastTickAt,
                    Column::LastTickMs,
                    Column::LastError,
                ])
                .to_owned(),
        )
        .exec(db)
        .await?;
    scheduler_instance::Entity::delete_many()
        .filter(Column::LastTickAt.lt(now - FORGET_AFTER))
        .exec(db)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq)]
pub struct InstanceHealth {
    pub instance: String,
    pub version: String,
    pub started_at: DateTime<Utc>,
    pub last_tick_at: DateTime<Utc>,
    pub last_tick_ms: i64,
    pub last_error: Option<String>,
    /// Not heard from for `SILENT_AFTER`.
    pub silent: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SchedulerHealth {
    pub instances: Vec<InstanceHealth>,
    /// Posts an instance would claim now (due, or whose lease ran out).
    pub due_now: u64,
    /// Since when the longest-waiting of those has been claimable.
    pub waiting_since: Option<DateTime<Utc>>,
    /// Posts being published right now.
    pub publishing: u64,
    /// Posts that failed in the last 24 hours.
    pub failed_24h: u64,
    /// The commonest reasons of those failures, with how many each.
    pub failure_reasons: Vec<(String, u64)>,
    /// Posts published in the last hour, and how late they went out (p50, p99).
    pub published_1h: u64,
    pub lateness_p50: Option<Duration>,
    pub lateness_p99: Option<Duration>,
}

pub async fn snapshot(db: &DatabaseConnection) -> Result<SchedulerHealth, DbErr> {
    let now = Utc::now();
    let day_ago = now - Duration::hours(24);
    let hour_ago = now - Duration::hours(1);
    let failed = || {
        post::Entity::find()
            .filter(post::Column::Status.eq(PostStatus::Failed))
            .filter(post::Column::UpdatedAt.gte(day_ago))
    };
    let instances = scheduler_instance::Entity::find()
        .order_by_desc(scheduler_instance::Column::LastTickAt)
        .all(db);
    let waiting = super::waiting(db);
    let publishing = sea_orm::PaginatorTrait::count(
        post::Entity::find().filter(post::Column::Status.eq(PostStatus::Publishing)),
        db,
    );
    let failed_24h = sea_orm::PaginatorTrait::count(failed(), db);
    let reasons = failed()
        .select_only()
        .column(post::Column::ErrorMessage)
        .column_as(post::Column::Id.count(), "n")
        .group_by(post::Column::ErrorMessage)
        .order_by_desc(post::Column::Id.count())
        .limit(REASONS)
        .into_tuple::<(Option<String>, i64)>()
        .all(db);
    let published = post::Entity::find()
        .filter(post::Column::Status.eq(PostStatus::Posted))
        .filter(post::Column::PostedAt.gte(hour_ago))
        .filter(post::Column::ScheduledFor.is_not_null())
        .select_only()
        .column(post::Column::ScheduledFor)
        .column(post::Column::PostedAt)
        .order_by_desc(post::Column::PostedAt)
        .limit(LATENESS_SAMPLE)
        .into_tuple::<(Option<DateTime<Utc>>, Option<DateTime<Utc>>)>()
        .all(db);
    let (instances, (due_now, waiting_since), publishing, failed_24h, reasons, published) =
        futures::try_join!(instances, waiting, publishing, failed_24h, reasons, published)?;

    let mut lateness: Vec<Duration> = published
        .into_iter()
        .filter_map(|(due, at)| Some((at? - due?).max(Duration::zero())))
        .collect();
    lateness.sort();
    Ok(SchedulerHealth {
        instances: instances
            .into_iter()
            .map(|row| InstanceHealth {
                silent: now - row.last_tick_at > SILENT_AFTER,
                instance: row.instance,
                version: row.version,
                started_at: row.started_at,
                last_tick_at: row.last_tick_at,
                last_tick_ms: row.last_tick_ms,
                last_error: row.last_error,
            })
            .collect(),
        due_now,
        waiting_since,
        publishing,
        failed_24h,
        failure_reasons: reasons
            .into_iter()
            .map(|(reason, n)| {
                (
                    reason.unwrap_or_else(|| "No reason recorded".into()),
                    n.max(0) as u64,
                )
            })
            .collect(),
        published_1h: lateness.len() as u64,
        lateness_p50: percentile(&lateness, 0.50),
        lateness_p99: percentile(&lateness, 0.99),
    })
}

/// The nearest-rank percentile of sorted values.
fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let values: Vec<Duration> = (1..=100).map(Duration::seconds).collect();
        assert_eq!(percentile(&values, 0.5), Some(Duration::seconds(50)));
        assert_eq!(percentile(&values, 0.99), Some(Duration::seconds(99)));
        assert_eq!(percentile(&values[..1], 0.99), Some(Duration::seconds(1)));
        assert_eq!(percentile(&[], 0.5), None);
    }
}
