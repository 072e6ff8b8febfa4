//! SeaORM entities, one per table of the migration. Rules live in the services, not here.

pub mod api_key;
pub mod caption_generation;
pub mod content_queue;
pub mod event_log;
pub mod media;
pub mod media_upload;
pub mod oauth_attempt;
pub mod password_reset_token;
pub mod post;
pub mod post_metrics;
pub mod refresh_token;
pub mod scheduler_instance;
pub mod social_account;
pub mod subscription;
pub mod template;
pub mod user;
pub mod webhook_event;

use sea_orm::FromJsonQueryResult;
use serde::{Deserialize, Serialize};

/// A list of strings stored as a JSON array (hashtags, media URLs, platforms, scopes), so that
/// SQLite and PostgreSQL share one schema.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct StringList(pub Vec<String>);

impl From<Vec<String>> for StringList {
    fn from(value: Vec<String>) -> Self {
        StringList(value)
    }
}
