//! Billing: checkout, the customer portal, the current subscription, cancellation, and the
//! rules of a subscription's life: which plan a subscription gives (`effective_plan`), the
//! grace period after a failed payment, Stripe's view of a subscription applied to ours
//! (`sync_subscription`, used by webhooks and the nightly reconciliation alike).
//! Without a Stripe key (mock mode) checkout activates the subscription at once.

use chrono::{DateTime, Duration, Utc};
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
    BillingOverview, CheckoutSession, EventKind, EventLevel, PlanTier, SubscriptionStatus,
    SubscriptionView,
};
use crate::server::config::BillingSettings;
use crate::server::db;
use crate::server::entities::{subscription, user};
use crate::server::stripe::{CheckoutRequest, StripeGateway, StripeSubscription};

/// A billing period in mock mode.
const MOCK_PERIOD_DAYS: i64 = 30;

/// What billing needs besides the database: its settings, the Stripe client when Stripe is
/// live (`None`: mock mode), and the site's address to send users back to.
#[derive(Clone, Copy)]
pub struct BillingContext<'a> {
    pub settings: &'a BillingSettings,
    pub stripe: Option<&'a StripeGateway>,
    pub public_url: &'a str,
}

impl BillingContext<'_> {
    fn page(&self, query: &str) -> String {
        format!("{}/billing{query}", self.public_url.trim_end_matches('/'))
    }
}

pub async fn current(
    db: &impl ConnectionTrait,
    owner: &user::Model,
) -> Result<Option<subscription::Model>, AppError> {
    Ok(subscription::Entity::find()
        .filter(subscription::Column::UserId.eq(owner.id))
        .one(db)
        .await?)
}

/// The plan a subscription gives its user: the paid plan while it is active or trialing, and
/// while it is past due within its grace period; Free otherwise.
pub fn effective_plan(
    status: SubscriptionStatus,
    plan: PlanTier,
    grace_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> PlanTier {
    match status {
        SubscriptionStatus::Active | SubscriptionStatus::Trialing => plan,
        SubscriptionStatus::PastDue if grace_until.is_none_or(|until| until > now) => plan,
        _ => PlanTier::Free,
    }
}

fn check_checkout(owner: &user::Model, plan: PlanTier) -> Result<(), AppError> {
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
    Ok(())
}

/// Starts a checkout for a paid plan. With Stripe live: a Stripe Checkout Session (a 14-day
/// trial for a first subscription), or, for a customer already subscribed, the subscription
/// moved to the new plan's price; the plan changes when Stripe's webhook says so. In mock
/// mode the plan changes at once.
pub async fn checkout<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: &user::Model,
    plan: PlanTier,
    billing: BillingContext<'_>,
) -> Result<CheckoutSession, AppError> {
    check_checkout(owner, plan)?;
    match billing.stripe {
        Some(stripe) => stripe_checkout(db, owner, plan, stripe, billing).await,
        None => mock_checkout(db, owner, plan, billing).await,
    }
}

