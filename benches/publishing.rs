//! Publishing engine benchmark with the sandbox publisher: how long 10,000 posts due at once
//! take to publish, and how late (`posted_at - scheduled_for`) 1,000 posts spread over a
//! minute go out with the real scheduler jobs running. SQLite by default; PostgreSQL when
//! BENCH_DATABASE_URL is set (BENCH_CONCURRENCY overrides `scheduler.concurrency`). Targets:
//! 10,000 in under 10 s, lateness p99 under 2 s.
//!
//! Run: `make bench` (both databases when PostgreSQL is reachable).

mod common;

use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use app::model::{PlanTier, Platform, PostStatus};
use app::server::auth::vault::TokenVault;
use app::server::entities::{post, StringList};
use app::server::publishing::{jobs, Engine, Platforms};
use app::server::services::{accounts, users};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, Set,
};
use uuid::Uuid;

const AT_ONCE: usize = 10_000;
const SPREAD: usize = 1_000;

#[tokio::main]
async fn main() {
    let mut database = common::BenchDatabase::create().await;
    if let Some(n) = std::env::var("BENCH_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        database.settings.scheduler.concurrency = n;
    }
    let label = database.label;
    let conn = database.conn.clone();
    let (user_id, account_id) = sandbox_account(&conn).await;
    let vault = Arc::new(TokenVault::new("", b"bench-secret").unwrap());
    let platforms = Arc::new(Platforms::from_settings(&database.settings.platforms));
    let engine = Arc::new(Engine::new(
        conn.clone(),
        database.settings.scheduler.clone(),
        platforms,
        vault,
    ));

    // 10,000 posts due at once.
    let due = Utc::now() - Duration::seconds(1);
    insert_posts(&conn, user_id, account_id, (0..AT_ONCE).map(|_| due)).await;
    let started = Instant::now();
    let report = engine.tick().await.expect("tick");
    let elapsed = started.elapsed().as_secs_f64();
    let posted = posted_count(&conn).await;
    assert_eq!(posted, AT_ONCE as u64, "{report:?}");
    println!(
        "{label}: published {AT_ONCE} posts due at once in {elapsed:.2} s ({:.0} posts/s, batch {}, concurrency {})",
        AT_ONCE as f64 / elapsed,
        database.settings.scheduler.batch_size,
        database.settings.scheduler.concurrency,
    );

    // 1,000 posts spread over a minute, published by the scheduler jobs as `serve` runs them.
    let first = Utc::now() + Duration::seconds(3);
    let step = Duration::milliseconds(60_000 / SPREAD as i64);
    insert_posts(
        &conn,
        user_id,
        account_id,
        (0..SPREAD).map(|i| first + step * i as i32),
    )
    .await;
    let mut scheduler = jobs::start(engine.clone(), &database.settings.scheduler)
        .await
        .expect("jobs");
    let deadline = Instant::now() + StdDuration::from_secs(120);
    while posted_count(&conn).await < (AT_ONCE + SPREAD) as u64 {
        assert!(
            Instant::now() < deadline,
            "the spread posts were not all published in 2 minutes"
        );
        tokio::time::sleep(StdDuration::from_millis(250)).await;
    }
    scheduler.shutdown().await.ok();
    let spread = post::Entity::find()
        .filter(post::Column::ScheduledFor.gte(first))
        .all(&conn)
        .await
        .unwrap();
    let mut lateness: Vec<i64> = spread
        .iter()
        .map(|p| (p.posted_at.unwrap() - p.scheduled_for.unwrap()).num_milliseconds())
        .collect();
    lateness.sort_unstable();
    println!(
        "{label}: lateness of {SPREAD} posts spread over a minute: p50 {} ms, p99 {} ms, max {} ms",
        common::percentile(&lateness, 0.50),
        common::percentile(&lateness, 0.99),
        lateness.last().unwrap()
    );
    database.drop_database().await;
}

async fn sandbox_account(conn: &DatabaseConnection) -> (Uuid, Uuid) {
    let user = users::create(
        conn,
        users::NewUser::member("bench@example.com", "bench-password-1"),
    )
    .await
    .unwrap();
    let mut active = user.clone().into_active_model();
    active.plan = Set(PlanTier::Enterprise);
    let user = active.update(conn).await.unwrap();
    let account = accounts::connect(
        conn,
        &user,
        accounts::ConnectRequest {
            platform: Platform::Facebook,
            account_name: "bench".into(),
            account_id_external: None,
        },
    )
    .await
    .unwrap();
    (user.id, account.id)
}

async fn insert_posts(
    conn: &DatabaseConnection,
    user_id: Uuid,
    account_id: Uuid,
    times: impl Iterator<Item = DateTime<Utc>>,
) {
    let rows: Vec<post::ActiveModel> = times
        .enumerate()
        .map(|(i, at)| {
            let mut row = post::new_row(
                user_id,
                account_id,
                Platform::Facebook,
                format!("Benchmark post {i}: new arrivals, free shipping this week."),
                PostStatus::Scheduled,
                Some(at),
            );
            row.hashtags = Set(StringList(vec!["bench".into()]));
            row
        })
        .collect();
    for chunk in rows.chunks(500) {
        post::Entity::insert_many(chunk.to_vec())
            .exec(conn)
            .await
            .unwrap();
    }
}

async fn posted_count(conn: &DatabaseConnection) -> u64 {
    post::Entity::find()
        .filter(post::Column::Status.eq(PostStatus::Posted))
        .count(conn)
        .await
        .unwrap()
}
