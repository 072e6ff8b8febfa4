//! Write-load benchmark: 8 concurrent clients (one marketer's tabs and integrations) create
//! 5,000 posts through `POST /api/v1/posts` and then edit each once with `PATCH`. Prints
//! posts/s, edits/s and p50/p99 latency, and fails if any request is not a success: a
//! concurrent writer must never see "database is locked" or any other 5xx. SQLite by
//! default; PostgreSQL when BENCH_DATABASE_URL (an admin URL) is set.
//!
//! Run: `make bench` (both databases when PostgreSQL is reachable).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use postpilot::startup::Application;
use serde_json::{json, Value};

const POSTS: usize = 5_000;
const CLIENTS: usize = 8;

mod common;

#[tokio::main]
async fn main() {
    let database = common::BenchDatabase::create().await;
    let label = database.label;
    let app = Application::build_with_db(database.settings.clone(), database.conn.clone())
        .await
        .expect("app");
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until(std::future::pending()));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .unwrap();

    let token = enterprise_marketer(&client, &base, &database).await;
    let account: Value = client
        .post(format!("{base}/api/v1/accounts"))
        .bearer_auth(&token)
        .json(&json!({"platform": "facebook", "account_name": "Bench shop"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let account_id = account["id"].as_str().unwrap().to_string();
    let at = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();

    // Creates: each client takes the next number until all 5,000 are taken.
    let next = Arc::new(AtomicUsize::new(0));
    let (base_url, bearer) = (base.clone(), token.clone());
    let (created, create_latencies, create_errors, create_time) =
        run_clients(&client, &next, move |client, i| {
            let request = client
                .post(format!("{base_url}/api/v1/posts"))
                .bearer_auth(&bearer)
                .json(
                    &json!({"account_id": account_id, "content": format!("Bench post {i}"),
                              "scheduled_for": at}),
                );
            async move {
                let res = request.send().await.ok()?;
                (res.status() == 201).then_some(())?;
                let post: Value = res.json().await.ok()?;
                Some(post["id"].as_str()?.to_string())
            }
        })
        .await;
    report(
        label,
        "create",
        &create_latencies,
        create_errors,
        create_time,
    );

    // Edits of every created post, by the same 8 clients.
    let ids = Arc::new(created);
    let next = Arc::new(AtomicUsize::new(0));
    let (_, edit_latencies, edit_errors, edit_time) =
        run_clients(&client, &next, move |client, i| {
            let request = client
                .patch(format!("{base}/api/v1/posts/{}", ids[i % ids.len()]))
                .bearer_auth(&token)
                .json(&json!({"content": format!("Edited post {i}")}));
            async move {
                let res = request.send().await.ok()?;
                (res.status() == 200).then_some(String::new())
            }
        })
        .await;
    report(label, "edit", &edit_latencies, edit_errors, edit_time);

    database.drop_database().await;
    if create_errors + edit_errors > 0 {
        eprintln!("{label}: {} requests failed", create_errors + edit_errors);
        std::process::exit(1);
    }
}

/// Runs `CLIENTS` loops sending `request(i)` for i in 0..POSTS; returns what succeeded, each
/// request's latency, the failures and the wall time.
async fn run_clients<F, Fut>(
    client: &reqwest::Client,
    next: &Arc<AtomicUsize>,
    request: F,
) -> (Vec<String>, Vec<Duration>, usize, Duration)
where
    F: Fn(&reqwest::Client, usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Option<String>> + Send,
{
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (client, next, request) = (client.clone(), next.clone(), request.clone());
        tasks.push(tokio::spawn(async move {
            let mut done = (Vec::new(), Vec::new(), 0);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= POSTS {
                    return done;
                }
                let sent = Instant::now();
                match request(&client, i).await {
                    Some(id) => done.0.push(id),
                    None => done.2 += 1,
                }
                done.1.push(sent.elapsed());
            }
        }));
    }
    let (mut ids, mut latencies, mut errors) = (Vec::new(), Vec::new(), 0);
    for task in tasks {
        let (i, l, e) = task.await.unwrap();
        ids.extend(i);
        latencies.extend(l);
        errors += e;
    }
    latencies.sort();
    (ids, latencies, errors, started.elapsed())
}

fn report(label: &str, what: &str, latencies: &[Duration], errors: usize, time: Duration) {
    let ms = |p: f64| common::percentile(latencies, p).as_secs_f64() * 1000.0;
    println!(
        "{label}: {POSTS} {what}s by {CLIENTS} clients in {:.1} s = {:.0} {what}s/s, p50 {:.2} ms, p99 {:.2} ms, {errors} errors",
        time.as_secs_f64(),
        POSTS as f64 / time.as_secs_f64(),
        ms(0.5),
        ms(0.99),
    );
}

/// Registers a marketer and lifts them to Enterprise (no monthly post limit in the way).
async fn enterprise_marketer(
    client: &reqwest::Client,
    base: &str,
    database: &common::BenchDatabase,
) -> String {
    use sea_orm::ConnectionTrait;
    let (email, password) = ("writer@example.com", "bench-password-1");
    let res = client
        .post(format!("{base}/api/v1/auth/register"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "register: {}", res.status());
    database
        .conn
        .execute_unprepared(&format!(
            "UPDATE users SET plan = 'enterprise' WHERE email = '{email}'"
        ))
        .await
        .unwrap();
    let login: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    login["access_token"].as_str().unwrap().to_string()
}
