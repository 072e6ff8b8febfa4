//! Opening the database: SQLite (a file in the data directory, WAL, foreign keys, a busy
//! timeout so concurrent writers wait) or PostgreSQL, then migrations (all or nothing, and
//! never onto a database a newer PostPilot migrated); and how a service
//! opens a transaction that writes on a user's behalf (`begin_owner_write`), so that rules
//! which read then write (plan limits, one approval) hold under concurrent requests.

use std::future::Future;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::LockType;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, EntityTrait, QuerySelect, TransactionTrait,
};
use uuid::Uuid;

use super::entities::user;
use crate::error::AppError;

use super::config::Settings;

pub async fn connect(settings: &Settings) -> Result<DatabaseConnection, DbErr> {
    let url = settings.database_url();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&settings.database.data_dir).map_err(|e| {
            DbErr::Custom(format!(
                "cannot create data directory {}: {e}",
                settings.database.data_dir.display()
            ))
        })?;
    }
    connect_url(&url, settings.database.max_connections).await
}

pub async fn connect_url(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_string());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        // A pooled connection to a local SQLite file cannot have gone stale: checking it with
        // a round trip to its worker thread before every query only costs time. PostgreSQL
        // connections still are checked (the server or the network may have dropped them).
        .test_before_acquire(!url.starts_with("sqlite:"))
        .map_sqlx_sqlite_opts(|opts| {
            use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .create_if_missing(true)
        });
    Database::connect(options).await
}

/// Where the database's schema stands against this build's migrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaState {
    /// Every migration of this build is applied, and no other.
    Current,
    /// This build has this many migrations the database lacks.
    Behind(usize),
    /// The database carries migrations this build does not know: a newer PostPilot ran it.
    Newer(Vec<String>),
}

impl SchemaState {
    /// What an operator reads when this build refuses the database.
    pub fn newer_message(unknown: &[String]) -> String {
        format!(
            "this database was migrated by a newer PostPilot than this one ({}): it has \
             migrations this version does not know ({}). Run that newer version, or restore a \
             backup made for this one.",
            env!("CARGO_PKG_VERSION"),
            unknown.join(", ")
        )
    }
}

/// Reads which migrations the database has (none on a new database). Reads only: readiness
/// probes call it.
pub async fn schema_state<M: MigratorTrait>(
    db: &impl ConnectionTrait,
) -> Result<SchemaState, DbErr> {
    let known: Vec<String> = M::migrations()
        .iter()
        .map(|migration| migration.name().to_string())
        .collect();
    let applied = applied_migrations(db).await?;
    let unknown: Vec<String> = applied
        .iter()
        .filter(|version| !known.contains(version))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Ok(SchemaState::Newer(unknown));
    }
    let missing = known.iter().filter(|name| !applied.contains(name)).count();
    Ok(if missing == 0 {
        SchemaState::Current
    } else {
        SchemaState::Behind(missing)
    })
}

/// The migrations sea-orm-migration recorded as applied.
async fn applied_migrations(db: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    let backend = db.get_database_backend();
    let has_table = match backend {
        DbBackend::Postgres => {
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM information_schema.tables \
             WHERE table_name = 'seaql_migrations' AND table_schema = current_schema()"
        }
        _ => "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'seaql_migrations'",
    };
    let tables: i64 = match db
        .query_one(sea_orm::Statement::from_string(backend, has_table))
        .await?
    {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    if tables == 0 {
        return Ok(Vec::new());
    }
    db.query_all(sea_orm::Statement::from_string(
        backend,
        "SELECT version FROM seaql_migrations",
    ))
    .await?
    .iter()
    .map(|row| row.try_get::<String>("", "version"))
    .collect()
}

/// Brings the database to this build's schema. A database a newer PostPilot migrated is
/// refused before anything is written, with a message saying so. Pending migrations run in
/// one transaction on both databases, so one that fails leaves the database as it was
/// (sea-orm-migration opens that transaction on PostgreSQL only; SQLite's DDL is
/// transactional too, so we open it there). Inside it SQLite ignores `PRAGMA foreign_keys`:
/// a migration that rebuilds a table must use `PRAGMA defer_foreign_keys` instead.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    migrate_with::<Migrator>(db).await
}

/// How many times a SQLite migration transaction made stale by another process is tried.
const MIGRATION_ATTEMPTS: u32 = 48;

/// `migrate` with another list of migrations (tests add one that fails).
pub async fn migrate_with<M: MigratorTrait>(db: &DatabaseConnection) -> Result<(), DbErr> {
    if let SchemaState::Newer(unknown) = schema_state::<M>(db).await? {
        return Err(DbErr::Custom(SchemaState::newer_message(&unknown)));
    }
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            // Usually nothing is pending and the transaction only reads. When migrations do
            // write, another process's commit between their reads and their first write
            // makes SQLite refuse at once ("database is locked": its busy timeout cannot
            // help a stale snapshot); the whole transaction is then tried again.
            let mut attempt = 1;
            loop {
                let txn = db.begin().await?;
                let applied = match M::up(&txn, None).await {
                    Ok(()) => txn.commit().await,
                    Err(err) => {
                        txn.rollback().await.ok();
                        Err(err)
                    }
                };
                match applied {
                    // For as long as the busy timeout would have waited (10 s), and a little.
                    Err(err) if is_busy(&err) && attempt < MIGRATION_ATTEMPTS => {
                        tokio::time::sleep(Duration::from_millis(250)).await;
                        attempt += 1;
                    }
                    other => return other,
                }
            }
        }
        _ => M::up(db, None).await,
    }
}

