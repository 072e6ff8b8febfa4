//! Every auth rule of the contract: register, login, refresh rotation and reuse, token kinds
//! and expiry, me, password reset, provisioning.

use app::model::{Role, TokenPair};
use app::server::auth::tokens::TokenKind;
use app::server::entities::password_reset_token;
use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{json, Value};

use crate::helpers::{detail, spawn_app, TestApp};

#[tokio::test]
async fn register_returns_a_bearer_pair_and_stores_an_argon2id_hash() {
    let app = spawn_app().await;
    let res = app.register("Ada@Example.com", "correct-horse-1").await;
    assert_eq!(res.status(), 201);
    let pair: TokenPair = res.json().await.unwrap();
    assert_eq!(pair.token_type, "bearer");
    let user = app.user("ada@example.com").await;
    assert_eq!(user.email, "ada@example.com");
    assert!(user.hashed_password.starts_with("$argon2id$"));
    assert!(!user.hashed_password.contains("correct-horse-1"));
    // Refresh tokens are stored hashed, never raw.
    let stored = app.count("refresh_tokens").await;
    assert_eq!(stored, 1);
}

#[tokio::test]
async fn duplicate_email_is_409_whatever_its_case() {
    let app = spawn_app().await;
    app.signed_up("ada@example.com").await;
    let res = app.register("  ADA@example.COM ", "another-pass-2").await;
    assert_eq!(res.status(), 409);
    assert_eq!(
        detail(res).await,
        "An account with this email already exists"
    );
    assert_eq!(app.all_users().await.len(), 1);
}

#[tokio::test]
async fn invalid_registrations_are_422_with_a_clear_detail() {
    let app = spawn_app().await;
    for (body, expected) in [
        (
            json!({"email": "not-an-email", "password": "long-enough"}),
            "Enter a valid email address",
        ),
        (
            json!({"email": "ada@example.com", "password": "short"}),
            "Password must be at least 8 characters",
        ),
        (
            json!({"email": "", "password": "long-enough"}),
            "Email is required",
        ),
    ] {
        let res = app.post_json("/api/v1/auth/register", &body).await;
        assert_eq!(res.status(), 422, "{body}");
        assert_eq!(detail(res).await, expected);
    }
    // Missing field, wrong type, malformed JSON, no JSON content type.
    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "ada@example.com"}),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(detail(res).await.contains("password"));
    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": 42, "password": "long-enough"}),
        )
        .await;
    assert_eq!(res.status(), 422);
    let res = app
        .client
        .post(app.url("/api/v1/auth/register"))
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(detail(res).await.starts_with("Malformed JSON"));
    let res = app
        .client
        .post(app.url("/api/v1/auth/register"))
        .body("email=a@b.co&password=12345678")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(app.all_users().await.len(), 0);
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let app = spawn_app().await;
    let huge = "x".repeat(2 * 1024 * 1024);
    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "a@b.co", "password": huge}),
        )
        .await;
    assert_eq!(res.status(), 413);
    assert_eq!(detail(res).await, "Request body is too large");
}

#[tokio::test]
async fn login_succeeds_and_wrong_email_or_password_are_the_same_401() {
    let app = spawn_app().await;
    app.signed_up("ada@example.com").await;
    let ok = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "ADA@example.com", "password": "correct-horse-1"}),
        )
        .await;
    assert_eq!(ok.status(), 200);
    let pair: TokenPair = ok.json().await.unwrap();
    assert_eq!(
        app.get_bearer("/api/v1/auth/me", &pair.access_token)
            .await
            .status(),
        200
    );

    let wrong_password = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "ada@example.com", "password": "wrong-horse-1"}),
        )
        .await;
    let unknown_email = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "bob@example.com", "password": "correct-horse-1"}),
        )
        .await;
    assert_eq!(wrong_password.status(), 401);
    assert_eq!(unknown_email.status(), 401);
    assert_eq!(detail(wrong_password).await, detail(unknown_email).await);
}

#[tokio::test]
async fn me_returns_the_profile_of_the_contract() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    let res = app.get_bearer("/api/v1/auth/me", &pair.access_token).await;
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.unwrap();
    let mut keys: Vec<_> = me.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "created_at",
            "email",
            "external_platform_id",
            "external_store_id",
            "id",
            "plan",
            "role",
            "timezone"
        ]
    );
    assert_eq!(me["email"], "ada@example.com");
    assert_eq!(me["plan"], "free");
    assert_eq!(me["role"], "member");
    assert_eq!(me["timezone"], "UTC");
}

