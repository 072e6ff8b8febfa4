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
