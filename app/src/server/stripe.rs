//! The Stripe client (async-stripe): customers, Checkout Sessions, Customer Portal sessions
//! and subscriptions, with the calls' deadline and Stripe's errors turned into ours. It knows
//! Stripe's API and nothing of our rules: `services::billing` decides what to ask for.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use stripe::{
    CheckoutSession, CheckoutSessionMode, Client, CreateBillingPortalSession,
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionSubscriptionData,
    CreateCustomer, Customer, CustomerId, ListSubscriptions, RequestStrategy, StripeError,
    Subscription, SubscriptionId, SubscriptionStatusFilter, UpdateSubscription,
    UpdateSubscriptionItems,
};
// Three modules of async-stripe name an enum so; this is the subscription's.
use stripe::generated::billing::subscription::SubscriptionProrationBehavior;

use crate::error::AppError;
use crate::model::{PlanTier, SubscriptionStatus};
use crate::server::config::BillingSettings;

/// A Stripe subscription as billing reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct StripeSubscription {
    pub id: String,
    pub customer: String,
    pub status: SubscriptionStatus,
    /// The plan its price stands for; `None` for a price that is neither of ours.
    pub plan: Option<PlanTier>,
    pub current_period_start: Option<DateTime<Utc>>,
    pub current_period_end: Option<DateTime<Utc>>,
    pub cancel_at_period_end: bool,
    /// The subscription's item, needed to change its price.
    pub item_id: Option<String>,
    /// `metadata.user_id`, which checkout sets.
    pub user_id: Option<uuid::Uuid>,
}

/// A hosted page to send the user to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostedPage {
    pub id: String,
    pub url: String,
}

/// What a checkout asks Stripe for.
pub struct CheckoutRequest<'a> {
    pub customer: &'a str,
    pub plan: PlanTier,
    pub user_id: uuid::Uuid,
    pub trial_days: Option<u32>,
    pub success_url: &'a str,
    pub cancel_url: &'a str,
}

pub struct StripeGateway {
    client: Client,
    timeout: Duration,
    settings: BillingSettings,
}

impl StripeGateway {
    /// The client for the configured key, or `None` in mock mode.
    pub fn from_settings(settings: &BillingSettings) -> Option<StripeGateway> {
        if !settings.stripe_live() {
            return None;
        }
        // `validate` has checked the URL: from_url panics on a bad one.
        let client = Client::from_url(
            settings.stripe_api_url.as_str(),
            settings.stripe_secret_key.clone(),
        );
        Some(StripeGateway {
            client,
            timeout: Duration::from_secs(settings.stripe_timeout_seconds.max(1)),
            settings: settings.clone(),
        })
    }

    pub fn price_of(&self, plan: PlanTier) -> Option<&str> {
        match plan {
            PlanTier::Pro => Some(&self.settings.stripe_pro_price_id),
            PlanTier::Enterprise => Some(&self.settings.stripe_enterprise_price_id),
            PlanTier::Free => None,
        }
    }

    async fn call<T>(
        &self,
        what: &str,
        request: impl std::future::Future<Output = Result<T, StripeError>>,
    ) -> Result<T, AppError> {
        match tokio::time::timeout(self.timeout, request).await {
            Err(_) | Ok(Err(StripeError::Timeout)) => Err(AppError::Unavailable(format!(
                "Stripe did not answer within {} s ({what}); try again in a moment",
                self.timeout.as_secs()
            ))),
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(stripe_error(what, err)),
        }
    }

    /// The user's Stripe customer, created once: the idempotency key makes a second create
    /// for the same user within the minute (another tab, another instance) return the first
    /// customer. Per minute, because Stripe replays a key's first answer for a day, a failure
    /// included.
    pub async fn create_customer(
        &self,
        user_id: uuid::Uuid,
        email: &str,
    ) -> Result<String, AppError> {
        let mut params = CreateCustomer::new();
        params.email = Some(email);
        params.metadata = Some(HashMap::from([("user_id".into(), user_id.to_string())]));
        let client = self
            .client
            .clone()
            .with_strategy(RequestStrategy::Idempotent(format!(
                "customer-{user_id}-{}",
                chrono::Utc::now().timestamp() / 60
            )));
        let customer = self
            .call("creating the customer", Customer::create(&client, params))
            .await?;
        Ok(customer.id.to_string())
    }

