//! The busiest reads of a user's posts and their metrics, answered from memory while neither
//! changed: a page of the post list and a calendar range (the API's and the calendar page's),
//! the analytics overview (the API's) and report (the analytics page's), the home page's
//! posts and average engagement rate, and the history behind the best times. Each answer is kept under
//! the user's post revision: JSON answers as serialized JSON, the others as they are.
//! Database triggers bump that revision in the same transaction as any insert, update or
//! delete of one of the user's posts or of their metrics (migrations
//! `m20261124_000004_post_revisions` and `m20261125_000008_metrics_revisions`). Every request
//! reads the revision first, so a kept answer is served only while it still matches the
//! database, whichever instance wrote last.
//! The rules of these reads stay in the services that own them (`posts`, `analytics`,
//! `best_times`); this module only remembers their answers, with a gzip copy of the JSON
//! made once for the clients that accept one.

use std::collections::HashMap;
use std::future::Future;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, Statement};
use tokio::sync::OnceCell;
use uuid::Uuid;

use super::analytics::{self, ReportQuery};
use super::best_times;
use super::home::{self, HomeDays, HomePosts};
use super::paging::PageRequest;
use super::posts::{self, PostFilter};
use crate::error::AppError;
use crate::model::{AnalyticsReport, BestTime, Platform};
use crate::server::entities::user;

/// The tables a kept answer may read: exactly those whose every insert, update and delete
/// bumps the owner's revision (by trigger). An answer that read anything else (an account's
/// name, say) would stay kept after that input changed. Adding a table here means adding its
/// revision triggers first; `tests/api/post_reads.rs` checks both halves: what computing the
/// answers reads, and that a write to each table moves the revision.
pub const INPUT_TABLES: &[&str] = &["posts", "post_metrics"];

/// What an answer depends on besides the user and their posts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Question {
    List {
        /// Every field of the filter (status, platform, account, search, sort): answers to
        /// different filters never mix.
        filter: PostFilter,
        page: u64,
        per_page: u64,
    },
    Calendar {
        start: NaiveDate,
        end: NaiveDate,
        zone: &'static str,
    },
    /// The calendar page's read (`posts::calendar_entries`).
    CalendarEntries {
        start: NaiveDate,
        end: NaiveDate,
        zone: &'static str,
        per_day: Option<usize>,
    },
    Overview {
        start: Option<NaiveDate>,
        end: Option<NaiveDate>,
    },
    Report {
        start: NaiveDate,
        end: NaiveDate,
        platform: Option<Platform>,
        zone: &'static str,
    },
    AverageRate {
        from: DateTime<Utc>,
    },
    BestTimeHistory {
        since: DateTime<Utc>,
        zone: &'static str,
    },
    HomePosts {
        days: HomeDays,
    },
}

/// A JSON answer, and its gzip form, made the first time a client accepts it.
#[derive(Debug)]
pub struct JsonAnswer {
    json: Bytes,
    gzip: OnceLock<Bytes>,
}

impl JsonAnswer {
    fn new(json: Bytes) -> Self {
        JsonAnswer {
            json,
            gzip: OnceLock::new(),
        }
    }

    pub fn json(&self) -> Bytes {
        self.json.clone()
    }

    /// The JSON compressed with gzip. Kept answers compress once, not once per request
    /// (a month of posts is over a megabyte of JSON).
    pub fn gzip(&self) -> Bytes {
        self.gzip
            .get_or_init(|| {
                let mut encoder = flate2::write::GzEncoder::new(
                    Vec::with_capacity(self.json.len() / 8),
                    flate2::Compression::fast(),
                );
                encoder
                    .write_all(&self.json)
                    .expect("writing to memory cannot fail");
                Bytes::from(encoder.finish().expect("writing to memory cannot fail"))
            })
            .clone()
    }
}

/// A kept answer: the JSON the API sends, or a page's data as it is (the page renders from
/// it; decoding it from JSON again was a twentieth of each calendar render).
#[derive(Debug, Clone)]
enum KeptAnswer {
    Json(Arc<JsonAnswer>),
    Entries(Arc<Vec<posts::CalendarDayEntries>>),
    Report(Arc<AnalyticsReport>),
    Rate(f64),
    BestTimeHistory(Arc<best_times::History>),
    HomePosts(Arc<HomePosts>),
}

