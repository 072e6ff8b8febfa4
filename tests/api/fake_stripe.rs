//! A local stand-in for Stripe that speaks its wire format: the form-encoded requests of
//! async-stripe in, objects shaped as Stripe's API (version 2023-10-16) answers them out, a
//! hosted checkout page to pay on, and signed webhook events sent to the app as Stripe sends
//! them. Tests (and the browser suite, through `examples/fakes.rs`) drive it like a customer
//! and like Stripe's billing cycle: pay, fail a payment, drift behind the app's back, replay.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde_json::{json, Value};

pub const PRO_PRICE: &str = "price_1PostPilotPro";
pub const ENTERPRISE_PRICE: &str = "price_1PostPilotEnterprise";
const DAY: i64 = 86_400;

/// What the app asked of Stripe: method, path, form fields, idempotency key.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: &'static str,
    pub path: String,
    pub form: HashMap<String, String>,
    pub idempotency_key: Option<String>,
}

#[derive(Default)]
struct Stripe {
    customers: HashMap<String, Value>,
    /// Idempotency key → the customer it created.
    idempotent: HashMap<String, String>,
    sessions: HashMap<String, Value>,
    subscriptions: Vec<Value>,
    /// Every event sent, in order, to replay.
    events: Vec<Value>,
    calls: Vec<Call>,
}

struct FakeState {
    base: String,
    secret_key: String,
    /// Where events go and the secret they are signed with.
    webhook: Mutex<Option<(String, String)>>,
    stripe: Mutex<Stripe>,
    ids: AtomicU64,
    http: reqwest::Client,
}

#[derive(Clone)]
pub struct FakeStripe {
    pub url: String,
    state: Arc<FakeState>,
}

impl FakeStripe {
    pub async fn start() -> Self {
        Self::start_on("127.0.0.1:0").await
    }

    pub async fn start_on(addr: &str) -> Self {
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(FakeState {
            base: url.clone(),
            secret_key: "sk_test_fake".into(),
            webhook: Mutex::new(None),
            stripe: Mutex::new(Stripe::default()),
            ids: AtomicU64::new(1),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .unwrap(),
        });
        let app = Router::new()
            .route("/v1/customers", post(create_customer))
            .route("/v1/checkout/sessions", post(create_session))
            .route("/v1/billing_portal/sessions", post(create_portal))
            .route("/v1/subscriptions", get(list_subscriptions))
            .route(
                "/v1/subscriptions/{id}",
                get(get_subscription).post(update_subscription),
            )
            .route("/pay/{id}", get(pay_page).post(pay))
            .route("/portal/{id}", get(portal_page))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeStripe { url, state }
    }

    /// The key the app must send (`billing.stripe_secret_key`).
    pub fn secret_key(&self) -> String {
        self.state.secret_key.clone()
    }

    /// Sends events to `url` signed with `secret`, as a Stripe webhook endpoint would.
    pub fn deliver_to(&self, url: &str, secret: &str) {
        *self.state.webhook.lock().unwrap() = Some((url.to_string(), secret.to_string()));
    }

    pub fn calls(&self) -> Vec<Call> {
        self.state.stripe.lock().unwrap().calls.clone()
    }