async fn stripe_checkout<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: &user::Model,
    plan: PlanTier,
    stripe: &StripeGateway,
    billing: BillingContext<'_>,
) -> Result<CheckoutSession, AppError> {
    let existing = current(db, owner).await?;
    // A paying subscriber changes plans on their subscription: a second checkout would bill
    // them twice.
    if let Some(id) = existing.as_ref().and_then(|s| {
        let paying = matches!(
            s.status,
            SubscriptionStatus::Active
                | SubscriptionStatus::Trialing
                | SubscriptionStatus::PastDue
                | SubscriptionStatus::Unpaid
        );
        s.stripe_subscription_id.clone().filter(|_| paying)
    }) {
        if let Some(found) = stripe.subscription(&id).await? {
            // An unpaid invoice is settled first: moving the subscription would hand over
            // the new plan unpaid (or, past the grace period, change nothing at all).
            if matches!(
                found.status,
                SubscriptionStatus::PastDue | SubscriptionStatus::Unpaid
            ) {
                return Err(AppError::BadRequest(
                    "Your last payment did not go through: settle it under \"Manage payment \
                     details\" before changing plans"
                        .into(),
                ));
            }
            if found.status != SubscriptionStatus::Canceled {
                let changed = stripe.change_plan(&found, plan).await?;
                sync_subscription(db, owner.id, &changed, Some(stripe_now()), billing.settings)
                    .await?;
                event_log::record(
                    db,
                    Event::new(
                        EventKind::Audit,
                        format!("Subscription moved from {} to {plan}", owner.plan),
                    )
                    .user(owner.id)
                    .data(json!({ "from": owner.plan, "to": plan, "subscription": changed.id, "mode": "stripe" })),
                )
                .await;
                return Ok(CheckoutSession {
                    checkout_url: billing.page("?checkout=changed"),
                    session_id: changed.id,
                });
            }
        }
    }
    let customer = match owner.stripe_customer_id.clone() {
        Some(customer) => customer,
        None => {
            let customer = stripe.create_customer(owner.id, &owner.email).await?;
            store_customer(db, owner.id, &customer, None).await?;
            customer
        }
    };
    // The trial is for a first subscription only.
    let trial_days = existing
        .is_none()
        .then(|| plan.limits().trial_days)
        .filter(|days| *days > 0)
        .map(|days| days as u32);
    let success_url = billing.page("?checkout=success&session_id={CHECKOUT_SESSION_ID}");
    let cancel_url = billing.page("?checkout=cancelled");
    let request = |customer| CheckoutRequest {
        customer,
        plan,
        user_id: owner.id,
        trial_days,
        success_url: &success_url,
        cancel_url: &cancel_url,
    };
    let session = match stripe.checkout(request(&customer)).await? {
        Some(session) => session,
        None => {
            // Stripe no longer knows the customer we stored (deleted in its dashboard, or
            // made with the test key before the live one): a new customer replaces it.
            tracing::warn!(user = %owner.id, stale = %customer, "Stripe no longer knows the stored customer; making a new one");
            let fresh = stripe.create_customer(owner.id, &owner.email).await?;
            store_customer(db, owner.id, &fresh, Some(&customer)).await?;
            stripe.checkout(request(&fresh)).await?.ok_or_else(|| {
                AppError::Unavailable(
                    "Stripe did not accept the customer it just made; try again in a minute".into(),
                )
            })?
        }
    };
    event_log::record(
        db,
        Event::new(EventKind::Audit, format!("Checkout started for the {plan} plan"))
            .user(owner.id)
            .data(json!({ "plan": plan, "session_id": session.id, "trial_days": trial_days, "mode": "stripe" })),
    )
    .await;
    Ok(CheckoutSession {
        checkout_url: session.url,
        session_id: session.id,
    })
}

/// Stores the user's Stripe customer in place of `replacing` (`None`: only where none is
/// stored). Conditional because two tabs race here: one tab's customer is the other's too
/// (same idempotency key), and whichever stores it first wins.
async fn store_customer(
    db: &impl ConnectionTrait,
    owner_id: Uuid,
    customer: &str,
    replacing: Option<&str>,
) -> Result<(), AppError> {
    let current = match replacing {
        Some(stale) => user::Column::StripeCustomerId.eq(stale),
        None => user::Column::StripeCustomerId.is_null(),
    };
    user::Entity::update_many()
        .col_expr(
            user::Column::StripeCustomerId,
            sea_orm::sea_query::Expr::value(customer.to_string()),
        )
        .filter(user::Column::Id.eq(owner_id))
        .filter(current)
        .exec(db)
        .await?;
    Ok(())
}

/// Mock mode: the subscription is active immediately and the user's plan changes; the URL
/// leads back to the billing page.
async fn mock_checkout<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: &user::Model,
    plan: PlanTier,
    billing: BillingContext<'_>,
) -> Result<CheckoutSession, AppError> {
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
            active.grace_until = Set(None);
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
                grace_until: Set(None),
                stripe_synced_at: Set(None),
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
        checkout_url: billing.page(&format!("?checkout=success&session_id={session_id}")),
        session_id,
    })
}

