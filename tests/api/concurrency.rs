//! Concurrent writers: parallel requests of one user never meet a 500 ("database is locked"
//! on SQLite), plan limits give exactly the remaining allowance, a queue item is approved
//! once, and huge page numbers are refused. Every test runs on SQLite and PostgreSQL.

use std::collections::BTreeMap;

use app::model::PlanTier;
use futures::future::join_all;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

use crate::helpers::{detail, marketer, spawn_app, TestApp};

/// The status codes of `n` requests sent at once, counted.
async fn statuses<F, Fut>(n: usize, request: F) -> BTreeMap<u16, usize>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = reqwest::Response>,
{
    let responses = join_all((0..n).map(request)).await;
    let mut counted = BTreeMap::new();
    for res in responses {
        *counted.entry(res.status().as_u16()).or_insert(0) += 1;
    }
    counted
}

fn product() -> Value {
    json!({"title": "Linen Summer Dress", "description": "Breathable linen.", "price": "59.00",
           "currency": "USD", "images": ["https://cdn.example.com/dress.jpg"],
           "url": "https://shop.example/dress", "tags": ["summer"]})
}

/// A queue item with a generated caption, ready to approve.
async fn captioned_item(app: &TestApp, token: &str, platforms: Value) -> String {
    let res = app
        .post_bearer(
            "/api/v1/queue",
            token,
            &json!({"product_data": product(), "platforms": platforms}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .post_bearer(&format!("/api/v1/queue/{id}/generate"), token, &json!({}))
        .await;
    assert_eq!(res.status(), 200);
    id
}

#[tokio::test]
async fn parallel_writers_of_one_user_never_get_an_error() {
    let app = &spawn_app().await;
    let m = &marketer(app).await;
    let fb = app.account(&m.token, "facebook").await;
    let at = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    // Creates, edits and reschedules from 8 "tabs" at once, 5 rounds.
    for round in 0..5 {
        let created = statuses(8, |i| {
            let body = json!({"account_id": fb, "content": format!("round {round} tab {i}"), "scheduled_for": at});
            async move { app.post_bearer("/api/v1/posts", &m.token, &body).await }
        })
        .await;
        assert_eq!(created, BTreeMap::from([(201, 8)]), "round {round}");
    }
    let list: Value = app
        .get_bearer("/api/v1/posts?per_page=100", &m.token)
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 40);
    let edited = statuses(ids.len(), |i| {
        let (path, body) = (
            format!("/api/v1/posts/{}", ids[i]),
            json!({"content": format!("edited {i}")}),
        );
        async move { app.patch_bearer(&path, &m.token, &body).await }
    })
    .await;
    assert_eq!(edited, BTreeMap::from([(200, 40)]));
}

#[tokio::test]
async fn sixteen_parallel_creates_on_free_give_exactly_ten() {
    let app = &spawn_app().await;
    let t = &app.signed_up("free@example.com").await.access_token;
    let fb = app.account(t, "facebook").await;
    let counted = statuses(16, |i| {
        let body = json!({"account_id": fb, "content": format!("post {i}")});
        async move { app.post_bearer("/api/v1/posts", t, &body).await }
    })
    .await;
    assert_eq!(counted, BTreeMap::from([(201, 10), (403, 6)]));
    assert_eq!(app.count("posts").await, 10);
}

#[tokio::test]
async fn parallel_connections_get_exactly_the_account_limit() {
    let app = &spawn_app().await;
    let t = &app.signed_up("free@example.com").await.access_token;
    let counted = statuses(8, |i| {
        let body = json!({"platform": "facebook", "account_name": format!("Shop page {i}")});
        async move { app.post_bearer("/api/v1/accounts", t, &body).await }
    })
    .await;
    // Free allows one connected account.
    assert_eq!(counted, BTreeMap::from([(201, 1), (403, 7)]));
    assert_eq!(app.count("social_accounts").await, 1);
}

#[tokio::test]
async fn parallel_captions_get_exactly_the_quota() {
    let app = &spawn_app().await;
    let t = &app.signed_up("free@example.com").await.access_token;
    let counted = statuses(12, |_| {
        let body = json!({"product_data": product(), "platform": "instagram"});
        async move {
            app.post_bearer("/api/v1/queue/generate-caption", t, &body)
                .await
        }
    })
    .await;
    // Free includes five AI captions a month.
    assert_eq!(counted, BTreeMap::from([(200, 5), (403, 7)]));
    assert_eq!(app.count("caption_generations").await, 5);
}

#[tokio::test]
async fn parallel_approvals_within_the_post_allowance() {
    let app = &spawn_app().await;
    let t = &app.signed_up("free@example.com").await.access_token;
    app.set_plan("free@example.com", PlanTier::Pro).await;
    let fb = app.account(t, "facebook").await;
    let mut items = Vec::new();
    for _ in 0..6 {
        items.push(captioned_item(app, t, json!(["facebook"])).await);
    }
    app.set_plan("free@example.com", PlanTier::Free).await;
    for i in 0..7 {
        let res = app
            .post_bearer(
                "/api/v1/posts",
                t,
                &json!({"account_id": fb, "content": format!("p{i}")}),
            )
            .await;
        assert_eq!(res.status(), 201);
    }
    // Three posts left this month; six items approved at once, one post each.
    let counted = statuses(items.len(), |i| {
        let path = format!("/api/v1/queue/{}/approve", items[i]);
        async move { app.post_bearer(&path, t, &json!({})).await }
    })
    .await;
    assert_eq!(counted, BTreeMap::from([(200, 3), (403, 3)]));
    assert_eq!(app.count("posts").await, 10);
}

#[tokio::test]
async fn an_item_is_approved_once() {
    let app = &spawn_app().await;
    let m = &marketer(app).await;
    app.account(&m.token, "facebook").await;
    app.account(&m.token, "instagram").await;
    let id = captioned_item(app, &m.token, json!(["facebook", "instagram"])).await;
    let path = format!("/api/v1/queue/{id}/approve");
    let counted = statuses(4, |_| async {
        app.post_bearer(&path, &m.token, &json!({})).await
    })
    .await;
    assert_eq!(counted, BTreeMap::from([(200, 1), (400, 3)]));
    assert_eq!(app.count("posts").await, 2, "one post per platform, once");

    let again = app
        .post_bearer(&format!("/api/v1/queue/{id}/approve"), &m.token, &json!({}))
        .await;
    assert_eq!(again.status(), 400);
    assert_eq!(
        detail(again).await,
        "A approved queue item cannot be approved"
    );
}

#[tokio::test]
async fn rejecting_an_approved_item_withdraws_its_unpublished_posts() {
    let app = &spawn_app().await;
    let m = &marketer(app).await;
    app.account(&m.token, "facebook").await;
    app.account(&m.token, "instagram").await;
    let id = captioned_item(app, &m.token, json!(["facebook", "instagram"])).await;
    let at = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let res = app
        .post_bearer(
            &format!("/api/v1/queue/{id}/approve"),
            &m.token,
            &json!({"scheduled_for": at}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let approved: Value = res.json().await.unwrap();
    let posts = approved["posts"].as_array().unwrap();
    let (published, waiting) = (
        posts[0]["id"].as_str().unwrap(),
        posts[1]["id"].as_str().unwrap(),
    );
    // One of the two went out already.
    let backend = app.db.get_database_backend();
    app.db
        .execute(Statement::from_sql_and_values(
            backend,
            "UPDATE posts SET status = 'posted', posted_at = scheduled_for WHERE id = $1",
            [uuid::Uuid::parse_str(published).unwrap().into()],
        ))
        .await
        .unwrap();

    let res = app
        .post_bearer(&format!("/api/v1/queue/{id}/reject"), &m.token, &json!({}))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "rejected");
    let gone = app
        .get_bearer(&format!("/api/v1/posts/{waiting}"), &m.token)
        .await;
    assert_eq!(gone.status(), 404, "the scheduled post is withdrawn");
    let kept: Value = app
        .get_bearer(&format!("/api/v1/posts/{published}"), &m.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(kept["status"], "posted", "a published post stays");
}

#[tokio::test]
async fn a_post_held_by_its_platform_keeps_what_it_publishes() {
    let app = &spawn_app().await;
    let m = &marketer(app).await;
    let ig = app.account(&m.token, "instagram").await;
    let at = chrono::Utc::now() + chrono::Duration::hours(3);
    let res = app
        .post_bearer(
            "/api/v1/posts",
            &m.token,
            &json!({"account_id": ig, "content": "Old caption",
                    "media_urls": ["https://cdn.example.com/a.jpg"], "scheduled_for": at.to_rfc3339()}),
        )
        .await;
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    // An attempt created the Instagram container and then failed transiently: the post waits
    // for its retry holding the container.
    let backend = app.db.get_database_backend();
    app.db
        .execute(Statement::from_sql_and_values(
            backend,
            "UPDATE posts SET publish_ref = 'container-17', attempts = 1 WHERE id = $1",
            [uuid::Uuid::parse_str(&id).unwrap().into()],
        ))
        .await
        .unwrap();

    for patch in [
        json!({"content": "New caption"}),
        json!({"media_urls": ["https://cdn.example.com/b.jpg"]}),
        json!({"hashtags": ["sale"]}),
    ] {
        let res = app
            .patch_bearer(&format!("/api/v1/posts/{id}"), &m.token, &patch)
            .await;
        assert_eq!(res.status(), 400, "{patch}");
        assert!(detail(res)
            .await
            .contains("already on its way to Instagram"));
    }
    // The same holds for an attempt that began and whose outcome is unknown (no handle yet).
    app.db
        .execute(Statement::from_sql_and_values(
            backend,
            "UPDATE posts SET publish_ref = NULL, publish_started_at = updated_at WHERE id = $1",
            [uuid::Uuid::parse_str(&id).unwrap().into()],
        ))
        .await
        .unwrap();
    let res = app
        .patch_bearer(
            &format!("/api/v1/posts/{id}"),
            &m.token,
            &json!({"content": "New caption"}),
        )
        .await;
    assert_eq!(res.status(), 400, "an attempt whose outcome is unknown");
    let later = (at + chrono::Duration::hours(1)).to_rfc3339();
    let res = app
        .patch_bearer(
            &format!("/api/v1/posts/{id}"),
            &m.token,
            &json!({"scheduled_for": later}),
        )
        .await;
    assert_eq!(res.status(), 200, "moving its time is fine");
    let post: Value = res.json().await.unwrap();
    assert_eq!(post["content"], "Old caption");
}

#[tokio::test]
async fn page_numbers_past_any_list_are_422() {
    let app = &spawn_app().await;
    let m = &marketer(app).await;
    for path in [
        "/api/v1/posts",
        "/api/v1/accounts",
        "/api/v1/queue",
        "/api/v1/templates",
    ] {
        for page in ["1000001", "18446744073709551615", "99999999999999999999"] {
            let res = app
                .get_bearer(&format!("{path}?page={page}&per_page=100"), &m.token)
                .await;
            assert_eq!(res.status(), 422, "{path}?page={page}");
            assert!(!detail(res).await.is_empty());
        }
        let last = app
            .get_bearer(&format!("{path}?page=1000000&per_page=100"), &m.token)
            .await;
        assert_eq!(
            last.status(),
            200,
            "{path}: the last allowed page is empty, not an error"
        );
    }
}
