//! Security bookkeeping: a bounded failed sign-in counter on each user (one counter and the
//! start of its window, never a row per failure), a flag on API keys issued by provisioning
//! (they work whatever the user's plan), and the indexes the retention job prunes by.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    FailedSignIns,
    FailedSignInsSince,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    PlatformIssued,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(integer(Users::FailedSignIns).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(timestamp_with_time_zone_null(Users::FailedSignInsSince))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ApiKeys::Table)
                    .add_column(boolean(ApiKeys::PlatformIssued).default(false))
                    .to_owned(),
            )
            .await?;
        // Retention deletes spent tokens by age.
        for (name, table, column) in [
            ("ix_refresh_tokens_expires", "refresh_tokens", "expires_at"),
            (
                "ix_password_reset_tokens_expires",
                "password_reset_tokens",
                "expires_at",
            ),
            (
                "ix_webhook_events_received",
                "webhook_events",
                "received_at",
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Alias::new(table))
                        .col(Alias::new(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            ("ix_refresh_tokens_expires", "refresh_tokens"),
            ("ix_password_reset_tokens_expires", "password_reset_tokens"),
            ("ix_webhook_events_received", "webhook_events"),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(ApiKeys::Table)
                    .drop_column(ApiKeys::PlatformIssued)
                    .to_owned(),
            )
            .await?;
        for column in [Users::FailedSignInsSince, Users::FailedSignIns] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
