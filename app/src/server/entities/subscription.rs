use sea_orm::entity::prelude::*;

use crate::model::{PlanTier, SubscriptionStatus, SubscriptionView};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subscriptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub user_id: Uuid,
    pub stripe_subscription_id: Option<String>,
    pub status: SubscriptionStatus,
    pub plan: PlanTier,
    pub current_period_start: Option<DateTimeUtc>,
    pub current_period_end: Option<DateTimeUtc>,
    pub cancel_at_period_end: bool,
    /// A past-due subscription keeps its paid plan until then (see `billing::settle_grace`).
    pub grace_until: Option<DateTimeUtc>,
    /// When the newest Stripe event applied to this row was created: older ones are skipped.
    pub stripe_synced_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    pub fn view(&self) -> SubscriptionView {
        SubscriptionView {
            id: self.id,
            plan: self.plan,
            status: self.status,
            stripe_subscription_id: self.stripe_subscription_id.clone(),
            current_period_start: self.current_period_start,
            current_period_end: self.current_period_end,
            cancel_at_period_end: self.cancel_at_period_end,
            grace_until: self.grace_until,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}
