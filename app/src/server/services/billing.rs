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

/// What one settlement of mock billing periods did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Settled {
    /// Cancelled subscriptions whose period ended: the user is back on Free.
    pub ended: u64,
    /// Subscriptions whose period ended without a cancellation: a new period began.
    pub renewed: u64,
}

/// Mock mode's stand-in for Stripe's own billing cycle: a subscription cancelled at period
/// end ends when the period does (the user returns to Free), and one that was not renews for
/// another period. Only subscriptions Stripe does not know are touched; with a Stripe key
/// configured, Stripe's webhooks decide instead and this does nothing.
pub async fn settle_mock_periods<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    settings: &BillingSettings,
    now: chrono::DateTime<Utc>,
) -> Result<Settled, AppError> {
    let mut settled = Settled::default();
    if !settings.stripe_secret_key.is_empty() {
        return Ok(settled);
    }
    let due = subscription::Entity::find()
        .filter(subscription::Column::StripeSubscriptionId.is_null())
        .filter(
            subscription::Column::Status
                .is_in([SubscriptionStatus::Active, SubscriptionStatus::Trialing]),
        )
        .filter(subscription::Column::CurrentPeriodEnd.lte(now))
        .all(db)
        .await?;
    for row in due {
        // Each under its owner's write lock, re-read inside: a checkout or a resume in
        // another tab (or another instance settling) decides first, and is not undone.
        let txn = db::begin_owner_write(db, row.user_id).await?;
        let Some(current) = subscription::Entity::find_by_id(row.id).one(&txn).await? else {
            continue;
        };
        let still_due = current.current_period_end.is_some_and(|end| end <= now)
            && matches!(
                current.status,
                SubscriptionStatus::Active | SubscriptionStatus::Trialing
            );
        if !still_due {
            continue;
        }
        let user_id = current.user_id;
        let plan = current.plan;
        let ending = current.cancel_at_period_end;
        let mut active = current.clone().into_active_model();
        if ending {
            active.status = Set(SubscriptionStatus::Canceled);
            active.cancel_at_period_end = Set(false);
            if let Some(owner) = user::Entity::find_by_id(user_id).one(&txn).await? {
                if owner.plan == plan {
                    let mut user = owner.into_active_model();
                    user.plan = Set(PlanTier::Free);
                    user.updated_at = Set(now);
                    user.update(&txn).await?;
                }
            }
        } else {
            let start = current.current_period_end.unwrap_or(now);
            // A server that was off for longer than a period catches up to the present one.
            let mut end = start + Duration::days(MOCK_PERIOD_DAYS);
            while end <= now {
                end += Duration::days(MOCK_PERIOD_DAYS);
            }
            active.current_period_start = Set(Some(end - Duration::days(MOCK_PERIOD_DAYS)));
            active.current_period_end = Set(Some(end));
        }
        active.updated_at = Set(now);
        active.update(&txn).await?;
        txn.commit().await?;
        let message = if ending {
            settled.ended += 1;
            format!("Subscription ended; plan changed from {plan} to free")
        } else {
            settled.renewed += 1;
            "Subscription renewed for another period".to_string()
        };
        event_log::record(
            db,
            Event::new(EventKind::Audit, message)
                .user(user_id)
                .data(json!({ "plan": plan, "mode": "mock" })),
        )
        .await;
    }
    Ok(settled)
}

/// Settles mock billing periods every 10 minutes. Every instance may run it: each
/// subscription is settled under its owner's lock and re-checked there.
pub fn mock_periods_job(
    db: sea_orm::DatabaseConnection,
    settings: BillingSettings,
) -> Result<tokio_cron_scheduler::Job, tokio_cron_scheduler::JobSchedulerError> {
    tokio_cron_scheduler::Job::new_async("0 */10 * * * *", move |_, _| {
        let (db, settings) = (db.clone(), settings.clone());
        Box::pin(async move {
            match settle_mock_periods(&db, &settings, Utc::now()).await {
                Ok(settled) if settled != Settled::default() => {
                    tracing::info!(?settled, "mock billing periods settled")
                }
                Ok(_) => {}
                Err(err) => tracing::error!(error = %err, "settling mock billing periods failed"),
            }
        })
    })
}
