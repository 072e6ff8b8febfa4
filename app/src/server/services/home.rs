//! The home page's summary: this week's and this month's counts in the owner's zone, the
//! engagement of the last 30 days, plan usage, the next posts, recent failures, accounts that
//! need attention and the onboarding checklist. Its queries run concurrently.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::{accounts, analytics, local_time, usage};
use crate::error::AppError;
use crate::model::{AccountHealth, PostStatus, QueueStatus, Usage};
use crate::server::entities::{content_queue, post, social_account, user};

/// How many upcoming posts and recent failures the page lists.
pub const LIST_LENGTH: u64 = 5;
/// Failures older than this are the posts page's business, not the home page's.
pub const FAILURE_WINDOW: Duration = Duration::days(7);
/// The span of the engagement-rate card.
pub const ENGAGEMENT_DAYS: i64 = 30;

pub struct HomeSummary {
    pub scheduled_this_week: u64,
    pub published_this_month: u64,
    /// Average engagement rate (%) of the posts published in the last `ENGAGEMENT_DAYS` days.
    pub avg_engagement_rate: f64,
    pub usage: Usage,
    /// The next scheduled posts, soonest first.
    pub next_posts: Vec<post::Model>,
    /// Posts that failed in the last `FAILURE_WINDOW`, newest first, and how many there are.
    pub failures: Vec<post::Model>,
    pub failures_total: u64,
    /// Every account of the owner, with its health.
    pub accounts: Vec<(social_account::Model, AccountHealth)>,
    pub onboarding: Onboarding,
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
    owner: &user::Model,
    now: DateTime<Utc>,
) -> Result<HomeSummary, AppError> {
    let zone = local_time::user_zone(owner);
    let today = local_time::today(zone, now);
    let week_start = local_time::week_start(today);
    let month_start = NaiveDate::from_ymd_opt(
        chrono::Datelike::year(&today),
        chrono::Datelike::month(&today),
        1,
    )
    .expect("the first of the month exists");
    let (week_from, week_until) = (
        start_of(zone, week_start)?,
        start_of(zone, week_start + Duration::days(7))?,
    );
    let month_from = start_of(zone, month_start)?;

    let scheduled_this_week = post::Entity::find()
        .filter(post::Column::UserId.eq(owner.id))
        .filter(post::Column::Status.eq(PostStatus::Scheduled))
        .filter(post::Column::ScheduledFor.gte(week_from))
        .filter(post::Column::ScheduledFor.lt(week_until))
        .count(db);
    let published_this_month = post::Entity::find()
        .filter(post::Column::UserId.eq(owner.id))
        .filter(post::Column::Status.eq(PostStatus::Posted))
        .filter(post::Column::PostedAt.gte(month_from))
        .count(db);
    let engagement = analytics::average_rate(db, owner, now - Duration::days(ENGAGEMENT_DAYS), now);
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
            .filter(post::Column::UpdatedAt.gte(now - FAILURE_WINDOW))
    };
    let failures = recent_failures()
        .order_by_desc(post::Column::UpdatedAt)
        .order_by_desc(post::Column::Id)
        .limit(LIST_LENGTH)
        .all(db);
    let failures_total = recent_failures().count(db);
    let all_accounts = accounts::with_health(db, owner);
    let onboarding = onboarding(db, owner);
    let usage = usage::usage(db, owner);

    let (
        scheduled_this_week,
        published_this_month,
        engagement,
        next_posts,
        failures,
        failures_total,
        all_accounts,
        onboarding,
        usage,
    ) = futures::try_join!(
        async { scheduled_this_week.await.map_err(AppError::from) },
        async { published_this_month.await.map_err(AppError::from) },
        engagement,
        async { next_posts.await.map_err(AppError::from) },
        async { failures.await.map_err(AppError::from) },
        async { failures_total.await.map_err(AppError::from) },
        all_accounts,
        onboarding,
        usage,
    )?;
    Ok(HomeSummary {
        scheduled_this_week,
        published_this_month,
        avg_engagement_rate: engagement,
        usage,
        next_posts,
        failures,
        failures_total,
        accounts: all_accounts,
        onboarding,
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

/// One existence check per step.
async fn onboarding(
    db: &impl ConnectionTrait,
    owner: &user::Model,
) -> Result<Onboarding, AppError> {
    let accounts = social_account::Entity::find()
        .filter(social_account::Column::UserId.eq(owner.id))
        .filter(social_account::Column::IsConnected.eq(true))
        .count(db);
    let products = content_queue::Entity::find()
        .filter(content_queue::Column::UserId.eq(owner.id))
        .count(db);
    let approved = content_queue::Entity::find()
        .filter(content_queue::Column::UserId.eq(owner.id))
        // Published items move on from approved: they were approved all the same.
        .filter(content_queue::Column::Status.is_in([QueueStatus::Approved, QueueStatus::Posted]))
        .count(db);
    let scheduled = post::Entity::find()
        .filter(post::Column::UserId.eq(owner.id))
        .filter(
            Condition::any()
                .add(post::Column::ScheduledFor.is_not_null())
                .add(post::Column::PostedAt.is_not_null()),
        )
        .count(db);
    let (accounts, products, approved, scheduled) =
        futures::try_join!(accounts, products, approved, scheduled)?;
    Ok(Onboarding {
        connected_account: accounts > 0,
        added_product: products > 0,
        approved_caption: approved > 0,
        scheduled_post: scheduled > 0,
    })
}
