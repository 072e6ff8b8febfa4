//! Posts through the API: creation rules and plan limit at the boundary, platform rules,
//! transitions, PATCH null vs absent, isolation, lists and the calendar across days and zones.

use app::model::PlanTier;
use app::server::entities::post;
use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::{json, Value};

use crate::helpers::{detail, spawn_app, TestApp};

fn future(hours: i64) -> String {
    (Utc::now() + Duration::hours(hours)).to_rfc3339()
}

async fn create(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.post_bearer("/api/v1/posts", token, &body).await
}

async fn created(app: &TestApp, token: &str, body: Value) -> Value {
    let res = create(app, token, body.clone()).await;
    assert_eq!(res.status(), 201, "create {body}");
    res.json().await.unwrap()
}

/// Sets a post's status directly, as the publishing engine would.
async fn force_status(app: &TestApp, id: &str, status: app::model::PostStatus) {
    let row = post::Entity::find_by_id(id.parse::<uuid::Uuid>().unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut active = row.into_active_model();
    active.status = Set(status);
    if status == app::model::PostStatus::Posted {
        active.posted_at = Set(Some(Utc::now()));
    }
    active.update(&app.db).await.unwrap();
}

#[tokio::test]
async fn a_post_is_a_draft_or_scheduled_and_takes_its_platform_from_the_account() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    let account = app.account(&pair.access_token, "facebook").await;
    let draft = created(
        &app,
        &pair.access_token,
        json!({"account_id": account, "content": "Hello", "hashtags": ["#sale", "summer"]}),
    )
    .await;
    let mut keys: Vec<_> = draft.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "account_id",
            "attempts",
            "content",
            "created_at",
            "error_message",
            "external_post_id",
            "hashtags",
            "id",
            "media_urls",
            "platform",
            "posted_at",
            "scheduled_for",
            "status",
            "updated_at"
        ]
    );
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["platform"], "facebook");
    assert_eq!(draft["hashtags"], json!(["sale", "summer"]));
    assert_eq!(draft["media_urls"], json!([]));

    let scheduled = created(
        &app,
        &pair.access_token,
        json!({"account_id": account, "content": "Later", "scheduled_for": future(2)}),
    )
    .await;
    assert_eq!(scheduled["status"], "scheduled");

    let past = create(&app, &pair.access_token, json!({"account_id": account, "content": "x", "scheduled_for": (Utc::now() - Duration::minutes(1)).to_rfc3339()})).await;
    assert_eq!(past.status(), 400);
    assert_eq!(
        detail(past).await,
        "The scheduled time must be in the future: that one has already passed"
    );

    let got: Value = app
        .get_bearer(
            &format!("/api/v1/posts/{}", draft["id"].as_str().unwrap()),
            &pair.access_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["metrics"], Value::Null);
    assert_eq!(got["content"], "Hello");
}

#[tokio::test]
async fn the_free_plan_allows_ten_posts_a_month() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    let account = app.account(&pair.access_token, "facebook").await;
    for i in 1..=10 {
        let res = create(
            &app,
            &pair.access_token,
            json!({"account_id": account, "content": format!("post {i}")}),
        )
        .await;
        assert_eq!(res.status(), 201, "post {i}");
    }
    let eleventh = create(
        &app,
        &pair.access_token,
        json!({"account_id": account, "content": "one too many"}),
    )
    .await;
    assert_eq!(eleventh.status(), 403);
    assert!(detail(eleventh).await.contains("10 posts a month"));
    assert_eq!(app.count("posts").await, 10);
    app.set_plan("ada@example.com", PlanTier::Pro).await;
    assert_eq!(
        create(
            &app,
            &pair.access_token,
            json!({"account_id": account, "content": "pro"})
        )
        .await
        .status(),
        201
    );
}

