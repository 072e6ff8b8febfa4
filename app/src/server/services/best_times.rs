//! "Best times" for the composer: per platform, up to three weekly slots (a weekday and an
//! hour in the user's zone). From the user's own history when they have at least
//! `MIN_HISTORY` measured published posts on that platform in the last year (summed by the
//! database): slots ranked by mean engagement
//! rate, ties by how many posts went out then. Otherwise the defaults below, the usual
//! advice for e-commerce audiences:
//! - Instagram: Tue, Wed and Fri at 11:00 (late-morning breaks);
//! - Facebook: Tue 9:00, Wed 13:00, Thu 9:00 (start of the work day and lunch);
//! - TikTok: Tue and Thu at 19:00, Fri 17:00 (evenings, and the start of the weekend).

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, Statement};

use super::analytics;
use crate::error::AppError;
use crate::model::{BestTime, Platform};
use crate::server::entities::user;

/// Measured published posts a platform needs before its slots come from history.
pub const MIN_HISTORY: usize = 5;
/// Slots suggested per platform.
pub const SLOTS: usize = 3;
/// How far back the measured posts count.
const HISTORY: Duration = Duration::days(365);

/// The platforms, in the order the composer shows them.
pub const PLATFORMS: [Platform; 3] = [Platform::Instagram, Platform::Facebook, Platform::Tiktok];

/// A weekly slot: a weekday and an hour (0–23) in the user's zone.
pub type Slot = (Weekday, u32);

/// A slot's measured posts: the sum of their engagement rates and how many there are.
pub type SlotRates = (Slot, f64, usize);

/// The suggested slots of a platform without history.
pub fn default_slots(platform: Platform) -> [Slot; SLOTS] {
    use Weekday::*;
    match platform {
        Platform::Instagram => [(Tue, 11), (Wed, 11), (Fri, 11)],
        Platform::Facebook => [(Tue, 9), (Wed, 13), (Thu, 9)],
        Platform::Tiktok => [(Tue, 19), (Thu, 19), (Fri, 17)],
    }
}

/// The best slots of some measured posts, each given as its slot and engagement rate: by
/// mean rate, then by count, then earliest in the week (so the answer is stable).
pub fn rank(slots: &[SlotRates]) -> Vec<Slot> {
    let mut totals: HashMap<Slot, (f64, usize)> = HashMap::new();
    for (slot, sum, n) in slots {
        let entry = totals.entry(*slot).or_default();
        entry.0 += sum;
        entry.1 += n;
    }
    let mut ranked: Vec<(Slot, f64, usize)> = totals
        .into_iter()
        .filter(|(_, (_, n))| *n > 0)
        .map(|(slot, (sum, n))| (slot, sum / n as f64, n))
        .collect();
    ranked.sort_by(|(sa, ma, na), (sb, mb, nb)| {
        mb.total_cmp(ma)
            .then(nb.cmp(na))
            .then(week_order(*sa).cmp(&week_order(*sb)))
    });
    ranked.into_iter().map(|(slot, ..)| slot).collect()
}

fn week_order((day, hour): Slot) -> (u32, u32) {
    (day.num_days_from_monday(), hour)
}

/// "Tue 11:00 AM".
pub fn label((day, hour): Slot) -> String {
    let time = NaiveTime::from_hms_opt(hour % 24, 0, 0).unwrap_or(NaiveTime::MIN);
    format!("{day} {}", time.format("%-I:%M %p"))
}

/// The next time the slot comes round strictly after `now`, as the wall-clock time in
/// `zone` ("2026-11-24T11:00"). An hour that daylight saving skips that day becomes the hour
/// after; an hour that happens twice is its first occurrence.
pub fn next_local(zone: Tz, now: DateTime<Utc>, (day, hour): Slot) -> String {
    let today = now.with_timezone(&zone).date_naive();
    let hour = hour % 24;
    for ahead in 0..15 {
        let date = today + Duration::days(ahead);
        if date.weekday() != day {
            continue;
        }
        let Some(wall) = date.and_hms_opt(hour, 0, 0) else {
            continue;
        };
        let (wall, at) = match zone.from_local_datetime(&wall).earliest() {
            Some(at) => (wall, at),
            None => {
                let later = wall + Duration::hours(1);
                match zone.from_local_datetime(&later).earliest() {
                    Some(at) => (later, at),
                    None => continue,
                }
            }
        };
        if at.with_timezone(&Utc) > now {
            return wall.format("%Y-%m-%dT%H:%M").to_string();
        }
    }
    // Unreachable for real zones: some day of the next two weeks has the slot.
    (now.with_timezone(&zone) + Duration::days(7))
        .format("%Y-%m-%dT%H:00")
        .to_string()
}

/// The slots of one platform: ranked history when there is enough, topped up with defaults.
pub fn slots_for(platform: Platform, history: &[SlotRates]) -> Vec<(Slot, bool)> {
    let mut slots: Vec<(Slot, bool)> = Vec::with_capacity(SLOTS);
    let measured: usize = history.iter().map(|(_, _, n)| n).sum();
    if measured >= MIN_HISTORY {
        slots.extend(rank(history).into_iter().take(SLOTS).map(|s| (s, true)));
    }
    for slot in default_slots(platform) {
        if slots.len() == SLOTS {
            break;
        }
        if !slots.iter().any(|(s, _)| *s == slot) {
            slots.push((slot, false));
        }
    }
    slots
}

/// The measured posts of the history, per platform: their rates summed by slot in the zone
/// (what the ranking reads; `post_reads` keeps it while the user's posts are unchanged).
pub type History = HashMap<Platform, Vec<SlotRates>>;