    /// `None`: Stripe no longer knows `request.customer` (deleted in Stripe's dashboard, or
    /// made with the other mode's key).
    pub async fn checkout(
        &self,
        request: CheckoutRequest<'_>,
    ) -> Result<Option<HostedPage>, AppError> {
        let price = self
            .price_of(request.plan)
            .ok_or_else(|| AppError::validation("plan", "Checkout is for a paid plan"))?;
        let user_id = request.user_id.to_string();
        let metadata: HashMap<String, String> = HashMap::from([
            ("user_id".into(), user_id.clone()),
            ("plan".into(), request.plan.to_string()),
        ]);
        let mut params = CreateCheckoutSession::new();
        params.mode = Some(CheckoutSessionMode::Subscription);
        params.customer = Some(customer_id(request.customer)?);
        params.client_reference_id = Some(&user_id);
        params.success_url = Some(request.success_url);
        params.cancel_url = Some(request.cancel_url);
        params.metadata = Some(metadata.clone());
        params.line_items = Some(vec![CreateCheckoutSessionLineItems {
            price: Some(price.to_string()),
            quantity: Some(1),
            ..Default::default()
        }]);
        params.subscription_data = Some(CreateCheckoutSessionSubscriptionData {
            trial_period_days: request.trial_days,
            metadata: Some(metadata),
            ..Default::default()
        });
        let session = self
            .call("starting the checkout", async {
                match CheckoutSession::create(&self.client, params).await {
                    Err(err) if missing_customer(&err) => Ok(None),
                    other => other.map(Some),
                }
            })
            .await?;
        let Some(session) = session else {
            return Ok(None);
        };
        let url = session.url.ok_or_else(|| {
            AppError::Unavailable("Stripe returned a checkout without a page to open".into())
        })?;
        // The billing page's policy lets the upgrade form lead to this origin only: a page
        // anywhere else would be blocked by the browser, leaving the user on a page that
        // seems to ignore the click.
        let origin = reqwest::Url::parse(&url)
            .map(|page| page.origin().ascii_serialization())
            .unwrap_or_default();
        if Some(&origin) != self.settings.checkout_origin().as_ref() {
            tracing::error!(
                page_origin = %origin,
                allowed = %self.settings.stripe_checkout_origin,
                "Stripe's checkout page is not at billing.stripe_checkout_origin"
            );
            return Err(AppError::Unavailable(
                "Checkout cannot open right now: Stripe's checkout page is not where this \
                 server expects it. The problem is logged; try again later."
                    .into(),
            ));
        }
        Ok(Some(HostedPage {
            id: session.id.to_string(),
            url,
        }))
    }

    /// `None`: Stripe no longer knows `customer`.
    pub async fn portal(
        &self,
        customer: &str,
        return_url: &str,
    ) -> Result<Option<HostedPage>, AppError> {
        let mut params = CreateBillingPortalSession::new(customer_id(customer)?);
        params.return_url = Some(return_url);
        let session = self
            .call("opening the billing portal", async {
                match stripe::BillingPortalSession::create(&self.client, params).await {
                    Err(err) if missing_customer(&err) => Ok(None),
                    other => other.map(Some),
                }
            })
            .await?;
        Ok(session.map(|session| HostedPage {
            id: session.id.to_string(),
            url: session.url,
        }))
    }

    /// The subscription, or `None` when Stripe does not know it.
    pub async fn subscription(&self, id: &str) -> Result<Option<StripeSubscription>, AppError> {
        let id = subscription_id(id)?;
        let answer = self
            .call("reading the subscription", async {
                match Subscription::retrieve(&self.client, &id, &[]).await {
                    Ok(found) => Ok(Some(found)),
                    Err(StripeError::Stripe(err)) if err.http_status == 404 => Ok(None),
                    Err(err) => Err(err),
                }
            })
            .await?;
        Ok(answer.map(|found| self.read(found)))
    }

    pub async fn set_cancel_at_period_end(
        &self,
        id: &str,
        cancel: bool,
    ) -> Result<StripeSubscription, AppError> {
        let id = subscription_id(id)?;
        let mut params = UpdateSubscription::new();
        params.cancel_at_period_end = Some(cancel);
        let what = if cancel {
            "cancelling the subscription"
        } else {
            "resuming the subscription"
        };
        let updated = self
            .call(what, Subscription::update(&self.client, &id, params))
            .await?;
        Ok(self.read(updated))
    }

    /// Moves a subscription to another plan's price, prorated.
    pub async fn change_plan(
        &self,
        current: &StripeSubscription,
        plan: PlanTier,
    ) -> Result<StripeSubscription, AppError> {
        let price = self
            .price_of(plan)
            .ok_or_else(|| AppError::validation("plan", "Checkout is for a paid plan"))?;
        let id = subscription_id(&current.id)?;
        let mut params = UpdateSubscription::new();
        params.items = Some(vec![UpdateSubscriptionItems {
            id: current.item_id.clone(),
            price: Some(price.to_string()),
            ..Default::default()
        }]);
        params.proration_behavior = Some(SubscriptionProrationBehavior::CreateProrations);
        params.cancel_at_period_end = Some(false);
        // Kept in step with the price, for whoever reads the metadata.
        let mut metadata = HashMap::from([("plan".to_string(), plan.to_string())]);
        if let Some(user) = current.user_id {
            metadata.insert("user_id".into(), user.to_string());
        }
        params.metadata = Some(metadata);
        let updated = self
            .call(
                "changing the plan",
                Subscription::update(&self.client, &id, params),
            )
            .await?;
        Ok(self.read(updated))
    }