#[tokio::test]
async fn missing_malformed_forged_and_expired_access_tokens_are_401() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    let user = app.user("ada@example.com").await;

    let res = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(detail(res).await, "Not authenticated");
    let res = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .header("authorization", format!("Basic {}", pair.access_token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(
        app.get_bearer("/api/v1/auth/me", "garbage").await.status(),
        401
    );

    let expired = app.state.tokens.issue(
        user.id,
        TokenKind::Access,
        Utc::now() - Duration::minutes(16),
    );
    let res = app.get_bearer("/api/v1/auth/me", &expired.token).await;
    assert_eq!(res.status(), 401);
    assert_eq!(detail(res).await, "Token has expired");

    // A refresh token is not an access token.
    let res = app.get_bearer("/api/v1/auth/me", &pair.refresh_token).await;
    assert_eq!(res.status(), 401);
    assert_eq!(detail(res).await, "Invalid token type");
}

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": token }))
        .await
}

#[tokio::test]
async fn refresh_rotates_and_a_spent_token_revokes_its_family() {
    let app = spawn_app().await;
    let first = app.signed_up("ada@example.com").await;

    let res = refresh(&app, &first.refresh_token).await;
    assert_eq!(res.status(), 200);
    let second: TokenPair = res.json().await.unwrap();
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_eq!(
        app.get_bearer("/api/v1/auth/me", &second.access_token)
            .await
            .status(),
        200
    );

    // Reuse of the spent token: 401, and the family (including `second`) is revoked.
    let reuse = refresh(&app, &first.refresh_token).await;
    assert_eq!(reuse.status(), 401);
    assert_eq!(detail(reuse).await, "Refresh token has already been used");
    let after = refresh(&app, &second.refresh_token).await;
    assert_eq!(after.status(), 401);
    assert_eq!(detail(after).await, "Refresh token has been revoked");

    // Other sessions (another login) are untouched.
    let other: TokenPair = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "ada@example.com", "password": "correct-horse-1"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(refresh(&app, &other.refresh_token).await.status(), 200);
}

#[tokio::test]
async fn access_tokens_expired_or_foreign_tokens_cannot_refresh() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    let user = app.user("ada@example.com").await;
    let res = refresh(&app, &pair.access_token).await;
    assert_eq!(res.status(), 401);
    assert_eq!(detail(res).await, "Invalid token type");

    let expired =
        app.state
            .tokens
            .issue(user.id, TokenKind::Refresh, Utc::now() - Duration::days(8));
    assert_eq!(refresh(&app, &expired.token).await.status(), 401);
    // Correctly signed but never issued (no row): refused.
    let unknown = app
        .state
        .tokens
        .issue(user.id, TokenKind::Refresh, Utc::now());
    assert_eq!(refresh(&app, &unknown.token).await.status(), 401);
    assert_eq!(refresh(&app, "nonsense").await.status(), 401);
    let res = app.post_json("/api/v1/auth/refresh", &json!({})).await;
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn concurrent_refreshes_with_one_token_rotate_once() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    let (a, b) = tokio::join!(
        refresh(&app, &pair.refresh_token),
        refresh(&app, &pair.refresh_token)
    );
    let mut codes = [a.status().as_u16(), b.status().as_u16()];
    codes.sort();
    assert_eq!(codes, [200, 401]);
}

#[tokio::test]
async fn deactivated_users_cannot_sign_in_or_use_tokens() {
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    let mut active = app.user("ada@example.com").await.into_active_model();
    active.is_active = Set(false);
    active.update(&app.db).await.unwrap();
    assert_eq!(
        app.get_bearer("/api/v1/auth/me", &pair.access_token)
            .await
            .status(),
        401
    );
    assert_eq!(refresh(&app, &pair.refresh_token).await.status(), 401);
    let res = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "ada@example.com", "password": "correct-horse-1"}),
        )
        .await;
    assert_eq!(res.status(), 401);
}

/// The raw token of the newest reset email, read from the admin event log (no SMTP in tests).
/// The mail goes out in the background after the answer: wait for it (a few seconds at most).
async fn reset_token_from_log(app: &TestApp) -> String {
    use app::server::entities::event_log;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let entry = loop {
        let found = event_log::Entity::find()
            .filter(event_log::Column::Message.contains("Reset your PostPilot password"))
            .order_by_desc(event_log::Column::At)
            .one(&app.db)
            .await
            .unwrap();
        match found {
            Some(entry) => break entry,
            None if std::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await
            }
            None => panic!("the reset email was not logged within 10 s"),
        }
    };
    let body = entry.data["body"].as_str().unwrap();
    let link = body
        .lines()
        .find(|l| l.contains("/reset-password?token="))
        .unwrap();
    assert!(
        link.starts_with("http://127.0.0.1/reset-password?token="),
        "{link}"
    );
    link.split("token=").nth(1).unwrap().trim().to_string()
}

