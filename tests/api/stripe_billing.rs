//! Billing with Stripe live, against the local fake Stripe (`fake_stripe`): checkout, the
//! portal, the webhooks that change plans, a failed payment's grace period, cancel and resume,
//! a plan change, replayed and late events, and the nightly reconciliation.

use app::model::{PlanTier, SubscriptionStatus};
use app::server::entities::{event_log, subscription, user};
use app::server::services::billing;
use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::fake_stripe::{FakeStripe, ENTERPRISE_PRICE, PRO_PRICE};
use crate::helpers::{spawn_app_with, TestApp};

const WEBHOOK_SECRET: &str = "whsec_fake_endpoint";

async fn stripe_app(fake: &FakeStripe) -> TestApp {
    let url = format!("{}/", fake.url);
    stripe_app_with(fake, move |s| s.billing.stripe_checkout_origin = url).await
}

/// The app with Stripe live against `fake`, then `adjust`ed.
async fn stripe_app_with(
    fake: &FakeStripe,
    adjust: impl FnOnce(&mut app::server::config::Settings),
) -> TestApp {
    let (key, url) = (fake.secret_key(), format!("{}/", fake.url));
    let app = spawn_app_with(move |s| {
        s.billing.stripe_secret_key = key;
        s.billing.stripe_webhook_secret = WEBHOOK_SECRET.into();
        s.billing.stripe_pro_price_id = PRO_PRICE.into();
        s.billing.stripe_enterprise_price_id = ENTERPRISE_PRICE.into();
        s.billing.stripe_api_url = url;
        s.billing.stripe_timeout_seconds = 5;
        adjust(s);
    })
    .await;
    fake.deliver_to(&app.url("/api/v1/webhooks/stripe"), WEBHOOK_SECRET);
    app
}

async fn portal(app: &TestApp, token: &str) -> reqwest::Response {
    app.post_bearer("/api/v1/billing/portal", token, &json!({}))
        .await
}

async fn checkout(app: &TestApp, token: &str, plan: &str) -> reqwest::Response {
    app.post_bearer("/api/v1/billing/checkout", token, &json!({ "plan": plan }))
        .await
}

async fn subscription_of(app: &TestApp, email: &str) -> subscription::Model {
    let user = app.user(email).await;
    subscription::Entity::find()
        .filter(subscription::Column::UserId.eq(user.id))
        .one(&app.db)
        .await
        .unwrap()
        .expect("a subscription")
}

/// Signs up `email` and pays for `plan` through Stripe Checkout; returns the access token.
async fn subscribed(app: &TestApp, fake: &FakeStripe, email: &str, plan: &str) -> String {
    let token = app.signed_up(email).await.access_token;
    let res = checkout(app, &token, plan).await;
    assert_eq!(res.status(), 201);
    let session: Value = res.json().await.unwrap();
    fake.pay(session["session_id"].as_str().unwrap()).await;
    token
}

async fn messages(app: &TestApp, user: uuid::Uuid) -> Vec<String> {
    event_log::Entity::find()
        .filter(event_log::Column::UserId.eq(user))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.message)
        .collect()
}