/// Where the user manages payment details: Stripe's Customer Portal for a Stripe customer,
/// the billing page in mock mode.
pub async fn portal(owner: &user::Model, billing: BillingContext<'_>) -> Result<String, AppError> {
    let Some(stripe) = billing.stripe else {
        return Ok(billing.page(""));
    };
    let customer = owner.stripe_customer_id.as_deref().ok_or_else(|| {
        AppError::BadRequest(
            "You have no payment details with us yet: choose a paid plan first".into(),
        )
    })?;
    match stripe.portal(customer, &billing.page("")).await {
        Ok(Some(page)) => Ok(page.url),
        Ok(None) => Err(AppError::BadRequest(
            "Stripe no longer has your payment details: choose a paid plan to add them again"
                .into(),
        )),
        // Any other refusal is this server's setup (the portal not configured in Stripe's
        // dashboard, say), not the user's doing: logged, and the page says to try later.
        Err(AppError::BadRequest(reason)) => {
            tracing::error!(%reason, "Stripe refused to open the Customer Portal");
            Err(AppError::Unavailable(
                "Stripe's billing portal could not open; try again later".into(),
            ))
        }
        Err(err) => Err(err),
    }
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

/// What the dashboard's banner says about a failed payment, if one is outstanding: the plan
/// kept until the grace period ends, or the return to Free after it.
pub async fn payment_problem(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    zone: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> Result<Option<String>, AppError> {
    let Some(row) = current(db, owner)
        .await?
        .filter(|s| s.status == SubscriptionStatus::PastDue)
    else {
        return Ok(None);
    };
    let name = row.plan.limits().name;
    Ok(Some(match row.grace_until {
        Some(until) if until > now => format!(
            "Your last payment did not go through. Your {name} plan stays until {}: update \
             your payment method to keep it.",
            super::local_time::format_date(zone, until)
        ),
        _ => format!(
            "Your last payment did not go through and the grace period has ended: your \
             account is on the Free plan until a payment for {name} succeeds."
        ),
    }))
}

/// Cancels at the end of the paid period; the plan stays until then. With Stripe, Stripe is
/// told first and its answer is what we store.
pub async fn cancel<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: &user::Model,
    billing: BillingContext<'_>,
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
    let updated = set_period_end_cancel(db, owner, subscription, true, billing).await?;
    event_log::record(
        db,
        Event::new(EventKind::Audit, "Subscription set to cancel at period end").user(owner.id),
    )
    .await;
    Ok(updated.view())
}

/// Undoes a cancellation before the period ends: the subscription renews again.
pub async fn resume<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: &user::Model,
    billing: BillingContext<'_>,
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
    let updated = set_period_end_cancel(db, owner, subscription, false, billing).await?;
    event_log::record(
        db,
        Event::new(EventKind::Audit, "Subscription resumed").user(owner.id),
    )
    .await;
    Ok(updated.view())
}

async fn set_period_end_cancel<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: &user::Model,
    subscription: subscription::Model,
    cancel: bool,
    billing: BillingContext<'_>,
) -> Result<subscription::Model, AppError> {
    if let (Some(stripe), Some(id)) = (billing.stripe, subscription.stripe_subscription_id.clone())
    {
        let as_of = stripe_now();
        let answer = stripe.set_cancel_at_period_end(&id, cancel).await?;
        sync_subscription(db, owner.id, &answer, Some(as_of), billing.settings).await?;
        return current(db, owner)
            .await?
            .ok_or_else(|| AppError::NotFound("Subscription not found".into()));
    }
    let mut active = subscription.into_active_model();
    active.cancel_at_period_end = Set(cancel);
    active.updated_at = Set(Utc::now());
    Ok(active.update(db).await?)
}

/// What applying Stripe's view of a subscription changed, in words for the event log.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Synced {
    pub changes: Vec<String>,
    /// The event was older than what the row already reflects: nothing was applied.
    pub outdated: bool,
}