/// Where the history starts for a request at `now`: midnight UTC, `HISTORY` ago (a whole day,
/// so that the answer stays the same all day and can be kept).
pub fn history_start(now: DateTime<Utc>) -> DateTime<Utc> {
    (now - HISTORY)
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
}

/// The owner's measured posts published since `since`, summed by the database by platform
/// and UTC hour (quarter hour in zones off the hour); each bucket is then placed on its
/// weekday and hour in `zone`.
pub async fn history(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    zone: Tz,
    since: DateTime<Utc>,
) -> Result<History, AppError> {
    let backend = db.get_database_backend();
    let bucket = analytics::bucket_sql(backend, analytics::whole_hours(zone, since, Utc::now()));
    let rows = db
        .query_all(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT p.platform AS platform, {bucket} AS bucket, COUNT(*) AS posts, \
                 CAST(SUM({rate}) AS DOUBLE PRECISION) AS rate_sum \
                 FROM posts p JOIN post_metrics m ON m.post_id = p.id \
                 WHERE p.user_id = $1 AND p.posted_at IS NOT NULL AND p.posted_at >= $2 \
                 GROUP BY p.platform, {bucket}",
                rate = analytics::RATE_SQL
            ),
            [owner.id.into(), since.into()],
        ))
        .await?;
    let mut samples = History::new();
    for row in rows {
        let platform: Platform = row.try_get("", "platform")?;
        let bucket: String = row.try_get("", "bucket")?;
        let posts: i64 = row.try_get("", "posts")?;
        let rate_sum: f64 = row.try_get("", "rate_sum")?;
        let local = analytics::bucket_start(&bucket)?.with_timezone(&zone);
        samples.entry(platform).or_default().push((
            (local.weekday(), local.hour()),
            rate_sum,
            posts.max(0) as usize,
        ));
    }
    Ok(samples)
}

/// The best times of each platform from a history (or the defaults where it holds fewer
/// than `MIN_HISTORY` posts), as slots in `zone`, with the next occurrence of each after
/// `now`.
pub fn from_history(history: &History, zone: Tz, now: DateTime<Utc>) -> Vec<BestTime> {
    let mut times = Vec::with_capacity(PLATFORMS.len() * SLOTS);
    for platform in PLATFORMS {
        let samples = history.get(&platform).map(Vec::as_slice).unwrap_or(&[]);
        for (slot, from_history) in slots_for(platform, samples) {
            times.push(BestTime {
                platform,
                label: label(slot),
                next_local: next_local(zone, now, slot),
                from_history,
            });
        }
    }
    times
}

/// The best times from the owner's measured posts of the last `HISTORY`, read afresh
/// (pages go through `post_reads::PostReads::best_times`, which keeps the history).
pub async fn best_times(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    zone: Tz,
    now: DateTime<Utc>,
) -> Result<Vec<BestTime>, AppError> {
    let history = history(db, owner, zone, history_start(now)).await?;
    Ok(from_history(&history, zone, now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Weekday::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn ranked_by_mean_rate_then_count() {
        // (slot, sum of rates, posts): two buckets can fall in one local slot.
        let samples = [
            ((Mon, 9), 2.0, 1),
            ((Tue, 11), 5.0, 1),
            ((Tue, 11), 3.0, 1), // mean 4, two posts
            ((Wed, 8), 4.0, 1),  // mean 4, one post
            ((Fri, 20), 6.0, 1),
        ];
        assert_eq!(rank(&samples), [(Fri, 20), (Tue, 11), (Wed, 8), (Mon, 9)]);
    }

    #[test]
    fn defaults_without_enough_history() {
        let few = [((Mon, 9), 9.0, 1); MIN_HISTORY - 1];
        let slots = slots_for(Platform::Instagram, &few);
        assert_eq!(
            slots,
            [((Tue, 11), false), ((Wed, 11), false), ((Fri, 11), false)]
        );
        // Enough history in one slot: it comes first, defaults fill the rest.
        let enough = [((Mon, 9), 9.0 * MIN_HISTORY as f64, MIN_HISTORY)];
        let slots = slots_for(Platform::Tiktok, &enough);
        assert_eq!(
            slots,
            [((Mon, 9), true), ((Tue, 19), false), ((Thu, 19), false)]
        );
    }

    #[test]
    fn labels_and_next_occurrences() {
        assert_eq!(label((Tue, 11)), "Tue 11:00 AM");
        assert_eq!(label((Thu, 19)), "Thu 7:00 PM");
        assert_eq!(label((Sun, 0)), "Sun 12:00 AM");
        let paris: Tz = "Europe/Paris".parse().unwrap();
        // Tuesday 24 November 2026, 10:30 in Paris (09:30 UTC).
        let now = utc("2026-11-24T09:30:00Z");
        assert_eq!(next_local(paris, now, (Tue, 11)), "2026-11-24T11:00");
        // 10:00 today has passed: next week.
        assert_eq!(next_local(paris, now, (Tue, 10)), "2026-12-01T10:00");
        assert_eq!(next_local(paris, now, (Mon, 9)), "2026-11-30T09:00");
    }

    #[test]
    fn an_hour_skipped_by_daylight_saving_becomes_the_next() {
        let ny: Tz = "America/New_York".parse().unwrap();
        // Clocks jump from 2:00 to 3:00 on Sunday 8 March 2026.
        let now = utc("2026-03-07T12:00:00Z");
        assert_eq!(next_local(ny, now, (Sun, 2)), "2026-03-08T03:00");
        assert_eq!(next_local(ny, now, (Sun, 4)), "2026-03-08T04:00");
    }
}