#[tokio::test]
async fn checkout_opens_stripe_and_the_plan_changes_when_stripe_says_it_is_paid() {
    let fake = FakeStripe::start().await;
    let app = stripe_app(&fake).await;
    let token = app.signed_up("ada@example.com").await.access_token;
    let user = app.user("ada@example.com").await;

    let res = checkout(&app, &token, "pro").await;
    assert_eq!(res.status(), 201);
    let session: Value = res.json().await.unwrap();
    let id = session["session_id"].as_str().unwrap();
    assert!(id.starts_with("cs_test_"), "{session}");
    assert_eq!(
        session["checkout_url"],
        format!("{}/pay/{id}", fake.url),
        "the customer pays on Stripe's page"
    );
    // Nothing is granted before Stripe confirms the payment.
    assert_eq!(app.user("ada@example.com").await.plan, PlanTier::Free);

    let customer = &fake.calls_to("/v1/customers")[0];
    assert_eq!(customer.form["email"], "ada@example.com");
    assert_eq!(customer.form["metadata[user_id]"], user.id.to_string());
    assert!(customer
        .idempotency_key
        .as_deref()
        .is_some_and(|key| key.starts_with(&format!("customer-{}-", user.id))));
    let started = &fake.calls_to("/v1/checkout/sessions")[0];
    assert_eq!(started.form["mode"], "subscription");
    assert_eq!(started.form["line_items[0][price]"], PRO_PRICE);
    assert_eq!(started.form["subscription_data[trial_period_days]"], "14");
    assert_eq!(started.form["client_reference_id"], user.id.to_string());
    assert!(started.form["success_url"]
        .ends_with("/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}"));

    let back = fake.pay(id).await;
    assert!(back.ends_with(&format!("session_id={id}")), "{back}");
    let paid = app.user("ada@example.com").await;
    assert_eq!(paid.plan, PlanTier::Pro);
    let row = subscription_of(&app, "ada@example.com").await;
    assert_eq!(row.status, SubscriptionStatus::Trialing);
    assert_eq!(
        paid.stripe_customer_id.as_deref(),
        Some(customer_id(&fake, 0).as_str())
    );
    let stripe_sub = fake
        .subscription(row.stripe_subscription_id.as_deref().unwrap())
        .unwrap();
    assert_eq!(
        row.current_period_end.map(|t| t.timestamp()),
        stripe_sub["current_period_end"].as_i64()
    );

    // The same plan again is refused; the portal is Stripe's, for this customer.
    assert_eq!(checkout(&app, &token, "pro").await.status(), 400);
    let portal: Value = portal(&app, &token).await.json().await.unwrap();
    assert!(portal["portal_url"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{}/portal/bps_", fake.url)));
    let asked = &fake.calls_to("/v1/billing_portal/sessions")[0];
    assert_eq!(asked.form["customer"], customer_id(&fake, 0));
    assert!(asked.form["return_url"].ends_with("/billing"));
}

fn customer_id(fake: &FakeStripe, nth: usize) -> String {
    fake.calls_to("/v1/checkout/sessions")[nth].form["customer"].clone()
}

#[tokio::test]
async fn two_tabs_checking_out_at_once_share_one_stripe_customer() {
    let fake = FakeStripe::start().await;
    let app = stripe_app(&fake).await;
    let token = app.signed_up("two@example.com").await.access_token;
    let (a, b) = tokio::join!(
        checkout(&app, &token, "pro"),
        checkout(&app, &token, "enterprise")
    );
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (201, 201));
    assert_eq!(fake.customers(), 1);
    let stored = app.user("two@example.com").await.stripe_customer_id;
    assert_eq!(stored.as_deref(), Some(customer_id(&fake, 0).as_str()));
    assert_eq!(customer_id(&fake, 0), customer_id(&fake, 1));
}

#[tokio::test]
async fn the_portal_needs_payment_details_first() {
    let fake = FakeStripe::start().await;
    let app = stripe_app(&fake).await;
    let token = app.signed_up("new@example.com").await.access_token;
    let res = portal(&app, &token).await;
    assert_eq!(res.status(), 400);
    assert!(crate::helpers::detail(res)
        .await
        .contains("choose a paid plan first"));
    assert!(fake.calls_to("/v1/billing_portal").is_empty());
}

// A customer Stripe no longer knows (deleted in its dashboard, or made with the test key
// before the live one) is replaced at the next checkout instead of failing every one.
#[tokio::test]
async fn a_customer_stripe_no_longer_knows_is_replaced_at_checkout() {
    let fake = FakeStripe::start().await;
    let app = stripe_app(&fake).await;
    let token = app.signed_up("stale@example.com").await.access_token;
    let user = app.user("stale@example.com").await;
    user::Entity::update_many()
        .col_expr(
            user::Column::StripeCustomerId,
            sea_orm::sea_query::Expr::value("cus_fromTestMode"),
        )
        .filter(user::Column::Id.eq(user.id))
        .exec(&app.db)
        .await
        .unwrap();

    // The portal says there is nothing on file (a code the page words), not "try later".
    let res = portal(&app, &token).await;
    assert_eq!(res.status(), 400);
    assert!(crate::helpers::detail(res)
        .await
        .contains("Stripe no longer has your payment details"));

    let res = checkout(&app, &token, "pro").await;
    assert_eq!(res.status(), 201);
    let session: Value = res.json().await.unwrap();
    let sessions = fake.calls_to("/v1/checkout/sessions");
    assert_eq!(
        sessions.len(),
        2,
        "refused for the stale customer, then made"
    );
    assert_eq!(sessions[0].form["customer"], "cus_fromTestMode");
    let fresh = app
        .user("stale@example.com")
        .await
        .stripe_customer_id
        .unwrap();
    assert_ne!(fresh, "cus_fromTestMode");
    assert_eq!(sessions[1].form["customer"], fresh);
    assert_eq!(fake.customers(), 1);
    fake.pay(session["session_id"].as_str().unwrap()).await;
    assert_eq!(app.user("stale@example.com").await.plan, PlanTier::Pro);
}

#[tokio::test]
async fn a_failed_payment_keeps_the_plan_for_the_grace_period_then_returns_to_free() {
    let fake = FakeStripe::start().await;
    let app = stripe_app(&fake).await;
    let token = subscribed(&app, &fake, "late@example.com", "pro").await;
    let sub_id = subscription_of(&app, "late@example.com")
        .await
        .stripe_subscription_id
        .unwrap();
    let user = app.user("late@example.com").await;

    fake.fail_payment(&sub_id).await;
    let row = subscription_of(&app, "late@example.com").await;
    assert_eq!(row.status, SubscriptionStatus::PastDue);
    let grace = row.grace_until.expect("a grace period");
    let days = (grace - Utc::now()).num_hours() as f64 / 24.0;
    assert!((6.9..=7.0).contains(&days), "{days} days of grace");
    assert_eq!(app.user("late@example.com").await.plan, PlanTier::Pro);

    // The dashboard says so.
    let cookie = app.sign_in_session("late@example.com").await;
    let home = app
        .client
        .get(app.url("/dashboard"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains("data-testid=\"payment-problem\""),
        "no banner"
    );
    assert!(home.contains("Your last payment did not go through. Your Pro plan stays until"));

    // The unpaid invoice comes first: no bigger plan on credit, and no second subscription.
    let settle_first = |res: reqwest::Response| async move {
        assert_eq!(res.status(), 400);
        let body: Value = res.json().await.unwrap();
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("settle it under \"Manage payment details\""),
            "{body}"
        );
    };
    settle_first(checkout(&app, &token, "enterprise").await).await;
    let posts_to_subscription = || {
        fake.calls_to(&format!("/v1/subscriptions/{sub_id}"))
            .into_iter()
            .filter(|c| c.method == "POST")
            .count()
    };
    assert_eq!(posts_to_subscription(), 0, "the subscription was not moved");
    assert_eq!(app.user("late@example.com").await.plan, PlanTier::Pro);

    // Nothing happens before the grace period ends; after it, Free, with the reason logged.
    assert_eq!(billing::settle_grace(&app.db, Utc::now()).await.unwrap(), 0);
    let later = Utc::now() + Duration::days(8);
    assert_eq!(billing::settle_grace(&app.db, later).await.unwrap(), 1);
    assert_eq!(billing::settle_grace(&app.db, later).await.unwrap(), 0);
    assert_eq!(app.user("late@example.com").await.plan, PlanTier::Free);
    assert!(messages(&app, user.id).await.iter().any(
        |m| m == "Payment still failing after the grace period: plan changed from pro to free"
    ));
    // Back on Free with the invoice still unpaid: upgrading means paying it, not a new checkout.
    settle_first(checkout(&app, &token, "pro").await).await;
    assert_eq!(fake.calls_to("/v1/checkout/sessions").len(), 1);
    assert_eq!(posts_to_subscription(), 0);

    // The retried payment succeeds: the plan comes back and the grace period is over.
    fake.recover_payment(&sub_id).await;
    let row = subscription_of(&app, "late@example.com").await;
    assert_eq!(row.status, SubscriptionStatus::Active);
    assert_eq!(row.grace_until, None);
    assert_eq!(app.user("late@example.com").await.plan, PlanTier::Pro);
}

#[tokio::test]
async fn cancel_and_resume_are_made_in_stripe() {
    let fake = FakeStripe::start().await;
    let app = stripe_app(&fake).await;
    let token = subscribed(&app, &fake, "quit@example.com", "pro").await;
    let sub_id = subscription_of(&app, "quit@example.com")
        .await
        .stripe_subscription_id
        .unwrap();

    let res = app
        .post_bearer("/api/v1/billing/cancel", &token, &json!({}))
        .await;
    assert_eq!(res.status(), 200);
    let view: Value = res.json().await.unwrap();
    assert_eq!(view["cancel_at_period_end"], true);
    assert_eq!(
        fake.subscription(&sub_id).unwrap()["cancel_at_period_end"],
        true
    );
    assert_eq!(app.user("quit@example.com").await.plan, PlanTier::Pro);

    let owner = app.user("quit@example.com").await;
    let resumed = billing::resume(&app.db, &owner, app.state.billing())
        .await
        .unwrap();
    assert!(!resumed.cancel_at_period_end);
    assert_eq!(
        fake.subscription(&sub_id).unwrap()["cancel_at_period_end"],
        false
    );

    // Stripe ends it: the customer.subscription.deleted event returns the user to Free.
    let mut ended = fake.subscription(&sub_id).unwrap();
    ended["status"] = json!("canceled");
    let status = fake
        .send_event(
            "customer.subscription.deleted",
            ended,
            Utc::now().timestamp(),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(app.user("quit@example.com").await.plan, PlanTier::Free);
    assert_eq!(
        subscription_of(&app, "quit@example.com").await.status,
        SubscriptionStatus::Canceled
    );
    // The user's event log says why the plan changed, once for each change.
    let user = app.user("quit@example.com").await;
    let log = messages(&app, user.id).await;
    assert_eq!(
        log.iter()
            .filter(|m| *m == "Plan changed from pro to free: the subscription ended")
            .count(),
        1,
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|m| m == "Plan changed from free to pro: the subscription is trialing"),
        "{log:?}"
    );
}

#[tokio::test]
async fn a_subscriber_moving_to_another_plan_keeps_one_subscription() {
    let fake = FakeStripe::start().await;
    let app = stripe_app(&fake).await;
    let token = subscribed(&app, &fake, "grow@example.com", "pro").await;
    let sub_id = subscription_of(&app, "grow@example.com")
        .await
        .stripe_subscription_id
        .unwrap();

    let res = checkout(&app, &token, "enterprise").await;
    assert_eq!(res.status(), 201);
    let answer: Value = res.json().await.unwrap();
    assert!(answer["checkout_url"]
        .as_str()
        .unwrap()
        .ends_with("/billing?checkout=changed"));
    assert_eq!(
        fake.calls_to("/v1/checkout/sessions").len(),
        1,
        "no second checkout"
    );
    assert_eq!(
        fake.subscription(&sub_id).unwrap()["items"]["data"][0]["price"]["id"],
        ENTERPRISE_PRICE
    );
    let change = fake
        .calls_to(&format!("/v1/subscriptions/{sub_id}"))
        .into_iter()
        .find(|c| c.method == "POST")
        .unwrap();
    assert_eq!(change.form["proration_behavior"], "create_prorations");
    assert_eq!(
        app.user("grow@example.com").await.plan,
        PlanTier::Enterprise
    );
    assert_eq!(
        subscription_of(&app, "grow@example.com").await.plan,
        PlanTier::Enterprise
    );
}

#[tokio::test]
async fn replayed_and_late_events_change_nothing() {
    let fake = FakeStripe::start().await;
    let app = stripe_app(&fake).await;
    subscribed(&app, &fake, "twice@example.com", "pro").await;
    let sub_id = subscription_of(&app, "twice@example.com")
        .await
        .stripe_subscription_id
        .unwrap();

    // Stripe retries an event it thinks failed: the second delivery is a duplicate.
    let created = fake.events("customer.subscription.created").remove(0);
    let before = app.count("subscriptions").await;
    assert_eq!(fake.resend(&created).await, 200);
    assert_eq!(app.count("subscriptions").await, before);
    assert_eq!(
        app.count("webhook_events").await,
        2,
        "created + checkout completed"
    );

    // An event created before the newest one applied arrives late: skipped.
    let mut stale = fake.subscription(&sub_id).unwrap();
    stale["status"] = json!("canceled");
    let an_hour_ago = Utc::now().timestamp() - 3600;
    assert_eq!(
        fake.send_event("customer.subscription.updated", stale, an_hour_ago)
            .await,
        200
    );
    assert_eq!(app.user("twice@example.com").await.plan, PlanTier::Pro);
    assert_eq!(
        subscription_of(&app, "twice@example.com").await.status,
        SubscriptionStatus::Trialing
    );

    // An invoice of another subscription (an ended one's last) is not this one's failure.
    let customer = app
        .user("twice@example.com")
        .await
        .stripe_customer_id
        .unwrap();
    let other = json!({"id": "in_other", "object": "invoice", "customer": customer,
        "subscription": "sub_ended_long_ago", "status": "open", "paid": false});
    assert_eq!(
        fake.send_event("invoice.payment_failed", other, Utc::now().timestamp())
            .await,
        200
    );
    let row = subscription_of(&app, "twice@example.com").await;
    assert_eq!(row.status, SubscriptionStatus::Trialing);
    assert_eq!(row.grace_until, None);
}

#[tokio::test]
async fn reconciliation_repairs_what_webhooks_missed_and_logs_each_repair() {
    let fake = FakeStripe::start().await;
    let app = stripe_app(&fake).await;
    subscribed(&app, &fake, "drift@example.com", "pro").await;
    subscribed(&app, &fake, "gone@example.com", "enterprise").await;
    subscribed(&app, &fake, "fine@example.com", "pro").await;
    let drifted = subscription_of(&app, "drift@example.com")
        .await
        .stripe_subscription_id
        .unwrap();
    let gone = subscription_of(&app, "gone@example.com")
        .await
        .stripe_subscription_id
        .unwrap();
    // Changes the app never heard of: a cancellation in Stripe's dashboard, a plan change,
    // a subscription deleted outright.
    fake.drift(&drifted, |sub| {
        sub["cancel_at_period_end"] = json!(true);
        sub["status"] = json!("active");
        sub["items"]["data"][0]["price"]["id"] = json!(ENTERPRISE_PRICE);
    });
    fake.forget(&gone);

    let stripe = app.state.stripe.clone().expect("Stripe is live");
    let settings = &app.state.settings.billing;
    let done = billing::reconcile(&app.db, &stripe, settings)
        .await
        .unwrap();
    assert_eq!(done.checked, 2);
    assert_eq!(done.repaired, 2);

    let repaired = subscription_of(&app, "drift@example.com").await;
    assert!(repaired.cancel_at_period_end);
    assert_eq!(repaired.status, SubscriptionStatus::Active);
    assert_eq!(repaired.plan, PlanTier::Enterprise);
    assert_eq!(
        app.user("drift@example.com").await.plan,
        PlanTier::Enterprise
    );
    let ended = subscription_of(&app, "gone@example.com").await;
    assert_eq!(ended.status, SubscriptionStatus::Canceled);
    assert_eq!(app.user("gone@example.com").await.plan, PlanTier::Free);
    assert_eq!(app.user("fine@example.com").await.plan, PlanTier::Pro);

    let drift_log = messages(&app, app.user("drift@example.com").await.id).await;
    let repair = drift_log
        .iter()
        .find(|m| m.starts_with("Subscription repaired from Stripe:"))
        .expect("the repair is logged");
    assert!(repair.contains("status trialing → active"), "{repair}");
    assert!(repair.contains("plan pro → enterprise"), "{repair}");
    assert!(
        repair.contains("cancel at period end false → true"),
        "{repair}"
    );

    // A second run (another instance, the next night) finds nothing to repair.
    let again = billing::reconcile(&app.db, &stripe, settings)
        .await
        .unwrap();
    assert_eq!(again.repaired, 0);
}

#[tokio::test]
async fn stripe_out_of_reach_is_a_clear_503_and_grants_nothing() {
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    let app = spawn_app_with(move |s| {
        s.billing.stripe_secret_key = "sk_test_fake".into();
        s.billing.stripe_webhook_secret = WEBHOOK_SECRET.into();
        s.billing.stripe_pro_price_id = PRO_PRICE.into();
        s.billing.stripe_enterprise_price_id = ENTERPRISE_PRICE.into();
        s.billing.stripe_api_url = url;
    })
    .await;
    let token = app.signed_up("down@example.com").await.access_token;
    let res = checkout(&app, &token, "pro").await;
    let status = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("Stripe could not be reached"), "{body}");
    assert_eq!(app.user("down@example.com").await.plan, PlanTier::Free);
    assert_eq!(app.count("subscriptions").await, 0);
}

