//! Load benchmark of the two busiest reads: `GET /api/v1/posts?per_page=20` and a month of
//! `GET /api/v1/posts/calendar`, with 10,000 posts in the database, 32 concurrent
//! connections. Prints requests/s and p50/p99 latency. SQLite by default; PostgreSQL when
//! BENCH_DATABASE_URL (an admin URL, a fresh database is created) is set.
//!
//! Run: `make bench` (both databases when PostgreSQL is reachable).

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::model::{PlanTier, Platform, PostStatus};
use app::server::entities::{post, StringList};
use chrono::{TimeZone, Utc};
use postpilot::startup::Application;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use uuid::Uuid;

const POSTS: usize = 10_000;
const CONNECTIONS: usize = 32;
const RUN_FOR: Duration = Duration::from_secs(10);

mod common;

#[tokio::main]
async fn main() {
    let database = common::BenchDatabase::create().await;
    let (label, settings, conn) = (
        database.label,
        database.settings.clone(),
        database.conn.clone(),
    );

    let seeded = Instant::now();
    let (email, password) = ("bench@example.com", "bench-password-1");
    seed(&conn, email, password).await;
    println!(
        "{label}: seeded {POSTS} posts in {:.1} s",
        seeded.elapsed().as_secs_f64()
    );

    let app = Application::build_with_db(settings, conn.clone())
        .await
        .expect("app");
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until(std::future::pending()));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONNECTIONS)
        .build()
        .unwrap();
    let login: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = Arc::new(login["access_token"].as_str().unwrap().to_string());

    for (name, path) in [
        (
            "GET /api/v1/posts?per_page=20",
            "/api/v1/posts?per_page=20".to_string(),
        ),
        (
            "GET /api/v1/posts/calendar (one month)",
            "/api/v1/posts/calendar?start_date=2026-11-01&end_date=2026-11-30".to_string(),
        ),
    ] {
        let url = Arc::new(format!("{base}{path}"));
        // Warm up.
        for _ in 0..20 {
            client
                .get(url.as_str())
                .bearer_auth(token.as_str())
                .send()
                .await
                .unwrap();
        }
        let started = Instant::now();
        let mut workers = Vec::new();
        for _ in 0..CONNECTIONS {
            let (client, url, token) = (client.clone(), url.clone(), token.clone());
            workers.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                while started.elapsed() < RUN_FOR {
                    let t = Instant::now();
                    let res = client
                        .get(url.as_str())
                        .bearer_auth(token.as_str())
                        .send()
                        .await
                        .unwrap();
                    assert!(res.status().is_success(), "{}", res.status());
                    res.bytes().await.unwrap();
                    latencies.push(t.elapsed());
                }
                latencies
            }));
        }
        let mut all = Vec::new();
        for w in workers {
            all.extend(w.await.unwrap());
        }
        let elapsed = started.elapsed().as_secs_f64();
        all.sort();
        let pct = |p: f64| common::percentile(&all, p).as_secs_f64() * 1000.0;
        println!(
            "{label}: {name}: {} requests in {elapsed:.1} s = {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms ({CONNECTIONS} connections)",
            all.len(),
            all.len() as f64 / elapsed,
            pct(0.50),
            pct(0.99)
        );
    }
    database.drop_database().await;
}

/// An Enterprise user with one account and 10,000 posts over three months (about 3,300 in
/// November).
async fn seed(conn: &sea_orm::DatabaseConnection, email: &str, password: &str) {
    let user = app::server::services::users::create(
        conn,
        app::server::services::users::NewUser::member(email, password),
    )
    .await
    .unwrap();
    let mut active = user.clone().into_active_model();
    active.plan = Set(PlanTier::Enterprise);
    active.update(conn).await.unwrap();
    let user = app::server::services::users::find_by_id(conn, user.id)
        .await
        .unwrap()
        .unwrap();
    let account = app::server::services::accounts::connect(
        conn,
        &user,
        app::server::services::accounts::ConnectRequest {
            platform: Platform::Facebook,
            account_name: "bench".into(),
            account_id_external: None,
        },
    )
    .await
    .unwrap();
    let start = Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap();
    let step = chrono::Duration::seconds(92 * 24 * 3600 / POSTS as i64);
    for chunk in (0..POSTS).collect::<Vec<_>>().chunks(500) {
        let rows = chunk.iter().map(|&i| {
            let at = start + step * i as i32;
            post::ActiveModel {
                id: Set(Uuid::new_v4()),
                user_id: Set(user.id),
                account_id: Set(account.id),
                queue_item_id: Set(None),
                content: Set(format!(
                    "Benchmark post {i}: a caption of ordinary length for a product launch."
                )),
                media_urls: Set(StringList(vec!["https://cdn.example.com/p.jpg".into()])),
                hashtags: Set(StringList(vec!["bench".into(), "launch".into()])),
                platform: Set(Platform::Facebook),
                status: Set(PostStatus::Scheduled),
                scheduled_for: Set(Some(at)),
                posted_at: Set(None),
                error_message: Set(None),
                external_post_id: Set(None),
                attempts: Set(0),
                next_attempt_at: Set(None),
                lease_owner: Set(None),
                lease_expires_at: Set(None),
                publish_ref: Set(None),
                publish_started_at: Set(None),
                created_at: Set(at - chrono::Duration::days(1)),
                updated_at: Set(at - chrono::Duration::days(1)),
            }
        });
        post::Entity::insert_many(rows).exec(conn).await.unwrap();
    }
}
