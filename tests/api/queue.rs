//! The content queue: items, caption generation within the quota, approve → posts, reject.

use app::model::PlanTier;
use serde_json::{json, Value};

use crate::helpers::{detail, spawn_app, TestApp};

fn product() -> Value {
    json!({"title": "Linen Summer Dress", "description": "Breathable linen.", "price": "59.00", "currency": "USD",
           "images": ["https://cdn.example.com/dress.jpg"], "url": "https://shop.example/dress", "tags": ["summer"]})
}

async fn item(app: &TestApp, token: &str, platforms: Value) -> String {
    let res = app
        .post_bearer(
            "/api/v1/queue",
            token,
            &json!({"product_data": product(), "platforms": platforms}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let item: Value = res.json().await.unwrap();
    assert_eq!(item["status"], "pending");
    assert_eq!(item["ai_generated_content"], Value::Null);
    item["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn items_need_a_title_and_known_platforms() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    for body in [
        json!({"product_data": product(), "platforms": []}),
        json!({"product_data": product(), "platforms": ["myspace"]}),
        json!({"product_data": {"description": "no title"}, "platforms": ["facebook"]}),
        json!({"product_data": {"title": "  "}, "platforms": ["facebook"]}),
        json!({"product_data": {"title": "x", "price": "cheap"}, "platforms": ["facebook"]}),
    ] {
        assert_eq!(
            app.post_bearer("/api/v1/queue", &pair.access_token, &body)
                .await
                .status(),
            422,
            "{body}"
        );
    }
    assert_eq!(app.count("content_queue").await, 0);
}

#[tokio::test]
async fn generating_writes_a_caption_and_the_free_quota_is_five() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    let t = &pair.access_token;
    let id = item(&app, t, json!(["instagram", "facebook"])).await;
    let res = app
        .post_bearer(
            &format!("/api/v1/queue/{id}/generate"),
            t,
            &json!({"tone": "playful"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let generated: Value = res.json().await.unwrap();
    let caption = generated["ai_generated_content"].as_str().unwrap();
    assert!(caption.contains("Linen Summer Dress"), "{caption}");
    assert!(caption.chars().count() <= 2200);
    assert!(!generated["ai_hashtags"].as_array().unwrap().is_empty());
    assert_eq!(
        app.post_bearer(
            &format!("/api/v1/queue/{id}/generate"),
            t,
            &json!({"tone": "sarcastic"})
        )
        .await
        .status(),
        422
    );

    // Four more (five in all) are within the free quota; the sixth is refused.
    for _ in 0..3 {
        assert_eq!(
            app.post_bearer(&format!("/api/v1/queue/{id}/generate"), t, &json!({}))
                .await
                .status(),
            200
        );
    }
    let res = app
        .post_bearer(
            "/api/v1/queue/generate-caption",
            t,
            &json!({"product_data": product(), "platform": "tiktok", "tone": "urgent"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let one: Value = res.json().await.unwrap();
    assert_eq!(one["platform"], "tiktok");
    assert_eq!(one["tone"], "urgent");
    assert_eq!(
        one["char_count"].as_u64().unwrap() as usize,
        one["caption"].as_str().unwrap().chars().count()
    );
    let sixth = app
        .post_bearer(&format!("/api/v1/queue/{id}/generate"), t, &json!({}))
        .await;
    assert_eq!(sixth.status(), 403);
    assert!(detail(sixth).await.contains("5 AI captions a month"));
    let usage: Value = app
        .get_bearer("/api/v1/usage", t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(usage["ai_captions"], json!({"used": 5, "limit": 5}));
}

#[tokio::test]
async fn approving_makes_one_post_per_platform() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    let t = &pair.access_token;
    app.set_plan("ada@example.com", PlanTier::Pro).await;
    let id = item(&app, t, json!(["instagram", "facebook"])).await;

    let early = app
        .post_bearer(&format!("/api/v1/queue/{id}/approve"), t, &json!({}))
        .await;
    assert_eq!(early.status(), 400);
    assert_eq!(detail(early).await, "Generate a caption before approving");
    app.post_bearer(&format!("/api/v1/queue/{id}/generate"), t, &json!({}))
        .await;

    app.account(t, "instagram").await;
    let missing = app
        .post_bearer(&format!("/api/v1/queue/{id}/approve"), t, &json!({}))
        .await;
    assert_eq!(missing.status(), 400);
    assert!(detail(missing).await.contains("Connect a Facebook account"));
    assert_eq!(app.count("posts").await, 0);

    app.account(t, "facebook").await;
    let at = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let res = app
        .post_bearer(
            &format!("/api/v1/queue/{id}/approve"),
            t,
            &json!({"scheduled_for": at}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let approved: Value = res.json().await.unwrap();
    assert_eq!(approved["item"]["status"], "approved");
    let posts = approved["posts"].as_array().unwrap();
    let mut platforms: Vec<_> = posts
        .iter()
        .map(|p| p["platform"].as_str().unwrap())
        .collect();
    platforms.sort();
    assert_eq!(platforms, ["facebook", "instagram"]);
    for post in posts {
        assert_eq!(post["status"], "scheduled");
        assert_eq!(post["content"], approved["item"]["ai_generated_content"]);
        assert_eq!(
            post["media_urls"],
            json!(["https://cdn.example.com/dress.jpg"])
        );
    }

    let res = app
        .post_bearer(&format!("/api/v1/queue/{id}/reject"), t, &json!({}))
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "rejected");
    assert_eq!(
        app.post_bearer(&format!("/api/v1/queue/{id}/reject"), t, &json!({}))
            .await
            .status(),
        400
    );
    assert_eq!(
        app.post_bearer(&format!("/api/v1/queue/{id}/approve"), t, &json!({}))
            .await
            .status(),
        400
    );
    assert_eq!(
        app.post_bearer(&format!("/api/v1/queue/{id}/generate"), t, &json!({}))
            .await
            .status(),
        400
    );
    let rejected: Value = app
        .get_bearer("/api/v1/queue?status=rejected", t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rejected["total"], 1);
}

#[tokio::test]
async fn approval_respects_the_post_limit_all_or_nothing() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    let t = &pair.access_token;
    let fb = app.account(t, "facebook").await;
    for i in 0..10 {
        app.post_bearer(
            "/api/v1/posts",
            t,
            &json!({"account_id": fb, "content": format!("p{i}")}),
        )
        .await;
    }
    let id = item(&app, t, json!(["facebook"])).await;
    app.post_bearer(&format!("/api/v1/queue/{id}/generate"), t, &json!({}))
        .await;
    let res = app
        .post_bearer(&format!("/api/v1/queue/{id}/approve"), t, &json!({}))
        .await;
    assert_eq!(res.status(), 403);
    let item: Value = app
        .get_bearer(&format!("/api/v1/queue/{id}"), t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(item["status"], "pending");
    assert_eq!(app.count("posts").await, 10);
}

#[tokio::test]
async fn other_users_items_are_not_found() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    let bob = app.signed_up("bob@example.com").await;
    let id = item(&app, &ada.access_token, json!(["facebook"])).await;
    let b = &bob.access_token;
    assert_eq!(
        app.get_bearer(&format!("/api/v1/queue/{id}"), b)
            .await
            .status(),
        404
    );
    for action in ["generate", "approve", "reject"] {
        assert_eq!(
            app.post_bearer(&format!("/api/v1/queue/{id}/{action}"), b, &json!({}))
                .await
                .status(),
            404,
            "{action}"
        );
    }
    assert_eq!(
        app.delete_bearer(&format!("/api/v1/queue/{id}"), b)
            .await
            .status(),
        404
    );
    assert_eq!(
        app.delete_bearer(&format!("/api/v1/queue/{id}"), &ada.access_token)
            .await
            .status(),
        204
    );
}
