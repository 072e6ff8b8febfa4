//! A post's metrics are part of the user's post revision (migration
//! `m20261124_000004_post_revisions`): any insert, update or delete of a `post_metrics` row
//! bumps the revision of the post's owner, in the writing transaction. The analytics answers
//! kept by `app::server::services::post_reads` read metrics, so they must move with them.
//! `post_metrics` has no owner column: the triggers find it through the post. A delete that
//! cascades from a deleted post finds no post any more; the post's own delete trigger bumps.
//! An update bumps only when a number (or the post) changed: the metrics job rewrites every
//! recent post's row each time it runs, and `fetched_at` alone changes no kept answer (none
//! reads it), so unchanged posts keep their users' answers.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// SQLite row triggers, as for posts. (An upsert from a SELECT needs its WHERE clause, or
/// SQLite reads `ON CONFLICT` as a join constraint.)
const SQLITE_UP: &[&str] = &[
    "CREATE TRIGGER post_metrics_revision_insert AFTER INSERT ON post_metrics BEGIN \
       INSERT INTO post_revisions (user_id, shard, revision) \
       SELECT user_id, 0, 1 FROM posts WHERE id = NEW.post_id \
       ON CONFLICT (user_id, shard) DO UPDATE SET revision = revision + 1; END",
    "CREATE TRIGGER post_metrics_revision_update AFTER UPDATE ON post_metrics \
       WHEN OLD.post_id IS NOT NEW.post_id OR OLD.impressions IS NOT NEW.impressions \
         OR OLD.reach IS NOT NEW.reach OR OLD.likes IS NOT NEW.likes \
         OR OLD.comments IS NOT NEW.comments OR OLD.shares IS NOT NEW.shares \
         OR OLD.clicks IS NOT NEW.clicks BEGIN \
       INSERT INTO post_revisions (user_id, shard, revision) \
       SELECT DISTINCT user_id, 0, 1 FROM posts WHERE id IN (NEW.post_id, OLD.post_id) \
       ON CONFLICT (user_id, shard) DO UPDATE SET revision = revision + 1; END",
    "CREATE TRIGGER post_metrics_revision_delete AFTER DELETE ON post_metrics BEGIN \
       INSERT INTO post_revisions (user_id, shard, revision) \
       SELECT user_id, 0, 1 FROM posts WHERE id = OLD.post_id \
       ON CONFLICT (user_id, shard) DO UPDATE SET revision = revision + 1; END",
];

/// PostgreSQL statement triggers over the transition tables, through the posts' function
/// `bump_post_revisions` (its own shard, owners in id order).
const POSTGRES_UP: &[&str] = &[
    "CREATE FUNCTION post_metrics_revision_inserted() RETURNS trigger LANGUAGE plpgsql AS $$ \
       BEGIN PERFORM bump_post_revisions(ARRAY( \
         SELECT p.user_id FROM new_metrics n JOIN posts p ON p.id = n.post_id)); \
       RETURN NULL; END $$",
    "CREATE FUNCTION post_metrics_revision_updated() RETURNS trigger LANGUAGE plpgsql AS $$ \
       BEGIN PERFORM bump_post_revisions(ARRAY( \
         SELECT p.user_id FROM posts p WHERE p.id IN ( \
           SELECT changed.post_id FROM new_metrics n JOIN old_metrics o ON o.id = n.id, \
             LATERAL (VALUES (n.post_id), (o.post_id)) AS changed(post_id) \
           WHERE (n.post_id, n.impressions, n.reach, n.likes, n.comments, n.shares, n.clicks) \
             IS DISTINCT FROM \
             (o.post_id, o.impressions, o.reach, o.likes, o.comments, o.shares, o.clicks)))); \
       RETURN NULL; END $$",
    "CREATE FUNCTION post_metrics_revision_deleted() RETURNS trigger LANGUAGE plpgsql AS $$ \
       BEGIN PERFORM bump_post_revisions(ARRAY( \
         SELECT p.user_id FROM old_metrics o JOIN posts p ON p.id = o.post_id)); \
       RETURN NULL; END $$",
    "CREATE TRIGGER post_metrics_revision_insert AFTER INSERT ON post_metrics \
       REFERENCING NEW TABLE AS new_metrics \
       FOR EACH STATEMENT EXECUTE FUNCTION post_metrics_revision_inserted()",
    "CREATE TRIGGER post_metrics_revision_update AFTER UPDATE ON post_metrics \
       REFERENCING OLD TABLE AS old_metrics NEW TABLE AS new_metrics \
       FOR EACH STATEMENT EXECUTE FUNCTION post_metrics_revision_updated()",
    "CREATE TRIGGER post_metrics_revision_delete AFTER DELETE ON post_metrics \
       REFERENCING OLD TABLE AS old_metrics \
       FOR EACH STATEMENT EXECUTE FUNCTION post_metrics_revision_deleted()",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS post_metrics_revision_insert",
    "DROP TRIGGER IF EXISTS post_metrics_revision_update",
    "DROP TRIGGER IF EXISTS post_metrics_revision_delete",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS post_metrics_revision_insert ON post_metrics",
    "DROP TRIGGER IF EXISTS post_metrics_revision_update ON post_metrics",
    "DROP TRIGGER IF EXISTS post_metrics_revision_delete ON post_metrics",
    "DROP FUNCTION IF EXISTS post_metrics_revision_inserted()",
    "DROP FUNCTION IF EXISTS post_metrics_revision_updated()",
    "DROP FUNCTION IF EXISTS post_metrics_revision_deleted()",
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
