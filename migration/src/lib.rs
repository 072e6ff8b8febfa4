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
        ]
    }
}
