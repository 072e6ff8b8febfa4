use sea_orm::entity::prelude::*;

use crate::model::{Platform, SocialAccountInfo};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "social_accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub platform: Platform,
    pub account_name: String,
    pub account_id_external: String,
    /// Encrypted at rest; never serialized.
    pub access_token_enc: Option<String>,
    pub refresh_token_enc: Option<String>,
    pub token_expires_at: Option<DateTimeUtc>,
    pub needs_reconnect: bool,
    /// Why the account needs reconnecting (set with `needs_reconnect`, cleared with it).
    pub reconnect_reason: Option<String>,
    /// The account has published through the platform's own login (it held its tokens).
    pub platform_login: bool,
    pub is_connected: bool,
    pub connected_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    pub fn info(&self) -> SocialAccountInfo {
        SocialAccountInfo {
            id: self.id,
            platform: self.platform,
            account_name: self.account_name.clone(),
            account_id_external: self.account_id_external.clone(),
            is_connected: self.is_connected,
            needs_reconnect: self.needs_reconnect,
            connected_at: self.connected_at,
            created_at: self.created_at,
        }
    }
}