/// Applies Stripe's view of a subscription to the user's row and plan, under the owner's
/// write lock. `as_of` is when Stripe's view was taken (the event's creation time): a view
/// older than the last one applied is skipped, so a late event never undoes a newer one.
/// An undated view (`None`: a completed checkout, which knows less than the subscription's
/// own events) never counts as newer than a dated one.
/// Past due starts the grace period (kept, not restarted, by later past-due views); a paid
/// status ends it. The user's plan follows `effective_plan`.
pub async fn sync_subscription<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner_id: Uuid,
    stripe: &StripeSubscription,
    as_of: Option<DateTime<Utc>>,
    settings: &BillingSettings,
) -> Result<Synced, AppError> {
    let now = Utc::now();
    let txn = db::begin_owner_write(db, owner_id).await?;
    let Some(owner) = user::Entity::find_by_id(owner_id).one(&txn).await? else {
        return Ok(Synced::default());
    };
    let existing = subscription::Entity::find()
        .filter(subscription::Column::UserId.eq(owner_id))
        .one(&txn)
        .await?;
    let synced_at = existing.as_ref().and_then(|row| row.stripe_synced_at);
    if synced_at.is_some_and(|synced| as_of.is_none_or(|at| synced > at)) {
        return Ok(Synced {
            outdated: true,
            ..Synced::default()
        });
    }
    // Another of the customer's subscriptions (an old, ended one) never replaces a live one.
    if let Some(row) = &existing {
        let other = row
            .stripe_subscription_id
            .as_deref()
            .is_some_and(|id| id != stripe.id);
        let row_live = matches!(
            row.status,
            SubscriptionStatus::Active | SubscriptionStatus::Trialing | SubscriptionStatus::PastDue
        );
        if other && row_live && !is_live(stripe.status) {
            return Ok(Synced::default());
        }
    }
    let plan = stripe
        .plan
        .or(existing.as_ref().map(|row| row.plan))
        .unwrap_or(owner.plan);
    let grace_until = match stripe.status {
        SubscriptionStatus::PastDue => existing
            .as_ref()
            .filter(|row| row.status == SubscriptionStatus::PastDue)
            .and_then(|row| row.grace_until)
            .or(Some(
                as_of.unwrap_or(now) + Duration::days(settings.grace_period_days),
            )),
        _ => None,
    };
    let mut changes = Vec::new();
    let mut note = |what: &str, from: String, to: String| {
        if from != to {
            changes.push(format!("{what} {from} → {to}"));
        }
    };
    let before = existing.clone();
    note(
        "status",
        before
            .as_ref()
            .map_or("none".into(), |r| r.status.to_string()),
        stripe.status.to_string(),
    );
    note(
        "plan",
        before
            .as_ref()
            .map_or("none".into(), |r| r.plan.to_string()),
        plan.to_string(),
    );
    note(
        "cancel at period end",
        before
            .as_ref()
            .map_or("false".into(), |r| r.cancel_at_period_end.to_string()),
        stripe.cancel_at_period_end.to_string(),
    );
    note(
        "period end",
        before
            .as_ref()
            .and_then(|r| r.current_period_end)
            .map_or("none".into(), |t| t.to_rfc3339()),
        stripe
            .current_period_end
            .or(before.as_ref().and_then(|r| r.current_period_end))
            .map_or("none".into(), |t| t.to_rfc3339()),
    );
    let mut active = match existing {
        Some(row) => row.into_active_model(),
        None => subscription::ActiveModel {
            id: Set(Uuid::new_v4()),
            user_id: Set(owner_id),
            created_at: Set(now),
            ..Default::default()
        },
    };
    active.stripe_subscription_id = Set(Some(stripe.id.clone()));
    active.status = Set(stripe.status);
    active.plan = Set(plan);
    // A webhook's object may leave the period out (a deleted subscription): kept as it was.
    let period_start = stripe
        .current_period_start
        .or(before.as_ref().and_then(|r| r.current_period_start));
    let period_end = stripe
        .current_period_end
        .or(before.as_ref().and_then(|r| r.current_period_end));
    active.current_period_start = Set(period_start);
    active.current_period_end = Set(period_end);
    active.cancel_at_period_end = Set(stripe.cancel_at_period_end);
    active.grace_until = Set(grace_until);
    active.stripe_synced_at = Set(as_of.or(synced_at));
    active.updated_at = Set(now);
    if before.is_some() {
        active.update(&txn).await?;
    } else {
        active.insert(&txn).await?;
    }
    let effective = effective_plan(stripe.status, plan, grace_until, now);
    let new_customer = !stripe.customer.is_empty()
        && owner.stripe_customer_id.as_deref() != Some(&stripe.customer);
    if owner.plan != effective || new_customer {
        if owner.plan != effective {
            changes.push(format!("user plan {} → {effective}", owner.plan));
            let why = match stripe.status {
                SubscriptionStatus::Canceled => "the subscription ended".to_string(),
                SubscriptionStatus::PastDue if effective == PlanTier::Free => {
                    "the payment is still failing after the grace period".to_string()
                }
                SubscriptionStatus::Unpaid | SubscriptionStatus::Incomplete => {
                    "the subscription is unpaid".to_string()
                }
                status => format!("the subscription is {status}"),
            };
            event_log::record(
                &txn,
                Event::new(
                    EventKind::Audit,
                    format!("Plan changed from {} to {effective}: {why}", owner.plan),
                )
                .user(owner_id)
                .data(json!({
                    "from": owner.plan,
                    "to": effective,
                    "subscription": stripe.id,
                    "status": stripe.status,
                })),
            )
            .await;
        }
        let mut user = owner.into_active_model();
        user.plan = Set(effective);
        if new_customer {
            user.stripe_customer_id = Set(Some(stripe.customer.clone()));
        }
        user.updated_at = Set(now);
        user.update(&txn).await?;
    }
    txn.commit().await?;
    Ok(Synced {
        changes,
        outdated: false,
    })
}

