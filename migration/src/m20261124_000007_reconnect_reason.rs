//! Why an account needs reconnecting, kept on the account: the accounts page and the home
//! page show it beside the "Reconnect" button (until now it was only in the event log). And
//! whether the account ever published through the platform's own login: such an account,
//! once disconnected or refused, can only come back through that login (its tokens are
//! cleared on disconnect, so this is the one trace of it).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SocialAccounts {
    Table,
    ReconnectReason,
    PlatformLogin,
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
            .await?;
        // SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(SocialAccounts::Table)
                    .add_column(boolean(SocialAccounts::PlatformLogin).default(false))
                    .to_owned(),
            )
            .await?;
        // Accounts holding platform tokens today got them from the platform's login.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE social_accounts SET platform_login = TRUE WHERE access_token_enc IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SocialAccounts::Table)
                    .drop_column(SocialAccounts::ReconnectReason)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SocialAccounts::Table)
                    .drop_column(SocialAccounts::PlatformLogin)
                    .to_owned(),
            )
            .await
    }
}