#[tokio::test]
async fn unsigned_events_are_refused_when_stripe_is_live() {
    let fake = FakeStripe::start().await;
    let app = stripe_app(&fake).await;
    app.signed_up("sig@example.com").await;
    let user = app.user("sig@example.com").await;
    let forged = json!({"id": "evt_forged", "type": "checkout.session.completed",
        "data": {"object": {"client_reference_id": user.id, "customer": "cus_x", "metadata": {"plan": "enterprise"}}}});
    let res = app
        .client
        .post(app.url("/api/v1/webhooks/stripe"))
        .json(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(app.user("sig@example.com").await.plan, PlanTier::Free);
}

/// Settings → Integrations: each row and its badge, as the page renders them.
async fn integrations(app: &TestApp, email: &str) -> Vec<(String, String)> {
    app.signed_up(email).await;
    let cookie = app.sign_in_session(email).await;
    let html = app
        .client
        .get(app.url("/settings"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    html.split("data-testid=\"integration\"")
        .skip(1)
        .map(|row| {
            let text = |from: &str| {
                let start = row.find(from).map(|i| i + from.len()).unwrap_or(0);
                let rest = &row[start..];
                let open = rest.find('>').map(|i| i + 1).unwrap_or(0);
                let end = rest[open..].find('<').map(|i| open + i).unwrap_or(open);
                rest[open..end].to_string()
            };
            (text("font-medium\""), text("rounded-full"))
        })
        .collect()
}

#[tokio::test]
async fn settings_show_which_integrations_are_live() {
    let sandbox = crate::helpers::spawn_app().await;
    let rows = integrations(&sandbox, "plain@example.com").await;
    let names: Vec<&str> = rows.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Payments (Stripe)",
            "AI captions",
            "Instagram",
            "Facebook",
            "TikTok"
        ]
    );
    assert!(rows.iter().all(|(_, badge)| badge == "Sandbox"), "{rows:?}");

    let fake = FakeStripe::start().await;
    let app = stripe_app(&fake).await;
    let rows = integrations(&app, "live@example.com").await;
    assert_eq!(rows[0], ("Payments (Stripe)".into(), "Live".into()));
    assert!(
        rows[1..].iter().all(|(_, badge)| badge == "Sandbox"),
        "{rows:?}"
    );
}

/// The `form-action` of the page at `path`, as a signed-in browser gets it.
async fn form_action(app: &TestApp, email: &str, path: &str) -> String {
    let cookie = app.sign_in_session(email).await;
    let res = app
        .client
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{path}");
    let policy = res.headers()["content-security-policy"].to_str().unwrap();
    policy
        .split(';')
        .map(str::trim)
        .find_map(|d| d.strip_prefix("form-action "))
        .unwrap_or_else(|| panic!("no form-action in {policy}"))
        .to_string()
}

// The upgrade form posts here and the answer redirects to Stripe: browsers apply the page's
// form-action to that redirect, so Stripe's checkout must be in it, on the billing page only.
#[tokio::test]
async fn the_billing_page_lets_its_upgrade_form_lead_to_stripe_checkout_and_nowhere_else() {
    let fake = FakeStripe::start().await;
    let app = stripe_app(&fake).await;
    app.signed_up("forms@example.com").await;
    assert_eq!(
        form_action(&app, "forms@example.com", "/billing").await,
        format!("'self' {}", fake.url)
    );
    assert_eq!(
        form_action(&app, "forms@example.com", "/settings").await,
        "'self'"
    );

    let mock = spawn_app_with(|_| {}).await;
    mock.signed_up("mock@example.com").await;
    assert_eq!(
        form_action(&mock, "mock@example.com", "/billing").await,
        "'self'"
    );
}

// A checkout page anywhere else would be blocked by the browser and the click would seem
// to do nothing: the user gets a clear answer instead, and nothing is granted.
#[tokio::test]
async fn a_checkout_page_off_the_configured_origin_is_refused_clearly() {
    let fake = FakeStripe::start().await;
    let app = stripe_app_with(&fake, |s| {
        // The shipped default: the fake's checkout page is elsewhere.
        assert_eq!(
            s.billing.stripe_checkout_origin,
            "https://checkout.stripe.com"
        );
    })
    .await;
    let token = app.signed_up("elsewhere@example.com").await.access_token;
    let res = checkout(&app, &token, "pro").await;
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("not where this server expects it"),
        "{body}"
    );
    assert_eq!(app.user("elsewhere@example.com").await.plan, PlanTier::Free);
}
