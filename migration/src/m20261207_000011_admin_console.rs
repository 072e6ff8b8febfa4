//! What the admin console reads:
//! - `scheduler_instances`: one row per running instance, written by its scheduler on every
//!   tick, so the system page can show each instance's health (several instances share one
//!   PostgreSQL database).
//! - The event log's filters, each with an index that also holds the list's order
//!   (`at`, `id`), so a filtered page of the newest entries is a short index walk at a million
//!   rows; and an index for the free-text search: SQLite's FTS5 with the trigram tokenizer
//!   (substrings, case-insensitive), PostgreSQL's `pg_trgm` on `lower(message)` (where the server has it; without
//!   it the search still works, by scanning).

use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SchedulerInstances {
    Table,
    Instance,
    Version,
    StartedAt,
    LastTickAt,
    LastTickMs,
    LastError,
}

/// The event log's indexes: each filter with the list's order behind it.
const INDEXES: &[(&str, &str)] = &[
    ("ix_event_log_at_id", "at, id"),
    ("ix_event_log_kind_at_id", "kind, at, id"),
    ("ix_event_log_level_at_id", "level, at, id"),
    ("ix_event_log_user_at_id", "user_id, at, id"),
    ("ix_event_log_post_at_id", "post_id, at, id"),
];

/// Replaced by the ones above (same leading columns, plus the order).
const OLD_INDEXES: &[&str] = &[
    "ix_event_log_at",
    "ix_event_log_kind_at",
    "ix_event_log_user_at",
    "ix_event_log_post",
];

/// An external-content FTS5 table over `event_log.message`, kept in step by triggers. Its
/// rowids are `event_log`'s: a copy made by VACUUM may renumber those, so readers re-check
/// each hit against the message itself, and `postpilot restore` rebuilds the index.
const SQLITE_SEARCH_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE event_log_search USING fts5(\
       message, content = 'event_log', content_rowid = 'rowid', tokenize = 'trigram')",
    "INSERT INTO event_log_search (event_log_search) VALUES ('rebuild')",
    "CREATE TRIGGER event_log_search_insert AFTER INSERT ON event_log BEGIN \
       INSERT INTO event_log_search (rowid, message) VALUES (NEW.rowid, NEW.message); END",
    "CREATE TRIGGER event_log_search_delete AFTER DELETE ON event_log BEGIN \
       INSERT INTO event_log_search (event_log_search, rowid, message) \
       VALUES ('delete', OLD.rowid, OLD.message); END",
    "CREATE TRIGGER event_log_search_update AFTER UPDATE OF message ON event_log BEGIN \
       INSERT INTO event_log_search (event_log_search, rowid, message) \
       VALUES ('delete', OLD.rowid, OLD.message); \
       INSERT INTO event_log_search (rowid, message) VALUES (NEW.rowid, NEW.message); END",
];

/// `pg_trgm` ships with PostgreSQL's contrib package and is a trusted extension, but a server
/// may lack it: then the search scans, and the migration says so instead of failing.
const POSTGRES_SEARCH_UP: &[&str] = &["DO $$ BEGIN \
       CREATE EXTENSION IF NOT EXISTS pg_trgm; \
       CREATE INDEX ix_event_log_message_trgm ON event_log USING gin (lower(message) gin_trgm_ops); \
     EXCEPTION WHEN OTHERS THEN \
       RAISE WARNING 'pg_trgm is unavailable (%): the event log''s text search will scan', SQLERRM; \
     END $$"];

const SQLITE_SEARCH_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS event_log_search_insert",
    "DROP TRIGGER IF EXISTS event_log_search_delete",
    "DROP TRIGGER IF EXISTS event_log_search_update",
    "DROP TABLE IF EXISTS event_log_search",
];

const POSTGRES_SEARCH_DOWN: &[&str] = &["DROP INDEX IF EXISTS ix_event_log_message_trgm"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SchedulerInstances::Table)
                    .col(string_len(SchedulerInstances::Instance, 200).primary_key())
                    .col(string_len(SchedulerInstances::Version, 40))
                    .col(timestamp_with_time_zone(SchedulerInstances::StartedAt))
                    .col(timestamp_with_time_zone(SchedulerInstances::LastTickAt))
                    .col(big_integer(SchedulerInstances::LastTickMs))
                    .col(text_null(SchedulerInstances::LastError))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for name in OLD_INDEXES {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
                .await?;
        }
        for (name, columns) in INDEXES {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON event_log ({columns})"))
                .await?;
        }
        crate::run_for_backend(manager, SQLITE_SEARCH_UP, POSTGRES_SEARCH_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_for_backend(manager, SQLITE_SEARCH_DOWN, POSTGRES_SEARCH_DOWN).await?;
        let db = manager.get_connection();
        for (name, _) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
                .await?;
        }
        for (name, columns) in [
            ("ix_event_log_at", "at"),
            ("ix_event_log_kind_at", "kind, at"),
            ("ix_event_log_user_at", "user_id, at"),
            ("ix_event_log_post", "post_id"),
        ] {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON event_log ({columns})"))
                .await?;
        }
        manager
            .drop_table(Table::drop().table(SchedulerInstances::Table).to_owned())
            .await
    }
}
