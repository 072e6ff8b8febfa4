use sea_orm::entity::prelude::*;

use super::StringList;
use crate::model::ApiKeyInfo;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    /// SHA-256 of the raw key, hex.
    #[sea_orm(unique)]
    pub key_hash: String,
    pub prefix: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub scopes: StringList,
    pub is_active: bool,
    pub last_used_at: Option<DateTimeUtc>,
    pub expires_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// Issued by provisioning for the platform's calls: works whatever the owner's plan.
    pub platform_issued: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    pub fn info(&self) -> ApiKeyInfo {
        ApiKeyInfo {
            id: self.id,
            name: self.name.clone(),
            prefix: self.prefix.clone(),
            scopes: self.scopes.0.clone(),
            is_active: self.is_active,
            last_used_at: self.last_used_at,
            created_at: self.created_at,
            expires_at: self.expires_at,
        }
    }
}
