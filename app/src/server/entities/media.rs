use sea_orm::entity::prelude::*;

use crate::model::MediaKind;

/// A file of a user's media library (see the `media` service).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "media")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    /// The name it was uploaded with (shown and searched, never trusted for its type).
    pub filename: String,
    pub kind: MediaKind,
    /// Sniffed from the bytes.
    pub content_type: String,
    pub byte_size: i64,
    pub width: i32,
    pub height: i32,
    pub duration_ms: Option<i64>,
    /// SHA-256 (hex) of the bytes; unique per user.
    pub content_hash: String,
    /// Where the bytes are in the media store.
    pub object_key: String,
    /// Where its JPEG thumbnail is in the media store.
    pub thumbnail_key: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
