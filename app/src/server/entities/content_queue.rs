use sea_orm::entity::prelude::*;

use super::StringList;
use crate::model::{Platform, QueueItemView, QueueStatus};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "content_queue")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    #[sea_orm(column_type = "JsonBinary")]
    pub product_data: Json,
    #[sea_orm(column_type = "Text", nullable)]
    pub ai_generated_content: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub ai_hashtags: StringList,
    #[sea_orm(column_type = "JsonBinary")]
    pub platforms: StringList,
    pub status: QueueStatus,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    pub fn view(&self) -> QueueItemView {
        QueueItemView {
            id: self.id,
            product_data: self.product_data.clone(),
            ai_generated_content: self.ai_generated_content.clone(),
            ai_hashtags: self.ai_hashtags.0.clone(),
            platforms: self
                .platforms
                .0
                .iter()
                .filter_map(|p| Platform::parse(p))
                .collect(),
            status: self.status,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}
