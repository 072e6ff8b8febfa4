//! Billing in mock mode and usage.

use serde_json::{json, Value};

use crate::helpers::{detail, spawn_app};

#[tokio::test]
async fn plans_are_public_and_match_the_pricing() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url("/api/v1/billing/plans"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let plans: Value = res.json().await.unwrap();
    let tiers: Vec<_> = plans
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["tier"].as_str().unwrap())
        .collect();
    assert_eq!(tiers, ["free", "pro", "enterprise"]);
    assert_eq!(plans[0]["price_monthly_cents"], 0);
    assert_eq!(plans[0]["max_items"], 10);
    assert_eq!(plans[0]["max_secondary"], 1);
    assert_eq!(plans[0]["ai_captions"], 5);
    assert_eq!(plans[0]["api_access"], false);
    assert_eq!(plans[1]["price_monthly_cents"], 2900);
    assert_eq!(plans[1]["trial_days"], 14);
    assert_eq!(plans[1]["ai_captions"], -1);
    assert_eq!(plans[2]["price_monthly_cents"], 9900);
    assert_eq!(plans[2]["max_items"], -1);
    assert!(plans[2]["features"].as_array().unwrap().len() > 2);
}

#[tokio::test]
async fn mock_checkout_activates_the_plan_at_once() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    let t = &pair.access_token;
    let current: Value = app
        .get_bearer("/api/v1/billing/current", t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(current, Value::Null);

    let res = app
        .post_bearer("/api/v1/billing/checkout", t, &json!({"plan": "pro"}))
        .await;
    assert_eq!(res.status(), 201);
    let session: Value = res.json().await.unwrap();
    assert!(session["session_id"]
        .as_str()
        .unwrap()
        .starts_with("mock_cs_"));
    assert!(session["checkout_url"]
        .as_str()
        .unwrap()
        .contains("/billing?checkout=success"));

    let me: Value = app
        .get_bearer("/api/v1/auth/me", t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["plan"], "pro");
    let current: Value = app
        .get_bearer("/api/v1/billing/current", t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(current["status"], "active");
    assert_eq!(current["plan"], "pro");
    assert_eq!(current["cancel_at_period_end"], false);

    let again = app
        .post_bearer("/api/v1/billing/checkout", t, &json!({"plan": "pro"}))
        .await;
    assert_eq!(again.status(), 400);
    assert_eq!(detail(again).await, "You are already on the Pro plan");
    assert_eq!(
        app.post_bearer("/api/v1/billing/checkout", t, &json!({"plan": "free"}))
            .await
            .status(),
        422
    );
    assert_eq!(
        app.post_bearer("/api/v1/billing/checkout", t, &json!({"plan": "gold"}))
            .await
            .status(),
        422
    );

    let upgrade = app
        .post_bearer(
            "/api/v1/billing/checkout",
            t,
            &json!({"plan": "enterprise"}),
        )
        .await;
    assert_eq!(upgrade.status(), 201);
    assert_eq!(app.count("subscriptions").await, 1);

    let res = app
        .post_bearer("/api/v1/billing/cancel", t, &json!({}))
        .await;
    assert_eq!(res.status(), 200);
    let cancelled: Value = res.json().await.unwrap();
    assert_eq!(cancelled["cancel_at_period_end"], true);
    assert_eq!(cancelled["plan"], "enterprise");
    assert_eq!(
        app.post_bearer("/api/v1/billing/cancel", t, &json!({}))
            .await
            .status(),
        400
    );

    let portal: Value = app
        .post_bearer("/api/v1/billing/portal", t, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert!(portal["portal_url"].as_str().unwrap().ends_with("/billing"));
}

#[tokio::test]
async fn cancelling_without_a_subscription_is_400_and_billing_needs_auth() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    let res = app
        .post_bearer("/api/v1/billing/cancel", &pair.access_token, &json!({}))
        .await;
    assert_eq!(res.status(), 400);
    let res = app
        .client
        .get(app.url("/api/v1/billing/overview"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn usage_counts_this_months_posts_accounts_and_keys() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    let t = &pair.access_token;
    let account = app.account(t, "facebook").await;
    for i in 0..3 {
        let res = app
            .post_bearer(
                "/api/v1/posts",
                t,
                &json!({"account_id": account, "content": format!("p{i}")}),
            )
            .await;
        assert_eq!(res.status(), 201);
    }
    let usage: Value = app
        .get_bearer("/api/v1/usage", t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(usage["plan"], "free");
    assert_eq!(usage["posts"], json!({"used": 3, "limit": 10}));
    assert_eq!(usage["accounts"], json!({"used": 1, "limit": 1}));
    assert_eq!(usage["ai_captions"], json!({"used": 0, "limit": 5}));
    assert_eq!(usage["api_keys"], json!({"used": 0}));
    let start: chrono::DateTime<chrono::Utc> =
        usage["period_start"].as_str().unwrap().parse().unwrap();
    let end: chrono::DateTime<chrono::Utc> = usage["period_end"].as_str().unwrap().parse().unwrap();
    assert!(start <= chrono::Utc::now() && chrono::Utc::now() < end);

    // Overview = plan + subscription + the same usage.
    app.post_bearer("/api/v1/billing/checkout", t, &json!({"plan": "pro"}))
        .await;
    let overview: Value = app
        .get_bearer("/api/v1/billing/overview", t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(overview["plan"], "pro");
    assert_eq!(overview["subscription"]["status"], "active");
    assert_eq!(overview["usage"]["posts"], json!({"used": 3, "limit": 200}));
    assert_eq!(overview["usage"]["ai_captions"]["limit"], -1);

    // API keys count when active; usage works with a key too.
    let key: Value = app
        .post_bearer("/api/v1/api-keys", t, &json!({"name": "k"}))
        .await
        .json()
        .await
        .unwrap();
    let via_key: Value = app
        .client
        .get(app.url("/api/v1/usage"))
        .header("x-api-key", key["key"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(via_key["api_keys"], json!({"used": 1}));
}
