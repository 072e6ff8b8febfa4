//! `oauth_attempts`: a platform sign-in in progress, from the redirect to the platform until
//! its accounts are connected. A row is found by the SHA-256 of its `state` (the random value
//! itself only travels in the URL), holds the PKCE verifier sealed by the token vault, and,
//! once the code is exchanged, the discovered accounts and their tokens (sealed) awaiting the
//! user's choice. Each step moves it on with a conditional write, so a replayed callback or a
//! second tab cannot use it twice.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OauthAttempts {
    Table,
    Id,
    UserId,
    Platform,
    StateHash,
    Stage,
    CodeVerifierEnc,
    ChoicesEnc,
    CreatedAt,
    ExpiresAt,
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
                    .table(OauthAttempts::Table)
                    .col(pk_uuid(OauthAttempts::Id))
                    .col(uuid(OauthAttempts::UserId))
                    .col(string_len(OauthAttempts::Platform, 20))
                    .col(string_len_uniq(OauthAttempts::StateHash, 64))
                    .col(string_len(OauthAttempts::Stage, 20))
                    .col(text(OauthAttempts::CodeVerifierEnc))
                    .col(text_null(OauthAttempts::ChoicesEnc))
                    .col(timestamp_with_time_zone(OauthAttempts::CreatedAt))
                    .col(timestamp_with_time_zone(OauthAttempts::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OauthAttempts::Table, OauthAttempts::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_oauth_attempts_expires_at")
                    .table(OauthAttempts::Table)
                    .col(OauthAttempts::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OauthAttempts::Table).to_owned())
            .await
    }
}