impl KeptAnswer {
    /// About how much memory the answer holds, for the budget.
    fn bytes(&self) -> usize {
        use std::mem::{size_of, size_of_val};
        match self {
            KeptAnswer::Json(answer) => answer.json.len(),
            KeptAnswer::Entries(days) => days
                .iter()
                .map(|day| {
                    size_of::<posts::CalendarDayEntries>()
                        + day
                            .entries
                            .iter()
                            .map(|e| size_of_val(e) + e.excerpt.len())
                            .sum::<usize>()
                })
                .sum(),
            KeptAnswer::Report(report) => {
                size_of::<AnalyticsReport>()
                    + report.daily.len() * size_of::<crate::model::DayPoint>()
                    + report.by_platform.len() * size_of::<crate::model::PlatformAnalytics>()
                    + report.heatmap.len() * size_of::<crate::model::HeatCell>()
                    + report
                        .top_posts
                        .iter()
                        .map(|p| size_of::<crate::model::TopPost>() + p.excerpt.len())
                        .sum::<usize>()
            }
            KeptAnswer::Rate(_) => size_of::<f64>(),
            KeptAnswer::BestTimeHistory(history) => history
                .values()
                .map(|slots| {
                    size_of::<Platform>() + slots.len() * size_of::<best_times::SlotRates>()
                })
                .sum(),
            KeptAnswer::HomePosts(posts) => {
                size_of::<HomePosts>()
                    + posts
                        .next_posts
                        .iter()
                        .chain(&posts.failures)
                        .map(|p| size_of_val(p) + p.content.len())
                        .sum::<usize>()
            }
        }
    }
}

/// Each question is answered in one form (its own method below); another form would be a bug
/// in this module.
fn kept_in_another_form() -> AppError {
    AppError::internal("post reads", "an answer kept in another form")
}

/// One kept answer; requests that miss together wait for a single computation.
type Answer = Arc<OnceCell<KeptAnswer>>;

/// The answers kept for one user, all for one revision of their posts.
struct UserAnswers {
    revision: i64,
    answers: HashMap<Question, Answer>,
    bytes: usize,
    last_used: u64,
}

#[derive(Default)]
struct Kept {
    users: HashMap<Uuid, UserAnswers>,
    bytes: usize,
    clock: u64,
}

/// The kept answers, at most about `budget_bytes` in all (least recently used users go first;
/// the gzip copies of the JSON, far smaller, come on top). A budget of 0 keeps nothing: every
/// request reads the database.
pub struct PostReads {
    budget_bytes: usize,
    kept: Mutex<Kept>,
}

/// A user with more kept questions than this (many list pages and filters) starts afresh.
const MAX_QUESTIONS_PER_USER: usize = 64;

impl PostReads {
    pub fn new(budget_bytes: usize) -> Self {
        PostReads {
            budget_bytes,
            kept: Mutex::new(Kept::default()),
        }
    }

    /// `posts::list` as JSON (the contract's list envelope).
    pub async fn list(
        &self,
        db: &impl ConnectionTrait,
        owner: &user::Model,
        filter: PostFilter,
        page: PageRequest,
    ) -> Result<Arc<JsonAnswer>, AppError> {
        let question = Question::List {
            filter: filter.clone(),
            page: page.page,
            per_page: page.per_page,
        };
        match self
            .answer(db, owner.id, question, async {
                to_json(&posts::list(db, owner, filter, page).await?)
            })
            .await?
        {
            KeptAnswer::Json(answer) => Ok(answer),
            _ => Err(kept_in_another_form()),
        }
    }

    /// `posts::calendar` as JSON.
    pub async fn calendar(
        &self,
        db: &impl ConnectionTrait,
        owner: &user::Model,
        start: NaiveDate,
        end: NaiveDate,
        zone: Tz,
    ) -> Result<Arc<JsonAnswer>, AppError> {
        let question = Question::Calendar {
            start,
            end,
            zone: zone.name(),
        };
        match self
            .answer(db, owner.id, question, async {
                to_json(&posts::calendar(db, owner, start, end, zone).await?)
            })
            .await?
        {
            KeptAnswer::Json(answer) => Ok(answer),
            _ => Err(kept_in_another_form()),
        }
    }

    /// `posts::calendar_entries`, kept as it is.
    pub async fn calendar_entries(
        &self,
        db: &impl ConnectionTrait,
        owner: &user::Model,
        start: NaiveDate,
        end: NaiveDate,
        zone: Tz,
        per_day: Option<usize>,
    ) -> Result<Arc<Vec<posts::CalendarDayEntries>>, AppError> {
        let question = Question::CalendarEntries {
            start,
            end,
            zone: zone.name(),
            per_day,
        };
        match self
            .answer(db, owner.id, question, async {
                let days = posts::calendar_entries(db, owner, start, end, zone, per_day).await?;
                Ok(KeptAnswer::Entries(Arc::new(days)))
            })
            .await?
        {
            KeptAnswer::Entries(days) => Ok(days),
            _ => Err(kept_in_another_form()),
        }
    }

