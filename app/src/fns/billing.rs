//! The billing page's server functions: the plan, the subscription's state and dates in the
//! user's zone, this month's usage, and checkout, cancel and resume as plain forms.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::Postcard;

use crate::error::AppError;
use crate::model::{PlanTier, Usage};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BillingData {
    pub plan: PlanTier,
    pub usage: Usage,
    pub subscription: Option<SubscriptionState>,
    /// Whether payments are real (a Stripe key is configured) or the built-in mock checkout.
    pub payments_live: bool,
    /// "Manage payment details": the site's `/billing/portal`, which opens Stripe's portal.
    pub portal_url: String,
}

/// The subscription as the page words it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionState {
    pub plan_name: String,
    pub status: crate::model::SubscriptionStatus,
    /// Whole days of trial left (trialing only).
    pub trial_days_left: Option<i64>,
    /// The period's end in the user's zone: the renewal date, or the date it ends.
    pub period_end: Option<String>,
    pub cancel_at_period_end: bool,
    /// Past due: the last day the paid plan is kept, in the user's zone.
    pub grace_until: Option<String>,
    /// Whether the period has ended already (a cancelled plan past its last day).
    pub ended: bool,
}

#[server(prefix = "/fn", endpoint = "billing/overview", output = Postcard)]
pub async fn billing_overview() -> Result<BillingData, AppError> {
    super::with_status(
        async move {
            use crate::model::SubscriptionStatus;
            use crate::server::services::{billing, local_time};
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            let zone = local_time::user_zone(&owner);
            let overview = billing::overview(&state.db, &owner).await?;
            let now = chrono::Utc::now();
            let subscription = overview.subscription.map(|s| SubscriptionState {
                plan_name: s.plan.limits().name.to_string(),
                status: s.status,
                trial_days_left: (s.status == SubscriptionStatus::Trialing)
                    .then(|| {
                        s.current_period_end
                            .map(|end| ((end - now).num_hours() as f64 / 24.0).ceil() as i64)
                    })
                    .flatten()
                    .map(|days| days.max(0)),
                period_end: s
                    .current_period_end
                    .map(|end| local_time::format_date(zone, end)),
                cancel_at_period_end: s.cancel_at_period_end,
                grace_until: s
                    .grace_until
                    .filter(|until| s.status == SubscriptionStatus::PastDue && *until > now)
                    .map(|until| local_time::format_date(zone, until)),
                ended: s.current_period_end.is_some_and(|end| end <= now),
            });
            Ok(BillingData {
                plan: overview.plan,
                usage: overview.usage,
                subscription,
                payments_live: state.stripe.is_some(),
                portal_url: "/billing/portal".into(),
            })
        }
        .await,
    )
}

/// Starts a checkout for `plan`: in mock mode the plan changes at once and the page says so.
#[server(prefix = "/fn", endpoint = "billing/checkout", output = Postcard)]
pub async fn start_checkout(plan: String) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::services::billing;
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            let plan = PlanTier::parse(&plan)
                .ok_or_else(|| AppError::validation("plan", "Choose the Pro or Enterprise plan"))?;
            let session = billing::checkout(&state.db, &owner, plan, state.billing()).await?;
            // Checkout on this site (mock mode) comes back to the billing page of whatever
            // address the browser used; another site's checkout (Stripe's) is left as it is.
            let public = state.settings.server.public_url.trim_end_matches('/');
            let target = session
                .checkout_url
                .strip_prefix(public)
                .filter(|path| path.starts_with('/'))
                .unwrap_or(&session.checkout_url);
            leptos_axum::redirect(target);
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/fn", endpoint = "billing/cancel", output = Postcard)]
pub async fn cancel_subscription() -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::services::billing;
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            billing::cancel(&state.db, &owner, state.billing()).await?;
            leptos_axum::redirect("/billing?notice=cancelled");
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/fn", endpoint = "billing/resume", output = Postcard)]
pub async fn resume_subscription() -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::services::billing;
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            billing::resume(&state.db, &owner, state.billing()).await?;
            leptos_axum::redirect("/billing?notice=resumed");
            Ok(())
        }
        .await,
    )
}
