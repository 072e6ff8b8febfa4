//! Load benchmark of the two busiest reads: `GET /api/v1/posts?per_page=20` and a month of
//! `GET /api/v1/posts/calendar`, with 10,000 posts in the database, 32 concurrent
//! connections. Prints requests/s and p50/p99 latency, plain and with `Accept-Encoding: gzip`,
//! and what one read costs right after a write; and the analytics overview of another user's
//! 10,000 published posts with metrics. SQLite by default; PostgreSQL when
//! BENCH_DATABASE_URL (an admin URL, a fresh database is created) is set. The load comes
//! from `wrk` (a second process) when it is installed, else from an in-process client.
//! BENCH_MAX_CONNECTIONS overrides the database pool size.
//!
//! Run: `make bench` (both databases when PostgreSQL is reachable).

use std::time::{Duration, Instant};

use app::model::{PlanTier, Platform, PostStatus};
use app::server::entities::{post, post_metrics, StringList};
use chrono::{TimeZone, Utc};
use postpilot::startup::Application;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, Set};

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
    seed(&conn, email, password, false).await;
    let (analyst, analyst_password) = ("analytics-bench@example.com", "bench-password-1");
    seed(&conn, analyst, analyst_password, true).await;
    if label == "PostgreSQL" {
        // A steady-state table: what autovacuum does some seconds after a bulk load (the
        // visibility map lets counts use index-only scans, and the planner has statistics).
        conn.execute_unprepared("VACUUM ANALYZE posts")
            .await
            .unwrap();
    }
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
    let token = login(&client, &base, email, password).await;

    let list = "/api/v1/posts?per_page=20";
    let month = "/api/v1/posts/calendar?start_date=2026-11-01&end_date=2026-11-30";
    for (name, path, gzip) in [
        // Floors: the router and a database ping; token check and one user lookup.
        ("GET /api/v1/health", "/api/v1/health", false),
        ("GET /api/v1/auth/me", "/api/v1/auth/me", false),
        ("GET /api/v1/posts?per_page=20", list, false),
        ("GET /api/v1/posts?per_page=20 (gzip)", list, true),
        ("GET /api/v1/posts/calendar (one month)", month, false),
        ("GET /api/v1/posts/calendar (one month, gzip)", month, true),
    ] {
        let url = format!("{base}{path}");
        let headers = request_headers(&token, gzip);
        // Warm up, and report the body size once.
        let mut body_bytes = 0;
        for _ in 0..20 {
            let mut request = client.get(&url);
            for (header, value) in &headers {
                request = request.header(*header, value);
            }
            let res = request.send().await.unwrap();
            assert!(res.status().is_success(), "{url}: {}", res.status());
            assert_eq!(
                res.headers().contains_key("content-encoding"),
                gzip,
                "{url}: gzip {gzip}"
            );
            body_bytes = res.bytes().await.unwrap().len();
        }
        let result = common::load(&client, &url, &headers, CONNECTIONS, RUN_FOR).await;
        println!(
            "{label}: {name}: {} requests in {:.1} s = {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms ({CONNECTIONS} connections, {}, {} KB a response)",
            result.requests, result.seconds, result.requests as f64 / result.seconds, result.p50_ms, result.p99_ms, result.tool, body_bytes / 1024
        );
    }

    // The analytics overview of the 10,000 measured posts' three months (aggregated by the
    // database), as their owner.
    let analyst_token = login(&client, &base, analyst, analyst_password).await;
    let overview = "/api/v1/analytics/overview?start_date=2026-10-01&end_date=2026-12-31";
    let url = format!("{base}{overview}");
    let headers = request_headers(&analyst_token, false);
    let first = client
        .get(&url)
        .bearer_auth(&analyst_token)
        .send()
        .await
        .unwrap();
    assert!(first.status().is_success(), "{url}: {}", first.status());
    let body: serde_json::Value = first.json().await.unwrap();
    assert_eq!(body["posted_posts"], POSTS as u64, "every post is counted");
    let result = common::load(&client, &url, &headers, CONNECTIONS, RUN_FOR).await;
    println!(
        "{label}: GET /api/v1/analytics/overview (10,000 measured posts): {} requests in {:.1} s = {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms ({CONNECTIONS} connections, {}; target p99 < 20 ms)",
        result.requests, result.seconds, result.requests as f64 / result.seconds, result.p50_ms, result.p99_ms, result.tool
    );

    // What a read costs when the user's posts (or their metrics) just changed and nothing is
    // kept: a write, then one request, 20 times.
    let edit_post = "UPDATE posts SET content = 'edited {round}' WHERE id = \
                     (SELECT id FROM posts ORDER BY created_at LIMIT 1)";
    let measure_again = "UPDATE post_metrics SET likes = likes + {round} WHERE id = \
                         (SELECT id FROM post_metrics ORDER BY id LIMIT 1)";
    for (name, path, reader, write) in [
        ("GET /api/v1/posts?per_page=20", list, &token, edit_post),
        (
            "GET /api/v1/posts/calendar (one month)",
            month,
            &token,
            edit_post,
        ),
        (
            "GET /api/v1/analytics/overview (10,000 measured posts)",
            overview,
            &analyst_token,
            measure_again,
        ),
    ] {
        let headers = request_headers(reader, false);
        let url = format!("{base}{path}");
        let mut latencies = Vec::new();
        for round in 0..20 {
            conn.execute_unprepared(&write.replace("{round}", &round.to_string()))
                .await
                .unwrap();
            let started = Instant::now();
            let mut request = client.get(&url);
            for (header, value) in &headers {
                request = request.header(*header, value);
            }
            let res = request.send().await.unwrap();
            assert!(res.status().is_success());
            res.bytes().await.unwrap();
            latencies.push(started.elapsed());
        }
        latencies.sort();
        println!(
            "{label}: {name} right after a write (nothing kept): p50 {:.2} ms, max {:.2} ms (one client, 20 writes)",
            common::percentile(&latencies, 0.5).as_secs_f64() * 1000.0,
            latencies.last().unwrap().as_secs_f64() * 1000.0
        );
    }
    database.drop_database().await;
}