    pub fn calls_to(&self, path_prefix: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.path.starts_with(path_prefix))
            .collect()
    }

    pub fn customers(&self) -> usize {
        self.state.stripe.lock().unwrap().customers.len()
    }

    pub fn subscription(&self, id: &str) -> Option<Value> {
        self.state
            .stripe
            .lock()
            .unwrap()
            .subscriptions
            .iter()
            .find(|s| s["id"] == id)
            .cloned()
    }

    /// The customer pays on the hosted page: what the "Subscribe" button does.
    pub async fn pay(&self, session_id: &str) -> String {
        complete_checkout(&self.state, session_id).await
    }

    /// The renewal charge fails: the subscription is past due, and Stripe says so.
    pub async fn fail_payment(&self, subscription_id: &str) {
        let (subscription, invoice) = {
            let mut stripe = self.state.stripe.lock().unwrap();
            let sub = stripe
                .subscriptions
                .iter_mut()
                .find(|s| s["id"] == subscription_id)
                .expect("a subscription of the fake");
            sub["status"] = json!("past_due");
            let sub = sub.clone();
            let invoice = invoice_for(&self.state, &sub, false);
            (sub, invoice)
        };
        send(&self.state, "invoice.payment_failed", invoice).await;
        send(&self.state, "customer.subscription.updated", subscription).await;
    }

    /// The retried charge succeeds.
    pub async fn recover_payment(&self, subscription_id: &str) {
        let (subscription, invoice) = {
            let mut stripe = self.state.stripe.lock().unwrap();
            let sub = stripe
                .subscriptions
                .iter_mut()
                .find(|s| s["id"] == subscription_id)
                .expect("a subscription of the fake");
            sub["status"] = json!("active");
            let sub = sub.clone();
            let invoice = invoice_for(&self.state, &sub, true);
            (sub, invoice)
        };
        send(&self.state, "invoice.paid", invoice).await;
        send(&self.state, "customer.subscription.updated", subscription).await;
    }

    /// Changes a subscription without telling the app (a webhook that never arrived).
    pub fn drift(&self, subscription_id: &str, change: impl FnOnce(&mut Value)) {
        let mut stripe = self.state.stripe.lock().unwrap();
        let sub = stripe
            .subscriptions
            .iter_mut()
            .find(|s| s["id"] == subscription_id)
            .expect("a subscription of the fake");
        change(sub);
    }

    /// Forgets a subscription without telling the app (deleted in Stripe's dashboard).
    pub fn forget(&self, subscription_id: &str) {
        self.state
            .stripe
            .lock()
            .unwrap()
            .subscriptions
            .retain(|s| s["id"] != subscription_id);
    }

    /// Every event sent so far of this type.
    pub fn events(&self, kind: &str) -> Vec<Value> {
        self.state
            .stripe
            .lock()
            .unwrap()
            .events
            .iter()
            .filter(|e| e["type"] == kind)
            .cloned()
            .collect()
    }

    /// Sends an event again, exactly as before (Stripe retries until it gets a 2xx).
    pub async fn resend(&self, event: &Value) -> u16 {
        post_event(&self.state, event).await
    }

    /// Sends an event built by the test, signed and shaped as Stripe's.
    pub async fn send_event(&self, kind: &str, object: Value, created: i64) -> u16 {
        let event = event(&self.state, kind, object, created);
        post_event(&self.state, &event).await
    }
}

impl FakeState {
    fn id(&self, prefix: &str) -> String {
        format!(
            "{prefix}_Fake{:08}",
            self.ids.fetch_add(1, Ordering::Relaxed)
        )
    }

    fn record(
        &self,
        method: &'static str,
        path: String,
        form: &[(String, String)],
        headers: &HeaderMap,
    ) {
        self.stripe.lock().unwrap().calls.push(Call {
            method,
            path,
            form: form.iter().cloned().collect(),
            idempotency_key: headers
                .get("idempotency-key")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
        });
    }

    fn authorized(&self, headers: &HeaderMap) -> Result<(), Box<Response>> {
        let expected = format!("Bearer {}", self.secret_key);
        if headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&expected) {
            Ok(())
        } else {
            Err(Box::new(stripe_error(
                StatusCode::UNAUTHORIZED,
                "invalid_request_error",
                "Invalid API Key provided: sk_****",
                None,
            )))
        }
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn stripe_error(status: StatusCode, kind: &str, message: &str, code: Option<&str>) -> Response {
    (
        status,
        Json(json!({"error": {"type": kind, "message": message, "code": code}})),
    )
        .into_response()
}

/// `metadata[user_id]=…` → {"user_id": …}.
fn nested(form: &[(String, String)], prefix: &str) -> Value {
    let mut map = serde_json::Map::new();
    for (key, value) in form {
        if let Some(rest) = key.strip_prefix(prefix) {
            if let Some(name) = rest.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
                map.insert(name.to_string(), json!(value));
            }
        }
    }
    Value::Object(map)
}

