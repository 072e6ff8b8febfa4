//! Incoming webhooks: Stripe's billing events and the dropshipping platform's events. Both are
//! verified (HMAC-SHA256) and idempotent per event id: the event is recorded in the same
//! transaction as its effects, so a replay changes nothing and a failed one can be retried.

use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, Mac};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, Set, SqlErr, TransactionTrait,
};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::Sha256;
use uuid::Uuid;

use super::event_log::{self, Event};
use super::{billing, queue, users};
use crate::error::AppError;
use crate::model::{EventKind, EventLevel, PlanTier, Platform, Role, SubscriptionStatus};
use crate::server::auth::secrets::random_token;
use crate::server::captions::Product;
use crate::server::config::BillingSettings;
use crate::server::entities::{user, webhook_event};
use crate::server::stripe::{plan_of as stripe_plan, status_of, StripeSubscription};

/// How old a Stripe signature may be.
const STRIPE_TOLERANCE_SECONDS: i64 = 300;

type HmacSha256 = Hmac<Sha256>;

fn hmac_hex(secret: &str, message: &[u8]) -> String {
    let mut mac =
        HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any size");
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

fn hmac_matches(secret: &str, message: &[u8], signature_hex: &str) -> bool {
    let Ok(expected) = hex::decode(signature_hex.trim()) else {
        return false;
    };
    let mut mac =
        HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any size");
    mac.update(message);
    mac.verify_slice(&expected).is_ok()
}

/// The `Stripe-Signature` header value for `body` signed at `timestamp` (tests and fakes).
pub fn stripe_signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut signed = format!("{timestamp}.").into_bytes();
    signed.extend_from_slice(body);
    format!("t={timestamp},v1={}", hmac_hex(secret, &signed))
}

/// The `X-Platform-Signature` header value for `body`.
pub fn platform_signature(secret: &str, body: &[u8]) -> String {
    format!("sha256={}", hmac_hex(secret, body))
}

/// Checks `t=…,v1=…` against the body within the tolerance. Any fault → 400.
/// Not async-stripe's `Webhook::construct_event`: it keeps only the last `v1` of the header,
/// so while a signing secret is rolled (Stripe then signs with the old and the new one) an
/// event could be refused; and it insists on parsing the event into the types of the one API
/// version it was generated for, where the endpoint's version decides the shape.
pub fn verify_stripe(
    secret: &str,
    header: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let bad = |why: &str| AppError::BadRequest(format!("Invalid Stripe signature: {why}"));
    let header = header.ok_or_else(|| bad("missing Stripe-Signature header"))?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", sig)) => signatures.push(sig),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or_else(|| bad("no timestamp"))?;
    if (now.timestamp() - timestamp).abs() > STRIPE_TOLERANCE_SECONDS {
        return Err(bad("timestamp outside the tolerance"));
    }
    let mut signed = format!("{timestamp}.").into_bytes();
    signed.extend_from_slice(body);
    if signatures
        .iter()
        .any(|sig| hmac_matches(secret, &signed, sig))
    {
        Ok(())
    } else {
        Err(bad("no matching signature"))
    }
}

pub fn verify_platform(secret: &str, header: Option<&str>, body: &[u8]) -> Result<(), AppError> {
    if secret.is_empty() {
        return Err(AppError::Unauthorized(
            "Platform events are not configured on this server".into(),
        ));
    }
    let signature = header
        .and_then(|h| h.trim().strip_prefix("sha256="))
        .ok_or_else(|| AppError::Unauthorized("Missing X-Platform-Signature".into()))?;
    if hmac_matches(secret, body, signature) {
        Ok(())
    } else {
        Err(AppError::Unauthorized(
            "Invalid X-Platform-Signature".into(),
        ))
    }
}

#[derive(Debug, Deserialize)]
pub struct IncomingEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub data: Value,
    /// When the source created the event (Unix seconds; Stripe's `created`).
    #[serde(default)]
    pub created: Option<i64>,
}

pub fn parse_event(body: &[u8]) -> Result<IncomingEvent, AppError> {
    let event: IncomingEvent = serde_json::from_slice(body)
        .map_err(|e| AppError::validation("body", format!("Invalid event: {e}")))?;
    if event.id.trim().is_empty() || event.kind.trim().is_empty() {
        return Err(AppError::validation(
            "body",
            "An event needs an id and a type",
        ));
    }
    Ok(event)
}

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Processed,
    Duplicate,
    Ignored,
}

