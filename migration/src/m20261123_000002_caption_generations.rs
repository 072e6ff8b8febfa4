//! One row per AI caption generated: what the monthly caption quota counts.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CaptionGenerations {
    Table,
    Id,
    UserId,
    QueueItemId,
    Platform,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CaptionGenerations::Table)
                    .col(pk_uuid(CaptionGenerations::Id))
                    .col(uuid(CaptionGenerations::UserId))
                    .col(uuid_null(CaptionGenerations::QueueItemId))
                    .col(string_len(CaptionGenerations::Platform, 20))
                    .col(timestamp_with_time_zone(CaptionGenerations::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CaptionGenerations::Table, CaptionGenerations::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_caption_generations_user_created")
                    .table(CaptionGenerations::Table)
                    .col(CaptionGenerations::UserId)
                    .col(CaptionGenerations::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CaptionGenerations::Table).to_owned())
            .await
    }
}