fn field<'a>(form: &'a [(String, String)], key: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn price(id: &str) -> Value {
    let amount = if id == ENTERPRISE_PRICE { 9900 } else { 2900 };
    json!({
        "id": id, "object": "price", "active": true, "billing_scheme": "per_unit",
        "created": 1_700_000_000, "currency": "usd", "custom_unit_amount": null,
        "livemode": false, "lookup_key": null, "metadata": {}, "nickname": null,
        "product": format!("prod_{id}"),
        "recurring": {"aggregate_usage": null, "interval": "month", "interval_count": 1,
                      "trial_period_days": null, "usage_type": "licensed"},
        "tax_behavior": "unspecified", "tiers_mode": null, "transform_quantity": null,
        "type": "recurring", "unit_amount": amount, "unit_amount_decimal": amount.to_string()
    })
}

async fn create_customer(
    State(s): State<Arc<FakeState>>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    s.record("POST", "/v1/customers".into(), &form, &headers);
    if let Err(denied) = s.authorized(&headers) {
        return *denied;
    }
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut stripe = s.stripe.lock().unwrap();
    if let Some(existing) = key.as_ref().and_then(|k| stripe.idempotent.get(k)) {
        return Json(stripe.customers[existing].clone()).into_response();
    }
    let id = s.id("cus");
    let customer = json!({
        "id": id, "object": "customer", "address": null, "balance": 0, "created": now(),
        "currency": null, "default_source": null, "delinquent": false, "description": null,
        "discount": null, "email": field(&form, "email"), "invoice_prefix": "FAKE0001",
        "invoice_settings": {"custom_fields": null, "default_payment_method": null,
                             "footer": null, "rendering_options": null},
        "livemode": false, "metadata": nested(&form, "metadata"), "name": null, "phone": null,
        "preferred_locales": [], "shipping": null, "tax_exempt": "none", "test_clock": null
    });
    stripe.customers.insert(id.clone(), customer.clone());
    if let Some(key) = key {
        stripe.idempotent.insert(key, id);
    }
    Json(customer).into_response()
}

async fn create_session(
    State(s): State<Arc<FakeState>>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    s.record("POST", "/v1/checkout/sessions".into(), &form, &headers);
    if let Err(denied) = s.authorized(&headers) {
        return *denied;
    }
    let customer = field(&form, "customer").unwrap_or_default().to_string();
    if !s.stripe.lock().unwrap().customers.contains_key(&customer) {
        return stripe_error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            &format!("No such customer: '{customer}'"),
            Some("resource_missing"),
        );
    }
    let price_id = field(&form, "line_items[0][price]").unwrap_or_default();
    if price_id != PRO_PRICE && price_id != ENTERPRISE_PRICE {
        return stripe_error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            &format!("No such price: '{price_id}'"),
            Some("resource_missing"),
        );
    }
    let id = s.id("cs_test");
    let session = json!({
        "id": id, "object": "checkout.session", "after_expiration": null,
        "allow_promotion_codes": null, "amount_subtotal": price(price_id)["unit_amount"],
        "amount_total": price(price_id)["unit_amount"],
        "automatic_tax": {"enabled": false, "liability": null, "status": null},
        "billing_address_collection": null, "cancel_url": field(&form, "cancel_url"),
        "client_reference_id": field(&form, "client_reference_id"), "client_secret": null,
        "consent": null, "consent_collection": null, "created": now(), "currency": "usd",
        "currency_conversion": null, "custom_fields": [],
        "custom_text": {"after_submit": null, "shipping_address": null, "submit": null,
                        "terms_of_service_acceptance": null},
        "customer": customer, "customer_creation": null, "customer_details": null,
        "customer_email": null, "expires_at": now() + DAY, "invoice": null,
        "invoice_creation": null, "livemode": false, "locale": null,
        "metadata": nested(&form, "metadata"), "mode": "subscription", "payment_intent": null,
        "payment_link": null, "payment_method_collection": "always",
        "payment_method_configuration_details": null, "payment_method_options": {},
        "payment_method_types": ["card"], "payment_status": "unpaid",
        "phone_number_collection": {"enabled": false}, "recovered_from": null,
        "setup_intent": null, "shipping_address_collection": null, "shipping_cost": null,
        "shipping_details": null, "shipping_options": [], "status": "open",
        "submit_type": null, "subscription": null, "success_url": field(&form, "success_url"),
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted", "url": format!("{}/pay/{id}", s.base),
        // Kept for completing it; Stripe keeps these on the session too.
        "x_price": price_id,
        "x_trial_days": field(&form, "subscription_data[trial_period_days]"),
        "x_subscription_metadata": nested(&form, "subscription_data[metadata]"),
    });
    s.stripe
        .lock()
        .unwrap()
        .sessions
        .insert(id, session.clone());
    Json(public(session)).into_response()
}

