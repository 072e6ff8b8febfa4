use sea_orm::entity::prelude::*;
use sea_orm::Set;

use super::StringList;
use crate::model::{Platform, PostStatus, PostView};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "posts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub account_id: Uuid,
    pub queue_item_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub media_urls: StringList,
    #[sea_orm(column_type = "JsonBinary")]
    pub hashtags: StringList,
    pub platform: Platform,
    pub status: PostStatus,
    pub scheduled_for: Option<DateTimeUtc>,
    pub posted_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub error_message: Option<String>,
    pub external_post_id: Option<String>,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTimeUtc>,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<DateTimeUtc>,
    /// The platform's handle on a publication in progress (see `publishing::adapter::Started`).
    pub publish_ref: Option<String>,
    /// Set when an attempt begins talking to the platform; a recovered post with it set may
    /// already be out there.
    pub publish_started_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A new post row: no media or hashtags yet, not published, no attempts, lease or publishing
/// checkpoint, created now. Callers set what else they know; new columns get their start
/// value here, once.
pub fn new_row(
    user_id: Uuid,
    account_id: Uuid,
    platform: Platform,
    content: String,
    status: PostStatus,
    scheduled_for: Option<DateTimeUtc>,
) -> ActiveModel {
    let now = chrono::Utc::now();
    ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user_id),
        account_id: Set(account_id),
        queue_item_id: Set(None),
        content: Set(content),
        media_urls: Set(StringList::default()),
        hashtags: Set(StringList::default()),
        platform: Set(platform),
        status: Set(status),
        scheduled_for: Set(scheduled_for),
        posted_at: Set(None),
        error_message: Set(None),
        external_post_id: Set(None),
        attempts: Set(0),
        next_attempt_at: Set(None),
        lease_owner: Set(None),
        lease_expires_at: Set(None),
        publish_ref: Set(None),
        publish_started_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

impl Model {
    pub fn view(&self) -> PostView {
        PostView {
            id: self.id,
            account_id: self.account_id,
            platform: self.platform,
            content: self.content.clone(),
            media_urls: self.media_urls.0.clone(),
            hashtags: self.hashtags.0.clone(),
            status: self.status,
            scheduled_for: self.scheduled_for,
            posted_at: self.posted_at,
            error_message: self.error_message.clone(),
            external_post_id: self.external_post_id.clone(),
            attempts: self.attempts,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }

    /// When the post appears on the calendar (see `calendar_time`).
    pub fn calendar_time(&self) -> Option<DateTimeUtc> {
        calendar_time(self.posted_at, self.scheduled_for)
    }
}

/// When a post appears on the calendar: its publication once published, else its slot. The
/// one rule for every calendar read, whole rows or a few columns.
pub fn calendar_time(
    posted_at: Option<DateTimeUtc>,
    scheduled_for: Option<DateTimeUtc>,
) -> Option<DateTimeUtc> {
    posted_at.or(scheduled_for)
}
