//! The admin console's plain routes beside its pages: the filtered event log as a CSV or
//! JSON download, and its live tail as server-sent events. Both take the logs page's own
//! query (`app::fns::admin::LogQuery`); anyone but a signed-in admin gets a 404.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use app::error::AppError;
use app::fns::admin::{resolve_filter, rows, LogQuery};
use app::model::Role;
use app::pages::admin::log_item_html;
use app::server::auth::session::SessionUser;
use app::server::entities::user;
use app::server::services::event_log::{self, LogCursor, LogFilter};
use app::server::services::{admin, local_time};
use app::server::AppState;
use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use futures::Stream;
use http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use http::HeaderMap;
use sea_orm::EntityTrait;
use uuid::Uuid;

/// How often the tail asks the database for new entries (any instance may have written them).
const POLL: Duration = Duration::from_secs(1);
/// How far back each poll looks again behind the newest entry read. An entry is stamped when
/// it is made and visible once its transaction commits, which can be later than newer
/// entries' (a wait for a pooled connection or SQLite's lock, a slow transaction); instances'
/// clocks are assumed to agree within seconds (NTP).
const LOOKBACK: chrono::Duration = chrono::Duration::seconds(30);
/// Entries one read returns; reads go on while they come back full, up to `MOST_PER_POLL`
/// new entries (the rest waits for the next poll: the read position never stalls) and as
/// many of the look-back window.
const BATCH: u64 = 200;
const MOST_PER_POLL: usize = 2_000;
/// How often (in polls) the tail checks that its admin is still an admin, still signed in.
const RECHECK_EVERY: u32 = 5;
/// Waits after a failed read, doubling up to the last, so an outage is not hammered.
const BACKOFF: [u64; 5] = [1, 2, 4, 8, 15];

fn admin_of(user: Option<user::Model>) -> Result<user::Model, AppError> {
    user.filter(|u| u.role == Role::Admin && u.is_active)
        .ok_or_else(|| AppError::not_found("Page"))
}

