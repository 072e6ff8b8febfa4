//! The media library: `media` (a user's stored files, one per content hash), `media_uploads`
//! (uploads in progress, whose bytes wait in the store's staging area) and `users.media_bytes`
//! (what the user's files take, kept by conditional updates so parallel uploads cannot pass
//! the plan's quota together).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Media {
    Table,
    Id,
    UserId,
    Filename,
    Kind,
    ContentType,
    ByteSize,
    Width,
    Height,
    DurationMs,
    ContentHash,
    ObjectKey,
    ThumbnailKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MediaUploads {
    Table,
    Id,
    UserId,
    Filename,
    ByteSize,
    Received,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    MediaBytes,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Media::Table)
                    .col(pk_uuid(Media::Id))
                    .col(uuid(Media::UserId))
                    .col(string_len(Media::Filename, 255))
                    .col(string_len(Media::Kind, 20))
                    .col(string_len(Media::ContentType, 100))
                    .col(big_integer(Media::ByteSize))
                    .col(integer(Media::Width))
                    .col(integer(Media::Height))
                    .col(big_integer_null(Media::DurationMs))
                    .col(string_len(Media::ContentHash, 64))
                    .col(string_len(Media::ObjectKey, 255))
                    .col(string_len(Media::ThumbnailKey, 255))
                    .col(timestamp_with_time_zone(Media::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Media::Table, Media::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_media_user_hash")
                    .table(Media::Table)
                    .col(Media::UserId)
                    .col(Media::ContentHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_media_user_created")
                    .table(Media::Table)
                    .col(Media::UserId)
                    .col(Media::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MediaUploads::Table)
                    .col(pk_uuid(MediaUploads::Id))
                    .col(uuid(MediaUploads::UserId))
                    .col(string_len(MediaUploads::Filename, 255))
                    .col(big_integer(MediaUploads::ByteSize))
                    .col(big_integer(MediaUploads::Received))
                    .col(timestamp_with_time_zone(MediaUploads::CreatedAt))
                    .col(timestamp_with_time_zone(MediaUploads::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(MediaUploads::Table, MediaUploads::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_media_uploads_updated_at")
                    .table(MediaUploads::Table)
                    .col(MediaUploads::UpdatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(big_integer(Users::MediaBytes).default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::MediaBytes)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(MediaUploads::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Media::Table).to_owned())
            .await
    }
}
