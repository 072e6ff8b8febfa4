//! Event-log benchmark: 1,000,000 entries over 30 days (2,000 users, every kind and level,
//! messages like the engine's), then the admin console's filtered list, as its page asks it
//! (`event_log::newest`, the first page of 50 newest entries): by kind, by user, by text (a
//! rare term and a common one), by time range, all combined, and one keyset page deep.
//! Prints p50 and p99 of each over 200 runs with varied parameters. Target: p99 < 20 ms.
//! SQLite by default; PostgreSQL when BENCH_DATABASE_URL (an admin URL) is set.
//!
//! Run: `cargo bench --bench event_log` (and with BENCH_DATABASE_URL for PostgreSQL).

use std::time::{Duration, Instant};

use app::model::{EventKind, EventLevel};
use app::server::entities::event_log;
use app::server::services::event_log::{newest, LogCursor, LogFilter};
use chrono::Utc;
use sea_orm::{EntityTrait, Set, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

mod common;

const ENTRIES: u64 = 1_000_000;
const USERS: u64 = 2_000;
const RUNS: usize = 200;
const PAGE: u64 = 50;

fn users() -> Vec<Uuid> {
    (0..USERS)
        .map(|i| Uuid::from_u128(0x5eed_0000 + i as u128))
        .collect()
}

/// Entry `i` of the data set: deterministic, so every run measures the same rows.
fn entry(i: u64, users: &[Uuid], start: chrono::DateTime<Utc>) -> event_log::ActiveModel {
    let step = chrono::Duration::days(30).num_milliseconds() as f64 / ENTRIES as f64;
    let at = start + chrono::Duration::milliseconds((i as f64 * step) as i64);
    let user = users[(i * 7_919 % USERS) as usize];
    let (kind, level, message) = match i % 10 {
        0..=3 => (
            EventKind::Publish,
            EventLevel::Info,
            format!(
                "Published post {:08x} to instagram as 1789{i:010}",
                i * 2_654_435_761 % (1 << 32)
            ),
        ),
        4 => (
            EventKind::Publish,
            EventLevel::Error,
            format!(
                "Failed: the platform refused the media of post {:08x} (code 400)",
                i * 40_503 % (1 << 32)
            ),
        ),
        5 => (
            EventKind::Publish,
            EventLevel::Warn,
            format!(
                "Retrying post {:08x} after a rate limit (attempt {})",
                i * 97 % (1 << 32),
                i % 5 + 1
            ),
        ),
        6 => (
            EventKind::Auth,
            EventLevel::Info,
            format!("Signed in from 203.0.113.{} (session {i})", i % 250),
        ),
        7 => (
            EventKind::Webhook,
            EventLevel::Info,
            format!("Stripe invoice.paid for invoice in_{i:09} handled"),
        ),
        8 => (
            EventKind::Scheduler,
            EventLevel::Info,
            format!("Tick claimed {} posts on instance web-{}", i % 13, i % 3),
        ),
        _ => (
            EventKind::Audit,
            EventLevel::Info,
            format!("API key created for integration {i}"),
        ),
    };
    event_log::ActiveModel {
        id: Set(Uuid::from_u128(((i as u128) << 64) | 0x0bad_cafe)),
        at: Set(at),
        kind: Set(kind),
        level: Set(level),
        user_id: Set(Some(user)),
        post_id: Set(None),
        message: Set(message),
        data: Set(json!({ "n": i })),
    }
}

async fn fill(db: &sea_orm::DatabaseConnection, users: &[Uuid], start: chrono::DateTime<Utc>) {
    let began = Instant::now();
    let mut i = 0;
    while i < ENTRIES {
        let txn = db.begin().await.unwrap();
        for _ in 0..40 {
            if i >= ENTRIES {
                break;
            }
            let end = (i + 500).min(ENTRIES);
            let rows: Vec<_> = (i..end).map(|n| entry(n, users, start)).collect();
            event_log::Entity::insert_many(rows)
                .exec(&txn)
                .await
                .unwrap();
            i = end;
        }
        txn.commit().await.unwrap();
    }
    println!(
        "  filled {ENTRIES} entries in {:.1} s",
        began.elapsed().as_secs_f64()
    );
}

struct Case {
    name: &'static str,
    filter: Box<dyn Fn(usize) -> LogFilter>,
}

#[tokio::main]
async fn main() {
    let database = common::BenchDatabase::create().await;
    let db = database.conn.clone();
    println!(
        "event-log list at {ENTRIES} entries on {} ({RUNS} runs each, first page of {PAGE}, \
         a pool of {} connections)",
        database.label, database.settings.database.max_connections
    );
    let users = users();
    let start = Utc::now() - chrono::Duration::days(30);
    fill(&db, &users, start).await;
    if database.label == "PostgreSQL" {
        use sea_orm::ConnectionTrait;
        db.execute_unprepared("ANALYZE event_log").await.unwrap();
    } else {
        use sea_orm::ConnectionTrait;
        db.execute_unprepared("ANALYZE").await.unwrap();
    }

    let day = chrono::Duration::days(1);
    let cases: Vec<Case> = vec![
        Case {
            name: "newest, no filter",
            filter: Box::new(|_| LogFilter::default()),
        },
        Case {
            name: "by kind (rarest: audit)",
            filter: Box::new(|run| LogFilter {
                kind: Some([EventKind::Audit, EventKind::Webhook, EventKind::Auth][run % 3]),
                ..Default::default()
            }),
        },
        Case {
            name: "by level (error)",
            filter: Box::new(|_| LogFilter {
                level: Some(EventLevel::Error),
                ..Default::default()
            }),
        },
        Case {
            name: "by user",
            filter: {
                let users = users.clone();
                Box::new(move |run| LogFilter {
                    user_id: Some(users[run * 37 % users.len()]),
                    ..Default::default()
                })
            },
        },
        Case {
            name: "by text, rare (one entry)",
            filter: Box::new(|run| LogFilter {
                q: Some(format!("in_{:09}", (run as u64 * 4_999 % 100_000) * 10 + 7)),
                ..Default::default()
            }),
        },
        Case {
            name: "by text, common (rate limit)",
            filter: Box::new(|_| LogFilter {
                q: Some("Rate Limit".into()),
                ..Default::default()
            }),
        },
        Case {
            name: "by time range (one hour)",
            filter: Box::new(move |run| {
                let since = start + day + chrono::Duration::minutes(run as i64 * 173 % 40_000);
                LogFilter {
                    since: Some(since),
                    until: Some(since + chrono::Duration::hours(1)),
                    ..Default::default()
                }
            }),
        },
        Case {
            name: "kind + level + user + 10 days",
            filter: {
                let users = users.clone();
                // Users whose entries include failed publishes (entry i has user i × 7,919
                // mod 2,000, and failures are the entries i ≡ 4 mod 10).
                Box::new(move |run| LogFilter {
                    kind: Some(EventKind::Publish),
                    level: Some(EventLevel::Error),
                    user_id: Some(users[(1_676 + 1_190 * run) % users.len()]),
                    since: Some(start + day * 10),
                    until: Some(start + day * 20),
                    ..Default::default()
                })
            },
        },
    ];

    println!(
        "  {:<34} {:>9} {:>9} {:>7}",
        "filter", "p50 ms", "p99 ms", "rows"
    );
    let mut worst = Duration::ZERO;
    for case in &cases {
        // One warm-up run, as a console that is in use has its pages in memory.
        newest(&db, &(case.filter)(0), None, PAGE).await.unwrap();
        let mut times = Vec::with_capacity(RUNS);
        let mut rows = 0;
        for run in 0..RUNS {
            let filter = (case.filter)(run);
            let began = Instant::now();
            let slice = newest(&db, &filter, None, PAGE).await.unwrap();
            times.push(began.elapsed());
            rows = slice.entries.len();
        }
        times.sort();
        let (p50, p99) = (
            common::percentile(&times, 0.50),
            common::percentile(&times, 0.99),
        );
        worst = worst.max(p99);
        println!(
            "  {:<34} {:>9.2} {:>9.2} {:>7}",
            case.name,
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3,
            rows
        );
    }

    // A page deep in the list: the cursor of the 10,000th newest entry.
    let mut before: Option<LogCursor> = None;
    for _ in 0..200 {
        before = newest(&db, &LogFilter::default(), before, PAGE)
            .await
            .unwrap()
            .older;
    }
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let began = Instant::now();
        newest(&db, &LogFilter::default(), before, PAGE)
            .await
            .unwrap();
        times.push(began.elapsed());
    }
    times.sort();
    let p99 = common::percentile(&times, 0.99);
    worst = worst.max(p99);
    println!(
        "  {:<34} {:>9.2} {:>9.2} {:>7}",
        "page 201 (keyset)",
        common::percentile(&times, 0.50).as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        PAGE
    );
    println!(
        "  worst p99: {:.2} ms (target < 20 ms): {}",
        worst.as_secs_f64() * 1e3,
        if worst < Duration::from_millis(20) {
            "met"
        } else {
            "MISSED"
        }
    );
    database.drop_database().await;
}