async fn filter_of(
    state: &AppState,
    admin: &user::Model,
    query: &HashMap<String, String>,
) -> Result<(LogFilter, Tz), AppError> {
    let query = LogQuery::from_pairs(query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let zone = local_time::user_zone(admin);
    let (filter, _) = resolve_filter(&state.db, &query, zone).await?;
    Ok((filter, zone))
}

/// `GET /admin/logs/export.csv?<the logs page's filter>`.
pub async fn export_csv(
    State(state): State<AppState>,
    Extension(SessionUser(user)): Extension<SessionUser>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let (entries, truncated) = export(&state, user, &query).await?;
    let body = admin::logs_csv(&entries);
    Ok(download(body, "text/csv; charset=utf-8", "csv", truncated))
}

/// `GET /admin/logs/export.json?<the logs page's filter>`: the entries as the REST API
/// writes them.
pub async fn export_json(
    State(state): State<AppState>,
    Extension(SessionUser(user)): Extension<SessionUser>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let (entries, truncated) = export(&state, user, &query).await?;
    let body =
        serde_json::to_string_pretty(&entries).map_err(|e| AppError::internal("log export", e))?;
    Ok(download(body, "application/json", "json", truncated))
}

/// The filtered view for an admin, and whether it held more than one export carries.
async fn export(
    state: &AppState,
    user: Option<user::Model>,
    query: &HashMap<String, String>,
) -> Result<(Vec<app::model::LogEntry>, bool), AppError> {
    let admin = admin_of(user)?;
    let (filter, _) = filter_of(state, &admin, query).await?;
    admin::export_logs(&state.db, &admin, &filter).await
}

/// An attachment named for the moment; `X-Truncated` says when the view held more entries
/// than one export carries (the newest were kept).
fn download(body: String, kind: &'static str, extension: &str, truncated: bool) -> Response {
    let name = format!(
        "postpilot-log-{}.{extension}",
        Utc::now().format("%Y%m%d-%H%M%S")
    );
    let mut response = (
        [
            (CONTENT_TYPE, kind.to_string()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response();
    if truncated {
        response.headers_mut().insert(
            "x-truncated",
            http::HeaderValue::from_str(&admin::EXPORT_MAX.to_string())
                .expect("a number is a header value"),
        );
    }
    response
}

/// What a tail remembers between polls.
struct Tail {
    state: AppState,
    admin: user::Model,
    zone: Tz,
    filter: LogFilter,
    /// When the stream opened: a sign-out everywhere after it ends the stream.
    opened: DateTime<Utc>,
    /// The newest entry read: the next read starts after it.
    read: LogCursor,
    /// Entries sent within the look-back window, so none is sent twice.
    sent: HashMap<Uuid, DateTime<Utc>>,
    polls: u32,
    /// Failed reads in a row (they space the next polls out).
    failures: usize,
    stopping: tokio::sync::watch::Receiver<bool>,
    queue: std::collections::VecDeque<Event>,
    done: bool,
}

/// `GET /admin/logs/stream?<the logs page's filter>&after=<cursor>`: every new entry that
/// matches, as an `entry` event holding its rendered line, whichever instance wrote it.
/// - `after` is what the page shows (its newest entry, or the time of its render): the tail
///   sends what comes after it.
/// - A reconnecting browser sends its last event's id (`Last-Event-ID`); the tail then sends
///   the look-back window again too (entries that committed late), and the page drops the
///   ones it has, by id.
/// - The stream ends (`end`) when the server shuts down, or its admin is no longer one or
///   has signed out everywhere.
pub async fn stream(
    State(state): State<AppState>,
    Extension(SessionUser(user)): Extension<SessionUser>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let admin = admin_of(user)?;
    let (filter, zone) = filter_of(&state, &admin, &query).await?;
    let reconnected = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map(LogCursor::decode)
        .transpose()?;
    let after = query
        .get("after")
        .filter(|v| !v.is_empty())
        .map(|v| LogCursor::decode(v))
        .transpose()?;
    let now = Utc::now();
    let read = reconnected.or(after).unwrap_or(LogCursor {
        at: now,
        id: Uuid::nil(),
    });
    let mut tail = Tail {
        stopping: state.stopping.subscribe(),
        state,
        admin,
        zone,
        filter,
        opened: now,
        read,
        sent: HashMap::new(),
        polls: 0,
        failures: 0,
        queue: Default::default(),
        done: false,
    };
    if reconnected.is_none() {
        // The page shows everything up to its cursor: the window behind it is not news.
        tail.mark_window_sent().await;
    }
    let events = futures::stream::unfold(tail, |mut tail| async move {
        loop {
            if let Some(event) = tail.queue.pop_front() {
                return Some((Ok(event), tail));
            }
            if tail.done {
                return None;
            }
            tail.poll().await;
        }
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

impl Tail {
    /// Waits for the next poll (or the shutdown), then queues what is new.
    async fn poll(&mut self) {
        let wait = match self.failures {
            _ if self.polls == 0 => Duration::ZERO,
            0 => POLL,
            n => Duration::from_secs(BACKOFF[(n - 1).min(BACKOFF.len() - 1)]),
        };
        let stopped = tokio::select! {
            _ = tokio::time::sleep(wait) => false,
            _ = self.stopping.wait_for(|stopping| *stopping) => true,
        };
        self.polls += 1;
        if stopped || (self.polls.is_multiple_of(RECHECK_EVERY) && !self.still_allowed().await) {
            self.queue
                .push_back(Event::default().event("end").data("stopped"));
            self.done = true;
            return;
        }
        match self.read_new().await {
            Ok(()) => self.failures = 0,
            Err(err) => {
                // A busy or restarting database: the next polls try again, spaced out.
                self.failures += 1;
                if self.failures == 1 {
                    tracing::warn!(error = %err, "live tail: reading the event log failed");
                }
            }
        }
        let horizon = self.read.at - LOOKBACK;
        self.sent.retain(|_, at| *at >= horizon);
    }

    /// The look-back window behind the read position, page by page, oldest first.
    async fn window(&self) -> Result<Vec<app::model::LogEntry>, AppError> {
        let db = &self.state.db;
        let mut from = LogCursor {
            at: self.read.at - LOOKBACK,
            id: Uuid::nil(),
        };
        let mut all = Vec::new();
        loop {
            let page = event_log::between(db, &self.filter, from, self.read, BATCH).await?;
            let full = page.len() as u64 == BATCH;
            if let Some(last) = page.last() {
                from = LogCursor::of(last);
            }
            all.extend(page);
            if !full || all.len() >= MOST_PER_POLL {
                return Ok(all);
            }
        }
    }

    async fn mark_window_sent(&mut self) {
        if let Ok(window) = self.window().await {
            for entry in window {
                self.sent.insert(entry.id, entry.at);
            }
        }
    }

    /// Late commits in the look-back window first, then everything after the read position.
    async fn read_new(&mut self) -> Result<(), AppError> {
        let late = self.window().await?;
        self.send(late).await?;
        let mut read_now = 0;
        loop {
            let batch = event_log::after(&self.state.db, &self.filter, self.read, BATCH).await?;
            let full = batch.len() as u64 == BATCH;
            let Some(last) = batch.last().map(LogCursor::of) else {
                return Ok(());
            };
            read_now += batch.len();
            self.send(batch).await?;
            self.read = last;
            if !full || read_now >= MOST_PER_POLL {
                return Ok(());
            }
        }
    }

    /// Queues the entries not sent yet, each as the page's line, and marks them sent; when
    /// they cannot be described, nothing is marked and the next poll tries again.
    async fn send(&mut self, entries: Vec<app::model::LogEntry>) -> Result<(), AppError> {
        let fresh: Vec<_> = entries
            .into_iter()
            .filter(|e| !self.sent.contains_key(&e.id))
            .collect();
        if fresh.is_empty() {
            return Ok(());
        }
        let marks: Vec<(Uuid, DateTime<Utc>, String)> = fresh
            .iter()
            .map(|e| (e.id, e.at, LogCursor::of(e).encode()))
            .collect();
        let rows = rows(&self.state.db, self.zone, fresh).await?;
        for (row, (id, at, cursor)) in rows.into_iter().zip(marks) {
            self.queue.push_back(
                Event::default()
                    .event("entry")
                    .id(cursor)
                    .data(log_item_html(row)),
            );
            self.sent.insert(id, at);
        }
        Ok(())
    }

    /// Whether the tail's admin is still an active admin who has not signed out everywhere
    /// since the stream opened. A database that does not answer is no reason to stop.
    async fn still_allowed(&self) -> bool {
        match user::Entity::find_by_id(self.admin.id)
            .one(&self.state.db)
            .await
        {
            Ok(Some(u)) => {
                u.role == Role::Admin
                    && u.is_active
                    && u.sessions_revoked_at.is_none_or(|at| at < self.opened)
            }
            Ok(None) => false,
            Err(_) => true,
        }
    }
}
