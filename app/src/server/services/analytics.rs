//! Engagement analytics from `post_metrics`: the overview (totals, per platform, per day) and
//! per-post metrics. The engagement-rate formula lives in `server::engagement`.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
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
    fn add(&mut self, m: &post_metrics::Model) {
        self.impressions += m.impressions;
        self.reach += m.reach;
        self.likes += m.likes;
        self.comments += m.comments;
        self.shares += m.shares;
        self.clicks += m.clicks;
    }

    fn interactions(&self) -> i64 {
        self.likes + self.comments + self.shares + self.clicks
    }
}

fn totals_of(m: &post_metrics::Model) -> EngagementTotals {
    let mut totals = EngagementTotals::default();
    totals.add(m);
    totals
}

/// Analytics of the owner's posts whose date (published, else scheduled, else created) falls
/// in [start, end] (UTC dates, inclusive); all posts without a range.
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
    let posts: Vec<post::Model> = post::Entity::find()
        .filter(post::Column::UserId.eq(owner.id))
        .all(db)
        .await?
        .into_iter()
        .filter(|p| {
            let at = p.posted_at.or(p.scheduled_for).unwrap_or(p.created_at);
            from.is_none_or(|f| at >= f) && until.is_none_or(|u| at < u)
        })
        .collect();
    let ids: Vec<Uuid> = posts.iter().map(|p| p.id).collect();
    let mut metrics: BTreeMap<Uuid, post_metrics::Model> = BTreeMap::new();
    for chunk in ids.chunks(500) {
        for m in post_metrics::Entity::find()
            .filter(post_metrics::Column::PostId.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            metrics.insert(m.post_id, m);
        }
    }

    let count = |status: PostStatus| posts.iter().filter(|p| p.status == status).count() as u64;
    let mut totals = EngagementTotals::default();
    let mut rates = Vec::new();
    let mut by_platform: BTreeMap<&'static str, (Platform, u64, EngagementTotals)> =
        BTreeMap::new();
    let mut daily: BTreeMap<NaiveDate, (i64, i64)> = BTreeMap::new();
    for p in &posts {
        let entry = by_platform.entry(p.platform.as_str()).or_insert((
            p.platform,
            0,
            EngagementTotals::default(),
        ));
        entry.1 += 1;
        if let Some(m) = metrics.get(&p.id) {
            totals.add(m);
            entry.2.add(m);
            let one = totals_of(m);
            rates.push(engagement_rate(one.interactions(), one.impressions));
            let day = p.posted_at.unwrap_or(m.fetched_at).date_naive();
            let slot = daily.entry(day).or_insert((0, 0));
            slot.0 += one.impressions;
            slot.1 += one.interactions();
        }
    }
    let avg = if rates.is_empty() {
        0.0
    } else {
        round2(rates.iter().sum::<f64>() / rates.len() as f64)
    };
    Ok(AnalyticsOverview {
        total_posts: posts.len() as u64,
        posted_posts: count(PostStatus::Posted),
        scheduled_posts: count(PostStatus::Scheduled),
        failed_posts: count(PostStatus::Failed),
        totals,
        avg_engagement_rate: avg,
        by_platform: by_platform
            .into_values()
            .map(|(platform, posts, totals)| PlatformAnalytics {
                platform,
                posts,
                engagement_rate: engagement_rate(totals.interactions(), totals.impressions),
                totals,
            })
            .collect(),
        daily: daily
            .into_iter()
            .map(|(date, (impressions, engagement))| DailyAnalytics {
                date,
                impressions,
                engagement,
            })
            .collect(),
    })
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
