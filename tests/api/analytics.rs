//! Analytics from stored metrics: totals, engagement rate, per platform, per day, per post.

use app::model::{PlanTier, PostStatus};
use app::server::entities::{post, post_metrics};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{spawn_app, TestApp};

/// A published post with metrics (impressions, likes, comments, shares, clicks).
pub async fn published(app: &TestApp, token: &str, account: &str, at: &str, m: [i64; 5]) -> String {
    let res = app
        .post_bearer(
            "/api/v1/posts",
            token,
            &json!({"account_id": account, "content": format!("posted {at}")}),
        )
        .await;
    let id: Uuid = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let at: DateTime<Utc> = at.parse().unwrap();
    let mut active = post::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    active.status = Set(PostStatus::Posted);
    active.posted_at = Set(Some(at));
    active.update(&app.db).await.unwrap();
    post_metrics::ActiveModel {
        id: Set(Uuid::new_v4()),
        post_id: Set(id),
        impressions: Set(m[0]),
        reach: Set(m[0] / 2),
        likes: Set(m[1]),
        comments: Set(m[2]),
        shares: Set(m[3]),
        clicks: Set(m[4]),
        fetched_at: Set(at + Duration::hours(1)),
    }
    .insert(&app.db)
    .await
    .unwrap();
    id.to_string()
}

#[tokio::test]
async fn the_overview_sums_rates_and_groups() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    let t = &pair.access_token;
    app.set_plan("ada@example.com", PlanTier::Pro).await;
    let fb = app.account(t, "facebook").await;
    let ig = app.account(t, "instagram").await;
    let first = published(&app, t, &fb, "2026-11-02T10:00:00Z", [1000, 30, 10, 5, 5]).await; // 5.00 %
    published(&app, t, &fb, "2026-11-02T18:00:00Z", [0, 0, 0, 0, 0]).await; // 0 %
    published(&app, t, &ig, "2026-11-03T09:00:00Z", [300, 1, 0, 0, 0]).await; // 0.33 %
    app.post_bearer(
        "/api/v1/posts",
        t,
        &json!({"account_id": fb, "content": "draft"}),
    )
    .await;

    let o: Value = app
        .get_bearer("/api/v1/analytics/overview", t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(o["total_posts"], 4);
    assert_eq!(o["posted_posts"], 3);
    assert_eq!(o["scheduled_posts"], 0);
    assert_eq!(o["impressions"], 1300);
    assert_eq!(o["likes"], 31);
    assert_eq!(o["clicks"], 5);
    // Mean of 5.00, 0 and 0.33.
    assert_eq!(o["avg_engagement_rate"], 1.78);
    let fb_row = o["by_platform"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["platform"] == "facebook")
        .unwrap();
    assert_eq!(fb_row["posts"], 3);
    assert_eq!(fb_row["impressions"], 1000);
    assert_eq!(fb_row["engagement_rate"], 5.0);
    assert_eq!(
        o["daily"],
        json!([{"date": "2026-11-02", "impressions": 1000, "engagement": 50}, {"date": "2026-11-03", "impressions": 300, "engagement": 1}])
    );

    let ranged: Value = app
        .get_bearer(
            "/api/v1/analytics/overview?start_date=2026-11-03&end_date=2026-11-03",
            t,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ranged["total_posts"], 1);
    assert_eq!(ranged["impressions"], 300);
    // A day with two measured posts (one without impressions): both count in the average,
    // and the day's boundaries hold (the 18:00 post is in, the next morning's is not).
    let second: Value = app
        .get_bearer(
            "/api/v1/analytics/overview?start_date=2026-11-02&end_date=2026-11-02",
            t,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["total_posts"], 2);
    assert_eq!(second["posted_posts"], 2);
    assert_eq!(second["avg_engagement_rate"], 2.5);
    assert_eq!(second["by_platform"].as_array().unwrap().len(), 1);
    assert_eq!(
        second["daily"],
        json!([{"date": "2026-11-02", "impressions": 1000, "engagement": 50}])
    );
    assert_eq!(
        app.get_bearer(
            "/api/v1/analytics/overview?start_date=2026-11-04&end_date=2026-11-03",
            t
        )
        .await
        .status(),
        422
    );
    assert_eq!(
        app.get_bearer("/api/v1/analytics/overview?start_date=soon", t)
            .await
            .status(),
        422
    );

    let list: Value = app
        .get_bearer("/api/v1/analytics/posts?per_page=2", t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 3);
    assert_eq!(list["items"][0]["posted_at"], "2026-11-03T09:00:00Z");
    let one: Value = app
        .get_bearer(&format!("/api/v1/analytics/posts/{first}"), t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["engagement_rate"], 5.0);
    assert_eq!(one["impressions"], 1000);
    assert_eq!(one["platform"], "facebook");

    let detail: Value = app
        .get_bearer(&format!("/api/v1/posts/{first}"), t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["metrics"]["engagement_rate"], 5.0);
}

#[tokio::test]
async fn posts_without_metrics_or_of_others_are_404() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    let bob = app.signed_up("bob@example.com").await;
    let fb = app.account(&ada.access_token, "facebook").await;
    let measured = published(
        &app,
        &ada.access_token,
        &fb,
        "2026-11-02T10:00:00Z",
        [10, 1, 0, 0, 0],
    )
    .await;
    let draft: Value = app
        .post_bearer(
            "/api/v1/posts",
            &ada.access_token,
            &json!({"account_id": fb, "content": "d"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let res = app
        .get_bearer(
            &format!("/api/v1/analytics/posts/{}", draft["id"].as_str().unwrap()),
            &ada.access_token,
        )
        .await;
    assert_eq!(res.status(), 404);
    assert_eq!(
        app.get_bearer(
            &format!("/api/v1/analytics/posts/{measured}"),
            &bob.access_token
        )
        .await
        .status(),
        404
    );
    let empty: Value = app
        .get_bearer("/api/v1/analytics/overview", &bob.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(empty["total_posts"], 0);
    assert_eq!(empty["avg_engagement_rate"], 0.0);
    assert_eq!(empty["daily"], json!([]));
}
