//! Claims and leases: which instance may talk to the platform about a post, for how long.
//!
//! Every lease time is read from the database's clock (`now()` on PostgreSQL, `strftime` on
//! SQLite, written in the text format the SQLite driver stores timestamps in), never from an
//! instance's clock, so instances whose clocks drift cannot steal each other's posts.
//! Leases are short and renewed while a post is in flight; when a renewal or a checkpoint
//! finds the lease gone, the post's platform calls stop before the next one starts.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Statement,
};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::model::PostStatus;
use crate::server::entities::post;

/// SQLite's `strftime` pattern that yields the text the driver writes for a UTC timestamp
/// (RFC 3339, `+00:00`), so that stored and computed times compare as text.
const SQLITE_NOW: &str = "strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'";

/// Why a due post of a deactivated owner waits.
pub const HELD_DEACTIVATED: &str = "Held: the account owner is deactivated";

/// The database's current time, as an SQL expression of this backend.
pub(super) fn db_now(backend: DatabaseBackend) -> String {
    db_now_plus(backend, 0)
}

/// The posts `claim` takes: due (and not waiting for a retry), or whose lease expired, of
/// active owners. `active` is the placeholder bound to `true`.
fn claimable(now: &str, active: &str) -> String {
    format!(
        "((status = 'scheduled' AND scheduled_for <= {now} \
           AND (next_attempt_at IS NULL OR next_attempt_at <= {now})) \
          OR (status = 'publishing' AND lease_expires_at < {now})) \
         AND user_id IN (SELECT id FROM users WHERE is_active = {active})"
    )
}

/// What waits to be claimed, for `/metrics`: how many posts, and since when the longest
/// waiting one has been claimable.
pub(crate) async fn waiting(
    db: &DatabaseConnection,
) -> Result<(u64, Option<DateTime<Utc>>), DbErr> {
    let backend = db.get_database_backend();
    let now = db_now(backend);
    let row = db
        .query_one(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT CAST(COUNT(*) AS BIGINT) AS waiting, \
                 MIN(CASE WHEN status = 'publishing' THEN lease_expires_at \
                     ELSE COALESCE(next_attempt_at, scheduled_for) END) AS since \
                 FROM posts WHERE {}",
                claimable(&now, "$1")
            ),
            [true.into()],
        ))
        .await?;
    let Some(row) = row else { return Ok((0, None)) };
    let waiting: i64 = row.try_get("", "waiting")?;
    let since: Option<DateTime<Utc>> = row.try_get("", "since")?;
    Ok((waiting.max(0) as u64, since))
}

/// The database's current time plus `seconds`.
pub(super) fn db_now_plus(backend: DatabaseBackend, seconds: i64) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("(now() + interval '{seconds} seconds')"),
        _ => format!("{SQLITE_NOW}, '{seconds:+} seconds')"),
    }
}

/// The lease was taken over by another instance (or the post changed hands): this instance
/// must not call the platform about the post again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LeaseLost;

pub(super) struct Leases {
    db: DatabaseConnection,
    instance: String,
    lease_seconds: i64,
    renew_every: StdDuration,
    /// Posts this instance holds right now, each with the signal that tells its publishing
    /// that the lease is gone.
    held: Mutex<HashMap<Uuid, Arc<Notify>>>,
}

impl Leases {
    pub(super) fn new(
        db: DatabaseConnection,
        instance: String,
        lease_seconds: i64,
        renew_every: StdDuration,
    ) -> Self {
        Leases {
            db,
            instance,
            lease_seconds,
            renew_every,
            held: Mutex::new(HashMap::new()),
        }
    }

    fn backend(&self) -> DatabaseBackend {
        self.db.get_database_backend()
    }

    fn lease_until(&self) -> SimpleExpr {
        Expr::cust(db_now_plus(self.backend(), self.lease_seconds))
    }

    /// Takes up to `limit` due posts (and posts whose lease expired) for this instance, in one
    /// statement. PostgreSQL skips rows another instance is claiming right now; SQLite runs one
    /// writer at a time, so the statement is atomic there by itself. Posts of deactivated
    /// owners are left alone (see `hold_deactivated`).
    pub(super) async fn claim(&self, limit: u64) -> Result<Vec<post::Model>, DbErr> {
        let backend = self.backend();
        let (now, until) = (db_now(backend), db_now_plus(backend, self.lease_seconds));
        let due = format!(
            "SELECT id FROM posts WHERE {} ORDER BY scheduled_for LIMIT $3",
            claimable(&now, "$4")
        );
        let set = format!(
            "SET status = 'publishing', lease_owner = $1, lease_expires_at = {until}, updated_at = $2"
        );
        let sql = match backend {
            // The due rows are picked once, in a CTE, and locked there: as a subquery of the
            // UPDATE, PostgreSQL may run the LIMITed SELECT again when concurrent claims touch
            // its rows, and one instance then takes far more than a batch (measured: 374 of
            // 500 with a batch of 200). SKIP LOCKED leaves rows another instance is claiming.
            DatabaseBackend::Postgres => format!(
                "WITH due AS ({due} FOR UPDATE SKIP LOCKED) \
                 UPDATE posts {set} FROM due WHERE posts.id = due.id RETURNING posts.*"
            ),
            // SQLite runs one writer at a time, so the statement is atomic by itself; it
            // numbers its parameters ?1, ?2…
            _ => format!("UPDATE posts {set} WHERE id IN ({due}) RETURNING *").replace('$', "?"),
        };
        let statement = Statement::from_sql_and_values(
            backend,
            sql,
            [
                self.instance.clone().into(),
                Utc::now().into(),
                (limit as i64).into(),
                true.into(),
            ],
        );
        let claimed = post::Entity::find()
            .from_raw_sql(statement)
            .all(&self.db)
            .await?;
        let mut held = self.held.lock().expect("lease table lock");
        for post in &claimed {
            held.insert(post.id, Arc::new(Notify::new()));
        }
        Ok(claimed)
    }