/// Records (source, event id) in `txn`; `false` if it was already there.
async fn first_time(
    txn: &DatabaseTransaction,
    source: &str,
    event: &IncomingEvent,
) -> Result<bool, AppError> {
    let row = webhook_event::ActiveModel {
        id: Set(Uuid::new_v4()),
        source: Set(source.to_string()),
        event_id: Set(event.id.clone()),
        event_type: Set(event.kind.clone()),
        received_at: Set(Utc::now()),
    };
    match row.insert(txn).await {
        Ok(_) => Ok(true),
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Ok(false)
        }
        Err(err) => Err(err.into()),
    }
}

async fn already_seen(
    db: &impl ConnectionTrait,
    source: &str,
    event_id: &str,
) -> Result<bool, AppError> {
    Ok(webhook_event::Entity::find()
        .filter(webhook_event::Column::Source.eq(source))
        .filter(webhook_event::Column::EventId.eq(event_id))
        .one(db)
        .await?
        .is_some())
}

/// Runs `apply` once per event id, in one transaction with the record of the event.
async fn once<C, F>(
    db: &C,
    source: &str,
    event: &IncomingEvent,
    apply: F,
) -> Result<Outcome, AppError>
where
    C: ConnectionTrait + TransactionTrait,
    F: for<'t> FnOnce(
        &'t DatabaseTransaction,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Outcome, AppError>> + Send + 't>,
    >,
{
    if already_seen(db, source, &event.id).await? {
        return Ok(Outcome::Duplicate);
    }
    let txn = db.begin().await?;
    if !first_time(&txn, source, event).await? {
        return Ok(Outcome::Duplicate);
    }
    let outcome = apply(&txn).await?;
    txn.commit().await?;
    event_log::record(
        db,
        Event::new(
            EventKind::Webhook,
            format!("{source} event {} ({:?})", event.kind, outcome),
        )
        .data(json!({ "source": source, "event_id": event.id, "type": event.kind })),
    )
    .await;
    Ok(outcome)
}

fn unix(value: &Value) -> Option<DateTime<Utc>> {
    value
        .as_i64()
        .and_then(|t| Utc.timestamp_opt(t, 0).single())
}

fn plan_of(object: &Value, billing: &BillingSettings) -> Option<PlanTier> {
    stripe_plan(
        billing,
        object
            .pointer("/items/data/0/price/id")
            .and_then(Value::as_str),
        object.pointer("/metadata/plan").and_then(Value::as_str),
    )
}

async fn user_for(
    txn: &DatabaseTransaction,
    object: &Value,
) -> Result<Option<user::Model>, AppError> {
    let by_id = object
        .get("client_reference_id")
        .or_else(|| object.pointer("/metadata/user_id"))
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok());
    if let Some(id) = by_id {
        if let Some(u) = users::find_by_id(txn, id).await? {
            return Ok(Some(u));
        }
    }
    let Some(customer) = object.get("customer").and_then(Value::as_str) else {
        return Ok(None);
    };
    Ok(user::Entity::find()
        .filter(user::Column::StripeCustomerId.eq(customer))
        .one(txn)
        .await?)
}

async fn set_plan(
    txn: &DatabaseTransaction,
    u: user::Model,
    plan: PlanTier,
    customer: Option<&str>,
) -> Result<(), AppError> {
    let mut active = u.into_active_model();
    active.plan = Set(plan);
    if let Some(customer) = customer {
        active.stripe_customer_id = Set(Some(customer.to_string()));
    }
    active.updated_at = Set(Utc::now());
    active.update(txn).await?;
    Ok(())
}

/// A Stripe subscription object as the webhook carries it. Read leniently, field by field:
/// the endpoint's API version decides the shape (newer versions keep the period on the
/// subscription's items), and a field left out keeps what we have.
fn subscription_of(
    object: &Value,
    billing: &BillingSettings,
    deleted: bool,
) -> Option<StripeSubscription> {
    let item = object.pointer("/items/data/0");
    let period = |key: &str| {
        object
            .get(key)
            .or_else(|| item.and_then(|i| i.get(key)))
            .and_then(unix)
    };
    Some(StripeSubscription {
        id: object.get("id")?.as_str()?.to_string(),
        customer: object
            .get("customer")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        status: if deleted {
            SubscriptionStatus::Canceled
        } else {
            status_of(
                object
                    .get("status")
                    .and_then(Value::as_str)
                    .unwrap_or("active"),
            )
        },
        plan: plan_of(object, billing),
        current_period_start: period("current_period_start"),
        current_period_end: period("current_period_end"),
        cancel_at_period_end: object
            .get("cancel_at_period_end")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        item_id: item
            .and_then(|i| i.get("id"))
            .and_then(Value::as_str)
            .map(str::to_string),
        user_id: object
            .pointer("/metadata/user_id")
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok()),
    })
}

