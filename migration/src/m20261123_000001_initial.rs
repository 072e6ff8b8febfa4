//! The initial schema: every table of the product's models.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    HashedPassword,
    Plan,
    Role,
    Timezone,
    IsActive,
    StripeCustomerId,
    ExternalPlatformId,
    ExternalStoreId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SocialAccounts {
    Table,
    Id,
    UserId,
    Platform,
    AccountName,
    AccountIdExternal,
    AccessTokenEnc,
    RefreshTokenEnc,
    TokenExpiresAt,
    NeedsReconnect,
    IsConnected,
    ConnectedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    Id,
    UserId,
    AccountId,
    QueueItemId,
    Content,
    MediaUrls,
    Hashtags,
    Platform,
    Status,
    ScheduledFor,
    PostedAt,
    ErrorMessage,
    ExternalPostId,
    Attempts,
    NextAttemptAt,
    LeaseOwner,
    LeaseExpiresAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PostMetrics {
    Table,
    Id,
    PostId,
    Impressions,
    Reach,
    Likes,
    Comments,
    Shares,
    Clicks,
    FetchedAt,
}

#[derive(DeriveIden)]
enum ContentQueue {
    Table,
    Id,
    UserId,
    ProductData,
    AiGeneratedContent,
    AiHashtags,
    Platforms,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Subscriptions {
    Table,
    Id,
    UserId,
    StripeSubscriptionId,
    Status,
    Plan,
    CurrentPeriodStart,
    CurrentPeriodEnd,
    CancelAtPeriodEnd,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    UserId,
    Name,
    KeyHash,
    Prefix,
    Scopes,
    IsActive,
    LastUsedAt,
    ExpiresAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Templates {
    Table,
    Id,
    UserId,
    Name,
    Content,
    Hashtags,
    Platforms,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    UserId,
    FamilyId,
    TokenHash,
    ExpiresAt,
    UsedAt,
    RevokedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PasswordResetTokens {
    Table,
    Id,
    UserId,
    TokenHash,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum EventLog {
    Table,
    Id,
    At,
    Kind,
    Level,
    UserId,
    PostId,
    Message,
    Data,
}

#[derive(DeriveIden)]
enum WebhookEvents {
    Table,
    Id,
    Source,
    EventId,
    EventType,
    ReceivedAt,
}

fn fk_user<T: IntoIden + 'static>(
    table: T,
    column: impl IntoIden + 'static,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn index(
    name: &str,
    table: impl IntoIden + 'static,
    columns: &[&'static str],
) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for column in columns {
        stmt.col(Alias::new(*column));
    }
    stmt.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_uuid(Users::Id))
                    .col(string_len_uniq(Users::Email, 255))
                    .col(string_len(Users::HashedPassword, 255))
                    .col(string_len(Users::Plan, 20).default("free"))
                    .col(string_len(Users::Role, 20).default("member"))
                    .col(string_len(Users::Timezone, 64).default("UTC"))
                    .col(boolean(Users::IsActive).default(true))
                    .col(string_len_null(Users::StripeCustomerId, 255))
                    .col(string_len_null(Users::ExternalPlatformId, 255))
                    .col(string_len_null(Users::ExternalStoreId, 255))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SocialAccounts::Table)
                    .col(pk_uuid(SocialAccounts::Id))
                    .col(uuid(SocialAccounts::UserId))
                    .col(string_len(SocialAccounts::Platform, 20))
                    .col(string_len(SocialAccounts::AccountName, 255))
                    .col(string_len(SocialAccounts::AccountIdExternal, 255))
                    .col(text_null(SocialAccounts::AccessTokenEnc))
                    .col(text_null(SocialAccounts::RefreshTokenEnc))
                    .col(timestamp_with_time_zone_null(
                        SocialAccounts::TokenExpiresAt,
                    ))
                    .col(boolean(SocialAccounts::NeedsReconnect).default(false))
                    .col(boolean(SocialAccounts::IsConnected).default(true))
                    .col(timestamp_with_time_zone_null(SocialAccounts::ConnectedAt))
                    .col(timestamp_with_time_zone(SocialAccounts::CreatedAt))
                    .col(timestamp_with_time_zone(SocialAccounts::UpdatedAt))
                    .foreign_key(&mut fk_user(SocialAccounts::Table, SocialAccounts::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_social_accounts_user_platform_external",
                    SocialAccounts::Table,
                    &["user_id", "platform", "account_id_external"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ContentQueue::Table)
                    .col(pk_uuid(ContentQueue::Id))
                    .col(uuid(ContentQueue::UserId))
                    .col(json_binary(ContentQueue::ProductData))
                    .col(text_null(ContentQueue::AiGeneratedContent))
                    .col(json_binary(ContentQueue::AiHashtags))
                    .col(json_binary(ContentQueue::Platforms))
                    .col(string_len(ContentQueue::Status, 20).default("pending"))
                    .col(timestamp_with_time_zone(ContentQueue::CreatedAt))
                    .col(timestamp_with_time_zone(ContentQueue::UpdatedAt))
                    .foreign_key(&mut fk_user(ContentQueue::Table, ContentQueue::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_content_queue_user_status",
                ContentQueue::Table,
                &["user_id", "status", "created_at"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Posts::Table)
                    .col(pk_uuid(Posts::Id))
                    .col(uuid(Posts::UserId))
                    .col(uuid(Posts::AccountId))
                    .col(uuid_null(Posts::QueueItemId))
                    .col(text(Posts::Content))
                    .col(json_binary(Posts::MediaUrls))
                    .col(json_binary(Posts::Hashtags))
                    .col(string_len(Posts::Platform, 20))
                    .col(string_len(Posts::Status, 20).default("draft"))
                    .col(timestamp_with_time_zone_null(Posts::ScheduledFor))
                    .col(timestamp_with_time_zone_null(Posts::PostedAt))
                    .col(text_null(Posts::ErrorMessage))
                    .col(string_len_null(Posts::ExternalPostId, 255))
                    .col(integer(Posts::Attempts).default(0))
                    .col(timestamp_with_time_zone_null(Posts::NextAttemptAt))
                    .col(string_len_null(Posts::LeaseOwner, 64))
                    .col(timestamp_with_time_zone_null(Posts::LeaseExpiresAt))
                    .col(timestamp_with_time_zone(Posts::CreatedAt))
                    .col(timestamp_with_time_zone(Posts::UpdatedAt))
                    .foreign_key(&mut fk_user(Posts::Table, Posts::UserId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Posts::Table, Posts::AccountId)
                            .to(SocialAccounts::Table, SocialAccounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Posts::Table, Posts::QueueItemId)
                            .to(ContentQueue::Table, ContentQueue::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("ix_posts_user_created", &["user_id", "created_at"][..]),
            ("ix_posts_user_scheduled", &["user_id", "scheduled_for"][..]),
            (
                "ix_posts_status_scheduled",
                &["status", "scheduled_for"][..],
            ),
            ("ix_posts_queue_item", &["queue_item_id"][..]),
        ] {
            manager
                .create_index(index(name, Posts::Table, columns))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(PostMetrics::Table)
                    .col(pk_uuid(PostMetrics::Id))
                    .col(uuid_uniq(PostMetrics::PostId))
                    .col(big_integer(PostMetrics::Impressions).default(0))
                    .col(big_integer(PostMetrics::Reach).default(0))
                    .col(big_integer(PostMetrics::Likes).default(0))
                    .col(big_integer(PostMetrics::Comments).default(0))
                    .col(big_integer(PostMetrics::Shares).default(0))
                    .col(big_integer(PostMetrics::Clicks).default(0))
                    .col(timestamp_with_time_zone(PostMetrics::FetchedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PostMetrics::Table, PostMetrics::PostId)
                            .to(Posts::Table, Posts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Subscriptions::Table)
                    .col(pk_uuid(Subscriptions::Id))
                    .col(uuid_uniq(Subscriptions::UserId))
                    .col(string_len_null(Subscriptions::StripeSubscriptionId, 255))
                    .col(string_len(Subscriptions::Status, 20))
                    .col(string_len(Subscriptions::Plan, 20))
                    .col(timestamp_with_time_zone_null(
                        Subscriptions::CurrentPeriodStart,
                    ))
                    .col(timestamp_with_time_zone_null(
                        Subscriptions::CurrentPeriodEnd,
                    ))
                    .col(boolean(Subscriptions::CancelAtPeriodEnd).default(false))
                    .col(timestamp_with_time_zone(Subscriptions::CreatedAt))
                    .col(timestamp_with_time_zone(Subscriptions::UpdatedAt))
                    .foreign_key(&mut fk_user(Subscriptions::Table, Subscriptions::UserId))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .col(pk_uuid(ApiKeys::Id))
                    .col(uuid(ApiKeys::UserId))
                    .col(string_len(ApiKeys::Name, 255))
                    .col(string_len_uniq(ApiKeys::KeyHash, 64))
                    .col(string_len(ApiKeys::Prefix, 16))
                    .col(json_binary(ApiKeys::Scopes))
                    .col(boolean(ApiKeys::IsActive).default(true))
                    .col(timestamp_with_time_zone_null(ApiKeys::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::ExpiresAt))
                    .col(timestamp_with_time_zone(ApiKeys::CreatedAt))
                    .foreign_key(&mut fk_user(ApiKeys::Table, ApiKeys::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ix_api_keys_user", ApiKeys::Table, &["user_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Templates::Table)
                    .col(pk_uuid(Templates::Id))
                    .col(uuid(Templates::UserId))
                    .col(string_len(Templates::Name, 255))
                    .col(text(Templates::Content))
                    .col(json_binary(Templates::Hashtags))
                    .col(json_binary(Templates::Platforms))
                    .col(timestamp_with_time_zone(Templates::CreatedAt))
                    .col(timestamp_with_time_zone(Templates::UpdatedAt))
                    .foreign_key(&mut fk_user(Templates::Table, Templates::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ix_templates_user", Templates::Table, &["user_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RefreshTokens::Table)
                    .col(pk_uuid(RefreshTokens::Id))
                    .col(uuid(RefreshTokens::UserId))
                    .col(uuid(RefreshTokens::FamilyId))
                    .col(string_len_uniq(RefreshTokens::TokenHash, 64))
                    .col(timestamp_with_time_zone(RefreshTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(RefreshTokens::UsedAt))
                    .col(timestamp_with_time_zone_null(RefreshTokens::RevokedAt))
                    .col(timestamp_with_time_zone(RefreshTokens::CreatedAt))
                    .foreign_key(&mut fk_user(RefreshTokens::Table, RefreshTokens::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_refresh_tokens_family",
                RefreshTokens::Table,
                &["family_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PasswordResetTokens::Table)
                    .col(pk_uuid(PasswordResetTokens::Id))
                    .col(uuid(PasswordResetTokens::UserId))
                    .col(string_len_uniq(PasswordResetTokens::TokenHash, 64))
                    .col(timestamp_with_time_zone(PasswordResetTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(PasswordResetTokens::UsedAt))
                    .col(timestamp_with_time_zone(PasswordResetTokens::CreatedAt))
                    .foreign_key(&mut fk_user(
                        PasswordResetTokens::Table,
                        PasswordResetTokens::UserId,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(EventLog::Table)
                    .col(pk_uuid(EventLog::Id))
                    .col(timestamp_with_time_zone(EventLog::At))
                    .col(string_len(EventLog::Kind, 20))
                    .col(string_len(EventLog::Level, 10))
                    // No foreign keys: the log outlives the rows it speaks of.
                    .col(uuid_null(EventLog::UserId))
                    .col(uuid_null(EventLog::PostId))
                    .col(text(EventLog::Message))
                    .col(json_binary(EventLog::Data))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("ix_event_log_at", &["at"][..]),
            ("ix_event_log_kind_at", &["kind", "at"][..]),
            ("ix_event_log_user_at", &["user_id", "at"][..]),
            ("ix_event_log_post", &["post_id"][..]),
        ] {
            manager
                .create_index(index(name, EventLog::Table, columns))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(WebhookEvents::Table)
                    .col(pk_uuid(WebhookEvents::Id))
                    .col(string_len(WebhookEvents::Source, 20))
                    .col(string_len(WebhookEvents::EventId, 255))
                    .col(string_len(WebhookEvents::EventType, 255))
                    .col(timestamp_with_time_zone(WebhookEvents::ReceivedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_webhook_events_source_event",
                    WebhookEvents::Table,
                    &["source", "event_id"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            WebhookEvents::Table.into_iden(),
            EventLog::Table.into_iden(),
            PasswordResetTokens::Table.into_iden(),
            RefreshTokens::Table.into_iden(),
            Templates::Table.into_iden(),
            ApiKeys::Table.into_iden(),
            Subscriptions::Table.into_iden(),
            PostMetrics::Table.into_iden(),
            Posts::Table.into_iden(),
            ContentQueue::Table.into_iden(),
            SocialAccounts::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
