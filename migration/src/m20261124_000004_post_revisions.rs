//! A revision number per user that grows whenever any of the user's posts is inserted,
//! updated or deleted, by whatever writes it (a service, the publishing engine's raw SQL, a
//! cascade). Database triggers bump it inside the writing transaction, so a reader that sees
//! revision N sees every post write that produced N. The cached post reads
//! (`app::server::services::post_reads`) are keyed by it.
//!
//! A user's revision is the sum of up to 8 rows (shards). On PostgreSQL each connection bumps
//! its own shard, so concurrent writes to one user's posts (the engine settling 32 at once)
//! do not queue on a single row lock. Every bump raises the sum, so the sum never repeats.
//! No application entity maps this table: only the triggers write it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// SQLite has row triggers only. It runs one writer at a time, so their order cannot
/// deadlock.
const SQLITE_UP: &[&str] = &[
    "CREATE TABLE post_revisions (user_id BLOB NOT NULL, shard INTEGER NOT NULL, \
       revision INTEGER NOT NULL, PRIMARY KEY (user_id, shard))",
    "CREATE TRIGGER posts_revision_insert AFTER INSERT ON posts BEGIN \
       INSERT INTO post_revisions (user_id, shard, revision) VALUES (NEW.user_id, 0, 1) \
       ON CONFLICT (user_id, shard) DO UPDATE SET revision = revision + 1; END",
    "CREATE TRIGGER posts_revision_update AFTER UPDATE ON posts BEGIN \
       INSERT INTO post_revisions (user_id, shard, revision) VALUES (NEW.user_id, 0, 1) \
       ON CONFLICT (user_id, shard) DO UPDATE SET revision = revision + 1; \
       INSERT INTO post_revisions (user_id, shard, revision) \
       SELECT OLD.user_id, 0, 1 WHERE OLD.user_id <> NEW.user_id \
       ON CONFLICT (user_id, shard) DO UPDATE SET revision = revision + 1; END",
    "CREATE TRIGGER posts_revision_delete AFTER DELETE ON posts BEGIN \
       INSERT INTO post_revisions (user_id, shard, revision) VALUES (OLD.user_id, 0, 1) \
       ON CONFLICT (user_id, shard) DO UPDATE SET revision = revision + 1; END",
];

/// PostgreSQL bumps once per statement and user, from the statement's transition tables, in
/// the connection's own shard. The rows are taken in user id order: two statements that each
/// touch several users (engines on two instances claiming due posts) and share a shard lock
/// them in the same order, so they cannot deadlock.
const POSTGRES_UP: &[&str] = &[
    "CREATE TABLE post_revisions (user_id uuid NOT NULL, shard smallint NOT NULL, \
       revision bigint NOT NULL, PRIMARY KEY (user_id, shard))",
    "CREATE FUNCTION bump_post_revisions(changed uuid[]) RETURNS void LANGUAGE sql AS $$ \
       INSERT INTO post_revisions (user_id, shard, revision) \
       SELECT DISTINCT u, (pg_backend_pid() % 8)::smallint, 1 FROM unnest(changed) AS u \
       ORDER BY u \
       ON CONFLICT (user_id, shard) DO UPDATE SET revision = post_revisions.revision + 1 $$",
    "CREATE FUNCTION posts_revision_inserted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
       PERFORM bump_post_revisions(ARRAY(SELECT user_id FROM new_posts)); RETURN NULL; END $$",
    "CREATE FUNCTION posts_revision_updated() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
       PERFORM bump_post_revisions(ARRAY(SELECT user_id FROM new_posts \
                                         UNION SELECT user_id FROM old_posts)); \
       RETURN NULL; END $$",
    "CREATE FUNCTION posts_revision_deleted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
       PERFORM bump_post_revisions(ARRAY(SELECT user_id FROM old_posts)); RETURN NULL; END $$",
    "CREATE TRIGGER posts_revision_insert AFTER INSERT ON posts \
       REFERENCING NEW TABLE AS new_posts \
       FOR EACH STATEMENT EXECUTE FUNCTION posts_revision_inserted()",
    "CREATE TRIGGER posts_revision_update AFTER UPDATE ON posts \
       REFERENCING OLD TABLE AS old_posts NEW TABLE AS new_posts \
       FOR EACH STATEMENT EXECUTE FUNCTION posts_revision_updated()",
    "CREATE TRIGGER posts_revision_delete AFTER DELETE ON posts \
       REFERENCING OLD TABLE AS old_posts \
       FOR EACH STATEMENT EXECUTE FUNCTION posts_revision_deleted()",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS posts_revision_insert",
    "DROP TRIGGER IF EXISTS posts_revision_update",
    "DROP TRIGGER IF EXISTS posts_revision_delete",
    "DROP TABLE IF EXISTS post_revisions",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS posts_revision_insert ON posts",
    "DROP TRIGGER IF EXISTS posts_revision_update ON posts",
    "DROP TRIGGER IF EXISTS posts_revision_delete ON posts",
    "DROP FUNCTION IF EXISTS posts_revision_inserted()",
    "DROP FUNCTION IF EXISTS posts_revision_updated()",
    "DROP FUNCTION IF EXISTS posts_revision_deleted()",
    "DROP FUNCTION IF EXISTS bump_post_revisions(uuid[])",
    "DROP TABLE IF EXISTS post_revisions",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_for_backend(manager, SQLITE_UP, POSTGRES_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_for_backend(manager, SQLITE_DOWN, POSTGRES_DOWN).await
    }
}