/// The subscription an invoice bills: `subscription` on the API version async-stripe speaks,
/// `parent.subscription_details.subscription` on newer ones.
fn invoice_subscription(invoice: &Value) -> Option<&str> {
    invoice
        .get("subscription")
        .and_then(Value::as_str)
        .or_else(|| {
            invoice
                .pointer("/parent/subscription_details/subscription")
                .and_then(Value::as_str)
        })
}

/// Applies a verified Stripe event once. What each event means for a subscription is
/// `billing`'s to say; this finds the user and hands the facts over.
pub async fn handle_stripe<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    billing: &BillingSettings,
    event: IncomingEvent,
) -> Result<Outcome, AppError> {
    let object = event.data.get("object").cloned().unwrap_or(Value::Null);
    let kind = event.kind.clone();
    let as_of = event.created.and_then(|t| Utc.timestamp_opt(t, 0).single());
    let billing = billing.clone();
    once(db, "stripe", &event, move |txn| {
        Box::pin(async move {
            let Some(u) = user_for(txn, &object).await? else {
                return Ok(Outcome::Ignored);
            };
            match kind.as_str() {
                "checkout.session.completed" => {
                    let Some(plan) = plan_of(&object, &billing) else {
                        return Ok(Outcome::Ignored);
                    };
                    // A payment still on its way (a bank debit) grants nothing yet: the
                    // subscription's own events say when it is paid.
                    let payment = object.get("payment_status").and_then(Value::as_str);
                    if payment.is_some_and(|p| p != "paid" && p != "no_payment_required") {
                        return Ok(Outcome::Ignored);
                    }
                    let customer = object.get("customer").and_then(Value::as_str);
                    let Some(id) = object.get("subscription").and_then(Value::as_str) else {
                        // A checkout without a subscription (mock events): the plan is paid.
                        set_plan(txn, u, plan, customer).await?;
                        return Ok(Outcome::Processed);
                    };
                    let tracked = billing::current(txn, &u)
                        .await?
                        .is_some_and(|row| row.stripe_subscription_id.as_deref() == Some(id));
                    if tracked {
                        // The subscription's own events came first and know more (a trial):
                        // they set the plan; only the customer is kept from this one. The
                        // plan is left alone, as `u` may be older than their write.
                        if let Some(customer) = customer {
                            user::Entity::update_many()
                                .col_expr(
                                    user::Column::StripeCustomerId,
                                    sea_orm::sea_query::Expr::value(customer.to_string()),
                                )
                                .filter(user::Column::Id.eq(u.id))
                                .exec(txn)
                                .await?;
                        }
                        return Ok(Outcome::Processed);
                    }
                    let view = StripeSubscription {
                        id: id.to_string(),
                        customer: customer.unwrap_or_default().to_string(),
                        status: SubscriptionStatus::Active,
                        plan: Some(plan),
                        current_period_start: None,
                        current_period_end: None,
                        cancel_at_period_end: false,
                        item_id: None,
                        user_id: Some(u.id),
                    };
                    // Not dated: the subscription's own events, whenever they arrive, decide.
                    billing::sync_subscription(txn, u.id, &view, None, &billing).await?;
                    Ok(Outcome::Processed)
                }
                "customer.subscription.created"
                | "customer.subscription.updated"
                | "customer.subscription.deleted" => {
                    let deleted = kind == "customer.subscription.deleted";
                    let Some(view) = subscription_of(&object, &billing, deleted) else {
                        return Ok(Outcome::Ignored);
                    };
                    let synced = billing::sync_subscription(
                        txn,
                        u.id,
                        &view,
                        Some(as_of.unwrap_or_else(Utc::now)),
                        &billing,
                    )
                    .await?;
                    Ok(if synced.outdated {
                        Outcome::Ignored
                    } else {
                        Outcome::Processed
                    })
                }
                "invoice.payment_failed" => {
                    let at = as_of.unwrap_or_else(Utc::now);
                    let Some(subscription) = invoice_subscription(&object) else {
                        return Ok(Outcome::Ignored);
                    };
                    let Some(until) =
                        billing::payment_failed(txn, u.id, subscription, at, &billing).await?
                    else {
                        return Ok(Outcome::Ignored);
                    };
                    event_log::record(
                        txn,
                        Event::new(
                            EventKind::Webhook,
                            format!(
                                "Payment failed: subscription is past due; the plan stays until {}",
                                until.format("%Y-%m-%d %H:%M UTC")
                            ),
                        )
                        .level(EventLevel::Warn)
                        .user(u.id)
                        .data(json!({ "grace_until": until })),
                    )
                    .await;
                    Ok(Outcome::Processed)
                }
                "invoice.paid" => {
                    let at = as_of.unwrap_or_else(Utc::now);
                    let Some(subscription) = invoice_subscription(&object) else {
                        return Ok(Outcome::Ignored);
                    };
                    if !billing::payment_succeeded(txn, u.id, subscription, at).await? {
                        return Ok(Outcome::Ignored);
                    }
                    event_log::record(
                        txn,
                        Event::new(
                            EventKind::Webhook,
                            "Payment received: subscription is active again",
                        )
                        .user(u.id),
                    )
                    .await;
                    Ok(Outcome::Processed)
                }
                _ => Ok(Outcome::Ignored),
            }
        })
    })
    .await
}