    /// Every subscription Stripe has for this account, all statuses, page by page.
    pub async fn all_subscriptions(&self) -> Result<Vec<StripeSubscription>, AppError> {
        let mut found = Vec::new();
        let mut after: Option<SubscriptionId> = None;
        loop {
            let mut params = ListSubscriptions::new();
            params.status = Some(SubscriptionStatusFilter::All);
            params.limit = Some(100);
            params.starting_after = after.take();
            let page = self
                .call(
                    "listing subscriptions",
                    Subscription::list(&self.client, &params),
                )
                .await?;
            let last = page.data.last().map(|s| s.id.clone());
            found.extend(page.data.into_iter().map(|s| self.read(s)));
            match (page.has_more, last) {
                (true, Some(last)) => after = Some(last),
                _ => break,
            }
        }
        Ok(found)
    }

    fn read(&self, subscription: Subscription) -> StripeSubscription {
        let item = subscription.items.data.first();
        let price = item.and_then(|i| i.price.as_ref()).map(|p| p.id.as_str());
        let plan = plan_of(
            &self.settings,
            price,
            subscription.metadata.get("plan").map(String::as_str),
        );
        StripeSubscription {
            id: subscription.id.to_string(),
            customer: subscription.customer.id().to_string(),
            status: status_of(subscription.status.as_str()),
            plan,
            current_period_start: timestamp(subscription.current_period_start),
            current_period_end: timestamp(subscription.current_period_end),
            cancel_at_period_end: subscription.cancel_at_period_end,
            item_id: item.map(|i| i.id.to_string()),
            user_id: subscription
                .metadata
                .get("user_id")
                .and_then(|id| uuid::Uuid::parse_str(id).ok()),
        }
    }
}

/// The plan a Stripe subscription pays for: its price decides (a plan changed in the portal
/// or by `change_plan` keeps the checkout's metadata); `metadata.plan` only for a price that
/// is neither of ours.
pub fn plan_of(
    settings: &BillingSettings,
    price: Option<&str>,
    metadata_plan: Option<&str>,
) -> Option<PlanTier> {
    let by_price = price.and_then(|price| {
        if !settings.stripe_pro_price_id.is_empty() && price == settings.stripe_pro_price_id {
            Some(PlanTier::Pro)
        } else if !settings.stripe_enterprise_price_id.is_empty()
            && price == settings.stripe_enterprise_price_id
        {
            Some(PlanTier::Enterprise)
        } else {
            None
        }
    });
    by_price.or_else(|| {
        metadata_plan
            .and_then(PlanTier::parse)
            .filter(|plan| *plan != PlanTier::Free)
    })
}

/// Stripe's subscription statuses in ours. "paused" pays nothing, as "unpaid".
pub fn status_of(value: &str) -> SubscriptionStatus {
    match value {
        "active" => SubscriptionStatus::Active,
        "trialing" => SubscriptionStatus::Trialing,
        "past_due" => SubscriptionStatus::PastDue,
        "canceled" => SubscriptionStatus::Canceled,
        "incomplete" | "incomplete_expired" => SubscriptionStatus::Incomplete,
        _ => SubscriptionStatus::Unpaid,
    }
}

pub fn timestamp(seconds: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_opt(seconds, 0).single()
}

fn customer_id(id: &str) -> Result<CustomerId, AppError> {
    CustomerId::from_str(id).map_err(|_| {
        AppError::internal(
            "stripe",
            format!("stored Stripe customer id {id:?} is malformed"),
        )
    })
}

fn subscription_id(id: &str) -> Result<SubscriptionId, AppError> {
    SubscriptionId::from_str(id).map_err(|_| {
        AppError::internal(
            "stripe",
            format!("stored Stripe subscription id {id:?} is malformed"),
        )
    })
}

/// Stripe's answer when a request names a customer it does not have. Its error carries the
/// code and the message ("No such customer: 'cus_…'"); async-stripe keeps no `param`.
fn missing_customer(err: &StripeError) -> bool {
    matches!(err, StripeError::Stripe(request)
        if matches!(request.code, Some(stripe::ErrorCode::ResourceMissing))
            && request
                .message
                .as_deref()
                .is_some_and(|message| message.starts_with("No such customer")))
}

/// Stripe's refusals keep their message (it is written for the user: "Your card was
/// declined."); a failure to reach Stripe is a 503 that says so. Never the key.
fn stripe_error(what: &str, err: StripeError) -> AppError {
    match err {
        StripeError::Stripe(request)
            if request.http_status == 402 || request.http_status == 400 =>
        {
            AppError::BadRequest(format!(
                "Stripe refused {what}: {}",
                request
                    .message
                    .unwrap_or_else(|| "no reason given".to_string())
            ))
        }
        StripeError::Stripe(request) => {
            tracing::warn!(status = request.http_status, message = ?request.message, "Stripe error while {what}");
            AppError::Unavailable(format!(
                "Stripe could not complete {what} (HTTP {}); try again in a moment",
                request.http_status
            ))
        }
        other => {
            tracing::warn!(error = %other, "Stripe call failed while {what}");
            AppError::Unavailable(format!(
                "Stripe could not be reached while {what}; try again in a moment"
            ))
        }
    }
}
