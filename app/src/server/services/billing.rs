//! Billing: checkout, the customer portal, the current subscription, cancellation.
//! Without a Stripe key (mock mode) checkout activates the subscription at once; the Stripe
//! client for real payments plugs in here.

use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
    TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::event_log::{self, Event};
use super::usage;
use crate::error::AppError;
use crate::model::{
    BillingOverview, CheckoutSession, EventKind, PlanTier, SubscriptionStatus, SubscriptionView,
};
use crate::server::config::BillingSettings;
use crate::server::db;
use crate::server::entities::{subscription, user};

/// A billing period in mock mode.
const MOCK_PERIOD_DAYS: i64 = 30;

pub async fn current(
    db: &impl ConnectionTrait,
    owner: &user::Model,
) -> Result<Option<subscription::Model>, AppError> {
    Ok(subscription::Entity::find()
        .filter(subscription::Column::UserId.eq(owner.id))
        .one(db)
        .await?)
}

/// Starts a checkout for a paid plan. In mock mode the subscription is active immediately and
/// the user's plan changes; the URL leads back to the billing page. With a Stripe key set,
/// only Stripe may grant a paid plan, and it is not wired yet: refused (startup refuses such a
/// key too; this holds even if settings reach the service another way).
pub async fn checkout<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: &user::Model,
    plan: PlanTier,
    settings: &BillingSettings,
    public_url: &str,
) -> Result<CheckoutSession, AppError> {
    if !settings.stripe_secret_key.is_empty() {
        return Err(AppError::Unavailable(
            "Paid plans cannot be bought yet: payment by Stripe is not supported".into(),
        ));
    }
    if plan == PlanTier::Free {
        return Err(AppError::validation(
            "plan",
            "Checkout is for the pro or enterprise plan",
        ));
    }
    if owner.plan == plan {
        return Err(AppError::BadRequest(format!(
            "You are already on the {} plan",
            plan.limits().name
        )));
    }
    let now = Utc::now();
    let session_id = format!("mock_cs_{}", Uuid::new_v4().simple());
    // Reads the subscription, then writes it: under the owner's write lock, so two tabs
    // checking out at once neither fail on SQLite's lock nor create two subscriptions.
    let txn = db::begin_owner_write(db, owner.id).await?;
    let period = (Some(now), Some(now + Duration::days(MOCK_PERIOD_DAYS)));
    match current(&txn, owner).await? {
        Some(existing) => {
            let mut active = existing.into_active_model();
            active.plan = Set(plan);
            active.status = Set(SubscriptionStatus::Active);
            active.current_period_start = Set(period.0);
            active.current_period_end = Set(period.1);
            active.cancel_at_period_end = Set(false);
            active.updated_at = Set(now);
            active.update(&txn).await?;
        }
        None => {
            subscription::ActiveModel {
                id: Set(Uuid::new_v4()),
                user_id: Set(owner.id),
                stripe_subscription_id: Set(None),
                status: Set(SubscriptionStatus::Active),
                plan: Set(plan),
                current_period_start: Set(period.0),
                current_period_end: Set(period.1),
                cancel_at_period_end: Set(false),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?;
        }
    }
    let mut user = owner.clone().into_active_model();
    user.plan = Set(plan);
    user.updated_at = Set(now);
    user.update(&txn).await?;
    txn.commit().await?;
    event_log::record(
        db,
        Event::new(
            EventKind::Audit,
            format!("Plan changed from {} to {plan}", owner.plan),
        )
        .user(owner.id)
        .data(json!({ "from": owner.plan, "to": plan, "session_id": session_id, "mode": "mock" })),
    )
    .await;
    Ok(CheckoutSession {
        checkout_url: format!(
            "{}/billing?checkout=success&session_id={session_id}",
            public_url.trim_end_matches('/')
        ),
        session_id,
    })
}

/// Where the user manages payment details (the billing page in mock mode).
pub fn portal_url(public_url: &str) -> String {
    format!("{}/billing", public_url.trim_end_matches('/'))
}

pub async fn overview(
    db: &impl ConnectionTrait,
    owner: &user::Model,
) -> Result<BillingOverview, AppError> {
    Ok(BillingOverview {
        plan: owner.plan,
        subscription: current(db, owner).await?.map(|s| s.view()),
        usage: usage::usage(db, owner).await?,
    })
}

/// Cancels at the end of the paid period; the plan stays until then.
pub async fn cancel(
    db: &impl ConnectionTrait,
    owner: &user::Model,
) -> Result<SubscriptionView, AppError> {
    let subscription = current(db, owner)
        .await?
        .filter(|s| {
            matches!(
                s.status,
                SubscriptionStatus::Active | SubscriptionStatus::Trialing
            )
        })
        .ok_or_else(|| AppError::BadRequest("You have no active subscription to cancel".into()))?;
    if subscription.cancel_at_period_end {
        return Err(AppError::BadRequest(
            "This subscription is already set to end".into(),
        ));
    }
    let mut active = subscription.into_active_model();
    active.cancel_at_period_end = Set(true);
    active.updated_at = Set(Utc::now());
    let updated = active.update(db).await?;
    event_log::record(
        db,
        Event::new(EventKind::Audit, "Subscription set to cancel at period end").user(owner.id),
    )
    .await;
    Ok(updated.view())
}

/// Undoes a cancellation before the period ends: the subscription renews again.
pub async fn resume(
    db: &impl ConnectionTrait,
    owner: &user::Model,
) -> Result<SubscriptionView, AppError> {
    let subscription = current(db, owner)
        .await?
        .filter(|s| s.cancel_at_period_end)
        .ok_or_else(|| AppError::BadRequest("Your subscription is not set to end".into()))?;
    if subscription
        .current_period_end
        .is_some_and(|end| end <= Utc::now())
    {
        return Err(AppError::BadRequest(
            "This subscription has already ended: choose a plan to subscribe again".into(),
        ));
    }
    let mut active = subscription.into_active_model();
    active.cancel_at_period_end = Set(false);
    active.updated_at = Set(Utc::now());
    let updated = active.update(db).await?;
    event_log::record(
        db,
        Event::new(EventKind::Audit, "Subscription resumed").user(owner.id),
    )
    .await;
    Ok(updated.view())
}