#[tokio::test]
async fn platform_rules_are_422() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    app.set_plan("ada@example.com", PlanTier::Pro).await;
    let ig = app.account(&pair.access_token, "instagram").await;
    let fb = app.account(&pair.access_token, "facebook").await;
    let tt = app.account(&pair.access_token, "tiktok").await;
    let media = json!(["https://cdn.example.com/a.jpg"]);
    let cases = [
        json!({"account_id": ig, "content": "x".repeat(2201)}),
        json!({"account_id": tt, "content": "x".repeat(2201)}),
        json!({"account_id": fb, "content": "x".repeat(63207)}),
        json!({"account_id": ig, "content": "x", "hashtags": (0..31).map(|i| format!("t{i}")).collect::<Vec<_>>()}),
        json!({"account_id": ig, "content": "x", "scheduled_for": future(1)}),
        json!({"account_id": tt, "content": "x", "scheduled_for": future(1)}),
        json!({"account_id": fb, "content": "x", "media_urls": ["ftp://example.com/a.jpg"]}),
        json!({"account_id": fb, "content": "   "}),
        json!({"account_id": fb}),
        json!({"account_id": "not-a-uuid", "content": "x"}),
    ];
    for body in cases {
        let res = create(&app, &pair.access_token, body.clone()).await;
        assert_eq!(res.status(), 422, "{body}");
    }
    // At the limits: fine.
    assert_eq!(create(&app, &pair.access_token, json!({"account_id": ig, "content": "x".repeat(2200), "hashtags": (0..30).map(|i| format!("t{i}")).collect::<Vec<_>>(), "media_urls": media, "scheduled_for": future(1)})).await.status(), 201);
    assert_eq!(
        create(
            &app,
            &pair.access_token,
            json!({"account_id": fb, "content": "x".repeat(63206), "scheduled_for": future(1)})
        )
        .await
        .status(),
        201
    );
    assert_eq!(app.count("posts").await, 2);
}

#[tokio::test]
async fn disconnected_and_foreign_accounts_are_refused() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    let bob = app.signed_up("bob@example.com").await;
    let ada_account = app.account(&ada.access_token, "facebook").await;
    let res = create(
        &app,
        &bob.access_token,
        json!({"account_id": ada_account, "content": "x"}),
    )
    .await;
    assert_eq!(res.status(), 404);
    app.delete_bearer(
        &format!("/api/v1/accounts/{ada_account}"),
        &ada.access_token,
    )
    .await;
    let res = create(
        &app,
        &ada.access_token,
        json!({"account_id": ada_account, "content": "x"}),
    )
    .await;
    assert_eq!(res.status(), 400);
    assert!(detail(res).await.contains("disconnected"));
}

#[tokio::test]
async fn patch_leaves_absent_fields_and_null_unschedules() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    let account = app.account(&pair.access_token, "facebook").await;
    let post = created(&app, &pair.access_token, json!({"account_id": account, "content": "Hello", "hashtags": ["a"], "scheduled_for": future(3)})).await;
    let path = format!("/api/v1/posts/{}", post["id"].as_str().unwrap());

    let res = app
        .patch_bearer(&path, &pair.access_token, &json!({"content": "Edited"}))
        .await;
    assert_eq!(res.status(), 200);
    let edited: Value = res.json().await.unwrap();
    assert_eq!(edited["content"], "Edited");
    assert_eq!(edited["hashtags"], json!(["a"]));
    assert_eq!(edited["status"], "scheduled");
    assert_eq!(edited["scheduled_for"], post["scheduled_for"]);

    let res = app
        .patch_bearer(
            &path,
            &pair.access_token,
            &json!({"scheduled_for": null, "hashtags": null}),
        )
        .await;
    let unscheduled: Value = res.json().await.unwrap();
    assert_eq!(unscheduled["status"], "draft");
    assert_eq!(unscheduled["scheduled_for"], Value::Null);
    assert_eq!(unscheduled["hashtags"], json!([]));
    assert_eq!(unscheduled["content"], "Edited");

    let res = app
        .patch_bearer(
            &path,
            &pair.access_token,
            &json!({"scheduled_for": future(5)}),
        )
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "scheduled");

    for bad in [
        json!({"status": "posted"}),
        json!({"content": null}),
        json!({"scheduled_for": "tomorrow"}),
    ] {
        assert_eq!(
            app.patch_bearer(&path, &pair.access_token, &bad)
                .await
                .status(),
            422,
            "{bad}"
        );
    }
    let past = app
        .patch_bearer(
            &path,
            &pair.access_token,
            &json!({"scheduled_for": (Utc::now() - Duration::hours(1)).to_rfc3339()}),
        )
        .await;
    assert_eq!(past.status(), 400);

    force_status(
        &app,
        post["id"].as_str().unwrap(),
        app::model::PostStatus::Posted,
    )
    .await;
    let res = app
        .patch_bearer(&path, &pair.access_token, &json!({"content": "too late"}))
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(detail(res).await, "A posted post cannot be edited");
}