/// The database's name for people ("SQLite", "PostgreSQL") and its size on disk in bytes.
pub async fn kind_and_size(db: &DatabaseConnection) -> Result<(&'static str, i64), DbErr> {
    let backend = db.get_database_backend();
    let (kind, sql) = match backend {
        DbBackend::Postgres => (
            "PostgreSQL",
            "SELECT CAST(pg_database_size(current_database()) AS BIGINT) AS size",
        ),
        _ => (
            "SQLite",
            "SELECT CAST(p.page_count * s.page_size AS BIGINT) AS size \
             FROM pragma_page_count() AS p, pragma_page_size() AS s",
        ),
    };
    let row = db
        .query_one(sea_orm::Statement::from_string(backend, sql))
        .await?;
    let size = match row {
        Some(row) => row.try_get::<i64>("", "size")?,
        None => 0,
    };
    Ok((kind, size))
}

/// `text` as a LIKE pattern matching it anywhere, with `!` escaping `%`, `_` and itself: use
/// it with `ESCAPE '!'` (not a backslash, whose meaning in a string literal depends on
/// PostgreSQL's `standard_conforming_strings`).
pub fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '!') {
            pattern.push('!');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// `SELECT 1`: whether the database answers.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.execute_unprepared("SELECT 1").await.is_ok()
}

/// Begins a transaction that reads and then writes on behalf of `owner`, serialized with
/// every other such transaction of that owner, so a count-then-insert (a plan limit) cannot
/// be raced past.
///
/// - PostgreSQL: the owner's row is locked (`SELECT … FOR NO KEY UPDATE`) until commit.
/// - SQLite: the transaction takes the database's write lock before its first read. A plain
///   `BEGIN` reads first and then asks to write; when another connection committed in between,
///   SQLite refuses at once with "database is locked" (its busy timeout cannot help a stale
///   snapshot). Writing first makes the transaction wait its turn instead. SeaORM cannot send
///   `BEGIN IMMEDIATE`, so a statement that writes no row takes the lock.
pub async fn begin_owner_write<C>(db: &C, owner: Uuid) -> Result<DatabaseTransaction, DbErr>
where
    C: ConnectionTrait + TransactionTrait,
{
    begin_owners_write(db, &[owner]).await
}

/// `begin_owner_write` for several users at once (an admin and the user they change): on
/// PostgreSQL their rows are locked in id order, so two such transactions over the same
/// users wait for each other instead of deadlocking.
pub async fn begin_owners_write<C>(db: &C, owners: &[Uuid]) -> Result<DatabaseTransaction, DbErr>
where
    C: ConnectionTrait + TransactionTrait,
{
    let txn = db.begin().await?;
    match txn.get_database_backend() {
        DbBackend::Sqlite => {
            txn.execute_unprepared("UPDATE users SET id = id WHERE 0")
                .await?;
        }
        _ => {
            let mut owners = owners.to_vec();
            owners.sort();
            owners.dedup();
            for owner in owners {
                // NO KEY UPDATE: serializes the owner's writers without blocking the inserts
                // elsewhere whose foreign keys point at the user (they take KEY SHARE).
                user::Entity::find_by_id(owner)
                    .select_only()
                    .column(user::Column::Id)
                    .lock(LockType::NoKeyUpdate)
                    .into_tuple::<Uuid>()
                    .one(&txn)
                    .await?;
            }
        }
    }
    Ok(txn)
}

/// How many times a write that met a lock is tried in all (see `retry_busy`).
const BUSY_ATTEMPTS: u32 = 5;

/// Runs a write, trying it again when the database answered that it is busy (SQLite's lock
/// outlasted the busy timeout, or PostgreSQL chose this transaction as a deadlock or
/// serialization victim). Each try must be a whole transaction: a retried `op` starts over.
pub async fn retry_busy<T, F, Fut>(mut op: F) -> Result<T, AppError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    let mut attempt = 1;
    loop {
        match op().await {
            Err(AppError::Busy(_)) if attempt < BUSY_ATTEMPTS => {
                // Spread the retries so the waiters do not collide again in step.
                let jitter = rand::random::<u64>() % 50;
                tokio::time::sleep(Duration::from_millis(50 * u64::from(attempt) + jitter)).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Whether a database error means "busy, try again": SQLite's SQLITE_BUSY / SQLITE_LOCKED,
/// PostgreSQL's serialization failure, deadlock or lock timeout.
pub fn is_busy(err: &DbErr) -> bool {
    let code = match err {
        DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e))
        | DbErr::Query(sea_orm::RuntimeErr::SqlxError(e))
        | DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e)) => e
            .as_database_error()
            .and_then(|d| d.code().map(|c| c.into_owned())),
        _ => None,
    };
    let busy_code = matches!(
        code.as_deref(),
        // SQLite primary and extended codes: BUSY (5), LOCKED (6), BUSY_SNAPSHOT (517), …
        Some("5" | "6" | "261" | "262" | "517" | "773")
            // PostgreSQL: serialization_failure, deadlock_detected, lock_not_available.
            | Some("40001" | "40P01" | "55P03")
    );
    busy_code || err.to_string().contains("database is locked")
}
