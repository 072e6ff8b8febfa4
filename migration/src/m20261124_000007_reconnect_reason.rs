//! Why an account needs reconnecting, kept on the account: the accounts page and the home
//! page show it beside the "Reconnect" button (until now it was only in the event log).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SocialAccounts {
    Table,
    ReconnectReason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SocialAccounts::Table)
                    .add_column(text_null(SocialAccounts::ReconnectReason))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SocialAccounts::Table)
                    .drop_column(SocialAccounts::ReconnectReason)
                    .to_owned(),
            )
            .await
    }
}