#[tokio::test]
async fn delete_schedule_and_retry_follow_the_status() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    let account = app.account(&pair.access_token, "facebook").await;
    let post = created(
        &app,
        &pair.access_token,
        json!({"account_id": account, "content": "Hello"}),
    )
    .await;
    let id = post["id"].as_str().unwrap();

    let retry = app
        .post_bearer(
            &format!("/api/v1/posts/{id}/retry"),
            &pair.access_token,
            &json!({}),
        )
        .await;
    assert_eq!(retry.status(), 400);
    let res = app
        .post_bearer(
            &format!("/api/v1/posts/{id}/schedule"),
            &pair.access_token,
            &json!({"scheduled_for": (Utc::now() - Duration::hours(1)).to_rfc3339()}),
        )
        .await;
    assert_eq!(res.status(), 400);
    let res = app
        .post_bearer(
            &format!("/api/v1/posts/{id}/schedule"),
            &pair.access_token,
            &json!({"scheduled_for": future(1)}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "scheduled");

    force_status(&app, id, app::model::PostStatus::Failed).await;
    let res = app
        .post_bearer(
            &format!("/api/v1/posts/{id}/retry"),
            &pair.access_token,
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let retried: Value = res.json().await.unwrap();
    assert_eq!(retried["status"], "scheduled");
    assert_eq!(retried["error_message"], Value::Null);
    let at: chrono::DateTime<Utc> = retried["scheduled_for"].as_str().unwrap().parse().unwrap();
    assert!((Utc::now() - at).num_seconds().abs() < 30);

    force_status(&app, id, app::model::PostStatus::Posted).await;
    let res = app
        .delete_bearer(&format!("/api/v1/posts/{id}"), &pair.access_token)
        .await;
    assert_eq!(res.status(), 400);
    force_status(&app, id, app::model::PostStatus::Failed).await;
    let res = app
        .delete_bearer(&format!("/api/v1/posts/{id}"), &pair.access_token)
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(app.count("posts").await, 0);
}

#[tokio::test]
async fn other_users_posts_are_404_on_every_route() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    let bob = app.signed_up("bob@example.com").await;
    let account = app.account(&ada.access_token, "facebook").await;
    let post = created(
        &app,
        &ada.access_token,
        json!({"account_id": account, "content": "mine"}),
    )
    .await;
    let id = post["id"].as_str().unwrap();
    let token = &bob.access_token;
    assert_eq!(
        app.get_bearer(&format!("/api/v1/posts/{id}"), token)
            .await
            .status(),
        404
    );
    assert_eq!(
        app.patch_bearer(
            &format!("/api/v1/posts/{id}"),
            token,
            &json!({"content": "x"})
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        app.delete_bearer(&format!("/api/v1/posts/{id}"), token)
            .await
            .status(),
        404
    );
    assert_eq!(
        app.post_bearer(
            &format!("/api/v1/posts/{id}/schedule"),
            token,
            &json!({"scheduled_for": future(1)})
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        app.post_bearer(&format!("/api/v1/posts/{id}/retry"), token, &json!({}))
            .await
            .status(),
        404
    );
    let list: Value = app
        .get_bearer("/api/v1/posts", token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 0);
    // Ada's post is untouched.
    let mine: Value = app
        .get_bearer(&format!("/api/v1/posts/{id}"), &ada.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["content"], "mine");
}

#[tokio::test]
async fn lists_are_newest_first_filtered_and_paginated() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    app.set_plan("ada@example.com", PlanTier::Pro).await;
    let fb = app.account(&pair.access_token, "facebook").await;
    let ig = app.account(&pair.access_token, "instagram").await;
    for i in 0..3 {
        created(
            &app,
            &pair.access_token,
            json!({"account_id": fb, "content": format!("fb {i}")}),
        )
        .await;
    }
    created(&app, &pair.access_token, json!({"account_id": ig, "content": "ig", "media_urls": ["https://cdn.example.com/x.jpg"], "scheduled_for": future(1)})).await;

    let all: Value = app
        .get_bearer("/api/v1/posts?per_page=2", &pair.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["total"], 4);
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    assert_eq!(all["items"][0]["content"], "ig");
    let scheduled: Value = app
        .get_bearer("/api/v1/posts?status=scheduled", &pair.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(scheduled["total"], 1);
    let facebook: Value = app
        .get_bearer(
            "/api/v1/posts?platform=facebook&page=2&per_page=2",
            &pair.access_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(facebook["total"], 3);
    assert_eq!(facebook["items"].as_array().unwrap().len(), 1);
    assert_eq!(facebook["items"][0]["content"], "fb 0");
    for bad in [
        "status=archived",
        "platform=myspace",
        "per_page=101",
        "page=0",
    ] {
        assert_eq!(
            app.get_bearer(&format!("/api/v1/posts?{bad}"), &pair.access_token)
                .await
                .status(),
            422,
            "{bad}"
        );
    }
}

/// Puts a post at an exact instant (scheduled, or published when `posted`).
async fn post_at(
    app: &TestApp,
    token: &str,
    account: &str,
    content: &str,
    at: &str,
    posted: bool,
) -> String {
    let post = created(
        app,
        token,
        json!({"account_id": account, "content": content, "scheduled_for": future(24)}),
    )
    .await;
    let id = post["id"].as_str().unwrap().to_string();
    let at: chrono::DateTime<Utc> = at.parse().unwrap();
    let row = post::Entity::find_by_id(id.parse::<uuid::Uuid>().unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut active = row.into_active_model();
    if posted {
        active.status = Set(app::model::PostStatus::Posted);
        active.posted_at = Set(Some(at));
        active.scheduled_for = Set(Some(at - Duration::days(3)));
    } else {
        active.scheduled_for = Set(Some(at));
    }
    active.update(&app.db).await.unwrap();
    id
}

#[tokio::test]
async fn the_calendar_groups_by_local_day() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    app.set_plan("ada@example.com", PlanTier::Pro).await;
    let fb = app.account(&pair.access_token, "facebook").await;
    let t = &pair.access_token;
    post_at(
        &app,
        t,
        &fb,
        "late on the 30th",
        "2026-11-30T23:30:00Z",
        false,
    )
    .await;
    post_at(
        &app,
        t,
        &fb,
        "early on the 1st",
        "2026-12-01T02:00:00Z",
        false,
    )
    .await;
    post_at(
        &app,
        t,
        &fb,
        "morning on the 1st",
        "2026-12-01T15:00:00Z",
        false,
    )
    .await;
    // Published: placed by posted_at (Dec 2), not by its old slot (Nov 29).
    post_at(&app, t, &fb, "published", "2026-12-02T10:00:00Z", true).await;
    created(
        &app,
        t,
        json!({"account_id": fb, "content": "unscheduled draft"}),
    )
    .await;

    let utc: Value = app
        .get_bearer(
            "/api/v1/posts/calendar?start_date=2026-11-29&end_date=2026-12-02",
            t,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(utc["start_date"], "2026-11-29");
    assert_eq!(utc["total"], 4);
    let days: Vec<_> = utc["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["date"].as_str().unwrap().to_string(),
                d["posts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["content"].as_str().unwrap().to_string())
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    assert_eq!(
        days,
        [
            (
                "2026-11-30".to_string(),
                vec!["late on the 30th".to_string()]
            ),
            (
                "2026-12-01".to_string(),
                vec![
                    "early on the 1st".to_string(),
                    "morning on the 1st".to_string()
                ]
            ),
            ("2026-12-02".to_string(), vec!["published".to_string()]),
        ]
    );

    // In New York (UTC−5) both fall on Nov 30: 23:30Z is 18:30 there, 02:00Z is 21:00.
    let ny: Value = app
        .get_bearer(
            "/api/v1/posts/calendar?start_date=2026-11-30&end_date=2026-11-30&tz=America/New_York",
            t,
        )
        .await
        .json()
        .await
        .unwrap();
    let contents: Vec<_> = ny["days"][0]["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["content"].as_str().unwrap())
        .collect();
    assert_eq!(ny["days"].as_array().unwrap().len(), 1);
    assert_eq!(contents, ["late on the 30th", "early on the 1st"]);

    for bad in [
        "start_date=2026-01-01&end_date=2026-04-03",
        "start_date=2026-12-02&end_date=2026-12-01",
        "start_date=2026-12-01&end_date=2026-12-31&tz=Mars/Base",
        "start_date=yesterday&end_date=2026-12-01",
        "end_date=2026-12-01",
    ] {
        assert_eq!(
            app.get_bearer(&format!("/api/v1/posts/calendar?{bad}"), t)
                .await
                .status(),
            422,
            "{bad}"
        );
    }
    // 92 days inclusive is the most.
    assert_eq!(
        app.get_bearer(
            "/api/v1/posts/calendar?start_date=2026-01-01&end_date=2026-04-02",
            t
        )
        .await
        .status(),
        200
    );
}