/// The object without the fake's own bookkeeping fields.
fn public(mut object: Value) -> Value {
    if let Some(map) = object.as_object_mut() {
        map.retain(|k, _| !k.starts_with("x_"));
    }
    object
}

async fn create_portal(
    State(s): State<Arc<FakeState>>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    s.record(
        "POST",
        "/v1/billing_portal/sessions".into(),
        &form,
        &headers,
    );
    if let Err(denied) = s.authorized(&headers) {
        return *denied;
    }
    let customer = field(&form, "customer").unwrap_or_default();
    if !s.stripe.lock().unwrap().customers.contains_key(customer) {
        return stripe_error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            &format!("No such customer: '{customer}'"),
            Some("resource_missing"),
        );
    }
    let id = s.id("bps");
    Json(json!({
        "id": id, "object": "billing_portal.session", "configuration": "bpc_FakeDefault",
        "created": now(), "customer": customer, "flow": null, "livemode": false,
        "locale": null, "on_behalf_of": null, "return_url": field(&form, "return_url"),
        "url": format!("{}/portal/{id}", s.base)
    }))
    .into_response()
}

async fn portal_page(Path(id): Path<String>) -> Html<String> {
    Html(format!(
        "<!doctype html><title>Billing portal (test)</title><h1>Manage your subscription</h1><p>{id}</p>"
    ))
}

fn subscription_object(
    s: &FakeState,
    customer: &str,
    price_id: &str,
    trial_days: Option<i64>,
    metadata: Value,
) -> Value {
    let id = s.id("sub");
    let start = now();
    let end = start + trial_days.unwrap_or(30) * DAY;
    let status = if trial_days.is_some() {
        "trialing"
    } else {
        "active"
    };
    json!({
        "id": id, "object": "subscription", "application": null,
        "application_fee_percent": null,
        "automatic_tax": {"enabled": false, "liability": null},
        "billing_cycle_anchor": end, "billing_thresholds": null, "cancel_at": null,
        "cancel_at_period_end": false, "canceled_at": null,
        "cancellation_details": {"comment": null, "feedback": null, "reason": null},
        "collection_method": "charge_automatically", "created": start, "currency": "usd",
        "current_period_end": end, "current_period_start": start, "customer": customer,
        "days_until_due": null, "default_payment_method": "pm_FakeCard",
        "default_source": null, "default_tax_rates": [], "description": null,
        "discount": null, "ended_at": null,
        "items": {"object": "list", "data": [{
            "id": s.id("si"), "object": "subscription_item", "billing_thresholds": null,
            "created": start, "metadata": {}, "price": price(price_id), "quantity": 1,
            "subscription": id, "tax_rates": []
        }], "has_more": false, "total_count": 1,
            "url": format!("/v1/subscription_items?subscription={id}")},
        "latest_invoice": s.id("in"), "livemode": false, "metadata": metadata,
        "next_pending_invoice_item_invoice": null, "on_behalf_of": null,
        "pause_collection": null,
        "payment_settings": {"payment_method_options": null, "payment_method_types": null,
                             "save_default_payment_method": "off"},
        "pending_invoice_item_interval": null, "pending_setup_intent": null,
        "pending_update": null, "schedule": null, "start_date": start, "status": status,
        "test_clock": null, "transfer_data": null,
        "trial_end": trial_days.map(|_| end), "trial_settings":
            {"end_behavior": {"missing_payment_method": "create_invoice"}},
        "trial_start": trial_days.map(|_| start)
    })
}

