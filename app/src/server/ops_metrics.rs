//! Operators' metrics, served at `GET /metrics` in Prometheus text format through the
//! `metrics` facade. Events are counted where they happen (HTTP requests in a middleware,
//! publishing outcomes in the engine); states (scheduler lag, posts due, the database pool)
//! are read from the database when scraped, so every instance reports the same truth about
//! the shared queue and its own pool.

use std::sync::OnceLock;
use std::time::Duration;

use chrono::Utc;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sea_orm::DatabaseConnection;

use crate::model::Platform;
use crate::server::publishing;

/// How long a scrape waits for the database before saying it is down (Prometheus gives up
/// on a scrape after 10 s by default).
const SCRAPE_QUERY_TIMEOUT: Duration = Duration::from_secs(3);

/// Seconds: from a millisecond request to a minute-late post.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
];

static RECORDER: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on first use (one per process: tests start many apps
/// in one process, and they share it).
pub fn handle() -> &'static PrometheusHandle {
    RECORDER.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(BUCKETS)
            .expect("the buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder may be installed already (an embedding program's): then ours only
        // renders what is recorded through it, which is nothing; say so once.
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed: /metrics stays empty");
        }
        describe();
        // Histograms keep their samples until upkeep folds them in: without it, an instance
        // nobody scrapes would hold every request's timing.
        let upkeep = handle.clone();
        std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || loop {
                std::thread::sleep(Duration::from_secs(5));
                upkeep.run_upkeep();
            })
            .expect("a thread starts");
        handle
    })
}

/// The help text of each recorded metric.
fn describe() {
    use metrics::{describe_counter, describe_histogram, Unit};
    describe_counter!(
        "postpilot_http_requests_total",
        "HTTP requests by route, method and status."
    );
    describe_histogram!(
        "postpilot_http_request_duration_seconds",
        Unit::Seconds,
        "Time to answer an HTTP request, by route, method and status."
    );
    describe_counter!(
        "postpilot_posts_total",
        "Posts the publishing engine took, by platform and outcome (posted, retrying, deferred, failed, lost)."
    );
    describe_counter!(
        "postpilot_claims_lost_total",
        "Posts whose outcome this instance did not write: another instance had taken them over."
    );
    describe_histogram!(
        "postpilot_publish_lateness_seconds",
        Unit::Seconds,
        "How long after its time a post was published, by platform."
    );
    describe_histogram!(
        "postpilot_publish_duration_seconds",
        Unit::Seconds,
        "Time spent publishing one post, by platform."
    );
}

/// One HTTP request: `route` is the matched route's template (`/api/v1/posts/{id}`), never
/// the raw path, so that ids do not make new series.
pub fn record_request(route: &str, method: &http::Method, status: u16, elapsed: Duration) {
    // Any token is a method to HTTP: only the known ones become series of their own.
    let method = match *method {
        http::Method::GET => "GET",
        http::Method::HEAD => "HEAD",
        http::Method::POST => "POST",
        http::Method::PUT => "PUT",
        http::Method::PATCH => "PATCH",
        http::Method::DELETE => "DELETE",
        http::Method::OPTIONS => "OPTIONS",
        _ => "other",
    };
    let labels = [
        ("route", route.to_string()),
        ("method", method.to_string()),
        ("status", status.to_string()),
    ];
    metrics::counter!("postpilot_http_requests_total", &labels).increment(1);
    metrics::histogram!("postpilot_http_request_duration_seconds", &labels)
        .record(elapsed.as_secs_f64());
}

/// What happened to one post the engine took: `posted`, `retrying`, `deferred`, `failed` or
/// `lost` (another instance had taken it over). A published post also records how late it
/// went out and how long the platform call took.
pub fn record_outcome(
    platform: Platform,
    outcome: &'static str,
    lateness: Option<chrono::Duration>,
    took: Duration,
) {
    let platform = platform.as_str();
    metrics::counter!("postpilot_posts_total", "platform" => platform, "outcome" => outcome)
        .increment(1);
    if outcome == "lost" {
        metrics::counter!("postpilot_claims_lost_total").increment(1);
    }
    if let Some(lateness) = lateness {
        let seconds = lateness.num_milliseconds().max(0) as f64 / 1000.0;
        metrics::histogram!("postpilot_publish_lateness_seconds", "platform" => platform)
            .record(seconds);
        metrics::histogram!("postpilot_publish_duration_seconds", "platform" => platform)
            .record(took.as_secs_f64());
    }
}

/// Whether a scrape may read the metrics: always when no token is configured, else only
/// with `Authorization: Bearer <token>` (compared by digest, so the time taken says nothing
/// about the token).
pub fn scrape_allowed(token: &str, authorization: Option<&str>) -> bool {
    use sha2::{Digest, Sha256};
    if token.is_empty() {
        return true;
    }
    let Some(sent) = authorization.and_then(|value| value.strip_prefix("Bearer ")) else {
        return false;
    };
    Sha256::digest(sent.trim().as_bytes()) == Sha256::digest(token.as_bytes())
}

/// The text a scrape gets: everything recorded, then the states read now. The states are
/// written here rather than kept in the recorder: they belong to this scrape (and tests run
/// many apps beside one recorder).
pub async fn render(db: &DatabaseConnection) -> String {
    let now = Utc::now();
    let waiting = tokio::time::timeout(SCRAPE_QUERY_TIMEOUT, publishing::waiting(db)).await;
    let mut text = handle().render();
    let mut gauge = |name: &str, help: &str, value: f64| {
        text.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n"
        ));
    };
    match waiting {
        Ok(Ok((waiting, since))) => {
            let lag = since.map_or(0.0, |at| {
                (now - at).num_milliseconds().max(0) as f64 / 1000.0
            });
            gauge(
                "postpilot_scheduler_lag_seconds",
                "Seconds since the longest-waiting claimable post became due (0: none waits).",
                lag,
            );
            gauge(
                "postpilot_posts_due",
                "Posts an instance would claim now: due, or whose lease expired.",
                waiting as f64,
            );
            gauge(
                "postpilot_database_up",
                "Whether the database answered.",
                1.0,
            );
        }
        failed => {
            tracing::warn!(error = ?failed.map(|r| r.err()), "metrics: the database did not answer in time");
            gauge(
                "postpilot_database_up",
                "Whether the database answered.",
                0.0,
            );
        }
    }
    let (size, idle) = pool_use(db);
    gauge(
        "postpilot_database_pool_connections",
        "Connections this instance's pool holds open.",
        f64::from(size),
    );
    gauge(
        "postpilot_database_pool_idle",
        "Of those, connections not in use.",
        idle as f64,
    );
    text
}

/// The pool's open and idle connections.
fn pool_use(db: &DatabaseConnection) -> (u32, usize) {
    match db {
        DatabaseConnection::SqlxSqlitePoolConnection(_) => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DatabaseConnection::SqlxPostgresPoolConnection(_) => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => (0, 0),
    }
}
