//! Wall-clock times in a user's time zone: reading what a person typed ("2026-03-08T02:30" in
//! America/New_York) into an instant, with a clear answer when daylight saving time skips or
//! repeats that time, and formatting instants for the pages. The browser never formats a time:
//! every date a page shows is written here, on the server, in the zone the page is for.

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;

use crate::error::AppError;
use crate::server::entities::user;

/// Which of a repeated wall-clock time is meant when clocks turn back (1:30 AM twice).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occurrence {
    /// The first, still on summer time.
    Earlier,
    /// The second, after the clocks went back.
    Later,
}

impl Occurrence {
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "earlier" => Some(Occurrence::Earlier),
            "later" => Some(Occurrence::Later),
            _ => None,
        }
    }
}

/// The user's zone; UTC if the stored name is not one chrono-tz knows.
pub fn user_zone(owner: &user::Model) -> Tz {
    owner.timezone.parse().unwrap_or(Tz::UTC)
}

/// Reads a `datetime-local` value ("2026-11-24T15:30", seconds optional) or the CSV form
/// ("2026-11-24 15:30"). `field` names the form field an error belongs to.
pub fn parse_local(value: &str, field: &str) -> Result<NaiveDateTime, AppError> {
    let value = value.trim();
    const FORMATS: [&str; 4] = [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
    ];
    FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(value, f).ok())
        .filter(|t| YEARS.contains(&t.year()))
        .ok_or_else(|| {
            AppError::validation(
                field,
                format!("{value:?} is not a date and time (expected YYYY-MM-DD HH:MM)"),
            )
        })
}

/// The years a page may ask about. chrono accepts dates about 262,000 years either way and
/// panics when arithmetic leaves that range (a calendar "next month" at its edge): anything
/// a scheduler could mean is well inside this.
const YEARS: std::ops::RangeInclusive<i32> = 1900..=9999;

/// Reads a date ("2026-11-24") within the years a page may ask about.
pub fn parse_date(value: &str, field: &str) -> Result<NaiveDate, AppError> {
    let value = value.trim();
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .filter(|d| YEARS.contains(&d.year()) && value.len() == 10)
        .ok_or_else(|| {
            AppError::validation(
                field,
                format!("{value:?} is not a date (expected YYYY-MM-DD)"),
            )
        })
}

/// The instant a wall-clock time in `zone` names. A time that daylight saving skips is
/// refused; a time that happens twice needs `occurrence` to say which one is meant.
pub fn to_utc(
    zone: Tz,
    local: NaiveDateTime,
    occurrence: Option<Occurrence>,
    field: &str,
) -> Result<DateTime<Utc>, AppError> {
    match zone.from_local_datetime(&local) {
        chrono::LocalResult::Single(at) => Ok(at.with_timezone(&Utc)),
        chrono::LocalResult::Ambiguous(first, second) => match occurrence {
            Some(Occurrence::Earlier) => Ok(first.with_timezone(&Utc)),
            Some(Occurrence::Later) => Ok(second.with_timezone(&Utc)),
            None => Err(AppError::validation(
                field,
                format!(
                    "{} happens twice in {zone}: clocks turn back that night. Choose the first \
                     ({}) or the second ({}).",
                    describe(local),
                    utc_offset(first.offset().fix().local_minus_utc()),
                    utc_offset(second.offset().fix().local_minus_utc()),
                ),
            )),
        },
        chrono::LocalResult::None => {
            let (from, to) = gap_around(zone, local);
            Err(AppError::validation(
                field,
                format!(
                    "{} does not exist in {zone}: clocks jump from {} to {} that night. Pick \
                     another time.",
                    describe(local),
                    clock(from),
                    clock(to),
                ),
            ))
        }
    }
}

/// The wall-clock times on either side of the DST gap `local` falls in.
fn gap_around(zone: Tz, local: NaiveDateTime) -> (NaiveDateTime, NaiveDateTime) {
    // The last valid minute before and the first after: gaps are at most a few hours.
    let mut before = local;
    for _ in 0..(4 * 60) {
        before -= Duration::minutes(1);
        if let Some(at) = zone.from_local_datetime(&before).earliest() {
            // The clock reads `before` plus one minute just before it jumps.
            let jump_start = before + Duration::minutes(1);
            let jump_end = (at + Duration::minutes(1)).naive_local();
            return (jump_start, jump_end);
        }
    }
    (local, local)
}

/// "2:30 AM on Sunday, March 8, 2026".
fn describe(local: NaiveDateTime) -> String {
    format!("{} on {}", clock(local), local.format("%A, %B %-d, %Y"))
}

/// "2:30 AM".
fn clock(local: NaiveDateTime) -> String {
    clock_label(local.hour(), local.minute())
}

/// "2:30 PM" for 14:30. Written by hand rather than with chrono's `format`, which parses its
/// pattern again for every call: the calendar labels hundreds of posts per render.
pub fn clock_label(hour: u32, minute: u32) -> String {
    let (twelve, half) = match hour {
        0 => (12, "AM"),
        1..=11 => (hour, "AM"),
        12 => (12, "PM"),
        _ => (hour - 12, "PM"),
    };
    format!("{twelve}:{minute:02} {half}")
}

