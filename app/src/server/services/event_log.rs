//! The event log that admins read: logins, key changes, publishing attempts, webhooks.
//! Recording never fails the caller's request: a log write that fails is reported to tracing.
//!
//! Reading: `LogFilter` is the one filter (REST, console, live tail and export all use it).
//! The console pages through the newest entries by keyset (`LogCursor`), so a page costs the
//! same at a million rows as at ten: every filter has an index holding the list's order
//! (`at`, `id`; migration `m20261207_000011_admin_console`), and the free-text search first
//! looks among the newest entries, then, for a rare term, asks the text index.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Select, Set,
};
use serde_json::Value;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::{EventKind, EventLevel, LogEntry};
use crate::server::entities::event_log;

pub struct Event {
    pub kind: EventKind,
    pub level: EventLevel,
    pub user_id: Option<Uuid>,
    pub post_id: Option<Uuid>,
    pub message: String,
    pub data: Value,
}

impl Event {
    pub fn new(kind: EventKind, message: impl Into<String>) -> Self {
        Event {
            kind,
            level: EventLevel::Info,
            user_id: None,
            post_id: None,
            message: message.into(),
            data: Value::Object(Default::default()),
        }
    }

    pub fn level(mut self, level: EventLevel) -> Self {
        self.level = level;
        self
    }

    pub fn user(mut self, user_id: Uuid) -> Self {
        self.user_id = Some(user_id);
        self
    }

    pub fn post(mut self, post_id: Uuid) -> Self {
        self.post_id = Some(post_id);
        self
    }

    pub fn data(mut self, data: Value) -> Self {
        self.data = data;
        self
    }
}

pub async fn record(db: &impl ConnectionTrait, event: Event) {
    if let Err(err) = row(event).insert(db).await {
        tracing::error!(error = %err, "could not write the event log");
    }
}

/// Several entries in as few statements as the database allows.
pub async fn record_many(db: &impl ConnectionTrait, events: Vec<Event>) {
    let mut rows = events.into_iter().map(row).peekable();
    while rows.peek().is_some() {
        // 500 rows × 8 columns stays far below SQLite's bound-parameter limit.
        let chunk: Vec<event_log::ActiveModel> = rows.by_ref().take(500).collect();
        let count = chunk.len();
        if let Err(err) = event_log::Entity::insert_many(chunk).exec(db).await {
            tracing::error!(error = %err, count, "could not write event log entries");
        }
    }
}

fn row(event: Event) -> event_log::ActiveModel {
    event_log::ActiveModel {
        id: Set(Uuid::new_v4()),
        at: Set(Utc::now()),
        kind: Set(event.kind),
        level: Set(event.level),
        user_id: Set(event.user_id),
        post_id: Set(event.post_id),
        message: Set(event.message),
        data: Set(event.data),
    }
}

/// Which entries to read. Empty fields match everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogFilter {
    pub kind: Option<EventKind>,
    pub level: Option<EventLevel>,
    pub user_id: Option<Uuid>,
    pub post_id: Option<Uuid>,
    /// Words the message contains, in any case.
    pub q: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// The longest search text (a pasted error message fits).
pub const MAX_QUERY_CHARS: usize = 200;

impl LogFilter {
    /// The search text, trimmed; none when blank.
    pub fn text(&self) -> Option<&str> {
        self.q.as_deref().map(str::trim).filter(|q| !q.is_empty())
    }

    /// Refuses what cannot be searched for: a text too long, a range that ends before it starts.
    pub fn check(&self) -> Result<(), AppError> {
        if self
            .text()
            .is_some_and(|q| q.chars().count() > MAX_QUERY_CHARS)
        {
            return Err(AppError::validation(
                "q",
                format!("Search for {MAX_QUERY_CHARS} characters at most"),
            ));
        }
        if let (Some(since), Some(until)) = (self.since, self.until) {
            if since >= until {
                return Err(AppError::validation(
                    "since",
                    "The range must start before it ends",
                ));
            }
        }
        Ok(())
    }