/// When an answer of Stripe's API was read, to the second as Stripe dates its events: an
/// event created in the same second still applies after it.
fn stripe_now() -> DateTime<Utc> {
    use chrono::SubsecRound;
    Utc::now().trunc_subsecs(0)
}

fn is_live(status: SubscriptionStatus) -> bool {
    matches!(
        status,
        SubscriptionStatus::Active | SubscriptionStatus::Trialing | SubscriptionStatus::PastDue
    )
}

/// A failed payment (Stripe's `invoice.payment_failed`) of the user's live subscription
/// `subscription_id`: it is past due and the grace period starts from the failure, unless it
/// already runs. Another subscription's invoice (an ended one's last) changes nothing.
/// Returns the grace period's end. The subscription's own events keep their watermark: an
/// invoice says nothing of its plan or period.
pub async fn payment_failed<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner_id: Uuid,
    subscription_id: &str,
    as_of: DateTime<Utc>,
    settings: &BillingSettings,
) -> Result<Option<DateTime<Utc>>, AppError> {
    let txn = db::begin_owner_write(db, owner_id).await?;
    let Some(row) = subscription::Entity::find()
        .filter(subscription::Column::UserId.eq(owner_id))
        .one(&txn)
        .await?
    else {
        return Ok(None);
    };
    if row.stripe_subscription_id.as_deref() != Some(subscription_id) || !is_live(row.status) {
        return Ok(None);
    }
    if row.stripe_synced_at.is_some_and(|synced| synced > as_of) {
        return Ok(row.grace_until);
    }
    let grace_until = row
        .grace_until
        .filter(|_| row.status == SubscriptionStatus::PastDue)
        .unwrap_or_else(|| as_of + Duration::days(settings.grace_period_days));
    let mut active = row.into_active_model();
    active.status = Set(SubscriptionStatus::PastDue);
    active.grace_until = Set(Some(grace_until));
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    txn.commit().await?;
    Ok(Some(grace_until))
}