#[tokio::test]
async fn forgot_password_answers_the_same_for_every_email() {
    let app = spawn_app().await;
    app.signed_up("ada@example.com").await;
    let known = app
        .post_json(
            "/api/v1/auth/forgot-password",
            &json!({"email": "ada@example.com"}),
        )
        .await;
    let unknown = app
        .post_json(
            "/api/v1/auth/forgot-password",
            &json!({"email": "bob@example.com"}),
        )
        .await;
    let invalid = app
        .post_json("/api/v1/auth/forgot-password", &json!({"email": "nope"}))
        .await;
    for res in [&known, &unknown, &invalid] {
        assert_eq!(res.status(), 200);
    }
    let (a, b) = (detail(known).await, detail(unknown).await);
    assert_eq!(a, b);
    reset_token_from_log(&app).await;
    assert_eq!(app.count("password_reset_tokens").await, 1);
}

#[tokio::test]
async fn a_reset_link_works_once_and_signs_out_other_sessions() {
    let app = spawn_app().await;
    let old = app.signed_up("ada@example.com").await;
    app.post_json(
        "/api/v1/auth/forgot-password",
        &json!({"email": "ada@example.com"}),
    )
    .await;
    let token = reset_token_from_log(&app).await;

    let short = app
        .post_json(
            "/api/v1/auth/reset-password",
            &json!({"token": token, "password": "short"}),
        )
        .await;
    assert_eq!(short.status(), 422);
    let res = app
        .post_json(
            "/api/v1/auth/reset-password",
            &json!({"token": token, "password": "brand-new-pass"}),
        )
        .await;
    assert_eq!(res.status(), 200);

    let login_new = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "ada@example.com", "password": "brand-new-pass"}),
        )
        .await;
    assert_eq!(login_new.status(), 200);
    let login_old = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "ada@example.com", "password": "correct-horse-1"}),
        )
        .await;
    assert_eq!(login_old.status(), 401);
    assert_eq!(refresh(&app, &old.refresh_token).await.status(), 401);

    let again = app
        .post_json(
            "/api/v1/auth/reset-password",
            &json!({"token": token, "password": "another-pass-3"}),
        )
        .await;
    assert_eq!(again.status(), 400);
    assert_eq!(
        detail(again).await,
        "This reset link is invalid or has expired"
    );
    let bogus = app
        .post_json(
            "/api/v1/auth/reset-password",
            &json!({"token": "bogus", "password": "another-pass-3"}),
        )
        .await;
    assert_eq!(bogus.status(), 400);
}

#[tokio::test]
async fn an_expired_reset_link_is_refused() {
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
    let app = spawn_app().await;
    app.signed_up("ada@example.com").await;
    app.post_json(
        "/api/v1/auth/forgot-password",
        &json!({"email": "ada@example.com"}),
    )
    .await;
    let token = reset_token_from_log(&app).await;
    let row = password_reset_token::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut active = row.into_active_model();
    active.expires_at = Set(Utc::now() - Duration::seconds(1));
    active.update(&app.db).await.unwrap();
    let res = app
        .post_json(
            "/api/v1/auth/reset-password",
            &json!({"token": token, "password": "brand-new-pass"}),
        )
        .await;
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn admins_provision_users_with_a_one_time_api_key() {
    let app = spawn_app().await;
    let admin = app.signed_up("admin@example.com").await;
    let member = app.signed_up("member@example.com").await;
    app.set_role("admin@example.com", Role::Admin).await;
    let body = json!({"email": "shop@example.com", "plan": "pro", "external_platform_id": "plat-1", "external_store_id": "store-9"});

    let denied = app
        .post_bearer("/api/v1/auth/provision", &member.access_token, &body)
        .await;
    assert_eq!(denied.status(), 403);

    let res = app
        .post_bearer("/api/v1/auth/provision", &admin.access_token, &body)
        .await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["email"], "shop@example.com");
    assert_eq!(created["plan"], "pro");
    let key = created["api_key"].as_str().unwrap();
    assert!(key.starts_with("po_live_"));
    let me: Value = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["external_platform_id"], "plat-1");
    assert_eq!(me["external_store_id"], "store-9");

    let again = app
        .post_bearer("/api/v1/auth/provision", &admin.access_token, &body)
        .await;
    assert_eq!(again.status(), 409);
    let bad_plan = app
        .post_bearer(
            "/api/v1/auth/provision",
            &admin.access_token,
            &json!({"email": "x@example.com", "plan": "gold"}),
        )
        .await;
    assert_eq!(bad_plan.status(), 422);
}