    /// Every condition but the text.
    fn fields(&self) -> Condition {
        use event_log::Column;
        let mut cond = Condition::all();
        if let Some(kind) = self.kind {
            cond = cond.add(Column::Kind.eq(kind));
        }
        if let Some(level) = self.level {
            cond = cond.add(Column::Level.eq(level));
        }
        if let Some(user_id) = self.user_id {
            cond = cond.add(Column::UserId.eq(user_id));
        }
        if let Some(post_id) = self.post_id {
            cond = cond.add(Column::PostId.eq(post_id));
        }
        if let Some(since) = self.since {
            cond = cond.add(Column::At.gte(since));
        }
        if let Some(until) = self.until {
            cond = cond.add(Column::At.lt(until));
        }
        cond
    }

    /// The whole filter: the fields and the text.
    pub fn condition(&self, backend: DatabaseBackend) -> Condition {
        let cond = self.fields();
        match self.text() {
            Some(q) => cond.add(contains(q, backend)),
            None => cond,
        }
    }
}

/// `lower(message) LIKE lower('%q%')`, with the LIKE wildcards in `q` taken literally. Both
/// sides are folded by the database, so they fold alike (SQLite's `lower` folds ASCII only);
/// on PostgreSQL the trigram index is on `lower(message)`, so this is what it serves.
fn contains(q: &str, backend: DatabaseBackend) -> sea_orm::sea_query::SimpleExpr {
    let placeholder = match backend {
        DatabaseBackend::Postgres => "$1",
        _ => "?",
    };
    Expr::cust_with_values(
        format!("lower(message) LIKE lower({placeholder}) ESCAPE '!'"),
        [crate::server::db::contains_pattern(q)],
    )
}

/// The same test as `contains`, written so that no text index can serve it: for the newest
/// entries, which the `(at, id)` index reaches directly (PostgreSQL would otherwise read a
/// common word's every match through the trigram index).
fn position_of(q: &str, backend: DatabaseBackend) -> sea_orm::sea_query::SimpleExpr {
    let sql = match backend {
        DatabaseBackend::Postgres => "strpos(lower(message), lower($1)) > 0",
        _ => "instr(lower(message), lower(?)) > 0",
    };
    Expr::cust_with_values(sql, [q.to_string()])
}

/// A place in the newest-first list: the entries after it are older.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogCursor {
    pub at: DateTime<Utc>,
    pub id: Uuid,
}

impl LogCursor {
    pub fn of(entry: &LogEntry) -> Self {
        LogCursor {
            at: entry.at,
            id: entry.id,
        }
    }

    /// Its form in a URL: nanoseconds since the epoch, then the id.
    pub fn encode(&self) -> String {
        let nanos = self.at.timestamp_nanos_opt().unwrap_or(i64::MAX);
        format!("{nanos}_{}", self.id.simple())
    }

    pub fn decode(text: &str) -> Result<Self, AppError> {
        let bad = || AppError::validation("before", "This page link is not valid");
        let (nanos, id) = text.split_once('_').ok_or_else(bad)?;
        let nanos: i64 = nanos.parse().map_err(|_| bad())?;
        Ok(LogCursor {
            at: DateTime::from_timestamp_nanos(nanos),
            id: Uuid::parse_str(id).map_err(|_| bad())?,
        })
    }

    /// Entries older than this one (`(at, id) < (cursor)`), written so that the `at` bound
    /// is an index range.
    fn older(&self) -> Condition {
        use event_log::Column;
        Condition::all().add(Column::At.lte(self.at)).add(
            Condition::any()
                .add(Column::At.lt(self.at))
                .add(Column::Id.lt(self.id)),
        )
    }

    /// Entries newer than this one.
    fn newer(&self) -> Condition {
        use event_log::Column;
        Condition::all().add(Column::At.gte(self.at)).add(
            Condition::any()
                .add(Column::At.gt(self.at))
                .add(Column::Id.gt(self.id)),
        )
    }

    /// Entries at or newer than this one.
    fn at_or_newer(&self) -> Condition {
        use event_log::Column;
        Condition::all().add(Column::At.gte(self.at)).add(
            Condition::any()
                .add(Column::At.gt(self.at))
                .add(Column::Id.gte(self.id)),
        )
    }
}

/// A page of the newest-first list, and where the next (older) page starts.
#[derive(Debug, Clone, PartialEq)]
pub struct LogSlice {
    pub entries: Vec<LogEntry>,
    pub older: Option<LogCursor>,
}

/// How many of the newest entries a text search reads before it asks the text index: a
/// common word fills a page from these; a rare one is looked up.
const SEARCH_WINDOW: u64 = 2_000;

fn newest_first(select: Select<event_log::Entity>) -> Select<event_log::Entity> {
    select
        .order_by_desc(event_log::Column::At)
        .order_by_desc(event_log::Column::Id)
}

