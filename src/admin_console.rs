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
/// How far back each poll looks again behind the newest entry read: an entry whose
/// transaction committed late carries an earlier time than ones already read.
const LOOKBACK: chrono::Duration = chrono::Duration::seconds(10);
/// Entries one read returns; a poll reads on while reads come back full, up to `MOST_PER_POLL`
/// (the rest waits for the next poll: the read position never stalls).
const BATCH: u64 = 200;
const MOST_PER_POLL: usize = 2_000;

/// How often the tail checks that its admin is still an admin.
const RECHECK_EVERY: u32 = 30;

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
    let admin = admin_of(user)?;
    let (filter, _) = filter_of(&state, &admin, &query).await?;
    let (entries, truncated) = admin::export_logs(&state.db, &admin, &filter).await?;
    Ok(download(
        admin::logs_csv(&entries),
        "text/csv; charset=utf-8",
        "csv",
        truncated,
    ))
}

/// `GET /admin/logs/export.json?<the logs page's filter>`: the entries as the REST API
/// writes them.
pub async fn export_json(
    State(state): State<AppState>,
    Extension(SessionUser(user)): Extension<SessionUser>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let admin = admin_of(user)?;
    let (filter, _) = filter_of(&state, &admin, &query).await?;
    let (entries, truncated) = admin::export_logs(&state.db, &admin, &filter).await?;
    let body =
        serde_json::to_string_pretty(&entries).map_err(|e| AppError::internal("log export", e))?;
    Ok(download(body, "application/json", "json", truncated))
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
    /// The newest entry read: the next read starts after it.
    read: LogCursor,
    /// Entries sent within the look-back window, so none is sent twice.
    sent: HashMap<Uuid, DateTime<Utc>>,
    polls: u32,
    stopping: tokio::sync::watch::Receiver<bool>,
    queue: std::collections::VecDeque<Event>,
    done: bool,
}

/// `GET /admin/logs/stream?<the logs page's filter>&after=<cursor>`: every new entry that
/// matches, as an `entry` event holding its rendered line, whichever instance wrote it. The
/// page gives the cursor of what it shows (or of when it was rendered); a reconnecting browser
/// sends the last event's id (`Last-Event-ID`) and resumes there. Entries of the look-back
/// window may come again after a reconnection: the page drops those it has (by id). The
/// stream ends (`end`) when the server shuts down or the admin is no longer one.
pub async fn stream(
    State(state): State<AppState>,
    Extension(SessionUser(user)): Extension<SessionUser>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let admin = admin_of(user)?;
    let (filter, zone) = filter_of(&state, &admin, &query).await?;
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| query.get("after").cloned())
        .filter(|v| !v.is_empty());
    let read = match resume.as_deref() {
        Some(cursor) => LogCursor::decode(cursor)?,
        None => LogCursor {
            at: Utc::now(),
            id: Uuid::nil(),
        },
    };
    let tail = Tail {
        stopping: state.stopping.subscribe(),
        state,
        admin,
        zone,
        filter,
        read,
        sent: HashMap::new(),
        polls: 0,
        queue: Default::default(),
        done: false,
    };
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

/// The entries read, or none (said in the log) when the database could not be read: a busy
/// or restarting database, tried again at the next poll.
fn read_or_warn(
    read: Result<Vec<app::model::LogEntry>, AppError>,
) -> Option<Vec<app::model::LogEntry>> {
    read.map_err(|err| tracing::warn!(error = %err, "live tail: reading the event log failed"))
        .ok()
}

impl Tail {
    /// Waits for the next poll (or the shutdown), then queues what is new.
    async fn poll(&mut self) {
        let stopped = tokio::select! {
            _ = tokio::time::sleep(if self.polls == 0 { Duration::ZERO } else { POLL }) => false,
            _ = self.stopping.wait_for(|stopping| *stopping) => true,
        };
        self.polls += 1;
        if stopped || (self.polls.is_multiple_of(RECHECK_EVERY) && !self.still_admin().await) {
            self.queue
                .push_back(Event::default().event("end").data("stopped"));
            self.done = true;
            return;
        }
        let db = self.state.db.clone();
        // Late commits behind the read position first, then everything after it.
        let since = self.read.at - LOOKBACK;
        let settling = event_log::settling(&db, &self.filter, since, self.read, BATCH).await;
        let Some(settling) = read_or_warn(settling) else {
            return;
        };
        if !self.send(settling).await {
            return;
        }
        let mut read_now = 0;
        loop {
            let batch = event_log::after(&db, &self.filter, self.read, BATCH).await;
            let Some(batch) = read_or_warn(batch) else {
                return;
            };
            let full = batch.len() as u64 == BATCH;
            let Some(last) = batch.last().map(LogCursor::of) else {
                break;
            };
            read_now += batch.len();
            if !self.send(batch).await {
                return;
            }
            self.read = last;
            if !full || read_now >= MOST_PER_POLL {
                break;
            }
        }
        let horizon = self.read.at - LOOKBACK;
        self.sent.retain(|_, at| *at >= horizon);
    }

    /// Queues the entries not sent yet, each as the page's line, and marks them sent; false
    /// (nothing marked) when they could not be described, so the next poll tries again.
    async fn send(&mut self, entries: Vec<app::model::LogEntry>) -> bool {
        let fresh: Vec<_> = entries
            .into_iter()
            .filter(|e| !self.sent.contains_key(&e.id))
            .collect();
        if fresh.is_empty() {
            return true;
        }
        let marks: Vec<(Uuid, DateTime<Utc>, String)> = fresh
            .iter()
            .map(|e| (e.id, e.at, LogCursor::of(e).encode()))
            .collect();
        match rows(&self.state.db, self.zone, fresh).await {
            Ok(rows) => {
                for (row, (id, at, cursor)) in rows.into_iter().zip(marks) {
                    self.queue.push_back(
                        Event::default()
                            .event("entry")
                            .id(cursor)
                            .data(log_item_html(row)),
                    );
                    self.sent.insert(id, at);
                }
                true
            }
            Err(err) => {
                tracing::warn!(error = %err, "live tail: describing entries failed");
                false
            }
        }
    }

    async fn still_admin(&self) -> bool {
        matches!(
            user::Entity::find_by_id(self.admin.id).one(&self.state.db).await,
            Ok(Some(u)) if u.role == Role::Admin && u.is_active
        )
    }
}
