//! Webhooks: Stripe signatures (good, bad, stale, replayed) and effects; platform events.

use app::model::PlanTier;
use app::server::services::webhooks::{platform_signature, stripe_signature};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, TestApp};

const STRIPE_SECRET: &str = "whsec_test_secret";
const PLATFORM_SECRET: &str = "platform-shared-secret";

async fn stripe(app: &TestApp, event: &Value, signature: Option<String>) -> reqwest::Response {
    let body = serde_json::to_vec(event).unwrap();
    let mut req = app
        .client
        .post(app.url("/api/v1/webhooks/stripe"))
        .body(body.clone());
    if let Some(sig) = signature {
        req = req.header("stripe-signature", sig);
    }
    req.send().await.unwrap()
}

fn signed(event: &Value) -> Option<String> {
    let body = serde_json::to_vec(event).unwrap();
    Some(stripe_signature(
        STRIPE_SECRET,
        chrono::Utc::now().timestamp(),
        &body,
    ))
}

#[tokio::test]
async fn stripe_events_need_a_valid_fresh_signature_when_a_secret_is_set() {
    let app = spawn_app_with(|s| s.billing.stripe_webhook_secret = STRIPE_SECRET.into()).await;
    app.signed_up("ada@example.com").await;
    let user_id = app.user("ada@example.com").await.id;
    let event = json!({"id": "evt_1", "type": "checkout.session.completed",
        "data": {"object": {"client_reference_id": user_id, "customer": "cus_1", "subscription": "sub_1", "metadata": {"plan": "pro"}}}});

    assert_eq!(stripe(&app, &event, None).await.status(), 400);
    let forged = stripe_signature(
        "whsec_wrong",
        chrono::Utc::now().timestamp(),
        &serde_json::to_vec(&event).unwrap(),
    );
    assert_eq!(stripe(&app, &event, Some(forged)).await.status(), 400);
    let stale = stripe_signature(
        STRIPE_SECRET,
        chrono::Utc::now().timestamp() - 600,
        &serde_json::to_vec(&event).unwrap(),
    );
    assert_eq!(stripe(&app, &event, Some(stale)).await.status(), 400);
    assert_eq!(app.user("ada@example.com").await.plan, PlanTier::Free);

    let res = stripe(&app, &event, signed(&event)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["duplicate"], false);
    let user = app.user("ada@example.com").await;
    assert_eq!(user.plan, PlanTier::Pro);
    assert_eq!(user.stripe_customer_id.as_deref(), Some("cus_1"));

    // A replay is acknowledged and changes nothing.
    let replay = stripe(&app, &event, signed(&event)).await;
    assert_eq!(replay.status(), 200);
    assert_eq!(replay.json::<Value>().await.unwrap()["duplicate"], true);
    assert_eq!(app.count("webhook_events").await, 1);
    assert_eq!(app.count("subscriptions").await, 1);
}

#[tokio::test]
async fn subscription_events_follow_stripe_in_mock_mode() {
    let app = spawn_app().await;
    app.signed_up("ada@example.com").await;
    let user_id = app.user("ada@example.com").await.id;
    let created = json!({"id": "evt_a", "type": "customer.subscription.created", "data": {"object": {
        "id": "sub_9", "customer": "cus_9", "status": "trialing", "metadata": {"user_id": user_id, "plan": "enterprise"},
        "current_period_start": 1_795_000_000, "current_period_end": 1_797_600_000, "cancel_at_period_end": false}}});
    assert_eq!(stripe(&app, &created, None).await.status(), 200);
    assert_eq!(app.user("ada@example.com").await.plan, PlanTier::Enterprise);

    let failed = json!({"id": "evt_b", "type": "invoice.payment_failed", "data": {"object": {"customer": "cus_9", "subscription": "sub_9"}}});
    assert_eq!(stripe(&app, &failed, None).await.status(), 200);
    let pair = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "ada@example.com", "password": "correct-horse-1"}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    let current: Value = app
        .get_bearer(
            "/api/v1/billing/current",
            pair["access_token"].as_str().unwrap(),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(current["status"], "past_due");
    assert_eq!(current["current_period_end"], "2026-12-18T13:20:00Z");

    let deleted = json!({"id": "evt_c", "type": "customer.subscription.deleted", "data": {"object": {"id": "sub_9", "customer": "cus_9", "status": "canceled"}}});
    assert_eq!(stripe(&app, &deleted, None).await.status(), 200);
    assert_eq!(app.user("ada@example.com").await.plan, PlanTier::Free);

    let unknown = json!({"id": "evt_d", "type": "charge.refunded", "data": {"object": {}}});
    assert_eq!(stripe(&app, &unknown, None).await.status(), 200);
    let malformed = app
        .client
        .post(app.url("/api/v1/webhooks/stripe"))
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 422);
}

async fn platform(app: &TestApp, event: &Value, signature: Option<&str>) -> reqwest::Response {
    let body = serde_json::to_vec(event).unwrap();
    let mut req = app
        .client
        .post(app.url("/api/v1/webhooks/platform-events"))
        .body(body);
    if let Some(sig) = signature {
        req = req.header("x-platform-signature", sig);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn platform_events_are_verified_applied_once() {
    let app =
        spawn_app_with(|s| s.integrations.platform_webhook_secret = PLATFORM_SECRET.into()).await;
    let provisioned = json!({"id": "pe_1", "type": "user.provisioned", "data": {"email": "shop@example.com", "plan": "pro", "external_platform_id": "plat-7"}});
    let body = serde_json::to_vec(&provisioned).unwrap();
    assert_eq!(platform(&app, &provisioned, None).await.status(), 401);
    assert_eq!(
        platform(&app, &provisioned, Some("sha256=deadbeef"))
            .await
            .status(),
        401
    );
    let good = platform_signature(PLATFORM_SECRET, &body);
    assert_eq!(
        platform(&app, &provisioned, Some(&good)).await.status(),
        200
    );
    assert_eq!(
        platform(&app, &provisioned, Some(&good)).await.status(),
        200
    );
    assert_eq!(app.all_users().await.len(), 1);
    assert_eq!(app.user("shop@example.com").await.plan, PlanTier::Pro);

    let product = json!({"id": "pe_2", "type": "product.created", "data": {"external_platform_id": "plat-7",
        "product": {"title": "Ceramic Mug", "price": 18}, "platforms": ["instagram"]}});
    let sig = platform_signature(PLATFORM_SECRET, &serde_json::to_vec(&product).unwrap());
    assert_eq!(platform(&app, &product, Some(&sig)).await.status(), 200);
    assert_eq!(platform(&app, &product, Some(&sig)).await.status(), 200);
    assert_eq!(app.count("content_queue").await, 1);

    let downgrade = json!({"id": "pe_3", "type": "subscription.updated", "data": {"external_platform_id": "plat-7", "plan": "free"}});
    let sig = platform_signature(PLATFORM_SECRET, &serde_json::to_vec(&downgrade).unwrap());
    assert_eq!(platform(&app, &downgrade, Some(&sig)).await.status(), 200);
    assert_eq!(app.user("shop@example.com").await.plan, PlanTier::Free);
}

#[tokio::test]
async fn platform_events_are_refused_without_a_configured_secret() {
    let app = spawn_app().await;
    let event =
        json!({"id": "pe_1", "type": "user.provisioned", "data": {"email": "x@example.com"}});
    let sig = platform_signature("anything", &serde_json::to_vec(&event).unwrap());
    assert_eq!(platform(&app, &event, Some(&sig)).await.status(), 401);
    assert_eq!(app.all_users().await.len(), 0);
}