    /// `analytics::overview` as JSON.
    pub async fn overview(
        &self,
        db: &impl ConnectionTrait,
        owner: &user::Model,
        start: Option<NaiveDate>,
        end: Option<NaiveDate>,
    ) -> Result<Arc<JsonAnswer>, AppError> {
        let question = Question::Overview { start, end };
        match self
            .answer(db, owner.id, question, async {
                to_json(&analytics::overview(db, owner, start, end).await?)
            })
            .await?
        {
            KeptAnswer::Json(answer) => Ok(answer),
            _ => Err(kept_in_another_form()),
        }
    }

    /// `analytics::report`, kept as it is.
    pub async fn report(
        &self,
        db: &impl ConnectionTrait,
        owner: &user::Model,
        query: &ReportQuery,
    ) -> Result<Arc<AnalyticsReport>, AppError> {
        let question = Question::Report {
            start: query.start,
            end: query.end,
            platform: query.platform,
            zone: query.zone.name(),
        };
        match self
            .answer(db, owner.id, question, async {
                let report = analytics::report(db, owner, query).await?;
                Ok(KeptAnswer::Report(Arc::new(report)))
            })
            .await?
        {
            KeptAnswer::Report(report) => Ok(report),
            _ => Err(kept_in_another_form()),
        }
    }

    /// `analytics::average_rate` since `from` (the home page's card).
    pub async fn average_rate(
        &self,
        db: &impl ConnectionTrait,
        owner: &user::Model,
        from: DateTime<Utc>,
    ) -> Result<f64, AppError> {
        let question = Question::AverageRate { from };
        match self
            .answer(db, owner.id, question, async {
                Ok(KeptAnswer::Rate(
                    analytics::average_rate(db, owner, from).await?,
                ))
            })
            .await?
        {
            KeptAnswer::Rate(rate) => Ok(rate),
            _ => Err(kept_in_another_form()),
        }
    }

    /// `home::posts`, kept as it is.
    pub async fn home_posts(
        &self,
        db: &impl ConnectionTrait,
        owner: &user::Model,
        days: HomeDays,
    ) -> Result<Arc<HomePosts>, AppError> {
        match self
            .answer(db, owner.id, Question::HomePosts { days }, async {
                Ok(KeptAnswer::HomePosts(Arc::new(
                    home::posts(db, owner, days).await?,
                )))
            })
            .await?
        {
            KeptAnswer::HomePosts(posts) => Ok(posts),
            _ => Err(kept_in_another_form()),
        }
    }

    /// `best_times::best_times`, from a kept history (the next occurrence of each slot is
    /// worked out afresh: it moves with the clock, not with the posts).
    pub async fn best_times(
        &self,
        db: &impl ConnectionTrait,
        owner: &user::Model,
        zone: Tz,
        now: DateTime<Utc>,
    ) -> Result<Vec<BestTime>, AppError> {
        let since = best_times::history_start(now);
        let question = Question::BestTimeHistory {
            since,
            zone: zone.name(),
        };
        match self
            .answer(db, owner.id, question, async {
                let history = best_times::history(db, owner, zone, since).await?;
                Ok(KeptAnswer::BestTimeHistory(Arc::new(history)))
            })
            .await?
        {
            KeptAnswer::BestTimeHistory(history) => {
                Ok(best_times::from_history(&history, zone, now))
            }
            _ => Err(kept_in_another_form()),
        }
    }

    async fn answer(
        &self,
        db: &impl ConnectionTrait,
        owner: Uuid,
        question: Question,
        compute: impl Future<Output = Result<KeptAnswer, AppError>>,
    ) -> Result<KeptAnswer, AppError> {
        if self.budget_bytes == 0 {
            return compute.await;
        }
        let revision = revision(db, owner).await?;
        let answer = self.slot(owner, revision, question);
        let mut computed = false;
        let kept = answer
            .get_or_try_init(|| {
                computed = true;
                compute
            })
            .await?
            .clone();
        if computed {
            self.count(owner, revision, &answer, kept.bytes());
        }
        Ok(kept)
    }

    /// The kept answer for this question at this revision, or a new empty one. Any other
    /// revision replaces the user's kept answers: a newer one as the posts moved on, an older
    /// one because revisions only go down when the database went back (a restore), and
    /// answers kept at the higher number must not be served when the sum climbs back to it.
    fn slot(&self, owner: Uuid, revision: i64, question: Question) -> Answer {
        let mut kept = self.kept.lock().expect("post reads lock");
        kept.clock += 1;
        let now = kept.clock;
        let Kept { users, bytes, .. } = &mut *kept;
        let user = users.entry(owner).or_insert_with(|| UserAnswers {
            revision,
            answers: HashMap::new(),
            bytes: 0,
            last_used: now,
        });
        if revision != user.revision || user.answers.len() >= MAX_QUESTIONS_PER_USER {
            *bytes -= user.bytes;
            user.revision = revision;
            user.answers.clear();
            user.bytes = 0;
        }
        user.last_used = now;
        user.answers.entry(question).or_default().clone()
    }

