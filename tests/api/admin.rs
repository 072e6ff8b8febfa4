//! The admin API: event log with filters, user management, and the 403 for everyone else.

use app::model::{PlanTier, Role};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

async fn admin(app: &TestApp) -> String {
    let pair = app.signed_up("root@example.com").await;
    app.set_role("root@example.com", Role::Admin).await;
    pair.access_token
}

#[tokio::test]
async fn members_cannot_use_the_admin_api() {
    let app = spawn_app().await;
    let member = app.signed_up("ada@example.com").await;
    let id = app.user("ada@example.com").await.id;
    for path in ["/api/v1/admin/logs", "/api/v1/admin/users"] {
        assert_eq!(
            app.get_bearer(path, &member.access_token).await.status(),
            403,
            "{path}"
        );
    }
    let res = app
        .patch_bearer(
            &format!("/api/v1/admin/users/{id}"),
            &member.access_token,
            &json!({"role": "admin"}),
        )
        .await;
    assert_eq!(res.status(), 403);
    assert_eq!(app.user("ada@example.com").await.role, Role::Member);
}

#[tokio::test]
async fn the_log_records_what_matters_and_filters() {
    let app = spawn_app().await;
    let root = admin(&app).await;
    let ada = app.signed_up("ada@example.com").await;
    let ada_id = app.user("ada@example.com").await.id;
    app.post_json(
        "/api/v1/auth/login",
        &json!({"email": "ada@example.com", "password": "nope-nope"}),
    )
    .await;
    app.set_plan("ada@example.com", PlanTier::Pro).await;
    app.post_bearer(
        "/api/v1/api-keys",
        &ada.access_token,
        &json!({"name": "zap"}),
    )
    .await;
    let fb = app.account(&ada.access_token, "facebook").await;
    let at = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    app.post_bearer(
        "/api/v1/posts",
        &ada.access_token,
        &json!({"account_id": fb, "content": "x", "scheduled_for": at}),
    )
    .await;
    app.post_bearer(
        "/api/v1/billing/checkout",
        &ada.access_token,
        &json!({"plan": "enterprise"}),
    )
    .await;

    let all: Value = app
        .get_bearer("/api/v1/admin/logs?per_page=100", &root)
        .await
        .json()
        .await
        .unwrap();
    let messages: Vec<_> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect();
    for expected in [
        "User registered",
        "Failed sign-in",
        "API key created",
        "Connected facebook account",
        "Post scheduled on facebook",
        "Plan changed from pro to enterprise",
    ] {
        assert!(
            messages.iter().any(|m| m.starts_with(expected)),
            "no {expected:?} in {messages:?}"
        );
    }
    // Newest first.
    let times: Vec<_> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["at"]
                .as_str()
                .unwrap()
                .parse::<chrono::DateTime<chrono::Utc>>()
                .unwrap()
        })
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]));
    let entry = &all["items"][0];
    for key in [
        "id", "at", "kind", "level", "user_id", "post_id", "message", "data",
    ] {
        assert!(entry.get(key).is_some(), "entry lacks {key}");
    }

    let auth: Value = app
        .get_bearer("/api/v1/admin/logs?kind=auth&level=warn", &root)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(auth["total"], 1);
    assert_eq!(auth["items"][0]["message"], "Failed sign-in");
    let mine: Value = app
        .get_bearer(
            &format!("/api/v1/admin/logs?user_id={ada_id}&q=API%20key"),
            &root,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["total"], 1);
    let future: Value = app
        .get_bearer("/api/v1/admin/logs?since=2099-01-01T00:00:00Z", &root)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(future["total"], 0);
    assert_eq!(
        app.get_bearer("/api/v1/admin/logs?kind=gossip", &root)
            .await
            .status(),
        422
    );
}

#[tokio::test]
async fn admins_manage_users_but_not_their_own_access() {
    let app = spawn_app().await;
    let root = admin(&app).await;
    let ada = app.signed_up("ada@example.com").await;
    app.account(&ada.access_token, "facebook").await;
    let ada_id = app.user("ada@example.com").await.id;
    let root_id = app.user("root@example.com").await.id;

    let found: Value = app
        .get_bearer("/api/v1/admin/users?q=ADA", &root)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["email"], "ada@example.com");
    assert_eq!(found["items"][0]["accounts"], 1);
    assert_eq!(found["items"][0]["posts"], 0);

    let res = app
        .patch_bearer(
            &format!("/api/v1/admin/users/{ada_id}"),
            &root,
            &json!({"plan": "pro", "is_active": false}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let updated: Value = res.json().await.unwrap();
    assert_eq!(updated["plan"], "pro");
    assert_eq!(updated["is_active"], false);
    let login = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "ada@example.com", "password": "correct-horse-1"}),
        )
        .await;
    assert_eq!(login.status(), 401);

    let res = app
        .patch_bearer(
            &format!("/api/v1/admin/users/{root_id}"),
            &root,
            &json!({"role": "member"}),
        )
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        app.patch_bearer(
            &format!("/api/v1/admin/users/{root_id}"),
            &root,
            &json!({"plan": "gold"})
        )
        .await
        .status(),
        422
    );
    let missing = uuid::Uuid::new_v4();
    assert_eq!(
        app.patch_bearer(
            &format!("/api/v1/admin/users/{missing}"),
            &root,
            &json!({"plan": "pro"})
        )
        .await
        .status(),
        404
    );
}