async fn platform_user(
    txn: &DatabaseTransaction,
    data: &Value,
) -> Result<Option<user::Model>, AppError> {
    if let Some(id) = data
        .get("user_id")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
    {
        return users::find_by_id(txn, id).await;
    }
    let Some(external) = data.get("external_platform_id").and_then(Value::as_str) else {
        return Ok(None);
    };
    Ok(user::Entity::find()
        .filter(user::Column::ExternalPlatformId.eq(external))
        .one(txn)
        .await?)
}

/// Applies a verified platform event once.
pub async fn handle_platform<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    event: IncomingEvent,
) -> Result<Outcome, AppError> {
    let data = event.data.clone();
    let kind = event.kind.clone();
    once(db, "platform", &event, move |txn| {
        Box::pin(async move {
            match kind.as_str() {
                "user.provisioned" => {
                    let email = data
                        .get("email")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    if users::find_by_email(txn, email).await?.is_some() {
                        return Ok(Outcome::Ignored);
                    }
                    let text =
                        |key: &str| data.get(key).and_then(Value::as_str).map(str::to_string);
                    users::create(
                        txn,
                        users::NewUser {
                            email: email.to_string(),
                            password: random_token(24),
                            plan: text("plan")
                                .and_then(|p| PlanTier::parse(&p))
                                .unwrap_or_default(),
                            role: Role::Member,
                            external_platform_id: text("external_platform_id"),
                            external_store_id: text("external_store_id"),
                        },
                    )
                    .await?;
                    Ok(Outcome::Processed)
                }
                "subscription.updated" => {
                    let plan = data
                        .get("plan")
                        .and_then(Value::as_str)
                        .and_then(PlanTier::parse)
                        .ok_or_else(|| {
                            AppError::validation("data.plan", "subscription.updated needs a plan")
                        })?;
                    let Some(u) = platform_user(txn, &data).await? else {
                        return Ok(Outcome::Ignored);
                    };
                    set_plan(txn, u, plan, None).await?;
                    Ok(Outcome::Processed)
                }
                "product.created" => {
                    let Some(u) = platform_user(txn, &data).await? else {
                        return Ok(Outcome::Ignored);
                    };
                    let product: Product = serde_json::from_value(
                        data.get("product").cloned().unwrap_or_else(|| data.clone()),
                    )
                    .map_err(|e| {
                        AppError::validation("data.product", format!("Invalid product: {e}"))
                    })?;
                    let platforms: Vec<Platform> = data
                        .get("platforms")
                        .and_then(|p| serde_json::from_value(p.clone()).ok())
                        .unwrap_or_else(|| vec![Platform::Instagram, Platform::Facebook]);
                    queue::create(txn, &u, product, platforms).await?;
                    Ok(Outcome::Processed)
                }
                _ => Ok(Outcome::Ignored),
            }
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripe_signatures_verify_within_the_tolerance() {
        let body = br#"{"id":"evt_1"}"#;
        let now = Utc::now();
        let header = stripe_signature("whsec_x", now.timestamp(), body);
        assert!(verify_stripe("whsec_x", Some(&header), body, now).is_ok());
        assert!(verify_stripe("whsec_y", Some(&header), body, now).is_err());
        assert!(verify_stripe("whsec_x", Some(&header), b"{}", now).is_err());
        assert!(verify_stripe("whsec_x", None, body, now).is_err());
        let old = stripe_signature("whsec_x", now.timestamp() - 301, body);
        assert!(verify_stripe("whsec_x", Some(&old), body, now).is_err());
    }

    #[test]
    fn platform_signatures_verify() {
        let body = b"{}";
        let header = platform_signature("s3cret", body);
        assert!(header.starts_with("sha256="));
        assert!(verify_platform("s3cret", Some(&header), body).is_ok());
        assert_eq!(
            verify_platform("s3cret", Some("sha256=00"), body)
                .unwrap_err()
                .status(),
            401
        );
        assert_eq!(
            verify_platform("s3cret", None, body).unwrap_err().status(),
            401
        );
        assert_eq!(
            verify_platform("", Some(&header), body)
                .unwrap_err()
                .status(),
            401
        );
    }
}