/// The newest `limit` entries the filter selects, older than `before` when given.
pub async fn newest(
    db: &impl ConnectionTrait,
    filter: &LogFilter,
    before: Option<LogCursor>,
    limit: u64,
) -> Result<LogSlice, AppError> {
    filter.check()?;
    let mut base = filter.fields();
    if let Some(cursor) = before {
        base = base.add(cursor.older());
    }
    let want = limit + 1;
    let mut rows = match filter.text() {
        None => {
            newest_first(event_log::Entity::find().filter(base))
                .limit(want)
                .all(db)
                .await?
        }
        Some(q) => search(db, base, q, want).await?,
    };
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let entries: Vec<LogEntry> = rows.into_iter().map(event_log::Model::entry).collect();
    let older = more.then(|| entries.last().map(LogCursor::of)).flatten();
    Ok(LogSlice { entries, older })
}

/// The newest `want` entries matching `base` whose message contains `q`.
async fn search(
    db: &impl ConnectionTrait,
    base: Condition,
    q: &str,
    want: u64,
) -> Result<Vec<event_log::Model>, AppError> {
    use event_log::Column;
    // The oldest of the newest SEARCH_WINDOW entries: up to it, a plain scan is cheap.
    let edge: Option<(DateTime<Utc>, Uuid)> =
        newest_first(event_log::Entity::find().filter(base.clone()))
            .select_only()
            .column(Column::At)
            .column(Column::Id)
            .offset(SEARCH_WINDOW - 1)
            .limit(1)
            .into_tuple()
            .one(db)
            .await?;
    let backend = db.get_database_backend();
    let mut recent = event_log::Entity::find()
        .filter(base.clone())
        .filter(position_of(q, backend));
    if let Some((at, id)) = edge {
        recent = recent.filter(LogCursor { at, id }.at_or_newer());
    }
    let mut rows = newest_first(recent).limit(want).all(db).await?;
    let Some((at, id)) = edge else {
        // The window held every entry the fields select: nothing older to look at.
        return Ok(rows);
    };
    if rows.len() as u64 >= want {
        return Ok(rows);
    }
    // A rare term: the rest comes from the text index (each hit is checked against the
    // message itself too, so a stale index can only miss, never mislead).
    let mut older = event_log::Entity::find()
        .filter(base)
        .filter(LogCursor { at, id }.older())
        .filter(contains(q, backend));
    if backend == DatabaseBackend::Sqlite && q.chars().count() >= 3 {
        // FTS5's trigram phrase: the text as one quoted string (quotes doubled).
        let phrase = format!("\"{}\"", q.replace('"', "\"\""));
        older = older.filter(Expr::cust_with_values(
            "event_log.rowid IN (SELECT rowid FROM event_log_search WHERE event_log_search MATCH ?)",
            [phrase],
        ));
    }
    let rest = newest_first(older)
        .limit(want - rows.len() as u64)
        .all(db)
        .await?;
    rows.extend(rest);
    Ok(rows)
}

/// Entries after `cursor` in the list's order, oldest first, at most `limit`: what a live
/// tail has not read yet.
pub async fn after(
    db: &impl ConnectionTrait,
    filter: &LogFilter,
    cursor: LogCursor,
    limit: u64,
) -> Result<Vec<LogEntry>, AppError> {
    oldest_first(db, filter, cursor.newer(), limit).await
}

/// Entries after `from` up to and including `upto`, oldest first, at most `limit`: where a
/// live tail looks again for entries whose transaction committed after newer ones it read.
pub async fn between(
    db: &impl ConnectionTrait,
    filter: &LogFilter,
    from: LogCursor,
    upto: LogCursor,
    limit: u64,
) -> Result<Vec<LogEntry>, AppError> {
    let window = Condition::all().add(from.newer()).add(upto.newer().not());
    oldest_first(db, filter, window, limit).await
}

async fn oldest_first(
    db: &impl ConnectionTrait,
    filter: &LogFilter,
    window: Condition,
    limit: u64,
) -> Result<Vec<LogEntry>, AppError> {
    let rows = event_log::Entity::find()
        .filter(filter.condition(db.get_database_backend()))
        .filter(window)
        .order_by_asc(event_log::Column::At)
        .order_by_asc(event_log::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(event_log::Model::entry).collect())
}
