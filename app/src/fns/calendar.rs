//! The calendar's server functions: a month or week of posts in a chosen time zone, shaped
//! as chips with their local day and time, and moving a post to another day or hour.

use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::Postcard;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::{Platform, PostStatus};

/// A post on the calendar, placed in the page's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarChip {
    pub id: Uuid,
    pub platform: Platform,
    pub status: PostStatus,
    pub account_name: String,
    /// The first words of the caption.
    pub excerpt: String,
    pub date: NaiveDate,
    /// "Tue, Nov 24" (for messages about the chip).
    pub day: String,
    pub hour: u32,
    /// "3:30 PM".
    pub time: String,
    /// Whether it can still be moved (drafts and scheduled posts; failed ones get a new slot).
    pub movable: bool,
}

/// A day drawn on the calendar, its labels written on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarDayLabel {
    pub date: NaiveDate,
    /// "24".
    pub number: u32,
    /// "Tue 24" (week view headers).
    pub short: String,
    /// "Tuesday, November 24" (dialogs and screen readers).
    pub long: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CalendarView {
    Month,
    Week,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarPage {
    /// The zone the calendar is drawn in (the user's unless the page switched it).
    pub zone: String,
    pub user_zone: String,
    /// Zones offered by the switch.
    pub zones: Vec<String>,
    pub view: CalendarView,
    /// "November 2026" or "Nov 23 – 29, 2026".
    pub title: String,
    pub today: NaiveDate,
    /// The first and last day drawn.
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// The month a month view is about (days outside it are greyed).
    pub month: u32,
    pub prev: NaiveDate,
    pub next: NaiveDate,
    /// Every day drawn, `start` to `end`.
    pub days: Vec<CalendarDayLabel>,
    /// Days of a month view with more posts than a cell shows, and how many more.
    pub hidden: Vec<(NaiveDate, u32)>,
    pub chips: Vec<CalendarChip>,
}

/// Posts a month cell shows before "+N more".
pub const CHIPS_PER_DAY: usize = 3;

/// Zones marketers plan for most, offered by the zone switch beside the user's own.
pub const COMMON_ZONES: &[&str] = &[
    "UTC",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Africa/Lagos",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
];

/// The calendar's data. `view` is `month` (default) or `week`, `date` any day in the period
/// (default today), `tz` an IANA zone (default the user's).
#[server(prefix = "/fn", endpoint = "calendar/data", output = Postcard)]
pub async fn calendar_data(
    view: Option<String>,
    date: Option<String>,
    tz: Option<String>,
) -> Result<CalendarPage, AppError> {
    super::with_status(
        async move {
            use chrono::{Datelike, Duration, Months};

            use crate::server::services::{local_time, posts};
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            let user_zone = local_time::user_zone(&owner);
            let zone = match tz.as_deref().filter(|z| !z.is_empty()) {
                Some(name) => posts::parse_zone(Some(name))?,
                None => user_zone,
            };
            let view = match view.as_deref() {
                None | Some("") | Some("month") => CalendarView::Month,
                Some("week") => CalendarView::Week,
                Some(other) => {
                    return Err(AppError::validation(
                        "view",
                        format!("Unknown view {other:?}"),
                    ))
                }
            };
            let today = local_time::today(zone, chrono::Utc::now());
            let anchor = match date.as_deref().filter(|d| !d.is_empty()) {
                Some(d) => local_time::parse_date(d, "date")?,
                None => today,
            };
            let (start, end, prev, next, title, month) = match view {
                CalendarView::Month => {
                    let first = anchor.with_day(1).unwrap_or(anchor);
                    let last = first + Months::new(1) - Duration::days(1);
                    let start = local_time::week_start(first);
                    let end = local_time::week_start(last) + Duration::days(6);
                    (
                        start,
                        end,
                        first - Months::new(1),
                        first + Months::new(1),
                        first.format("%B %Y").to_string(),
                        first.month(),
                    )
                }
                CalendarView::Week => {
                    let start = local_time::week_start(anchor);
                    let end = start + Duration::days(6);
                    let title = if start.month() == end.month() {
                        format!("{} – {}", start.format("%b %-d"), end.format("%-d, %Y"))
                    } else {
                        format!("{} – {}", start.format("%b %-d"), end.format("%b %-d, %Y"))
                    };
                    (
                        start,
                        end,
                        start - Duration::days(7),
                        start + Duration::days(7),
                        title,
                        anchor.month(),
                    )
                }
            };
            let accounts = super::posts::account_names(&state.db, &owner).await?;
            // A month cell shows its first few posts and "+N more": only those travel with
            // the page (a busy month is a thousand posts); the rest load when asked for.
            let per_day = match view {
                CalendarView::Month => Some(CHIPS_PER_DAY),
                CalendarView::Week => None,
            };
            let days = state
                .post_reads
                .calendar_entries(&state.db, &owner, start, end, zone, per_day)
                .await?;
            let mut hidden = Vec::new();
            let mut chips = Vec::new();
            for day in days.iter() {
                if day.more > 0 {
                    hidden.push((day.date, day.more));
                }
                chips.extend(day.entries.iter().map(|entry| chip(entry, zone, &accounts)));
            }
            let mut zones: Vec<String> = COMMON_ZONES.iter().map(|z| z.to_string()).collect();
            for extra in [user_zone.name(), zone.name()] {
                if !zones.iter().any(|z| z == extra) {
                    zones.insert(0, extra.to_string());
                }
            }
            let days = (0..=(end - start).num_days())
                .map(|i| {
                    let date = start + Duration::days(i);
                    CalendarDayLabel {
                        date,
                        number: date.day(),
                        short: date.format("%a %-d").to_string(),
                        long: date.format("%A, %B %-d").to_string(),
                    }
                })
                .collect();
            Ok(CalendarPage {
                days,
                hidden,
                zone: zone.name().to_string(),
                user_zone: user_zone.name().to_string(),
                zones,
                view,
                title,
                today,
                start,
                end,
                month,
                prev,
                next,
                chips,
            })
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
fn chip(
    post: &crate::server::services::posts::CalendarEntry,
    zone: chrono_tz::Tz,
    accounts: &std::collections::HashMap<Uuid, String>,
) -> CalendarChip {
    use crate::server::services::local_time;
    use chrono::Timelike;
    // Entries on a calendar have a time (drafts without one are not placed on it).
    let at = post
        .calendar_time()
        .unwrap_or_else(chrono::Utc::now)
        .with_timezone(&zone);
    CalendarChip {
        id: post.id,
        platform: post.platform,
        status: post.status,
        account_name: accounts.get(&post.account_id).cloned().unwrap_or_default(),
        excerpt: post.excerpt.clone(),
        date: at.date_naive(),
        day: local_time::short_day_label(at.date_naive()),
        hour: at.hour(),
        time: local_time::clock_label(at.hour(), at.minute()),
        // Failed posts are retried from the posts page rather than dragged.
        movable: post.status.allows(PostStatus::EDITABLE),
    }
}

/// Moves a post to another day (keeping its time of day) or, with `hour`, to that hour of the
/// day (keeping its minutes), in the zone the calendar is drawn in.
#[server(prefix = "/fn", endpoint = "calendar/move", output = Postcard)]
pub async fn move_post(
    id: Uuid,
    date: String,
    hour: Option<u32>,
    tz: String,
) -> Result<CalendarChip, AppError> {
    super::with_status(
        async move {
            use chrono::{NaiveTime, Timelike};

            use crate::server::services::{local_time, posts};
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            let zone = posts::parse_zone(Some(&tz))?;
            let day = local_time::parse_date(&date, "date")?;
            let post = posts::find(&state.db, &owner, id).await?;
            let current = post
                .scheduled_for
                .map(|at| at.with_timezone(&zone).time())
                .unwrap_or_else(|| NaiveTime::from_hms_opt(9, 0, 0).expect("9:00"));
            let time = match hour {
                Some(h) => NaiveTime::from_hms_opt(h, current.minute(), 0)
                    .ok_or_else(|| AppError::validation("hour", "Hours go from 0 to 23"))?,
                None => current,
            };
            let at = local_time::to_utc(zone, day.and_time(time), None, "date")?;
            let moved = posts::schedule(&state.db, &owner, id, at).await?;
            let accounts = super::posts::account_names(&state.db, &owner).await?;
            Ok(chip(&(&moved).into(), zone, &accounts))
        }
        .await,
    )
}

/// Moves a post to a wall-clock time typed in the "Move to…" control (`datetime-local`).
#[server(prefix = "/fn", endpoint = "calendar/move-to", output = Postcard)]
pub async fn move_post_to(id: Uuid, local: String, tz: String) -> Result<CalendarChip, AppError> {
    super::with_status(
        async move {
            use crate::server::services::{local_time, posts};
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            let zone = posts::parse_zone(Some(&tz))?;
            let parsed = local_time::parse_local(&local, "local")?;
            let at = local_time::to_utc(zone, parsed, None, "local")?;
            let moved = posts::schedule(&state.db, &owner, id, at).await?;
            let accounts = super::posts::account_names(&state.db, &owner).await?;
            Ok(chip(&(&moved).into(), zone, &accounts))
        }
        .await,
    )
}

/// Every post of one day (the month view's "+N more"), in the zone the calendar shows.
#[server(prefix = "/fn", endpoint = "calendar/day", output = Postcard)]
pub async fn calendar_day(date: String, tz: String) -> Result<Vec<CalendarChip>, AppError> {
    super::with_status(
        async move {
            use crate::server::services::{local_time, posts};
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            let zone = posts::parse_zone(Some(&tz))?;
            let day = local_time::parse_date(&date, "date")?;
            let accounts = super::posts::account_names(&state.db, &owner).await?;
            let days = posts::calendar_entries(&state.db, &owner, day, day, zone, None).await?;
            Ok(days
                .iter()
                .flat_map(|d| &d.entries)
                .map(|entry| chip(entry, zone, &accounts))
                .collect())
        }
        .await,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_calendar_page_comes_back_whole_from_the_wire() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let chip = CalendarChip {
            id: Uuid::from_u128(7),
            platform: Platform::Tiktok,
            status: PostStatus::Scheduled,
            account_name: "Mug \"Shop\"".into(),
            excerpt: "New mugs, with a quote: \"hi\"".into(),
            date,
            day: "Tue, Nov 24".into(),
            hour: 15,
            time: "3:30 PM".into(),
            movable: true,
        };
        let page = CalendarPage {
            zone: "UTC".into(),
            user_zone: "UTC".into(),
            zones: vec!["UTC".into()],
            view: CalendarView::Week,
            title: "Nov 23 – 29, 2026".into(),
            today: date,
            start: date,
            end: date,
            month: 11,
            prev: date,
            next: date,
            days: vec![],
            hidden: vec![],
            chips: vec![
                chip.clone(),
                CalendarChip {
                    movable: false,
                    ..chip
                },
            ],
        };
        let bytes = postcard::to_allocvec(&page).unwrap();
        let back: CalendarPage = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, page);
    }
}
