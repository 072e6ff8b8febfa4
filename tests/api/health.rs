use serde_json::Value;

use crate::helpers::spawn_app;

#[tokio::test]
async fn health_reports_service_and_database() {
    let app = spawn_app().await;
    for path in ["/health", "/api/v1/health"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["service"], "postpilot");
        assert_eq!(body["status"], "ok");
        assert_eq!(body["database"], "ok");
        let ts = body["timestamp"].as_str().unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(ts).is_ok(), "{ts}");
        assert!(ts.ends_with('Z'));
    }
}

#[tokio::test]
async fn health_is_degraded_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.db.clone().close().await.unwrap();
    let res = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["database"], "unreachable");
}

#[tokio::test]
async fn unknown_api_routes_are_json_404s() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url("/api/v1/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(crate::helpers::detail(res).await, "No such API endpoint");
}

#[tokio::test]
async fn ready_once_migrated_and_not_when_the_database_is_gone() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({"status": "ready", "schema": "current"})
    );

    app.db.clone().close().await.unwrap();
    let res = app.client.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["schema"], "unknown");
    assert_eq!(body["reason"], "the database does not answer");
}

/// The value of the first series of `metric` whose labels include every one of `labels`.
fn series(text: &str, metric: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|line| {
            line.starts_with(&format!("{metric}{{")) || line.starts_with(&format!("{metric} "))
        })
        .find(|line| labels.iter().all(|label| line.contains(label)))
        .and_then(|line| line.rsplit(' ').next()?.parse().ok())
}

/// `/metrics` counts requests by route template and status with their latency, publishing
/// outcomes by platform with the lateness of published posts, and reads the queue's lag and
/// the pool when scraped.
#[tokio::test]
async fn metrics_count_requests_and_publishing_and_read_the_queue() {
    use app::server::entities::post;
    use chrono::{Duration, Utc};
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    let app = spawn_app().await;
    let who = crate::helpers::marketer(&app).await;
    let account = app.account(&who.token, "facebook").await;
    let res = app
        .post_bearer(
            "/api/v1/posts",
            &who.token,
            &serde_json::json!({"account_id": account, "content": "due a minute ago",
                                "scheduled_for": Utc::now() + Duration::hours(1)}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let id: uuid::Uuid = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    post::Entity::update_many()
        .col_expr(
            post::Column::ScheduledFor,
            Expr::value(Utc::now() - Duration::minutes(1)),
        )
        .filter(post::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
    let unknown_id = uuid::Uuid::new_v4();
    let missing = app
        .get_bearer(&format!("/api/v1/posts/{unknown_id}"), &who.token)
        .await;
    assert_eq!(missing.status(), 404);

    let scrape = || async {
        let res = app.client.get(app.url("/metrics")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain"));
        res.text().await.unwrap()
    };
    // A made-up method is answered, and counted as "other": methods cannot grow the series.
    let brew = reqwest::Method::from_bytes(b"BREW").unwrap();
    let res = app
        .client
        .request(brew, app.url("/health"))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error());
    let before = scrape().await;
    assert!(!before.contains("BREW"), "{before}");
    assert!(
        series(
            &before,
            "postpilot_http_requests_total",
            &[r#"route="/health""#, r#"method="other""#]
        )
        .is_some(),
        "{before}"
    );
    assert!(
        series(
            &before,
            "postpilot_http_requests_total",
            &[r#"route="/api/v1/posts/{id}""#, r#"status="404""#]
        )
        .is_some_and(|n| n >= 1.0),
        "requests by route template, never by id:\n{before}"
    );
    assert!(!before.contains(&unknown_id.to_string()));
    assert!(series(
        &before,
        "postpilot_http_request_duration_seconds_bucket",
        &[r#"route="/api/v1/posts""#, r#"le="+Inf""#]
    )
    .is_some());
    assert!(
        series(&before, "postpilot_posts_due", &[]).is_some_and(|n| n >= 1.0),
        "{before}"
    );
    assert!(
        series(&before, "postpilot_scheduler_lag_seconds", &[]).is_some_and(|s| s >= 59.0),
        "{before}"
    );
    assert!(series(&before, "postpilot_database_pool_connections", &[]).is_some_and(|n| n >= 1.0));
    let posted = |text: &str| {
        series(
            text,
            "postpilot_posts_total",
            &[r#"platform="facebook""#, r#"outcome="posted""#],
        )
        .unwrap_or(0.0)
    };

    let engine = crate::helpers::engine_on_own_pool(&app, 1, 10).await;
    assert_eq!(engine.tick().await.unwrap().posted, 1);
    let after = scrape().await;
    assert!(posted(&after) >= posted(&before) + 1.0, "{after}");
    assert!(
        series(
            &after,
            "postpilot_publish_lateness_seconds_count",
            &[r#"platform="facebook""#]
        )
        .is_some_and(|n| n >= 1.0),
        "{after}"
    );
    assert_eq!(series(&after, "postpilot_posts_due", &[]), Some(0.0));
    assert_eq!(
        series(&after, "postpilot_scheduler_lag_seconds", &[]),
        Some(0.0)
    );
}

#[tokio::test]
async fn metrics_need_the_token_when_one_is_set() {
    let app = crate::helpers::spawn_app_with(|s| s.metrics.token = "scrape-secret-1".into()).await;
    for authorization in [None, Some("Bearer wrong"), Some("scrape-secret-1")] {
        let mut req = app.client.get(app.url("/metrics"));
        if let Some(value) = authorization {
            req = req.header("authorization", value);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 401, "{authorization:?}");
        assert!(!res.text().await.unwrap().contains("scrape-secret-1"));
    }
    let res = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("scrape-secret-1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(!format!("{:?}", app.state.settings).contains("scrape-secret-1"));
}
