use sea_orm::entity::prelude::*;

use crate::model::Platform;

/// A platform sign-in in progress (see the `oauth` service).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_attempts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    /// The platform whose button started it (Facebook and Instagram share Meta's sign-in).
    pub platform: Platform,
    /// SHA-256 (hex) of the `state` sent to the platform.
    #[sea_orm(unique)]
    pub state_hash: String,
    /// `pending` (sent to the platform), `exchanging` (its callback came), `choosing`
    /// (accounts discovered, awaiting the user's choice).
    pub stage: String,
    /// The PKCE code verifier, sealed by the token vault.
    pub code_verifier_enc: String,
    /// The discovered accounts with their tokens (JSON), sealed by the token vault.
    pub choices_enc: Option<String>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
