use sea_orm::entity::prelude::*;

use crate::model::{PlanTier, Role, UserProfile};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Always stored lower-cased, so uniqueness is case-insensitive.
    #[sea_orm(unique)]
    pub email: String,
    pub hashed_password: String,
    pub plan: PlanTier,
    pub role: Role,
    pub timezone: String,
    pub is_active: bool,
    pub stripe_customer_id: Option<String>,
    pub external_platform_id: Option<String>,
    pub external_store_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Wrong passwords since `failed_sign_ins_since` (the sign-in lock's window).
    pub failed_sign_ins: i32,
    pub failed_sign_ins_since: Option<DateTimeUtc>,
    /// Access tokens issued before this moment are refused (sign out everywhere).
    pub sessions_revoked_at: Option<DateTimeUtc>,
    /// Bytes the user's media-library files take (the `media` service keeps it; the plan's
    /// storage quota bounds it).
    pub media_bytes: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    pub fn profile(&self) -> UserProfile {
        UserProfile {
            id: self.id,
            email: self.email.clone(),
            plan: self.plan,
            role: self.role,
            timezone: self.timezone.clone(),
            created_at: self.created_at,
            external_platform_id: self.external_platform_id.clone(),
            external_store_id: self.external_store_id.clone(),
        }
    }
}