/// A paid invoice (Stripe's `invoice.paid`) of the user's subscription `subscription_id`: if
/// it was past due or unpaid it is active again and its plan restored. Returns whether
/// anything changed.
pub async fn payment_succeeded<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner_id: Uuid,
    subscription_id: &str,
    as_of: DateTime<Utc>,
) -> Result<bool, AppError> {
    let txn = db::begin_owner_write(db, owner_id).await?;
    let Some(row) = subscription::Entity::find()
        .filter(subscription::Column::UserId.eq(owner_id))
        .one(&txn)
        .await?
    else {
        return Ok(false);
    };
    let behind = matches!(
        row.status,
        SubscriptionStatus::PastDue | SubscriptionStatus::Unpaid | SubscriptionStatus::Incomplete
    );
    if !behind
        || row.stripe_subscription_id.as_deref() != Some(subscription_id)
        || row.stripe_synced_at.is_some_and(|synced| synced > as_of)
    {
        return Ok(false);
    }
    let plan = row.plan;
    let mut active = row.into_active_model();
    active.status = Set(SubscriptionStatus::Active);
    active.grace_until = Set(None);
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    if let Some(owner) = user::Entity::find_by_id(owner_id).one(&txn).await? {
        if owner.plan != plan {
            let mut user = owner.into_active_model();
            user.plan = Set(plan);
            user.updated_at = Set(Utc::now());
            user.update(&txn).await?;
        }
    }
    txn.commit().await?;
    Ok(true)
}

/// Ends the grace periods that ran out: the user returns to Free, with the reason in the
/// event log. The subscription stays past due, so a later payment restores the plan.
pub async fn settle_grace<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    let due = subscription::Entity::find()
        .filter(subscription::Column::Status.eq(SubscriptionStatus::PastDue))
        .filter(subscription::Column::GraceUntil.lte(now))
        .all(db)
        .await?;
    let mut ended = 0;
    for row in due {
        let txn = db::begin_owner_write(db, row.user_id).await?;
        let Some(current) = subscription::Entity::find_by_id(row.id).one(&txn).await? else {
            continue;
        };
        let Some(owner) = user::Entity::find_by_id(current.user_id).one(&txn).await? else {
            continue;
        };
        let effective = effective_plan(current.status, current.plan, current.grace_until, now);
        if effective != PlanTier::Free || owner.plan == PlanTier::Free {
            continue;
        }
        let from = owner.plan;
        let mut user = owner.into_active_model();
        user.plan = Set(PlanTier::Free);
        user.updated_at = Set(now);
        user.update(&txn).await?;
        txn.commit().await?;
        ended += 1;
        event_log::record(
            db,
            Event::new(
                EventKind::Audit,
                format!(
                    "Payment still failing after the grace period: plan changed from {from} to free"
                ),
            )
            .level(EventLevel::Warn)
            .user(current.user_id)
            .data(json!({ "from": from, "grace_until": current.grace_until, "reason": "payment_failed" })),
        )
        .await;
    }
    Ok(ended)
}

/// What one reconciliation with Stripe did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Reconciled {
    /// Stripe subscriptions compared with ours.
    pub checked: u64,
    /// Our rows that differed and were repaired.
    pub repaired: u64,
}