fn invoice_for(s: &FakeState, subscription: &Value, paid: bool) -> Value {
    let amount = subscription
        .pointer("/items/data/0/price/unit_amount")
        .cloned()
        .unwrap_or(json!(2900));
    json!({
        "id": s.id("in"), "object": "invoice", "account_country": "US",
        "amount_due": amount, "amount_paid": if paid { amount.clone() } else { json!(0) },
        "amount_remaining": if paid { json!(0) } else { amount.clone() },
        "attempt_count": 1, "attempted": true, "billing_reason": "subscription_cycle",
        "collection_method": "charge_automatically", "created": now(), "currency": "usd",
        "customer": subscription["customer"], "livemode": false, "paid": paid,
        "period_end": subscription["current_period_end"],
        "period_start": subscription["current_period_start"],
        "status": if paid { "paid" } else { "open" },
        "subscription": subscription["id"], "total": amount
    })
}

fn event(s: &FakeState, kind: &str, object: Value, created: i64) -> Value {
    json!({
        "id": s.id("evt"), "object": "event", "api_version": "2023-10-16",
        "created": created, "data": {"object": object}, "livemode": false,
        "pending_webhooks": 1, "request": {"id": s.id("req"), "idempotency_key": null},
        "type": kind
    })
}

async fn send(s: &Arc<FakeState>, kind: &str, object: Value) {
    let event = event(s, kind, object, now());
    post_event(s, &event).await;
}

/// Signs and posts one event; 0 when no endpoint is set or it cannot be reached.
async fn post_event(s: &Arc<FakeState>, event: &Value) -> u16 {
    {
        let mut stripe = s.stripe.lock().unwrap();
        if !stripe.events.iter().any(|e| e["id"] == event["id"]) {
            stripe.events.push(event.clone());
        }
    }
    let Some((url, secret)) = s.webhook.lock().unwrap().clone() else {
        return 0;
    };
    let body = serde_json::to_vec(event).unwrap();
    let signature = app::server::services::webhooks::stripe_signature(&secret, now(), &body);
    match s
        .http
        .post(url)
        .header("content-type", "application/json")
        .header("stripe-signature", signature)
        .body(body)
        .send()
        .await
    {
        Ok(res) => res.status().as_u16(),
        Err(_) => 0,
    }
}

/// Pays a checkout: the subscription is created and Stripe's three events go out (in the
/// order Stripe sends them), then the customer is sent to the success URL.
async fn complete_checkout(s: &Arc<FakeState>, session_id: &str) -> String {
    let (session, subscription) = {
        let mut stripe = s.stripe.lock().unwrap();
        let session = stripe
            .sessions
            .get(session_id)
            .cloned()
            .expect("a checkout session of the fake");
        let trial = session["x_trial_days"]
            .as_str()
            .and_then(|d| d.parse::<i64>().ok());
        let subscription = subscription_object(
            s,
            session["customer"].as_str().unwrap_or_default(),
            session["x_price"].as_str().unwrap_or(PRO_PRICE),
            trial,
            session["x_subscription_metadata"].clone(),
        );
        stripe.subscriptions.push(subscription.clone());
        let stored = stripe.sessions.get_mut(session_id).unwrap();
        stored["status"] = json!("complete");
        stored["payment_status"] = json!(if trial.is_some() {
            "no_payment_required"
        } else {
            "paid"
        });
        stored["subscription"] = subscription["id"].clone();
        (public(stored.clone()), subscription)
    };
    send(s, "customer.subscription.created", subscription.clone()).await;
    send(s, "checkout.session.completed", session.clone()).await;
    if subscription["status"] == "active" {
        let invoice = invoice_for(s, &subscription, true);
        send(s, "invoice.paid", invoice).await;
    }
    session["success_url"]
        .as_str()
        .unwrap_or("/")
        .replace("{CHECKOUT_SESSION_ID}", session_id)
}

