//! The analytics page's server function: the range the URL names (a preset of 7, 30 or 90
//! days ending today, or a custom start and end, in the user's zone) and a platform, and the
//! report of `analytics::report` with its labels written in the user's zone.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::Postcard;

use crate::error::AppError;
use crate::model::{AnalyticsReport, Platform};

/// The page's URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalyticsQuery {
    /// "7", "30" or "90" (days ending today); ignored when `start` and `end` are set.
    pub range: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub platform: Option<String>,
}

/// The presets, in days.
pub const PRESETS: [u32; 3] = [7, 30, 90];
pub const DEFAULT_PRESET: u32 = 30;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalyticsPage {
    /// `YYYY-MM-DD`, as the date inputs show them.
    pub start: String,
    pub end: String,
    /// The preset in use, if the range is one.
    pub preset: Option<u32>,
    pub platform: Option<Platform>,
    /// "Oct 26 – Nov 24, 2026".
    pub range_label: String,
    pub days: u32,
    pub report: AnalyticsReport,
    /// "Tue, Nov 24" for each day of `report.daily`.
    pub day_labels: Vec<String>,
    /// When each of `report.top_posts` was published, in the user's zone.
    pub top_posts_when: Vec<String>,
    /// The export of this view.
    pub export_href: String,
}

/// The report the URL asks for, in `zone` (today is `today`).
#[cfg(feature = "ssr")]
pub fn report_query(
    query: &AnalyticsQuery,
    zone: chrono_tz::Tz,
    today: chrono::NaiveDate,
) -> Result<(crate::server::services::analytics::ReportQuery, Option<u32>), AppError> {
    use crate::server::services::{analytics::ReportQuery, local_time};
    let set = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let platform = set(&query.platform)
        .map(|p| {
            Platform::parse(&p)
                .ok_or_else(|| AppError::validation("platform", format!("Unknown platform {p:?}")))
        })
        .transpose()?;
    let (start, end, preset) = match (set(&query.start), set(&query.end)) {
        (Some(start), Some(end)) => (
            local_time::parse_date(&start, "start")?,
            local_time::parse_date(&end, "end")?,
            None,
        ),
        (Some(_), None) => return Err(AppError::validation("end", "Choose the range's last day")),
        (None, Some(_)) => {
            return Err(AppError::validation(
                "start",
                "Choose the range's first day",
            ))
        }
        (None, None) => {
            let days = match set(&query.range) {
                None => DEFAULT_PRESET,
                Some(r) => r
                    .parse::<u32>()
                    .ok()
                    .filter(|d| PRESETS.contains(d))
                    .ok_or_else(|| AppError::validation("range", "Choose 7, 30 or 90 days"))?,
            };
            (
                today - chrono::Duration::days(days as i64 - 1),
                today,
                Some(days),
            )
        }
    };
    Ok((
        ReportQuery {
            start,
            end,
            platform,
            zone,
        },
        preset,
    ))
}

#[server(prefix = "/fn", endpoint = "analytics", output = Postcard)]
pub async fn load_analytics(query: AnalyticsQuery) -> Result<AnalyticsPage, AppError> {
    super::with_status(
        async move {
            use crate::server::services::local_time;
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            let zone = local_time::user_zone(&owner);
            let today = local_time::today(zone, chrono::Utc::now());
            let (range, preset) = report_query(&query, zone, today)?;
            let report = state
                .post_reads
                .report(&state.db, &owner, &range)
                .await?
                .as_ref()
                .clone();
            let day_labels = report
                .daily
                .iter()
                .map(|d| local_time::short_day_label(d.date))
                .collect();
            let top_posts_when = report
                .top_posts
                .iter()
                .map(|p| {
                    p.posted_at
                        .map(|at| local_time::format_datetime(zone, at))
                        .unwrap_or_default()
                })
                .collect();
            let (start, end) = (
                range.start.format("%Y-%m-%d").to_string(),
                range.end.format("%Y-%m-%d").to_string(),
            );
            let mut export_href = format!("/analytics/export.csv?start={start}&end={end}");
            if let Some(platform) = range.platform {
                export_href.push_str(&format!("&platform={}", platform.as_str()));
            }
            Ok(AnalyticsPage {
                range_label: format!(
                    "{} – {}",
                    range.start.format("%b %-d"),
                    range.end.format("%b %-d, %Y")
                ),
                days: ((range.end - range.start).num_days() + 1) as u32,
                start,
                end,
                preset,
                platform: range.platform,
                report,
                day_labels,
                top_posts_when,
                export_href,
            })
        }
        .await,
    )
}
