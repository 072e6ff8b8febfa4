use sea_orm::entity::prelude::*;

use super::StringList;
use crate::model::{Platform, TemplateView};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "templates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub hashtags: StringList,
    #[sea_orm(column_type = "JsonBinary")]
    pub platforms: StringList,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    pub fn view(&self) -> TemplateView {
        TemplateView {
            id: self.id,
            name: self.name.clone(),
            content: self.content.clone(),
            hashtags: self.hashtags.0.clone(),
            // Stored values were validated on the way in.
            platforms: self
                .platforms
                .0
                .iter()
                .filter_map(|p| Platform::parse(p))
                .collect(),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}