    /// Adds a computed answer's size, then forgets the least recently used users until the
    /// budget holds again.
    fn count(&self, owner: Uuid, revision: i64, answer: &Answer, len: usize) {
        let mut kept = self.kept.lock().expect("post reads lock");
        let Some(user) = kept.users.get_mut(&owner) else {
            return;
        };
        let still_kept = user.revision == revision
            && user.answers.values().any(|kept| Arc::ptr_eq(kept, answer));
        if !still_kept {
            return;
        }
        user.bytes += len;
        kept.bytes += len;
        while kept.bytes > self.budget_bytes {
            let Some(oldest) = kept
                .users
                .iter()
                .min_by_key(|(_, user)| user.last_used)
                .map(|(id, _)| *id)
            else {
                break;
            };
            let forgotten = kept.users.remove(&oldest).expect("just found");
            kept.bytes -= forgotten.bytes;
        }
    }

    /// About how many bytes are kept (for tests and benchmarks).
    pub fn kept_bytes(&self) -> usize {
        self.kept.lock().expect("post reads lock").bytes
    }
}

/// The user's post revision (the sum of its shards): 0 until their first post is written.
async fn revision(db: &impl ConnectionTrait, owner: Uuid) -> Result<i64, AppError> {
    let row = db
        .query_one(Statement::from_sql_and_values(
            db.get_database_backend(),
            "SELECT CAST(COALESCE(SUM(revision), 0) AS BIGINT) AS revision \
             FROM post_revisions WHERE user_id = $1",
            [owner.into()],
        ))
        .await?;
    Ok(match row {
        Some(row) => row.try_get("", "revision")?,
        None => 0,
    })
}

fn to_json(value: &impl serde::Serialize) -> Result<KeptAnswer, AppError> {
    serde_json::to_vec(value)
        .map(|json| KeptAnswer::Json(Arc::new(JsonAnswer::new(Bytes::from(json)))))
        .map_err(|e| AppError::internal("post reads", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list_question(page: u64) -> Question {
        Question::List {
            filter: PostFilter::default(),
            page,
            per_page: 20,
        }
    }

    #[test]
    fn another_revision_replaces_the_kept_answers() {
        let reads = PostReads::new(1 << 20);
        let owner = Uuid::new_v4();
        let first = reads.slot(owner, 1, list_question(1));
        first
            .set(KeptAnswer::Json(Arc::new(JsonAnswer::new(
                Bytes::from_static(b"[1]"),
            ))))
            .unwrap();
        reads.count(owner, 1, &first, 3);
        assert!(Arc::ptr_eq(&first, &reads.slot(owner, 1, list_question(1))));
        assert_eq!(reads.kept_bytes(), 3);

        let second = reads.slot(owner, 2, list_question(1));
        assert!(
            second.get().is_none(),
            "revision 2 must not see revision 1's answer"
        );
        assert_eq!(reads.kept_bytes(), 0);
        // A lower revision (the database went back) forgets what was kept at the higher one.
        let back = reads.slot(owner, 1, list_question(1));
        assert!(back.get().is_none() && !Arc::ptr_eq(&back, &second));
        assert!(!Arc::ptr_eq(
            &second,
            &reads.slot(owner, 2, list_question(1))
        ));
    }

    #[test]
    fn the_gzip_copy_unzips_to_the_json() {
        use std::io::Read;
        let json = Bytes::from(format!("[{}]", vec!["{\"a\":1}"; 1000].join(",")));
        let answer = JsonAnswer::new(json.clone());
        let gzip = answer.gzip();
        assert!(gzip.len() < json.len() / 10, "{} bytes", gzip.len());
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(&gzip[..])
            .read_to_end(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, json);
        assert_eq!(answer.gzip(), gzip, "made once");
    }

    #[test]
    fn the_budget_forgets_the_least_recently_used_user() {
        let reads = PostReads::new(10);
        let (old, new) = (Uuid::new_v4(), Uuid::new_v4());
        let a = reads.slot(old, 1, list_question(1));
        reads.count(old, 1, &a, 6);
        let b = reads.slot(new, 1, list_question(1));
        reads.count(new, 1, &b, 6);
        assert_eq!(reads.kept_bytes(), 6);
        assert!(!Arc::ptr_eq(&a, &reads.slot(old, 1, list_question(1))));
        assert!(Arc::ptr_eq(&b, &reads.slot(new, 1, list_question(1))));
    }
}