/// "Tue, Nov 24" (by hand, as `clock_label`).
pub fn short_day_label(date: NaiveDate) -> String {
    const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {} {}",
        WEEKDAYS[date.weekday().num_days_from_monday() as usize],
        MONTHS[date.month0() as usize],
        date.day()
    )
}

/// "UTC−04:00" (with a real minus sign).
fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '−' } else { '+' };
    let minutes = seconds.abs() / 60;
    format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// "Tue, Nov 24, 2026, 3:30 PM" in `zone`.
pub fn format_datetime(zone: Tz, at: DateTime<Utc>) -> String {
    at.with_timezone(&zone)
        .format("%a, %b %-d, %Y, %-I:%M %p")
        .to_string()
}

/// "Nov 24, 2026" in `zone`.
pub fn format_date(zone: Tz, at: DateTime<Utc>) -> String {
    at.with_timezone(&zone).format("%b %-d, %Y").to_string()
}

/// "3:30 PM" in `zone`.
pub fn format_time(zone: Tz, at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&zone);
    clock_label(local.hour(), local.minute())
}

/// "2026-11-24 20:30 UTC".
pub fn format_utc(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The value a `datetime-local` input shows for `at` in `zone` ("2026-11-24T15:30").
pub fn input_value(zone: Tz, at: DateTime<Utc>) -> String {
    at.with_timezone(&zone).format("%Y-%m-%dT%H:%M").to_string()
}

/// Today's date in `zone`.
pub fn today(zone: Tz, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&zone).date_naive()
}

/// The Monday of the week `date` is in.
pub fn week_start(date: NaiveDate) -> NaiveDate {
    date - Duration::days(date.weekday().num_days_from_monday() as i64)
}

/// The zone's offset from UTC at `at`, for a label ("UTC+01:00").
pub fn offset_label(zone: Tz, at: DateTime<Utc>) -> String {
    utc_offset(at.with_timezone(&zone).offset().fix().local_minus_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ny() -> Tz {
        "America/New_York".parse().unwrap()
    }

    #[test]
    fn labels_written_by_hand_match_chrono() {
        let mut at = NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        // Every minute of a day, and a day of every month and weekday.
        for _ in 0..(24 * 60) {
            assert_eq!(
                clock_label(at.hour(), at.minute()),
                at.format("%-I:%M %p").to_string()
            );
            at += Duration::minutes(1);
        }
        let mut day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        for _ in 0..400 {
            assert_eq!(short_day_label(day), day.format("%a, %b %-d").to_string());
            day += Duration::days(1);
        }
    }

    #[test]
    fn an_ordinary_time_converts() {
        let local = parse_local("2026-11-24T15:30", "scheduled_for").unwrap();
        let at = to_utc(ny(), local, None, "scheduled_for").unwrap();
        assert_eq!(at.to_rfc3339(), "2026-11-24T20:30:00+00:00");
        assert_eq!(input_value(ny(), at), "2026-11-24T15:30");
        assert_eq!(format_utc(at), "2026-11-24 20:30 UTC");
        assert_eq!(format_datetime(ny(), at), "Tue, Nov 24, 2026, 3:30 PM");
    }

    #[test]
    fn a_time_in_the_spring_gap_is_refused_with_the_jump() {
        let local = parse_local("2026-03-08 02:30", "scheduled_for").unwrap();
        let err = to_utc(ny(), local, None, "scheduled_for").unwrap_err();
        assert_eq!(err.field(), Some("scheduled_for"));
        assert_eq!(
            err.to_string(),
            "2:30 AM on Sunday, March 8, 2026 does not exist in America/New_York: clocks jump \
             from 2:00 AM to 3:00 AM that night. Pick another time."
        );
    }

    #[test]
    fn a_repeated_autumn_time_needs_a_choice() {
        let local = parse_local("2026-11-01T01:30", "scheduled_for").unwrap();
        let err = to_utc(ny(), local, None, "scheduled_for").unwrap_err();
        assert!(err.to_string().contains("happens twice"), "{err}");
        assert!(err.to_string().contains("UTC−04:00"), "{err}");
        let first = to_utc(ny(), local, Some(Occurrence::Earlier), "x").unwrap();
        let second = to_utc(ny(), local, Some(Occurrence::Later), "x").unwrap();
        assert_eq!(second - first, Duration::hours(1));
        assert_eq!(first.to_rfc3339(), "2026-11-01T05:30:00+00:00");
    }

    #[test]
    fn garbage_is_a_field_error() {
        let err = parse_local("tomorrow", "scheduled_for").unwrap_err();
        assert_eq!(err.field(), Some("scheduled_for"));
    }

    #[test]
    fn dates_at_chronos_edges_are_refused_not_computed_with() {
        for edge in [
            "-262143-01-05",
            "+262142-12-05",
            "262142-12-05",
            "0000-01-01",
            "2026-1-5",
        ] {
            assert_eq!(
                parse_date(edge, "date").unwrap_err().field(),
                Some("date"),
                "{edge}"
            );
        }
        assert!(parse_local("+262142-12-05T10:00", "at").is_err());
        assert_eq!(
            parse_date("2026-11-24", "date").unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
        );
    }

    #[test]
    fn weeks_start_on_monday() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        assert_eq!(
            week_start(d),
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
        );
    }
}
