//! Engagement analytics from `post_metrics`: the overview (totals, per platform, per day), the
//! analytics page's report (a range in the owner's zone beside the previous period, by day,
//! platform, weekday and hour, top posts) and per-post metrics. The engagement-rate formula lives in `server::engagement`.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Offset, Timelike, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Statement,
};
use uuid::Uuid;

use super::paging::PageRequest;
use crate::error::AppError;
use crate::model::{
    AnalyticsOverview, AnalyticsReport, DailyAnalytics, DayPoint, EngagementTotals, HeatCell, Page,
    PeriodTotals, Platform, PlatformAnalytics, PostAnalytics, PostStatus, TopPost,
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
                 {SUMS_SQL} \
                 FROM posts p LEFT JOIN post_metrics m ON m.post_id = p.id \
                 WHERE {range} GROUP BY p.platform, p.status"
            ),
            values.clone(),
        ))
        .await?;
    // The UTC day a measured post counts on: its date, as the range reads it (published, in
    // practice: only published posts are measured).
    let day = match backend {
        DbBackend::Postgres => {
            "to_char(COALESCE(p.posted_at, p.scheduled_for, p.created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        }
        _ => "substr(COALESCE(p.posted_at, p.scheduled_for, p.created_at), 1, 10)",
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
        let sums = sums_of(&row)?;
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

/// The longest range the analytics page reports on.
pub const MAX_REPORT_DAYS: i64 = 366;
/// How many posts the report's top list names, and how much of each caption.
const TOP_POSTS: u32 = 10;
const EXCERPT: u32 = 120;

pub struct ReportQuery {
    /// First and last day, in `zone`, both included.
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub platform: Option<Platform>,
    pub zone: chrono_tz::Tz,
}

impl ReportQuery {
    /// The one rule for a range, the page's and the export's.
    fn check(&self) -> Result<(), AppError> {
        if self.end < self.start {
            return Err(AppError::validation(
                "end",
                "The end date must not be before the start date",
            ));
        }
        if (self.end - self.start).num_days() + 1 > MAX_REPORT_DAYS {
            return Err(AppError::validation(
                "start",
                format!("Choose at most {MAX_REPORT_DAYS} days"),
            ));
        }
        Ok(())
    }
}

/// A period's sums while its buckets are read.
#[derive(Default)]
struct PeriodSums {
    posts: u64,
    measured: i64,
    rate_sum: f64,
    totals: EngagementTotals,
}

impl PeriodSums {
    fn add(&mut self, posts: u64, measured: i64, rate_sum: f64, sums: &EngagementTotals) {
        self.posts += posts;
        self.measured += measured;
        self.rate_sum += rate_sum;
        self.totals.merge(sums);
    }

    fn finish(&self) -> PeriodTotals {
        PeriodTotals {
            posts: self.posts,
            measured: self.measured.max(0) as u64,
            impressions: self.totals.impressions,
            reach: self.totals.reach,
            engagement: self.totals.interactions(),
            avg_engagement_rate: if self.measured > 0 {
                round2(self.rate_sum / self.measured as f64)
            } else {
                0.0
            },
        }
    }
}

/// Midnight of `date` in `zone`, in UTC (1 AM where midnight is skipped).
fn local_midnight(zone: chrono_tz::Tz, date: NaiveDate) -> Result<DateTime<Utc>, AppError> {
    // Every zone has a midnight or a 1 AM each day; this only fails for dates chrono cannot
    // place at all.
    use chrono::TimeZone;
    [0, 1]
        .into_iter()
        .find_map(|hour| {
            zone.from_local_datetime(&date.and_hms_opt(hour, 0, 0)?)
                .earliest()
                .map(|at| at.with_timezone(&Utc))
        })
        .ok_or_else(|| {
            AppError::validation("start", format!("{date} cannot be shown in your time zone"))
        })
}

/// The average engagement rate (%) of the owner's posts published since `from` that have
/// metrics: one aggregate, for the home page's card.
pub async fn average_rate(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    from: DateTime<Utc>,
) -> Result<f64, AppError> {
    let row = db
        .query_one(Statement::from_sql_and_values(
            db.get_database_backend(),
            format!(
                "SELECT COUNT(*) AS measured, \
                 CAST(COALESCE(SUM({RATE_SQL}), 0) AS DOUBLE PRECISION) AS rate_sum \
                 FROM posts p JOIN post_metrics m ON m.post_id = p.id \
                 WHERE p.user_id = $1 AND p.posted_at >= $2"
            ),
            [owner.id.into(), from.into()],
        ))
        .await?;
    let Some(row) = row else { return Ok(0.0) };
    let measured: i64 = row.try_get("", "measured")?;
    let rate_sum: f64 = row.try_get("", "rate_sum")?;
    Ok(if measured > 0 {
        round2(rate_sum / measured as f64)
    } else {
        0.0
    })
}

/// Whether `zone`'s offset is whole hours all through [from, until] (checked at every day,
/// which is as often as a zone's offset changes): then hour buckets place posts exactly.
pub(super) fn whole_hours(zone: chrono_tz::Tz, from: DateTime<Utc>, until: DateTime<Utc>) -> bool {
    (0..=(until - from).num_days() + 1).all(|day| {
        let at = from + Duration::days(day);
        at.with_timezone(&zone).offset().fix().local_minus_utc() % 3600 == 0
    })
}

/// The SQL of a published post's bucket: "2026-11-24T20" (its UTC hour), or, for zones off
/// the hour, "2026-11-24T20:3" (the hour's quarter: every zone's offset is a multiple of 15
/// minutes). `bucket_start` reads it back.
pub(super) fn bucket_sql(backend: DbBackend, whole_hours: bool) -> &'static str {
    match (backend, whole_hours) {
        (DbBackend::Postgres, true) => {
            "to_char(p.posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24')"
        }
        (DbBackend::Postgres, false) => {
            "to_char(p.posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:') || \
             CAST(CAST(EXTRACT(MINUTE FROM p.posted_at AT TIME ZONE 'UTC') AS INTEGER) / 15 AS TEXT)"
        }
        (_, true) => "substr(p.posted_at, 1, 13)",
        (_, false) => {
            "substr(p.posted_at, 1, 14) || CAST(CAST(substr(p.posted_at, 15, 2) AS INTEGER) / 15 AS TEXT)"
        }
    }
}

/// The columns every grouped read sums: posts with metrics (`measured`), each metric, and the
/// sum of the measured posts' rates (`rate_sum`, for their average).
const SUMS_SQL: &str = "COUNT(m.post_id) AS measured, \
     CAST(COALESCE(SUM(m.impressions), 0) AS BIGINT) AS impressions, \
     CAST(COALESCE(SUM(m.reach), 0) AS BIGINT) AS reach, \
     CAST(COALESCE(SUM(m.likes), 0) AS BIGINT) AS likes, \
     CAST(COALESCE(SUM(m.comments), 0) AS BIGINT) AS comments, \
     CAST(COALESCE(SUM(m.shares), 0) AS BIGINT) AS shares, \
     CAST(COALESCE(SUM(m.clicks), 0) AS BIGINT) AS clicks, \
     CAST(COALESCE(SUM(CASE WHEN m.impressions > 0 THEN \
       100.0 * (m.likes + m.comments + m.shares + m.clicks) / m.impressions \
       ELSE 0 END), 0) AS DOUBLE PRECISION) AS rate_sum";

/// The metric sums of a row read with `SUMS_SQL`.
fn sums_of(row: &sea_orm::QueryResult) -> Result<EngagementTotals, AppError> {
    Ok(EngagementTotals {
        impressions: row.try_get("", "impressions")?,
        reach: row.try_get("", "reach")?,
        likes: row.try_get("", "likes")?,
        comments: row.try_get("", "comments")?,
        shares: row.try_get("", "shares")?,
        clicks: row.try_get("", "clicks")?,
    })
}

/// The SQL of a measured post's engagement rate (%), as `engagement::engagement_rate` writes
/// it before rounding.
pub(super) const RATE_SQL: &str = "CASE WHEN m.impressions > 0 THEN \
     100.0 * (m.likes + m.comments + m.shares + m.clicks) / m.impressions ELSE 0 END";

/// The start of a bucket as the database wrote it: "2026-11-24T20" (an hour) or
/// "2026-11-24T20:3" (a quarter of it; the separator may be a space).
pub(super) fn bucket_start(bucket: &str) -> Result<DateTime<Utc>, AppError> {
    let bad = || AppError::internal("analytics bucket", bucket.to_string());
    let date = NaiveDate::parse_from_str(bucket.get(..10).ok_or_else(bad)?, "%Y-%m-%d")
        .map_err(|_| bad())?;
    let hour: u32 = bucket
        .get(11..13)
        .ok_or_else(bad)?
        .parse()
        .map_err(|_| bad())?;
    let quarter: u32 = match bucket.get(14..15) {
        Some(digit) => digit.parse().map_err(|_| bad())?,
        None => 0,
    };
    date.and_hms_opt(hour, quarter * 15, 0)
        .map(|at| at.and_utc())
        .ok_or_else(bad)
}

/// The analytics page's report of a date range in the owner's zone: totals beside the previous
/// period of the same length, impressions and engagement per day, per platform, the
/// engagement rate by weekday and hour, and the top posts. Posts count on the day they were
/// published. Aggregated by the database into time buckets (an hour, or ten minutes for zones
/// whose offset is not whole hours), which are then placed in the zone.
pub async fn report(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    query: &ReportQuery,
) -> Result<AnalyticsReport, AppError> {
    query.check()?;
    let days = (query.end - query.start).num_days() + 1;
    let zone = query.zone;
    let from = local_midnight(zone, query.start)?;
    let until = local_midnight(zone, query.end + Duration::days(1))?;
    let previous_from = local_midnight(zone, query.start - Duration::days(days))?;
    let backend = db.get_database_backend();
    let bucket = bucket_sql(backend, whole_hours(zone, previous_from, until));
    let mut values: Vec<sea_orm::Value> = vec![
        owner.id.into(),
        PostStatus::Posted.as_str().into(),
        previous_from.into(),
        until.into(),
    ];
    let mut filter =
        String::from("p.user_id = $1 AND p.status = $2 AND p.posted_at >= $3 AND p.posted_at < $4");
    if let Some(platform) = query.platform {
        values.push(platform.as_str().into());
        filter.push_str(&format!(" AND p.platform = ${}", values.len()));
    }
    let rows = db
        .query_all(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT {bucket} AS bucket, p.platform AS platform, COUNT(*) AS posts, \
                 {SUMS_SQL} \
                 FROM posts p LEFT JOIN post_metrics m ON m.post_id = p.id \
                 WHERE {filter} GROUP BY {bucket}, p.platform"
            ),
            values.clone(),
        ))
        .await?;

    let (mut current, mut previous) = (PeriodSums::default(), PeriodSums::default());
    let mut report = AnalyticsReport {
        current: PeriodTotals::default(),
        previous: PeriodTotals::default(),
        daily: (0..days)
            .map(|d| DayPoint {
                date: query.start + Duration::days(d),
                impressions: 0,
                engagement: 0,
            })
            .collect(),
        by_platform: Vec::new(),
        heatmap: Vec::new(),
        top_posts: Vec::new(),
    };
    let mut platforms: BTreeMap<&'static str, (Platform, u64, EngagementTotals)> = BTreeMap::new();
    // (weekday from Monday, hour) → (measured posts, sum of their rates)
    let mut slots: BTreeMap<(u32, u32), (i64, f64)> = BTreeMap::new();
    for row in rows {
        let bucket: String = row.try_get("", "bucket")?;
        let at = bucket_start(&bucket)?;
        let platform: Platform = row.try_get("", "platform")?;
        let posts = row.try_get::<i64>("", "posts")? as u64;
        let measured = row.try_get::<i64>("", "measured")?;
        let rate_sum = row.try_get::<f64>("", "rate_sum")?;
        let sums = sums_of(&row)?;
        let period = if at >= from {
            &mut current
        } else {
            &mut previous
        };
        period.add(posts, measured, rate_sum, &sums);
        if at < from {
            continue;
        }
        let local = at.with_timezone(&zone);
        let index = (local.date_naive() - query.start).num_days();
        if let Some(day) = usize::try_from(index)
            .ok()
            .and_then(|i| report.daily.get_mut(i))
        {
            day.impressions += sums.impressions;
            day.engagement += sums.interactions();
        }
        let entry = platforms.entry(platform.as_str()).or_insert((
            platform,
            0,
            EngagementTotals::default(),
        ));
        entry.1 += posts;
        entry.2.merge(&sums);
        let slot = slots
            .entry((local.weekday().num_days_from_monday(), local.hour()))
            .or_insert((0, 0.0));
        slot.0 += measured;
        slot.1 += rate_sum;
    }
    report.current = current.finish();
    report.previous = previous.finish();
    report.by_platform = platforms
        .into_values()
        .map(|(platform, posts, totals)| PlatformAnalytics {
            platform,
            posts,
            engagement_rate: engagement_rate(totals.interactions(), totals.impressions),
            totals,
        })
        .collect();
    report.heatmap = slots
        .into_iter()
        .filter(|(_, (measured, _))| *measured > 0)
        .map(|((weekday, hour), (measured, rate_sum))| HeatCell {
            weekday,
            hour,
            posts: measured as u64,
            rate: round2(rate_sum / measured as f64),
        })
        .collect();

    // The best posts of the range by engagement.
    values[2] = from.into();
    let top = db
        .query_all(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT p.id AS id, p.platform AS platform, substr(p.content, 1, {EXCERPT}) AS excerpt, \
                 p.posted_at AS posted_at, m.impressions AS impressions, \
                 CAST(m.likes + m.comments + m.shares + m.clicks AS BIGINT) AS engagement \
                 FROM posts p JOIN post_metrics m ON m.post_id = p.id \
                 WHERE {filter} \
                 ORDER BY m.likes + m.comments + m.shares + m.clicks DESC, p.id LIMIT {TOP_POSTS}"
            ),
            values,
        ))
        .await?;
    for row in top {
        let impressions: i64 = row.try_get("", "impressions")?;
        let engagement: i64 = row.try_get("", "engagement")?;
        report.top_posts.push(TopPost {
            id: row.try_get("", "id")?,
            platform: row.try_get("", "platform")?,
            excerpt: row.try_get("", "excerpt")?,
            posted_at: row.try_get("", "posted_at")?,
            impressions,
            engagement,
            rate: engagement_rate(engagement, impressions),
        });
    }
    Ok(report)
}

