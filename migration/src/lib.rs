//! PostPilot's schema migrations. One schema serves SQLite and PostgreSQL: arrays are JSON,
//! enums are short strings, timestamps carry a time zone. Migrations only ever add, because
//! SQLite cannot alter columns.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_initial;
mod m20261123_000002_caption_generations;
mod m20261123_000003_publishing_checkpoints;
mod m20261124_000004_post_revisions;
mod m20261124_000005_token_renewal_claims;
mod m20261124_000006_security;
mod m20261124_000007_reconnect_reason;
mod m20261125_000008_metrics_revisions;
mod m20261125_000010_sessions_revoked;
mod m20261207_000011_admin_console;
mod m20261207_000012_oauth_attempts;
mod m20261207_000013_stripe_billing;
mod m20261207_000014_media_library;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_initial::Migration),
            Box::new(m20261123_000002_caption_generations::Migration),
            Box::new(m20261123_000003_publishing_checkpoints::Migration),
            Box::new(m20261124_000004_post_revisions::Migration),
            Box::new(m20261124_000005_token_renewal_claims::Migration),
            Box::new(m20261124_000006_security::Migration),
            Box::new(m20261124_000007_reconnect_reason::Migration),
            Box::new(m20261125_000008_metrics_revisions::Migration),
            Box::new(m20261125_000010_sessions_revoked::Migration),
            Box::new(m20261207_000011_admin_console::Migration),
            Box::new(m20261207_000012_oauth_attempts::Migration),
            Box::new(m20261207_000013_stripe_billing::Migration),
            Box::new(m20261207_000014_media_library::Migration),
        ]
    }
}

/// Runs the statements written for the connection's database, in order: for migrations whose
/// SQL differs between SQLite and PostgreSQL (triggers, functions, index kinds).
pub(crate) async fn run_for_backend(
    manager: &SchemaManager<'_>,
    sqlite: &[&str],
    postgres: &[&str],
) -> Result<(), DbErr> {
    use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};
    let db = manager.get_connection();
    let statements = match db.get_database_backend() {
        DbBackend::Sqlite => sqlite,
        DbBackend::Postgres => postgres,
        other => return Err(DbErr::Migration(format!("unsupported database {other:?}"))),
    };
    for statement in statements {
        db.execute_unprepared(statement).await?;
    }
    Ok(())
}
