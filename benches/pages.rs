//! Page benchmark against the RELEASE binary (`$POSTPILOT_BIN`, as `scripts/e2e.sh` starts it:
//! a free port, a fresh SQLite data directory, the site cargo-leptos built).
//!
//! Seeds through the REST API like a user: registers, upgrades to Enterprise (billing checkout
//! in mock mode), connects two sandbox accounts and creates 1,000 scheduled posts. The API only
//! takes future times, so the server is then stopped and the posts are spread over the whole
//! current month in the SQLite file (those already past become `posted`), and started again.
//! Then it signs in through the browser form (`POST /fn/auth/login`) and measures:
//! - server render latency p50/p99 of `/posts`, `/calendar`, `/calendar?view=week`,
//!   `/compose`, `/dashboard`, `/queue`, `/analytics?range=90` (the month's published posts
//!   measured), `/accounts` and `/templates`, 8 connections for 5 s each, with the session
//!   cookies and
//!   `Accept-Encoding: br, gzip` (what a browser sends; compression is part of the cost);
//! - requests/s of `/` and `/pricing` signed out at 32 connections, beside `/health`'s;
//! - the bytes a first visit to `/calendar` (and `/dashboard`) transfers: the page as served
//!   compressed plus every `/pkg/*` asset it references, each fetched with
//!   `Accept-Encoding: br, gzip`, counted as bytes on the wire (the encoded body).
//!
//! A measurement, not a test: it prints targets beside the numbers and exits 0. Pages that do
//! not exist yet are still measured and their status codes shown.
//!
//! Run: `make bench-pages` (builds the release binary first), or after a release build
//! `source scripts/env.sh && cargo bench --bench pages`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::model::PostStatus;
use app::server::entities::{post, post_metrics};
use chrono::{Datelike, TimeZone, Utc};
use reqwest::header::{ACCEPT, ACCEPT_ENCODING, CONTENT_ENCODING, COOKIE, SET_COOKIE};
use reqwest::Client;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, QueryOrder, Set, TransactionTrait};
use serde_json::{json, Value};

#[allow(dead_code)] // only `percentile` is used here
mod common;

const POSTS: usize = 1_000;
const CONNECTIONS: usize = 8;
const MARKETING_CONNECTIONS: usize = 32;
const RUN_FOR: Duration = Duration::from_secs(5);
const RENDER_P99_TARGET_MS: f64 = 20.0;
const TRANSFER_TARGET_KB: f64 = 400.0;
const EMAIL: &str = "pages-bench@example.com";
const PASSWORD: &str = "pages-bench-password-1";

