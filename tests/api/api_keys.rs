//! API keys: plan gate, one-time raw key, hashed storage, scopes, revocation, isolation.

use app::model::{PlanTier, Role};
use serde_json::{json, Value};

use crate::helpers::{detail, spawn_app, TestApp};

async fn create_key(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.post_bearer("/api/v1/api-keys", token, &body).await
}

async fn me_with_key(app: &TestApp, key: &str) -> reqwest::Response {
    app.client
        .get(app.url("/api/v1/auth/me"))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn free_plan_cannot_create_keys() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    let res = create_key(&app, &pair.access_token, json!({"name": "ci"})).await;
    assert_eq!(res.status(), 403);
    assert_eq!(
        detail(res).await,
        "API access is available on the Pro and Enterprise plans"
    );
    assert_eq!(app.count("api_keys").await, 0);
}

#[tokio::test]
async fn a_key_is_shown_once_stored_hashed_and_authenticates() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    app.set_plan("ada@example.com", PlanTier::Pro).await;

    let res = create_key(&app, &pair.access_token, json!({"name": "Zapier"})).await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    let key = created["key"].as_str().unwrap().to_string();
    assert!(key.starts_with("po_live_"));
    assert!(key.len() >= "po_live_".len() + 32);
    assert_eq!(created["prefix"], &key[..12]);
    assert_eq!(created["scopes"], json!(["read", "write"]));
    assert_eq!(created["is_active"], true);

    // Stored as SHA-256 only.
    let row = app::server::entities::api_key::Entity::find_by_id(
        created["id"]
            .as_str()
            .unwrap()
            .parse::<uuid::Uuid>()
            .unwrap(),
    );
    use sea_orm::EntityTrait;
    let row = row.one(&app.db).await.unwrap().unwrap();
    assert_eq!(row.key_hash, app::server::auth::secrets::sha256_hex(&key));
    assert!(row.last_used_at.is_none());

    let res = me_with_key(&app, &key).await;
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["email"], "ada@example.com");

    // Listing never shows the raw key; last_used_at is now set.
    let list: Value = app
        .get_bearer("/api/v1/api-keys", &pair.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    let listed = &list["items"][0];
    assert!(listed.get("key").is_none());
    assert!(!list.to_string().contains(&key));
    assert!(listed["last_used_at"].is_string());
}

#[tokio::test]
async fn unknown_revoked_and_malformed_keys_are_401() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    app.set_plan("ada@example.com", PlanTier::Pro).await;
    let created: Value = create_key(&app, &pair.access_token, json!({"name": "k"}))
        .await
        .json()
        .await
        .unwrap();
    let key = created["key"].as_str().unwrap();
    let id = created["id"].as_str().unwrap();

    assert_eq!(
        me_with_key(&app, "po_live_doesnotexist").await.status(),
        401
    );
    assert_eq!(me_with_key(&app, "sk_something_else").await.status(), 401);

    let res = app
        .client
        .delete(app.url(&format!("/api/v1/api-keys/{id}")))
        .bearer_auth(&pair.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert!(res.bytes().await.unwrap().is_empty());
    let res = me_with_key(&app, key).await;
    assert_eq!(res.status(), 401);
    assert_eq!(detail(res).await, "This API key has been revoked");
}

#[tokio::test]
async fn read_keys_cannot_write_and_downgraded_owners_are_403() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    app.set_plan("ada@example.com", PlanTier::Pro).await;
    let created: Value = create_key(
        &app,
        &pair.access_token,
        json!({"name": "ro", "scopes": ["read"]}),
    )
    .await
    .json()
    .await
    .unwrap();
    let key = created["key"].as_str().unwrap();
    assert_eq!(me_with_key(&app, key).await.status(), 200);
    let write = app
        .client
        .post(app.url("/api/v1/api-keys"))
        .header("x-api-key", key)
        .json(&json!({"name": "escalate"}))
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), 403);
    assert_eq!(
        detail(write).await,
        "This API key is read-only: it needs the write scope"
    );

    app.set_plan("ada@example.com", PlanTier::Free).await;
    let res = me_with_key(&app, key).await;
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn scopes_are_validated_and_provision_is_for_admins() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    app.set_plan("ada@example.com", PlanTier::Pro).await;
    let res = create_key(
        &app,
        &pair.access_token,
        json!({"name": "x", "scopes": ["admin"]}),
    )
    .await;
    assert_eq!(res.status(), 422);
    let res = create_key(&app, &pair.access_token, json!({"name": "  "})).await;
    assert_eq!(res.status(), 422);
    let res = create_key(
        &app,
        &pair.access_token,
        json!({"name": "p", "scopes": ["provision"]}),
    )
    .await;
    assert_eq!(res.status(), 403);

    app.set_role("ada@example.com", Role::Admin).await;
    let created: Value = create_key(
        &app,
        &pair.access_token,
        json!({"name": "p", "scopes": ["provision", "write"]}),
    )
    .await
    .json()
    .await
    .unwrap();
    let res = app
        .client
        .post(app.url("/api/v1/auth/provision"))
        .header("x-api-key", created["key"].as_str().unwrap())
        .json(&json!({"email": "new@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let provisioned: Value = res.json().await.unwrap();
    assert_eq!(provisioned["plan"], "free");
}

#[tokio::test]
async fn keys_of_other_users_are_not_found() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    let bob = app.signed_up("bob@example.com").await;
    app.set_plan("ada@example.com", PlanTier::Pro).await;
    let created: Value = create_key(&app, &ada.access_token, json!({"name": "k"}))
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/api-keys/{id}")))
        .bearer_auth(&bob.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let list: Value = app
        .get_bearer("/api/v1/api-keys", &bob.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 0);
    let res = app
        .client
        .delete(app.url("/api/v1/api-keys/not-a-uuid"))
        .bearer_auth(&ada.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    // Still active for its owner.
    assert_eq!(
        me_with_key(&app, created["key"].as_str().unwrap())
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn key_lists_are_paginated_within_bounds() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    app.set_plan("ada@example.com", PlanTier::Pro).await;
    for i in 0..3 {
        create_key(&app, &pair.access_token, json!({"name": format!("k{i}")})).await;
    }
    let page: Value = app
        .get_bearer("/api/v1/api-keys?page=2&per_page=2", &pair.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 3);
    assert_eq!(page["page"], 2);
    assert_eq!(page["per_page"], 2);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    for bad in ["per_page=0", "per_page=101", "page=0", "page=abc"] {
        let res = app
            .get_bearer(&format!("/api/v1/api-keys?{bad}"), &pair.access_token)
            .await;
        assert_eq!(res.status(), 422, "{bad}");
    }
}
