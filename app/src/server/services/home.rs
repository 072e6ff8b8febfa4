//! The home page's summary: this week's and this month's counts in the owner's zone, the
//! engagement of the last 30 days, plan usage, the next posts, recent failures, accounts that
//! need attention and the onboarding checklist. Its queries run concurrently.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use std::sync::Arc;

use super::post_reads::PostReads;
use super::{accounts, local_time, queue, usage};
use crate::error::AppError;
use crate::model::{AccountHealth, PostStatus, QueueStatus, Usage};
use crate::server::entities::{post, social_account, user};

/// How many upcoming posts and recent failures the page lists.
pub const LIST_LENGTH: u64 = 5;
/// Failures older than this are the posts page's business, not the home page's.
pub const FAILURE_WINDOW: Duration = Duration::days(7);
/// The span of the engagement-rate card.
pub const ENGAGEMENT_DAYS: i64 = 30;

pub struct HomeSummary {
    /// What the page shows of the owner's posts (kept while they are unchanged).
    pub posts: Arc<HomePosts>,
    /// Average engagement rate (%) of the posts published in the last `ENGAGEMENT_DAYS` whole
    /// days in the owner's zone and today (so at least the last 30 × 24 hours).
    pub avg_engagement_rate: f64,
    pub usage: Usage,
    /// Every account of the owner, with its health.
    pub accounts: Vec<(social_account::Model, AccountHealth)>,
    pub onboarding: Onboarding,
}

/// The days the home page counts, in the owner's zone: this week (Monday first), this month,
/// and the failures' window: the `FAILURE_WINDOW`'s whole days before today, and today (so
/// at least the last 7 × 24 hours). Whole days, so that the posts' answer stays the same all
/// day and can be kept under the post revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HomeDays {
    pub week_from: DateTime<Utc>,
    pub week_until: DateTime<Utc>,
    pub month_from: DateTime<Utc>,
    pub failures_from: DateTime<Utc>,
}

impl HomeDays {
    pub fn at(zone: Tz, now: DateTime<Utc>) -> Result<Self, AppError> {
        let today = local_time::today(zone, now);
        let week_start = local_time::week_start(today);
        let month_start = NaiveDate::from_ymd_opt(
            chrono::Datelike::year(&today),
            chrono::Datelike::month(&today),
            1,
        )
        .expect("the first of the month exists");
        Ok(HomeDays {
            week_from: start_of(zone, week_start)?,
            week_until: start_of(zone, week_start + Duration::days(7))?,
            month_from: start_of(zone, month_start)?,
            failures_from: start_of(zone, today - FAILURE_WINDOW)?,
        })
    }
}

/// The home page's reads of the owner's posts alone.
#[derive(Debug, Clone, PartialEq)]
pub struct HomePosts {
    pub scheduled_this_week: u64,
    pub published_this_month: u64,
    /// The next scheduled posts, soonest first.
    pub next_posts: Vec<post::Model>,
    /// Posts that failed since `failures_from`, newest first, and how many there are.
    pub failures: Vec<post::Model>,
    pub failures_total: u64,
    /// Whether any post was ever scheduled or published (the checklist's last step).
    pub scheduled_any: bool,
}

impl HomeSummary {
    /// Connected accounts that need the owner: reconnection, or access about to expire.
    pub fn needing_attention(
        &self,
    ) -> impl Iterator<Item = &(social_account::Model, AccountHealth)> {
        self.accounts.iter().filter(|(_, health)| {
            matches!(
                health,
                AccountHealth::NeedsReconnect { .. } | AccountHealth::ExpiringSoon { .. }
            )
        })
    }
}

/// The first steps of a new user, each ticked off by what the user has done (not by a flag):
/// connect an account → add a product → approve a caption → schedule a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Onboarding {
    pub connected_account: bool,
    pub added_product: bool,
    pub approved_caption: bool,
    pub scheduled_post: bool,
}

impl Onboarding {
    pub fn done(&self) -> bool {
        self.connected_account && self.added_product && self.approved_caption && self.scheduled_post
    }
}