#[tokio::main]
async fn main() {
    let bin = std::env::var("POSTPILOT_BIN")
        .ok()
        .filter(|b| !b.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_postpilot")));
    if !bin.exists() {
        println!(
            "no release binary at {}: run scripts/build-release.sh first",
            bin.display()
        );
        return;
    }
    let site = std::env::var("POSTPILOT_SERVER_SITE_ROOT").unwrap_or_default();
    println!("binary: {}", bin.display());
    println!(
        "site:   {}",
        if site.is_empty() {
            "(Leptos.toml's)"
        } else {
            &site
        }
    );

    let data_dir = std::env::temp_dir().join(format!("postpilot-pages-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&data_dir).unwrap();
    let port = free_port();
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(MARKETING_CONNECTIONS)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();

    let mut server = Server::start(&bin, port, &data_dir, &client).await;
    let seeded = Instant::now();
    seed_through_the_api(&client, &server.base).await;
    server.stop();
    let (month_start, month_end) = spread_over_the_month(&data_dir).await;
    let server = Server::start(&bin, port, &data_dir, &client).await;
    println!(
        "seeded {POSTS} posts over {} .. {} (two accounts, Enterprise) in {:.1} s",
        month_start.format("%Y-%m-%d"),
        (month_end - chrono::Duration::days(1)).format("%Y-%m-%d"),
        seeded.elapsed().as_secs_f64()
    );

    let cookie = sign_in(&client, &server.base).await;

    println!();
    println!(
        "Server render, {CONNECTIONS} connections x {} s each, Accept-Encoding: br, gzip, signed in (target p99 < {RENDER_P99_TARGET_MS} ms)",
        RUN_FOR.as_secs()
    );
    println!(
        "{:<24} {:>6} {:>8} {:>9} {:>9} {:>10} {:>10}  p99 target",
        "page", "status", "req/s", "p50 ms", "p99 ms", "html KB", "wire KB"
    );
    for path in [
        "/posts",
        "/calendar",
        "/calendar?view=week",
        "/compose",
        "/dashboard",
        "/queue",
        "/analytics?range=90",
        "/accounts",
        "/templates",
    ] {
        let url = format!("{}{path}", server.base);
        let probe = page_request(&client, &url, &cookie).send().await.unwrap();
        let status = probe.status().as_u16();
        let encoding = header(&probe, CONTENT_ENCODING);
        let wire = probe.bytes().await.unwrap();
        let html = decode(&wire, &encoding);
        let result = load(&client, &url, &cookie, CONNECTIONS).await;
        println!(
            "{:<24} {:>6} {:>8.0} {:>9.2} {:>9.2} {:>10.1} {:>10.1}  {}",
            path,
            status_label(status, &result.statuses),
            result.requests as f64 / result.seconds,
            result.p50_ms,
            result.p99_ms,
            html.len() as f64 / 1024.0,
            wire.len() as f64 / 1024.0,
            verdict(result.p99_ms < RENDER_P99_TARGET_MS),
        );
    }

    // The marketing pages are static for signed-out visitors: how close their throughput
    // comes to the cheapest answer the binary has.
    println!();
    println!(
        "Marketing pages, signed out, {MARKETING_CONNECTIONS} connections x {} s each, Accept-Encoding: br, gzip",
        RUN_FOR.as_secs()
    );
    println!(
        "{:<24} {:>6} {:>8} {:>9} {:>9} {:>10}",
        "page", "status", "req/s", "p50 ms", "p99 ms", "wire KB"
    );
    for path in ["/health", "/", "/pricing"] {
        let url = format!("{}{path}", server.base);
        let probe = page_request(&client, &url, "").send().await.unwrap();
        let status = probe.status().as_u16();
        let wire = probe.bytes().await.unwrap();
        let result = load(&client, &url, "", MARKETING_CONNECTIONS).await;
        println!(
            "{:<24} {:>6} {:>8.0} {:>9.2} {:>9.2} {:>10.1}",
            path,
            status_label(status, &result.statuses),
            result.requests as f64 / result.seconds,
            result.p50_ms,
            result.p99_ms,
            wire.len() as f64 / 1024.0,
        );
    }

    // A browser sends "br, gzip"; "gzip" alone is what a client without brotli gets (the
    // same page, and the assets' gzip variants).
    for (path, encodings) in [
        ("/calendar", "br, gzip"),
        ("/calendar", "gzip"),
        ("/dashboard", "br, gzip"),
    ] {
        println!();
        first_visit(&client, &server.base, path, &cookie, encodings).await;
    }

    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// The release binary serving on `port` from `data_dir`; killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    async fn start(bin: &Path, port: u16, data_dir: &Path, client: &Client) -> Server {
        let base = format!("http://127.0.0.1:{port}");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(data_dir.join("server.log"))
            .unwrap();
        let child = Command::new(bin)
            .arg("serve")
            .env("POSTPILOT_SERVER_ADDR", format!("127.0.0.1:{port}"))
            .env("POSTPILOT_SERVER_PUBLIC_URL", &base)
            .env("POSTPILOT_DATABASE_DATA_DIR", data_dir)
            // Posts already due stay as seeded instead of being published mid-measurement.
            .env("POSTPILOT_SCHEDULER_ENABLED", "false")
            .env("POSTPILOT_LOG_FILTER", "warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start the release binary");
        let mut server = Server { child, base };
        for _ in 0..300 {
            if let Ok(res) = client.get(format!("{}/health", server.base)).send().await {
                if res.status().is_success() {
                    return server;
                }
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                let log = std::fs::read_to_string(data_dir.join("server.log")).unwrap_or_default();
                panic!("the server exited ({status}) before answering /health:\n{log}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server did not answer /health within 30 s");
    }

    /// SIGTERM (a graceful stop, as in production), then wait.
    fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.stop();
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Register, upgrade, connect two accounts, create the posts (8 requests in flight).
async fn seed_through_the_api(client: &Client, base: &str) {
    let res = client
        .post(format!("{base}/api/v1/auth/register"))
        .json(&json!({"email": EMAIL, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "register");
    let token = res.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    // Billing in mock mode (no Stripe key) activates the plan at once: no monthly post limit.
    let res = client
        .post(format!("{base}/api/v1/billing/checkout"))
        .bearer_auth(&token)
        .json(&json!({"plan": "enterprise"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "upgrade: {}", res.text().await.unwrap());

    let mut accounts = Vec::new();
    for platform in ["instagram", "facebook"] {
        let res = client
            .post(format!("{base}/api/v1/accounts"))
            .bearer_auth(&token)
            .json(&json!({"platform": platform, "account_name": format!("{platform} shop")}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "connect {platform}");
        accounts.push(
            res.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }

    // Future times only (the API refuses past ones): from now to the end of the month.
    let now = Utc::now();
    let (_, month_end) = current_month();
    let first = now + chrono::Duration::minutes(10);
    let last = month_end.max(first + chrono::Duration::days(1));
    let step = (last - first) / POSTS as i32;
    let (token, accounts, base) = (
        Arc::new(token),
        Arc::new(accounts),
        Arc::new(base.to_string()),
    );
    let mut workers = Vec::new();
    for worker in 0..CONNECTIONS {
        let (client, token, accounts, base) = (
            client.clone(),
            token.clone(),
            accounts.clone(),
            base.clone(),
        );
        workers.push(tokio::spawn(async move {
            for i in (worker..POSTS).step_by(CONNECTIONS) {
                let at = first + step * i as i32;
                let res = client
                    .post(format!("{base}/api/v1/posts"))
                    .bearer_auth(token.as_str())
                    .json(&json!({
                        "account_id": accounts[i % accounts.len()],
                        "content": format!("Post {i}: a caption of ordinary length for a product launch, with a link and a question for the followers?"),
                        "hashtags": ["launch", "spring"],
                        "media_urls": ["https://cdn.example.com/p.jpg"],
                        "scheduled_for": at.to_rfc3339(),
                    }))
                    .send()
                    .await
                    .unwrap();
                let status = res.status();
                assert_eq!(status, 201, "post {i}: {}", res.text().await.unwrap());
            }
        }));
    }
    for worker in workers {
        worker.await.unwrap();
    }
}

/// The current month in UTC: [first day, first day of the next month).
fn current_month() -> (chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
    let now = Utc::now();
    let start = Utc
        .with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0)
        .unwrap();
    let (year, month) = if now.month() == 12 {
        (now.year() + 1, 1)
    } else {
        (now.year(), now.month() + 1)
    };
    let end = Utc.with_ymd_and_hms(year, month, 1, 0, 0, 0).unwrap();
    (start, end)
}

fn row_id(active: &post::ActiveModel) -> uuid::Uuid {
    match &active.id {
        sea_orm::ActiveValue::Set(id) | sea_orm::ActiveValue::Unchanged(id) => *id,
        sea_orm::ActiveValue::NotSet => unreachable!("a stored post has an id"),
    }
}

/// With the server stopped: the posts evenly over the whole month, the past ones `posted`
/// and measured.
async fn spread_over_the_month(data_dir: &Path) -> (chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
    let mut settings = app::server::config::Settings::load_from(None, |_| None).unwrap();
    settings.database.data_dir = data_dir.to_path_buf();
    settings.database.max_connections = 1;
    let conn = app::server::db::connect(&settings).await.unwrap();
    let (start, end) = current_month();
    let step = (end - start) / POSTS as i32;
    let now = Utc::now();
    let rows = post::Entity::find()
        .order_by_asc(post::Column::ScheduledFor)
        .all(&conn)
        .await
        .unwrap();
    assert_eq!(rows.len(), POSTS);
    let txn = conn.begin().await.unwrap();
    for (i, row) in rows.into_iter().enumerate() {
        let at = start + step * i as i32 + step / 2;
        let mut active = row.into_active_model();
        active.scheduled_for = Set(Some(at));
        let id = row_id(&active);
        if at < now {
            active.status = Set(PostStatus::Posted);
            active.posted_at = Set(Some(at));
            // Published posts are measured, as the metrics job would have done.
            let reach = 400 + (i as i64 * 37) % 4600;
            post_metrics::ActiveModel {
                id: Set(uuid::Uuid::new_v4()),
                post_id: Set(id),
                impressions: Set(reach + reach / 3),
                reach: Set(reach),
                likes: Set(reach * (5 + (i as i64 % 60)) / 1000),
                comments: Set(reach * (i as i64 % 12) / 1000),
                shares: Set(reach * (i as i64 % 9) / 1000),
                clicks: Set(reach * (i as i64 % 25) / 1000),
                fetched_at: Set(now),
            }
            .insert(&txn)
            .await
            .unwrap();
        }
        active.update(&txn).await.unwrap();
    }
    txn.commit().await.unwrap();
    conn.close().await.unwrap();
    (start, end)
}

/// Signs in as a browser without JavaScript does; returns the `Cookie` header to send.
async fn sign_in(client: &Client, base: &str) -> String {
    let res = client
        .post(format!("{base}/fn/auth/login"))
        .header(ACCEPT, "text/html")
        .header("origin", base)
        .form(&[("email", EMAIL), ("password", PASSWORD), ("next", "")])
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_redirection(),
        "sign-in answered {}",
        res.status()
    );
    let pairs: Vec<String> = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|c| c.split(';').next())
        .map(str::to_string)
        .collect();
    assert!(
        pairs.iter().any(|p| p.starts_with("pp_access=")),
        "no session cookie: {pairs:?}"
    );
    pairs.join("; ")
}

/// A browser's page request; signed out when `cookie` is empty.
fn page_request(client: &Client, url: &str, cookie: &str) -> reqwest::RequestBuilder {
    let request = client
        .get(url)
        .header(ACCEPT, "text/html")
        .header(ACCEPT_ENCODING, "br, gzip");
    if cookie.is_empty() {
        request
    } else {
        request.header(COOKIE, cookie)
    }
}

fn header(res: &reqwest::Response, name: reqwest::header::HeaderName) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

fn decode(body: &[u8], encoding: &str) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    match encoding {
        "br" => {
            brotli::Decompressor::new(body, 4096)
                .read_to_end(&mut out)
                .expect("valid brotli");
        }
        "gzip" => {
            flate2::read::GzDecoder::new(body)
                .read_to_end(&mut out)
                .expect("valid gzip");
        }
        _ => out.extend_from_slice(body),
    }
    out
}

struct LoadResult {
    requests: u64,
    seconds: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// Every status code seen, with its count.
    statuses: Vec<(u16, u64)>,
}

async fn load(client: &Client, url: &str, cookie: &str, connections: usize) -> LoadResult {
    // Warm up.
    for _ in 0..10 {
        let res = page_request(client, url, cookie).send().await.unwrap();
        res.bytes().await.unwrap();
    }
    let (url, cookie) = (Arc::new(url.to_string()), Arc::new(cookie.to_string()));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..connections {
        let (client, url, cookie) = (client.clone(), url.clone(), cookie.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut statuses = Vec::new();
            while started.elapsed() < RUN_FOR {
                let t = Instant::now();
                let res = page_request(&client, &url, &cookie).send().await.unwrap();
                statuses.push(res.status().as_u16());
                res.bytes().await.unwrap();
                latencies.push(t.elapsed());
            }
            (latencies, statuses)
        }));
    }
    let mut all = Vec::new();
    let mut statuses: Vec<(u16, u64)> = Vec::new();
    for worker in workers {
        let (latencies, codes) = worker.await.unwrap();
        all.extend(latencies);
        for code in codes {
            match statuses.iter_mut().find(|(c, _)| *c == code) {
                Some((_, n)) => *n += 1,
                None => statuses.push((code, 1)),
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    all.sort();
    LoadResult {
        requests: all.len() as u64,
        seconds,
        p50_ms: common::percentile(&all, 0.50).as_secs_f64() * 1000.0,
        p99_ms: common::percentile(&all, 0.99).as_secs_f64() * 1000.0,
        statuses,
    }
}

fn status_label(first: u16, seen: &[(u16, u64)]) -> String {
    if seen.iter().all(|(code, _)| *code == first) {
        first.to_string()
    } else {
        let codes: Vec<String> = seen.iter().map(|(c, n)| format!("{c}x{n}")).collect();
        codes.join(",")
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "ok"
    } else {
        "OVER"
    }
}

/// Every same-origin `/pkg/…` and `/fonts/…` path the page names (link and script tags, the
/// hydration script's wasm path), in order of first appearance.
fn referenced_assets(html: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut assets = Vec::new();
    for prefix in ["/pkg/", "/fonts/"] {
        let mut rest = html;
        while let Some(at) = rest.find(prefix) {
            let tail = &rest[at..];
            let end = tail
                .find(['"', '\'', ')', ' ', '>', '?', '#', '\\'])
                .unwrap_or(tail.len());
            let path = &tail[..end];
            if path.len() > prefix.len() && seen.insert(path.to_string()) {
                assets.push(path.to_string());
            }
            rest = &tail[end.max(1)..];
        }
    }
    assets
}

/// The page and each asset it references, fetched once like a browser with an empty cache.
async fn first_visit(client: &Client, base: &str, path: &str, cookie: &str, encodings: &str) {
    let res = client
        .get(format!("{base}{path}"))
        .header(ACCEPT, "text/html")
        .header(ACCEPT_ENCODING, encodings)
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let encoding = header(&res, CONTENT_ENCODING);
    let wire = res.bytes().await.unwrap();
    let html = String::from_utf8_lossy(&decode(&wire, &encoding)).to_string();
    println!(
        "First visit to {path} (status {status}), Accept-Encoding: {encodings}, bytes on the wire"
    );
    println!(
        "{:<50} {:>9} {:>10} {:>10}",
        "resource", "encoding", "raw KB", "wire KB"
    );
    let row = |name: &str, encoding: &str, raw: usize, wire: usize| {
        println!(
            "{:<50} {:>9} {:>10.1} {:>10.1}",
            name,
            if encoding.is_empty() { "-" } else { encoding },
            raw as f64 / 1024.0,
            wire as f64 / 1024.0
        );
    };
    row(&format!("{path} (HTML)"), &encoding, html.len(), wire.len());
    let (mut code_total, mut font_total) = (wire.len(), 0);
    let mut assets = referenced_assets(&html);
    // The JS names the wasm only if the HTML did not (older hydration scripts).
    if !assets.iter().any(|a| a.ends_with(".wasm")) {
        if let Some(js) = assets.iter().find(|a| a.ends_with(".js")) {
            assets.push(js.trim_end_matches(".js").to_string() + ".wasm");
        }
    }
    // The page's lazy route: its wasm chunks load before hydration, whether or not the HTML
    // preloads them (leptos_axum 0.8 leaves the preload links out of some answers).
    for chunk in route_chunks(client, base, path).await {
        if !assets.contains(&chunk) {
            assets.push(chunk);
        }
    }
    // Fonts the stylesheet names are fetched too (a browser loads those the page uses), but
    // counted apart: the budget is HTML + wasm + JS + CSS.
    let mut next = 0;
    while next < assets.len() {
        let asset = assets[next].clone();
        next += 1;
        let res = client
            .get(format!("{base}{asset}"))
            .header(ACCEPT_ENCODING, encodings)
            .send()
            .await
            .unwrap();
        let ok = res.status().is_success();
        let encoding = header(&res, CONTENT_ENCODING);
        let body = res.bytes().await.unwrap();
        if !ok {
            println!("{asset:<50} not found");
            continue;
        }
        let raw = decode(&body, &encoding);
        row(&asset, &encoding, raw.len(), body.len());
        if asset.ends_with(".css") {
            for font in referenced_assets(&String::from_utf8_lossy(&raw)) {
                if font.starts_with("/fonts/") && !assets.contains(&font) {
                    assets.push(font);
                }
            }
        }
        if asset.starts_with("/fonts/") {
            font_total += body.len();
        } else {
            code_total += body.len();
        }
    }
    let kb = code_total as f64 / 1024.0;
    println!(
        "{:<50} {:>9} {:>10} {:>10.1}  target < {TRANSFER_TARGET_KB} KB: {}",
        "total HTML + /pkg",
        "",
        "",
        kb,
        verdict(kb < TRANSFER_TARGET_KB)
    );
    if font_total > 0 {
        println!(
            "{:<50} {:>9} {:>10} {:>10.1}",
            "  + fonts",
            "",
            "",
            (code_total + font_total) as f64 / 1024.0
        );
    }
}

/// The wasm chunks (and the loader script) the browser fetches for the page's lazy route, as
/// the split manifest lists them: `/calendar` is `__calendar_route_view_<hash>`.
async fn route_chunks(client: &Client, base: &str, path: &str) -> Vec<String> {
    let route = path.trim_start_matches('/').replace(['/', '-'], "_");
    let Ok(res) = client
        .get(format!("{base}/pkg/__wasm_split_manifest.json"))
        .send()
        .await
    else {
        return Vec::new();
    };
    let Ok(manifest) = res
        .json::<std::collections::HashMap<String, Vec<String>>>()
        .await
    else {
        // No manifest: a build without `--split`, one wasm file.
        return Vec::new();
    };
    let prefix = format!("__{route}_route_view_");
    let mut chunks: Vec<String> = manifest
        .iter()
        .filter(|(name, _)| name.starts_with(&prefix))
        .flat_map(|(_, chunks)| chunks.iter().map(|c| format!("/pkg/{c}.wasm")))
        .collect();
    if !chunks.is_empty() {
        chunks.push("/pkg/__wasm_split.______________________.js".to_string());
    }
    chunks
}