    /// Due posts of deactivated owners are not claimed (see `claim`); they stay scheduled
    /// with this reason until their owner is reactivated, then go out like any due post.
    pub(super) async fn hold_deactivated(&self) -> Result<u64, DbErr> {
        let backend = self.backend();
        let now = db_now(backend);
        let sql = format!(
            "UPDATE posts SET error_message = $1, updated_at = $2 \
             WHERE status = 'scheduled' AND scheduled_for <= {now} \
               AND (error_message IS NULL OR error_message <> $1) \
               AND user_id IN (SELECT id FROM users WHERE is_active = $3)"
        );
        let sql = match backend {
            DatabaseBackend::Postgres => sql,
            _ => sql.replace('$', "?"),
        };
        let held = self
            .db
            .execute(Statement::from_sql_and_values(
                backend,
                sql,
                [HELD_DEACTIVATED.into(), Utc::now().into(), false.into()],
            ))
            .await?;
        Ok(held.rows_affected())
    }

    /// The post is settled (or abandoned): its lease is no longer renewed.
    pub(super) fn release(&self, id: Uuid) {
        self.held.lock().expect("lease table lock").remove(&id);
    }

    /// Writes a checkpoint and extends the lease, only while this instance holds a live lease
    /// on the post. `Err(LeaseLost)` when the write changed no row: the caller must stop
    /// before any further platform call.
    pub(super) async fn checkpoint(
        &self,
        id: Uuid,
        column: post::Column,
        value: SimpleExpr,
    ) -> Result<Result<(), LeaseLost>, DbErr> {
        let result = post::Entity::update_many()
            .col_expr(column, value)
            .col_expr(post::Column::LeaseExpiresAt, self.lease_until())
            .filter(post::Column::Id.eq(id))
            .filter(post::Column::Status.eq(PostStatus::Publishing))
            .filter(post::Column::LeaseOwner.eq(self.instance.as_str()))
            .filter(Expr::cust(format!(
                "lease_expires_at > {}",
                db_now(self.backend())
            )))
            .exec(&self.db)
            .await?;
        Ok(if result.rows_affected == 1 {
            Ok(())
        } else {
            Err(LeaseLost)
        })
    }

    /// Runs one platform call while the lease on `id` holds; the call is dropped (no further
    /// request is sent) as soon as a renewal finds the lease gone.
    pub(super) async fn while_held<F: Future>(
        &self,
        id: Uuid,
        call: F,
    ) -> Result<F::Output, LeaseLost> {
        let lost = self
            .held
            .lock()
            .expect("lease table lock")
            .get(&id)
            .cloned()
            .ok_or(LeaseLost)?;
        tokio::select! {
            biased;
            _ = lost.notified() => Err(LeaseLost),
            output = call => Ok(output),
        }
    }

    /// Runs `work` (the publishing of a batch) while renewing the leases of the posts this
    /// instance holds every `renew_every`; renewal stops when the work is done.
    pub(super) async fn renewing_while<F: Future>(&self, work: F) -> F::Output {
        let done = Notify::new();
        let work = async {
            let output = work.await;
            done.notify_one();
            output
        };
        let heartbeat = async {
            loop {
                tokio::select! {
                    _ = done.notified() => break,
                    _ = tokio::time::sleep(self.renew_every) => {
                        if let Err(err) = self.renew().await {
                            // The next renewal tries again; if the lease runs out meanwhile,
                            // the checkpoints and outcome writes find out and stop.
                            tracing::warn!(error = %err, "lease renewal failed");
                        }
                    }
                }
            }
        };
        let (output, ()) = tokio::join!(work, heartbeat);
        output
    }

    /// Extends the lease of every post this instance holds, and signals the publishing of
    /// each post whose lease is gone.
    async fn renew(&self) -> Result<(), DbErr> {
        let ids: Vec<Uuid> = self
            .held
            .lock()
            .expect("lease table lock")
            .keys()
            .copied()
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        let mut kept = std::collections::HashSet::new();
        // Bounded statements: a batch holds at most `batch_size` posts, but keep well under
        // SQLite's limit on bound parameters anyway.
        for chunk in ids.chunks(500) {
            // RETURNING through sea-query: SeaORM's `exec_with_returning` is off for SQLite.
            let update = Query::update()
                .table(post::Entity)
                .value(post::Column::LeaseExpiresAt, self.lease_until())
                .and_where(post::Column::Id.is_in(chunk.iter().copied()))
                .and_where(post::Column::Status.eq(PostStatus::Publishing))
                .and_where(post::Column::LeaseOwner.eq(self.instance.as_str()))
                .returning_col(post::Column::Id)
                .to_owned();
            let rows = self.db.query_all(self.backend().build(&update)).await?;
            for row in rows {
                kept.insert(row.try_get::<Uuid>("", "id")?);
            }
        }
        let held = self.held.lock().expect("lease table lock");
        for id in ids.iter().filter(|id| !kept.contains(*id)) {
            if let Some(lost) = held.get(id) {
                tracing::warn!(post_id = %id, instance = %self.instance, "lease lost while publishing");
                lost.notify_one();
            }
        }
        Ok(())
    }
}