pub async fn summary(
    db: &impl ConnectionTrait,
    reads: &PostReads,
    owner: &user::Model,
    now: DateTime<Utc>,
) -> Result<HomeSummary, AppError> {
    let zone = local_time::user_zone(owner);
    let days = HomeDays::at(zone, now)?;
    let engagement_from = start_of(
        zone,
        local_time::today(zone, now) - Duration::days(ENGAGEMENT_DAYS),
    )?;
    let (posts, avg_engagement_rate, accounts, queue_counts, usage) = futures::try_join!(
        reads.home_posts(db, owner, days),
        reads.average_rate(db, owner, engagement_from),
        accounts::with_health(db, owner),
        queue::counts(db, owner),
        usage::usage(db, owner),
    )?;
    let count_of = |status: QueueStatus| {
        QueueStatus::ALL
            .iter()
            .position(|s| *s == status)
            .map_or(0, |i| queue_counts[i])
    };
    let onboarding = Onboarding {
        connected_account: accounts.iter().any(|(account, _)| account.is_connected),
        added_product: queue_counts.iter().sum::<u64>() > 0,
        // Published items move on from approved: they were approved all the same.
        approved_caption: count_of(QueueStatus::Approved) + count_of(QueueStatus::Posted) > 0,
        scheduled_post: posts.scheduled_any,
    };
    Ok(HomeSummary {
        posts,
        avg_engagement_rate,
        usage,
        accounts,
        onboarding,
    })
}

/// The home page's reads of the owner's posts, run concurrently (`post_reads` keeps the
/// answer: it reads the posts table only).
pub async fn posts(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    days: HomeDays,
) -> Result<HomePosts, AppError> {
    let scheduled_this_week = post::Entity::find()
        .filter(post::Column::UserId.eq(owner.id))
        .filter(post::Column::Status.eq(PostStatus::Scheduled))
        .filter(post::Column::ScheduledFor.gte(days.week_from))
        .filter(post::Column::ScheduledFor.lt(days.week_until))
        .count(db);
    let published_this_month = post::Entity::find()
        .filter(post::Column::UserId.eq(owner.id))
        .filter(post::Column::Status.eq(PostStatus::Posted))
        .filter(post::Column::PostedAt.gte(days.month_from))
        .count(db);
    let next_posts = post::Entity::find()
        .filter(post::Column::UserId.eq(owner.id))
        .filter(post::Column::Status.eq(PostStatus::Scheduled))
        .order_by_asc(post::Column::ScheduledFor)
        .order_by_asc(post::Column::Id)
        .limit(LIST_LENGTH)
        .all(db);
    let recent_failures = || {
        post::Entity::find()
            .filter(post::Column::UserId.eq(owner.id))
            .filter(post::Column::Status.eq(PostStatus::Failed))
            .filter(post::Column::UpdatedAt.gte(days.failures_from))
    };
    let failures = recent_failures()
        .order_by_desc(post::Column::UpdatedAt)
        .order_by_desc(post::Column::Id)
        .limit(LIST_LENGTH)
        .all(db);
    let failures_total = recent_failures().count(db);
    let scheduled_any = post::Entity::find()
        .filter(post::Column::UserId.eq(owner.id))
        .filter(
            Condition::any()
                .add(post::Column::ScheduledFor.is_not_null())
                .add(post::Column::PostedAt.is_not_null()),
        )
        .count(db);
    let (
        scheduled_this_week,
        published_this_month,
        next_posts,
        failures,
        failures_total,
        scheduled_any,
    ) = futures::try_join!(
        scheduled_this_week,
        published_this_month,
        next_posts,
        failures,
        failures_total,
        scheduled_any,
    )?;
    Ok(HomePosts {
        scheduled_this_week,
        published_this_month,
        next_posts,
        failures,
        failures_total,
        scheduled_any: scheduled_any > 0,
    })
}

/// Midnight of `date` in `zone`, in UTC (the earlier one where midnight repeats).
fn start_of(zone: Tz, date: NaiveDate) -> Result<DateTime<Utc>, AppError> {
    local_time::to_utc(
        zone,
        date.and_hms_opt(0, 0, 0).expect("midnight"),
        Some(local_time::Occurrence::Earlier),
        "date",
    )
    .or_else(|_| {
        // Midnight does not exist in a few zones on their spring-forward day: 1 AM does.
        local_time::to_utc(
            zone,
            date.and_hms_opt(1, 0, 0).expect("1 AM"),
            Some(local_time::Occurrence::Earlier),
            "date",
        )
    })
}
