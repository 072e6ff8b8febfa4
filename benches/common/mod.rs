//! What the benchmarks share: a fresh database (SQLite in a temporary directory, or a new
//! PostgreSQL database when BENCH_DATABASE_URL names a server), migrated, and its clean-up;
//! and a load run at N connections with its latency percentiles.

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::server::config::Settings;
use app::server::db;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

pub struct BenchDatabase {
    pub label: &'static str,
    pub settings: Settings,
    pub conn: DatabaseConnection,
    data_dir: std::path::PathBuf,
    postgres: Option<(String, String)>,
}

impl BenchDatabase {
    pub async fn create() -> Self {
        let data_dir = std::env::temp_dir().join(format!("postpilot-bench-{}", Uuid::new_v4()));
        let mut settings = Settings::load_from(None, |_| None).expect("settings");
        settings.server.addr = "127.0.0.1:0".parse().unwrap();
        settings.database.data_dir = data_dir.clone();
        settings.auth.jwt_secret = "bench-secret-bench-secret-bench-secret".into();
        settings.log.filter = "error".into();
        settings.scheduler.enabled = false;
        if let Some(n) = std::env::var("BENCH_MAX_CONNECTIONS")
            .ok()
            .and_then(|v| v.parse().ok())
        {
            settings.database.max_connections = n;
        }
        let mut postgres = None;
        let label = match std::env::var("BENCH_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            Some(admin_url) => {
                let name = format!("pp_bench_{}", Uuid::new_v4().simple());
                let admin = db::connect_url(&admin_url, 1)
                    .await
                    .expect("PostgreSQL reachable");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .unwrap();
                let base = admin_url
                    .rsplit_once('/')
                    .map(|(b, _)| b)
                    .unwrap_or(&admin_url);
                settings.database.url = format!("{base}/{name}");
                postgres = Some((admin_url, name));
                "PostgreSQL"
            }
            None => "SQLite",
        };
        let conn = db::connect(&settings).await.expect("database");
        db::migrate(&conn).await.expect("migrate");
        BenchDatabase {
            label,
            settings,
            conn,
            data_dir,
            postgres,
        }
    }

    pub async fn drop_database(self) {
        self.conn.close().await.ok();
        let _ = std::fs::remove_dir_all(&self.data_dir);
        if let Some((admin_url, name)) = self.postgres {
            let admin = db::connect_url(&admin_url, 1).await.unwrap();
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
        }
    }
}

/// p-th percentile (0–1) of sorted values.
pub fn percentile<T: Copy>(sorted: &[T], p: f64) -> T {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

/// What a load run measured.
#[allow(dead_code)]
pub struct LoadResult {
    pub requests: u64,
    pub seconds: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub tool: &'static str,
}

/// `connections` clients requesting `url` with `headers` for `run_for`: from `wrk` (a second
/// process) when it is installed, else from an in-process client.
#[allow(dead_code)] // Not every benchmark drives load.
pub async fn load(
    client: &reqwest::Client,
    url: &str,
    headers: &[(&'static str, String)],
    connections: usize,
    run_for: Duration,
) -> LoadResult {
    if wrk_available() {
        run_wrk(url, headers, connections, run_for).await
    } else {
        run_in_process(client, url, headers, connections, run_for).await
    }
}

#[allow(dead_code)]
fn wrk_available() -> bool {
    std::process::Command::new("wrk")
        .arg("--version")
        .output()
        .is_ok()
}

/// Load from a second process (wrk, 2 threads), so the client does not share this process's
/// runtime; its latency distribution gives p50 and p99.
#[allow(dead_code)]
async fn run_wrk(
    url: &str,
    headers: &[(&'static str, String)],
    connections: usize,
    run_for: Duration,
) -> LoadResult {
    let url = url.to_string();
    let headers: Vec<String> = headers
        .iter()
        .flat_map(|(name, value)| ["-H".to_string(), format!("{name}: {value}")])
        .collect();
    // The server keeps both runtime threads; wrk waits on a blocking thread.
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("wrk")
            .args([
                "-t2",
                &format!("-c{connections}"),
                &format!("-d{}s", run_for.as_secs()),
                "--latency",
            ])
            .args(&headers)
            .arg(&url)
            .output()
            .expect("wrk runs")
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(!text.contains("Non-2xx"), "wrk saw errors:\n{text}");
    let ms = |label: &str| -> f64 {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("{label} in:\n{text}"));
        let value = line.split_whitespace().nth(1).unwrap();
        let (number, unit) = value.split_at(value.find(|c: char| c.is_alphabetic()).unwrap());
        let number: f64 = number.parse().unwrap();
        match unit {
            "us" => number / 1000.0,
            "ms" => number,
            "s" => number * 1000.0,
            other => panic!("unit {other}"),
        }
    };
    let requests: u64 = text
        .lines()
        .find(|l| l.contains("requests in"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("requests in:\n{text}"));
    LoadResult {
        requests,
        seconds: run_for.as_secs_f64(),
        p50_ms: ms("50%"),
        p99_ms: ms("99%"),
        tool: "wrk",
    }
}

#[allow(dead_code)]
async fn run_in_process(
    client: &reqwest::Client,
    url: &str,
    headers: &[(&'static str, String)],
    connections: usize,
    run_for: Duration,
) -> LoadResult {
    let (url, headers) = (Arc::new(url.to_string()), Arc::new(headers.to_vec()));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..connections {
        let (client, url, headers) = (client.clone(), url.clone(), headers.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while started.elapsed() < run_for {
                let t = Instant::now();
                let mut request = client.get(url.as_str());
                for (header, value) in headers.iter() {
                    request = request.header(*header, value);
                }
                let res = request.send().await.unwrap();
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
    let seconds = started.elapsed().as_secs_f64();
    all.sort();
    LoadResult {
        requests: all.len() as u64,
        seconds,
        p50_ms: percentile(&all, 0.50).as_secs_f64() * 1000.0,
        p99_ms: percentile(&all, 0.99).as_secs_f64() * 1000.0,
        tool: "in-process client",
    }
}