/// Compares every subscription Stripe has with ours and repairs the drift (a missed or
/// failed webhook), logging each repair. Each user's live Stripe subscription wins over
/// their ended ones; a row of ours whose Stripe subscription is gone is ended.
pub async fn reconcile<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    stripe: &StripeGateway,
    settings: &BillingSettings,
) -> Result<Reconciled, AppError> {
    // Dated before the listing: an event created while it runs is newer and still applies.
    let as_of = stripe_now();
    let listed = stripe.all_subscriptions().await?;
    let mut outcome = Reconciled::default();
    // Whose is each Stripe subscription: our row's link, else checkout's metadata, else the
    // customer.
    let rows = subscription::Entity::find().all(db).await?;
    let mut chosen: std::collections::HashMap<Uuid, StripeSubscription> = Default::default();
    for found in listed.iter() {
        outcome.checked += 1;
        let owner = match rows
            .iter()
            .find(|r| r.stripe_subscription_id.as_deref() == Some(&found.id))
        {
            Some(row) => Some(row.user_id),
            None => match found.user_id {
                Some(id) => Some(id),
                None => user::Entity::find()
                    .filter(user::Column::StripeCustomerId.eq(found.customer.clone()))
                    .one(db)
                    .await?
                    .map(|u| u.id),
            },
        };
        let Some(owner) = owner else { continue };
        let better = match chosen.get(&owner) {
            None => true,
            Some(held) => {
                (is_live(found.status), found.current_period_end)
                    > (is_live(held.status), held.current_period_end)
            }
        };
        if better {
            chosen.insert(owner, found.clone());
        }
    }
    for (owner, found) in &chosen {
        let row = rows.iter().find(|r| r.user_id == *owner);
        let drift = match row {
            None => is_live(found.status),
            Some(row) => {
                row.stripe_subscription_id.as_deref() != Some(&found.id)
                    || row.status != found.status
                    || found.plan.is_some_and(|plan| plan != row.plan)
                    || row.cancel_at_period_end != found.cancel_at_period_end
                    || row.current_period_end != found.current_period_end
            }
        };
        if drift {
            let synced = sync_subscription(db, *owner, found, Some(as_of), settings).await?;
            if !synced.changes.is_empty() {
                outcome.repaired += 1;
                log_repair(db, *owner, &found.id, &synced.changes).await;
            }
        }
    }
    // Our live rows Stripe no longer has.
    for row in rows.iter().filter(|r| is_live(r.status)) {
        let Some(id) = row.stripe_subscription_id.as_deref() else {
            continue;
        };
        if chosen.contains_key(&row.user_id) || listed.iter().any(|s| s.id == id) {
            continue;
        }
        // Gone only when Stripe says so of this id (a list from another account or mode
        // would otherwise end every subscription).
        if let Some(found) = stripe.subscription(id).await? {
            let synced = sync_subscription(db, row.user_id, &found, Some(as_of), settings).await?;
            if !synced.changes.is_empty() {
                outcome.repaired += 1;
                log_repair(db, row.user_id, id, &synced.changes).await;
            }
            continue;
        }
        let gone = StripeSubscription {
            id: id.to_string(),
            // Empty: the user's customer is left as it is.
            customer: String::new(),
            status: SubscriptionStatus::Canceled,
            plan: Some(row.plan),
            current_period_start: row.current_period_start,
            current_period_end: row.current_period_end,
            cancel_at_period_end: false,
            item_id: None,
            user_id: Some(row.user_id),
        };
        let synced = sync_subscription(db, row.user_id, &gone, Some(as_of), settings).await?;
        if !synced.changes.is_empty() {
            outcome.repaired += 1;
            log_repair(db, row.user_id, id, &synced.changes).await;
        }
    }
    Ok(outcome)
}

async fn log_repair(db: &impl ConnectionTrait, owner: Uuid, id: &str, changes: &[String]) {
    event_log::record(
        db,
        Event::new(
            EventKind::Audit,
            format!("Subscription repaired from Stripe: {}", changes.join(", ")),
        )
        .level(EventLevel::Warn)
        .user(owner)
        .data(json!({ "subscription": id, "changes": changes, "source": "reconciliation" })),
    )
    .await;
}

/// Nightly: reconciles with Stripe (when live). Every instance may run it: each repair is
/// made under its owner's lock against the row as it is then, so a second run finds no drift.
pub fn reconcile_job(
    db: sea_orm::DatabaseConnection,
    settings: BillingSettings,
    stripe: std::sync::Arc<StripeGateway>,
) -> Result<tokio_cron_scheduler::Job, tokio_cron_scheduler::JobSchedulerError> {
    let cron = settings.reconcile_cron.clone();
    tokio_cron_scheduler::Job::new_async(cron.as_str(), move |_, _| {
        let (db, settings, stripe) = (db.clone(), settings.clone(), stripe.clone());
        Box::pin(async move {
            match reconcile(&db, &stripe, &settings).await {
                Ok(done) => tracing::info!(?done, "subscriptions reconciled with Stripe"),
                Err(err) => tracing::error!(error = %err, "reconciliation with Stripe failed"),
            }
        })
    })
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

/// Every 10 minutes: settles mock billing periods and ends the grace periods that ran out.
/// Every instance may run it: each subscription is settled under its owner's lock and
/// re-checked there.
pub fn periods_job(
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
            match settle_grace(&db, Utc::now()).await {
                Ok(0) => {}
                Ok(ended) => tracing::info!(ended, "grace periods ended"),
                Err(err) => tracing::error!(error = %err, "ending grace periods failed"),
            }
        })
    })
}
