//! Engagement analytics from `post_metrics`: the overview (totals, per platform, per day) and
//! per-post metrics. The engagement-rate formula lives in `server::engagement`.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, Statement,
};
use uuid::Uuid;

use super::paging::PageRequest;
use crate::error::AppError;
use crate::model::{
    AnalyticsOverview, DailyAnalytics, EngagementTotals, Page, Platform, PlatformAnalytics,
    PostAnalytics, PostStatus,
};
use crate::server::engagement::{engagement_rate, round2};
use crate::server::entities::{post, post_metrics, user};

impl EngagementTotals {
    fn merge(&mut self, other: &EngagementTotals) {
        self.impressions += other.impressions;
        self.reach += other.reach;
        self.likes += other.likes;
        self.comments += other.comments;
        self.shares += other.shares;
        self.clicks += other.clicks;
    }

    fn interactions(&self) -> i64 {
        self.likes + self.comments + self.shares + self.clicks
    }
}

fn totals_of(m: &post_metrics::Model) -> EngagementTotals {
    EngagementTotals {
        impressions: m.impressions,
        reach: m.reach,
        likes: m.likes,
        comments: m.comments,
        shares: m.shares,
        clicks: m.clicks,
    }
}

/// Analytics of the owner's posts whose date (published, else scheduled, else created) falls
/// in [start, end] (UTC dates, inclusive); all posts without a range. Aggregated by the
/// database: two grouped queries, whatever the number of posts.
pub async fn overview(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
) -> Result<AnalyticsOverview, AppError> {
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            return Err(AppError::validation(
                "end_date",
                "end_date must not be before start_date",
            ));
        }
    }
    let from: Option<DateTime<Utc>> =
        start.map(|d| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc());
    let until: Option<DateTime<Utc>> = end.map(|d| {
        (d + Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc()
    });
    let backend = db.get_database_backend();
    // The posts of the range, as a WHERE clause over `p` and its values ($1 is the owner).
    let mut values: Vec<sea_orm::Value> = vec![owner.id.into()];
    let mut range = String::from("p.user_id = $1");
    for (bound, op) in [(from, ">="), (until, "<")] {
        if let Some(bound) = bound {
            values.push(bound.into());
            range.push_str(&format!(
                " AND COALESCE(p.posted_at, p.scheduled_for, p.created_at) {op} ${}",
                values.len()
            ));
        }
    }

    // Per platform and status: posts, posts with metrics, their sums and the sum of their
    // engagement rates (for the average over posts with metrics).
    let groups = db
        .query_all(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT p.platform AS platform, p.status AS status, COUNT(*) AS posts, \
                 COUNT(m.post_id) AS measured, \
                 CAST(COALESCE(SUM(m.impressions), 0) AS BIGINT) AS impressions, \
                 CAST(COALESCE(SUM(m.reach), 0) AS BIGINT) AS reach, \
                 CAST(COALESCE(SUM(m.likes), 0) AS BIGINT) AS likes, \
                 CAST(COALESCE(SUM(m.comments), 0) AS BIGINT) AS comments, \
                 CAST(COALESCE(SUM(m.shares), 0) AS BIGINT) AS shares, \
                 CAST(COALESCE(SUM(m.clicks), 0) AS BIGINT) AS clicks, \
                 CAST(COALESCE(SUM(CASE WHEN m.impressions > 0 THEN \
                   100.0 * (m.likes + m.comments + m.shares + m.clicks) / m.impressions \
                   ELSE 0 END), 0) AS DOUBLE PRECISION) AS rate_sum \
                 FROM posts p LEFT JOIN post_metrics m ON m.post_id = p.id \
                 WHERE {range} GROUP BY p.platform, p.status"
            ),
            values.clone(),
        ))
        .await?;
    // The UTC day a measured post counts on: when it was published, else when measured.
    let day = match backend {
        DbBackend::Postgres => {
            "to_char(COALESCE(p.posted_at, m.fetched_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        }
        _ => "substr(COALESCE(p.posted_at, m.fetched_at), 1, 10)",
    };
    let days = db
        .query_all(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT {day} AS day, CAST(SUM(m.impressions) AS BIGINT) AS impressions, \
                 CAST(SUM(m.likes + m.comments + m.shares + m.clicks) AS BIGINT) AS engagement \
                 FROM posts p JOIN post_metrics m ON m.post_id = p.id \
                 WHERE {range} GROUP BY {day} ORDER BY {day}"
            ),
            values,
        ))
        .await?;

    let mut overview = AnalyticsOverview {
        total_posts: 0,
        posted_posts: 0,
        scheduled_posts: 0,
        failed_posts: 0,
        totals: EngagementTotals::default(),
        avg_engagement_rate: 0.0,
        by_platform: Vec::new(),
        daily: Vec::new(),
    };
    let (mut measured, mut rate_sum) = (0_i64, 0.0_f64);
    let mut by_platform: BTreeMap<&'static str, (Platform, u64, EngagementTotals)> =
        BTreeMap::new();
    for row in groups {
        let platform: Platform = row.try_get("", "platform")?;
        let status: PostStatus = row.try_get("", "status")?;
        let posts = row.try_get::<i64>("", "posts")? as u64;
        let sums = EngagementTotals {
            impressions: row.try_get("", "impressions")?,
            reach: row.try_get("", "reach")?,
            likes: row.try_get("", "likes")?,
            comments: row.try_get("", "comments")?,
            shares: row.try_get("", "shares")?,
            clicks: row.try_get("", "clicks")?,
        };
        measured += row.try_get::<i64>("", "measured")?;
        rate_sum += row.try_get::<f64>("", "rate_sum")?;
        overview.total_posts += posts;
        match status {
            PostStatus::Posted => overview.posted_posts += posts,
            PostStatus::Scheduled => overview.scheduled_posts += posts,
            PostStatus::Failed => overview.failed_posts += posts,
            _ => {}
        }
        overview.totals.merge(&sums);
        let entry = by_platform.entry(platform.as_str()).or_insert((
            platform,
            0,
            EngagementTotals::default(),
        ));
        entry.1 += posts;
        entry.2.merge(&sums);
    }
    if measured > 0 {
        overview.avg_engagement_rate = round2(rate_sum / measured as f64);
    }
    overview.by_platform = by_platform
        .into_values()
        .map(|(platform, posts, totals)| PlatformAnalytics {
            platform,
            posts,
            engagement_rate: engagement_rate(totals.interactions(), totals.impressions),
            totals,
        })
        .collect();
    for row in days {
        let day: String = row.try_get("", "day")?;
        let date = NaiveDate::parse_from_str(&day, "%Y-%m-%d")
            .map_err(|e| AppError::internal("analytics day", e))?;
        overview.daily.push(DailyAnalytics {
            date,
            impressions: row.try_get("", "impressions")?,
            engagement: row.try_get("", "engagement")?,
        });
    }
    Ok(overview)
}