/// The header of `export_csv`.
pub const EXPORT_HEADER: [&str; 12] = [
    "post_id",
    "published",
    "published_utc",
    "platform",
    "account",
    "content",
    "impressions",
    "reach",
    "likes",
    "comments",
    "shares",
    "clicks",
];

/// The range's published posts with their metrics (zeros where none were fetched yet), newest
/// first, as an RFC 4180 CSV file: `published` in the owner's zone, cells written so a
/// spreadsheet cannot read them as formulas. At most `posts::MAX_EXPORT_ROWS` rows.
pub async fn export_csv(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    query: &ReportQuery,
) -> Result<String, AppError> {
    query.check()?;
    let from = local_midnight(query.zone, query.start)?;
    let until = local_midnight(query.zone, query.end + Duration::days(1))?;
    let mut select = post::Entity::find()
        .filter(post::Column::UserId.eq(owner.id))
        .filter(post::Column::Status.eq(PostStatus::Posted))
        .filter(post::Column::PostedAt.gte(from))
        .filter(post::Column::PostedAt.lt(until));
    if let Some(platform) = query.platform {
        select = select.filter(post::Column::Platform.eq(platform));
    }
    let posts = select
        .order_by_desc(post::Column::PostedAt)
        .order_by_desc(post::Column::Id)
        .limit(super::posts::MAX_EXPORT_ROWS)
        .all(db)
        .await?;
    let mut metrics: std::collections::HashMap<Uuid, post_metrics::Model> =
        post_metrics::Entity::find()
            .filter(post_metrics::Column::PostId.is_in(posts.iter().map(|p| p.id)))
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.post_id, m))
            .collect();
    let names: std::collections::HashMap<Uuid, String> =
        crate::server::entities::social_account::Entity::find()
            .filter(crate::server::entities::social_account::Column::UserId.eq(owner.id))
            .all(db)
            .await?
            .into_iter()
            .map(|a| (a.id, a.account_name))
            .collect();
    let rows = posts.into_iter().map(|p| {
        let m = metrics.remove(&p.id);
        (p, m)
    });
    let mut out = String::with_capacity(4096);
    crate::server::csv::write_record(&mut out, &EXPORT_HEADER);
    for (post, metrics) in rows {
        let totals = metrics.as_ref().map(totals_of).unwrap_or_default();
        let published = post.posted_at;
        let cells = [
            post.id.to_string(),
            published
                .map(|at| {
                    at.with_timezone(&query.zone)
                        .format("%Y-%m-%d %H:%M")
                        .to_string()
                })
                .unwrap_or_default(),
            published
                .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default(),
            post.platform.to_string(),
            names.get(&post.account_id).cloned().unwrap_or_default(),
            post.content.clone(),
            totals.impressions.to_string(),
            totals.reach.to_string(),
            totals.likes.to_string(),
            totals.comments.to_string(),
            totals.shares.to_string(),
            totals.clicks.to_string(),
        ];
        let cells: Vec<std::borrow::Cow<'_, str>> =
            cells.iter().map(|c| crate::server::csv::inert(c)).collect();
        crate::server::csv::write_record(&mut out, &cells);
    }
    Ok(out)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_read_as_hours_and_quarters() {
        let at = |s: &str| bucket_start(s).unwrap().to_rfc3339();
        assert_eq!(at("2026-11-24T20"), "2026-11-24T20:00:00+00:00");
        assert_eq!(at("2026-11-24 20"), "2026-11-24T20:00:00+00:00");
        assert_eq!(at("2026-11-24T20:3"), "2026-11-24T20:45:00+00:00");
        assert!(bucket_start("2026-11-24").is_err());
        assert!(bucket_start("2026-11-24T2x").is_err());
    }

    #[test]
    fn midnight_is_found_where_the_clocks_skip_it() {
        // Santiago springs forward at midnight: that day starts at 1 AM.
        let zone: chrono_tz::Tz = "America/Santiago".parse().unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 9, 6).unwrap();
        let start = local_midnight(zone, day).unwrap();
        assert_eq!(start.with_timezone(&zone).date_naive(), day);
    }
}
