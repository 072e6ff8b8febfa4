//! What the publishing engine needs to resume an interrupted publication without posting
//! twice: when it began talking to the platform, and the platform's handle on the post in
//! progress (an Instagram container, a TikTok publish id). Plus the indexes the engine's
//! daily cap and the calendar's published posts read.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Posts {
    Table,
    UserId,
    AccountId,
    PostedAt,
    PublishRef,
    PublishStartedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        manager
            .alter_table(
                Table::alter()
                    .table(Posts::Table)
                    .add_column(string_len_null(Posts::PublishRef, 255))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Posts::Table)
                    .add_column(timestamp_with_time_zone_null(Posts::PublishStartedAt))
                    .to_owned(),
            )
            .await?;
        // The per-account daily publishing cap counts recent posts of one account.
        manager
            .create_index(
                Index::create()
                    .name("ix_posts_account_posted")
                    .table(Posts::Table)
                    .col(Posts::AccountId)
                    .col(Posts::PostedAt)
                    .to_owned(),
            )
            .await?;
        // The calendar places published posts by their publication time.
        manager
            .create_index(
                Index::create()
                    .name("ix_posts_user_posted")
                    .table(Posts::Table)
                    .col(Posts::UserId)
                    .col(Posts::PostedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_posts_account_posted")
                    .table(Posts::Table)
                    .to_owned(),
            )
            .await?;
        for column in [Posts::PublishStartedAt, Posts::PublishRef] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Posts::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