fn post_analytics(p: &post::Model, m: &post_metrics::Model) -> PostAnalytics {
    let totals = totals_of(m);
    PostAnalytics {
        post_id: p.id,
        platform: p.platform,
        content: p.content.clone(),
        posted_at: p.posted_at,
        engagement_rate: engagement_rate(totals.interactions(), totals.impressions),
        totals,
        fetched_at: m.fetched_at,
    }
}

/// The owner's measured posts, most recently published first.
pub async fn posts(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    page: PageRequest,
) -> Result<Page<PostAnalytics>, AppError> {
    let measured = Query::select()
        .column(post_metrics::Column::PostId)
        .from(post_metrics::Entity)
        .to_owned();
    let select = post::Entity::find()
        .filter(post::Column::UserId.eq(owner.id))
        .filter(post::Column::Id.in_subquery(measured))
        .order_by_desc(post::Column::PostedAt)
        .order_by_desc(post::Column::Id);
    let posts = page.fetch(db, select, |p| p).await?;
    let ids: Vec<Uuid> = posts.items.iter().map(|p| p.id).collect();
    let metrics: BTreeMap<Uuid, post_metrics::Model> = post_metrics::Entity::find()
        .filter(post_metrics::Column::PostId.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.post_id, m))
        .collect();
    Ok(Page {
        items: posts
            .items
            .iter()
            .filter_map(|p| metrics.get(&p.id).map(|m| post_analytics(p, m)))
            .collect(),
        total: posts.total,
        page: posts.page,
        per_page: posts.per_page,
    })
}

/// One post's metrics; 404 when the post is someone else's or has none yet.
pub async fn post(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    post_id: Uuid,
) -> Result<PostAnalytics, AppError> {
    let p = super::posts::find(db, owner, post_id).await?;
    let m = post_metrics::Entity::find()
        .filter(post_metrics::Column::PostId.eq(p.id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound("This post has no metrics yet".into()))?;
    Ok(post_analytics(&p, &m))
}
