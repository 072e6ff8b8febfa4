//! Token renewal is single-flight across instances: an instance renews an account's token
//! only after claiming it with a conditional update of `token_renewal_until` (a short lease
//! on the database's clock). TikTok rotates refresh tokens, so a second concurrent renewal
//! would spend one that is already dead and lock the account out.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SocialAccounts {
    Table,
    TokenRenewalUntil,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SocialAccounts::Table)
                    .add_column(timestamp_with_time_zone_null(
                        SocialAccounts::TokenRenewalUntil,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SocialAccounts::Table)
                    .drop_column(SocialAccounts::TokenRenewalUntil)
                    .to_owned(),
            )
            .await
    }
}