async fn pay_page(State(s): State<Arc<FakeState>>, Path(id): Path<String>) -> Response {
    let Some(session) = s.stripe.lock().unwrap().sessions.get(&id).cloned() else {
        return (StatusCode::NOT_FOUND, "No such checkout session").into_response();
    };
    let amount = session["amount_total"].as_i64().unwrap_or(0) as f64 / 100.0;
    let trial = session["x_trial_days"].as_str().unwrap_or("");
    let terms = if trial.is_empty() {
        format!("${amount:.2} per month")
    } else {
        format!("{trial} days free, then ${amount:.2} per month")
    };
    Html(format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Checkout (Stripe test)</title></head>
<body style="font-family: sans-serif; max-width: 28rem; margin: 3rem auto">
<h1>Subscribe to PostPilot</h1><p data-testid="terms">{terms}</p>
<form method="post" action="/pay/{id}"><label>Card number <input name="card" value="4242 4242 4242 4242"></label>
<button type="submit">Subscribe</button></form>
<p><a href="{cancel}">Back</a></p></body></html>"#,
        cancel = session["cancel_url"].as_str().unwrap_or("/")
    ))
    .into_response()
}

async fn pay(State(s): State<Arc<FakeState>>, Path(id): Path<String>) -> Response {
    if !s.stripe.lock().unwrap().sessions.contains_key(&id) {
        return (StatusCode::NOT_FOUND, "No such checkout session").into_response();
    }
    let to = complete_checkout(&s, &id).await;
    Redirect::to(&to).into_response()
}

async fn get_subscription(
    State(s): State<Arc<FakeState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    s.record("GET", format!("/v1/subscriptions/{id}"), &[], &headers);
    if let Err(denied) = s.authorized(&headers) {
        return *denied;
    }
    match s
        .stripe
        .lock()
        .unwrap()
        .subscriptions
        .iter()
        .find(|sub| sub["id"] == id.as_str())
    {
        Some(found) => Json(found.clone()).into_response(),
        None => stripe_error(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            &format!("No such subscription: '{id}'"),
            Some("resource_missing"),
        ),
    }
}

async fn update_subscription(
    State(s): State<Arc<FakeState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    s.record("POST", format!("/v1/subscriptions/{id}"), &form, &headers);
    if let Err(denied) = s.authorized(&headers) {
        return *denied;
    }
    let updated = {
        let mut stripe = s.stripe.lock().unwrap();
        let Some(sub) = stripe
            .subscriptions
            .iter_mut()
            .find(|sub| sub["id"] == id.as_str())
        else {
            return stripe_error(
                StatusCode::NOT_FOUND,
                "invalid_request_error",
                &format!("No such subscription: '{id}'"),
                Some("resource_missing"),
            );
        };
        if let Some(flag) = field(&form, "cancel_at_period_end") {
            sub["cancel_at_period_end"] = json!(flag == "true");
        }
        if let Some(new_price) = field(&form, "items[0][price]") {
            if field(&form, "items[0][id]")
                != sub.pointer("/items/data/0/id").and_then(Value::as_str)
            {
                return stripe_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request_error",
                    "items[0][id] is not an item of this subscription",
                    None,
                );
            }
            sub["items"]["data"][0]["price"] = price(new_price);
        }
        sub.clone()
    };
    send(&s, "customer.subscription.updated", updated.clone()).await;
    Json(updated).into_response()
}

async fn list_subscriptions(
    State(s): State<Arc<FakeState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let form: Vec<(String, String)> = query.clone().into_iter().collect();
    s.record("GET", "/v1/subscriptions".into(), &form, &headers);
    if let Err(denied) = s.authorized(&headers) {
        return *denied;
    }
    let limit = query
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(10);
    let all = s.stripe.lock().unwrap().subscriptions.clone();
    let start = match query.get("starting_after") {
        Some(after) => all
            .iter()
            .position(|sub| sub["id"] == after.as_str())
            .map_or(all.len(), |i| i + 1),
        None => 0,
    };
    let page: Vec<Value> = all.iter().skip(start).take(limit).cloned().collect();
    let has_more = start + page.len() < all.len();
    Json(json!({"object": "list", "data": page, "has_more": has_more, "url": "/v1/subscriptions"}))
        .into_response()
}