/// The bearer token, and `Accept-Encoding: gzip` when measuring compressed answers.
fn request_headers(token: &str, gzip: bool) -> Vec<(&'static str, String)> {
    let mut headers = vec![("authorization", format!("Bearer {token}"))];
    if gzip {
        headers.push(("accept-encoding", "gzip".to_string()));
    }
    headers
}

async fn login(client: &reqwest::Client, base: &str, email: &str, password: &str) -> String {
    let login: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    login["access_token"].as_str().unwrap().to_string()
}

/// An Enterprise user with one account and 10,000 posts over three months (about 3,300 in
/// November).
/// With `measured`, the posts were published and their metrics fetched (the analytics reads).
async fn seed(conn: &sea_orm::DatabaseConnection, email: &str, password: &str, measured: bool) {
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
            let mut row = post::new_row(
                user.id,
                account.id,
                Platform::Facebook,
                format!("Benchmark post {i}: a caption of ordinary length for a product launch."),
                PostStatus::Scheduled,
                Some(at),
            );
            row.media_urls = Set(StringList(vec!["https://cdn.example.com/p.jpg".into()]));
            row.hashtags = Set(StringList(vec!["bench".into(), "launch".into()]));
            row.created_at = Set(at - chrono::Duration::days(1));
            row.updated_at = Set(at - chrono::Duration::days(1));
            if measured {
                row.status = Set(PostStatus::Posted);
                row.posted_at = Set(Some(at));
            }
            row
        });
        let rows: Vec<post::ActiveModel> = rows.collect();
        let metrics: Vec<post_metrics::ActiveModel> = rows
            .iter()
            .zip(chunk)
            .filter(|_| measured)
            .map(|(row, &i)| {
                let reach = 400 + (i as i64 * 37) % 4600;
                post_metrics::ActiveModel {
                    id: Set(uuid::Uuid::new_v4()),
                    post_id: row.id.clone(),
                    impressions: Set(reach + reach / 3),
                    reach: Set(reach),
                    likes: Set(reach * (5 + i as i64 % 60) / 1000),
                    comments: Set(reach * (i as i64 % 12) / 1000),
                    shares: Set(reach * (i as i64 % 9) / 1000),
                    clicks: Set(reach * (i as i64 % 25) / 1000),
                    fetched_at: Set(Utc::now()),
                }
            })
            .collect();
        post::Entity::insert_many(rows).exec(conn).await.unwrap();
        if !metrics.is_empty() {
            post_metrics::Entity::insert_many(metrics)
                .exec(conn)
                .await
                .unwrap();
        }
    }
}
