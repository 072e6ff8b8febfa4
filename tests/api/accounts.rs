//! Social accounts: plan limit at the boundary, reconnection, soft disconnect, isolation.

use app::model::PlanTier;
use serde_json::{json, Value};

use crate::helpers::{detail, spawn_app, TestApp};

async fn connect(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.post_bearer("/api/v1/accounts", token, &body).await
}

#[tokio::test]
async fn connecting_returns_the_account_without_tokens() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    let res = connect(
        &app,
        &pair.access_token,
        json!({"platform": "instagram", "account_name": "@ada.shop"}),
    )
    .await;
    assert_eq!(res.status(), 201);
    let account: Value = res.json().await.unwrap();
    let mut keys: Vec<_> = account.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "account_id_external",
            "account_name",
            "connected_at",
            "created_at",
            "id",
            "is_connected",
            "needs_reconnect",
            "platform"
        ]
    );
    assert_eq!(account["platform"], "instagram");
    assert_eq!(account["is_connected"], true);
    assert!(!account.to_string().contains("token"));
}

#[tokio::test]
async fn the_free_plan_allows_one_connected_account() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    let first = connect(
        &app,
        &pair.access_token,
        json!({"platform": "instagram", "account_name": "one"}),
    )
    .await;
    assert_eq!(first.status(), 201);
    let second = connect(
        &app,
        &pair.access_token,
        json!({"platform": "facebook", "account_name": "two"}),
    )
    .await;
    assert_eq!(second.status(), 403);
    assert!(detail(second).await.contains("allows 1 connected account"));

    // Disconnecting frees the slot; the row stays (soft disconnect).
    let id = first.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/accounts/{id}")))
        .bearer_auth(&pair.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let got: Value = app
        .get_bearer(&format!("/api/v1/accounts/{id}"), &pair.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["is_connected"], false);
    let again = connect(
        &app,
        &pair.access_token,
        json!({"platform": "facebook", "account_name": "two"}),
    )
    .await;
    assert_eq!(again.status(), 201);

    app.set_plan("ada@example.com", PlanTier::Pro).await;
    let third = connect(
        &app,
        &pair.access_token,
        json!({"platform": "tiktok", "account_name": "three"}),
    )
    .await;
    assert_eq!(third.status(), 201);
}

#[tokio::test]
async fn reconnecting_the_same_account_reuses_its_row() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    let body =
        json!({"platform": "tiktok", "account_name": "@ada", "account_id_external": "tt-123"});
    let first: Value = connect(&app, &pair.access_token, body.clone())
        .await
        .json()
        .await
        .unwrap();
    let dup = connect(&app, &pair.access_token, body.clone()).await;
    assert_eq!(dup.status(), 409);
    let id = first["id"].as_str().unwrap();
    app.client
        .delete(app.url(&format!("/api/v1/accounts/{id}")))
        .bearer_auth(&pair.access_token)
        .send()
        .await
        .unwrap();
    let again: Value = connect(&app, &pair.access_token, body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["is_connected"], true);
    assert_eq!(app.count("social_accounts").await, 1);
}

#[tokio::test]
async fn bad_input_is_422() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    for body in [
        json!({"platform": "myspace", "account_name": "x"}),
        json!({"platform": "instagram", "account_name": "   "}),
        json!({"platform": "instagram"}),
        json!({"platform": "instagram", "account_name": "x".repeat(256)}),
    ] {
        let res = connect(&app, &pair.access_token, body.clone()).await;
        assert_eq!(res.status(), 422, "{body}");
    }
    assert_eq!(app.count("social_accounts").await, 0);
}

#[tokio::test]
async fn other_users_accounts_are_not_found() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    let bob = app.signed_up("bob@example.com").await;
    let account: Value = connect(
        &app,
        &ada.access_token,
        json!({"platform": "instagram", "account_name": "ada"}),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = account["id"].as_str().unwrap();
    assert_eq!(
        app.get_bearer(&format!("/api/v1/accounts/{id}"), &bob.access_token)
            .await
            .status(),
        404
    );
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/accounts/{id}")))
        .bearer_auth(&bob.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let list: Value = app
        .get_bearer("/api/v1/accounts", &bob.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 0);
    let list: Value = app
        .get_bearer("/api/v1/accounts", &ada.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["is_connected"], true);
}
