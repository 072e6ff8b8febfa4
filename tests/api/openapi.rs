//! The OpenAPI document: valid OpenAPI 3.1, every contract endpoint in it, every documented
//! operation answered by the router, the wire described as it is (enum values, the error
//! body, the answers' fields, error statuses), and the `/docs` page that renders it.

use app::model::{
    EventKind, EventLevel, MediaKind, PlanTier, Platform, PostStatus, QueueStatus, Role,
    SubscriptionStatus,
};
use app::server::captions::Tone;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

use crate::helpers::{marketer, spawn_app};

/// Every endpoint of `../shared/api-contract.md`, relative to `/api/v1`.
const CONTRACT: &[(&str, &str)] = &[
    ("get", "/health"),
    ("post", "/auth/register"),
    ("post", "/auth/login"),
    ("post", "/auth/refresh"),
    ("get", "/auth/me"),
    ("post", "/auth/forgot-password"),
    ("post", "/auth/reset-password"),
    ("post", "/auth/provision"),
    ("post", "/accounts"),
    ("get", "/accounts"),
    ("get", "/accounts/{id}"),
    ("delete", "/accounts/{id}"),
    ("post", "/posts"),
    ("get", "/posts"),
    ("get", "/posts/{id}"),
    ("patch", "/posts/{id}"),
    ("delete", "/posts/{id}"),
    ("post", "/posts/{id}/schedule"),
    ("post", "/posts/{id}/retry"),
    ("get", "/posts/calendar"),
    ("post", "/queue"),
    ("post", "/queue/import"),
    ("get", "/queue"),
    ("get", "/queue/{id}"),
    ("delete", "/queue/{id}"),
    ("post", "/queue/{id}/generate"),
    ("post", "/queue/{id}/approve"),
    ("post", "/queue/{id}/reject"),
    ("post", "/queue/generate-caption"),
    ("post", "/templates"),
    ("get", "/templates"),
    ("get", "/templates/{id}"),
    ("patch", "/templates/{id}"),
    ("delete", "/templates/{id}"),
    ("post", "/templates/{id}/render"),
    ("get", "/analytics/overview"),
    ("get", "/analytics/posts"),
    ("get", "/analytics/posts/{post_id}"),
    ("get", "/billing/plans"),
    ("post", "/billing/checkout"),
    ("post", "/billing/portal"),
    ("get", "/billing/current"),
    ("get", "/billing/overview"),
    ("post", "/billing/cancel"),
    ("get", "/usage"),
    ("post", "/api-keys"),
    ("get", "/api-keys"),
    ("delete", "/api-keys/{id}"),
    ("post", "/webhooks/stripe"),
    ("post", "/webhooks/platform-events"),
    ("get", "/admin/logs"),
    ("get", "/admin/users"),
    ("patch", "/admin/users/{id}"),
];

/// Endpoints beyond the contract: the media library (issue 14), so integrators can upload the
/// photos and videos their posts carry.
const BEYOND_CONTRACT: &[(&str, &str)] = &[
    ("get", "/media"),
    ("get", "/media/{id}"),
    ("delete", "/media/{id}"),
    ("post", "/media/uploads"),
    ("get", "/media/uploads/{id}"),
    ("put", "/media/uploads/{id}"),
    ("delete", "/media/uploads/{id}"),
    ("post", "/media/uploads/{id}/complete"),
];

const METHODS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "trace",
];

fn documented_operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if METHODS.contains(&method.as_str()) {
                operations.insert((method.clone(), path.clone()));
            }
        }
    }
    operations
}

async fn fetch_document(app: &crate::helpers::TestApp) -> Value {
    let res = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    res.json().await.unwrap()
}

#[tokio::test]
async fn the_document_lists_exactly_the_contract_endpoints() {
    let app = spawn_app().await;
    let doc = fetch_document(&app).await;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["servers"][0]["url"], "/api/v1");

    let documented = documented_operations(&doc);
    let contract: BTreeSet<(String, String)> = CONTRACT
        .iter()
        .chain(BEYOND_CONTRACT)
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let missing: Vec<_> = contract.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&contract).collect();
    assert!(
        missing.is_empty(),
        "contract endpoints not documented: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "documented but not in the contract: {extra:?}"
    );

    // Each operation names its answers, and protected ones say how to authenticate.
    for (method, path) in &documented {
        let operation = &doc["paths"][path][method];
        assert!(
            operation["responses"]
                .as_object()
                .is_some_and(|r| !r.is_empty()),
            "{method} {path}"
        );
        assert!(
            operation["tags"].as_array().is_some_and(|t| !t.is_empty()),
            "{method} {path}"
        );
    }
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    assert!(schemes.contains_key("bearer") && schemes.contains_key("api_key"));
    assert_eq!(
        doc["paths"]["/auth/login"]["post"]["security"],
        serde_json::json!([{}])
    );
    assert!(
        doc["paths"]["/posts"]["get"]["security"].is_null(),
        "uses the global security"
    );
    assert!(doc["components"]["schemas"]["PostView"].is_object());

    // Request bodies are distinct schemas (two structs of one name would silently share one).
    let body_fields = |method: &str, path: &str| {
        let reference = doc["paths"][path][method]["requestBody"]["content"]["application/json"]
            ["schema"]["$ref"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path} has a body schema"))
            .rsplit('/')
            .next()
            .unwrap()
            .to_string();
        doc["components"]["schemas"][&reference]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<BTreeSet<_>>()
    };
    assert!(body_fields("patch", "/posts/{id}").contains("scheduled_for"));
    assert!(body_fields("patch", "/templates/{id}").contains("name"));
    assert!(body_fields("post", "/posts").contains("account_id"));
    assert!(body_fields("post", "/queue").contains("product_data"));
    assert!(body_fields("post", "/templates").contains("content"));
}

/// Undocumented routes cannot hide: every documented operation is answered by the router
/// (never the API's "No such API endpoint" fallback or a 405), and a path that is not
/// documented is that fallback.
#[tokio::test]
async fn every_documented_operation_is_routed() {
    let app = spawn_app().await;
    let doc = fetch_document(&app).await;
    let id = uuid::Uuid::new_v4().to_string();
    for (method, path) in documented_operations(&doc) {
        let concrete = path.replace("{id}", &id).replace("{post_id}", &id);
        let url = app.url(&format!("/api/v1{concrete}"));
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let res = app
            .client
            .request(method.clone(), url)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let body = res.text().await.unwrap();
        assert_ne!(status, 405, "{method} {path}");
        assert!(
            !body.contains("No such API endpoint"),
            "{method} {path} fell through: {body}"
        );
    }
    let res = app
        .client
        .get(app.url("/api/v1/undocumented"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("No such API endpoint"));
}

/// Validated by `openapi-spec-validator` (PyPI, installed by scripts/setup.sh): the reference
/// validator for OpenAPI 3.1 documents.
#[tokio::test]
async fn the_document_is_valid_openapi_3_1() {
    let app = spawn_app().await;
    let doc = fetch_document(&app).await;
    let dir = tempfile_dir();
    let file = dir.join("openapi.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let output = std::process::Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output()
        .expect("python3 runs (scripts/setup.sh installs openapi-spec-validator)");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "the validator refused the document:\n{printed}"
    );
    assert!(printed.contains("OK"), "{printed}");
    let _ = std::fs::remove_dir_all(dir);
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("postpilot-openapi-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn the_docs_page_loads_swagger_ui_from_the_binary() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/docs")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    for asset in [
        "/docs-assets/swagger-ui.css",
        "/docs-assets/swagger-ui-bundle.js",
        "/docs-assets/docs-init.js",
    ] {
        assert!(html.contains(asset), "{asset}");
    }
    assert!(!html.contains("://"), "no asset from another host");
}

/// What serde writes for each value of an enum.
fn wire_values<T: Serialize>(values: &[T]) -> Vec<String> {
    values
        .iter()
        .map(|value| match serde_json::to_value(value).unwrap() {
            Value::String(text) => text,
            other => panic!("an enum written as {other}"),
        })
        .collect()
}

/// Every enum of the document lists exactly the values the API reads and writes (a client
/// generated from it sends `facebook`, not `Facebook`), and no enum goes unchecked.
#[tokio::test]
async fn every_enum_in_the_document_has_the_values_serde_writes() {
    let app = spawn_app().await;
    let doc = fetch_document(&app).await;
    let expected: BTreeMap<&str, Vec<String>> = BTreeMap::from([
        ("Platform", wire_values(Platform::ALL)),
        ("PostStatus", wire_values(PostStatus::ALL)),
        ("QueueStatus", wire_values(QueueStatus::ALL)),
        ("Role", wire_values(Role::ALL)),
        ("EventKind", wire_values(EventKind::ALL)),
        ("EventLevel", wire_values(EventLevel::ALL)),
        ("SubscriptionStatus", wire_values(SubscriptionStatus::ALL)),
        ("PlanTier", wire_values(&PlanTier::ALL)),
        ("MediaKind", wire_values(MediaKind::ALL)),
        (
            "Tone",
            wire_values(&[
                Tone::Professional,
                Tone::Casual,
                Tone::Playful,
                Tone::Urgent,
            ]),
        ),
    ]);
    let mut documented = BTreeMap::new();
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        if let Some(values) = schema["enum"].as_array() {
            let values: Vec<String> = values
                .iter()
                .map(|v| v.as_str().expect("string values").to_string())
                .collect();
            documented.insert(name.as_str(), values);
        }
    }
    assert_eq!(
        documented.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "every enum schema is checked here"
    );
    for (name, values) in &expected {
        assert_eq!(&documented[name], values, "{name}");
    }
    assert_eq!(expected["Platform"], ["instagram", "facebook", "tiktok"]);
    assert_eq!(expected["SubscriptionStatus"][2], "past_due");
    // Enums appear only as references to those schemas, never spelled again inline.
    let text = doc.to_string();
    assert_eq!(
        text.matches("\"enum\"").count(),
        expected.len(),
        "an inline enum escapes the check"
    );
}

/// Every error is `{"detail": "<string>"}`: the document says so for every 4xx answer, and the
/// API's real errors (404, 422, 401) match it.
#[tokio::test]
async fn every_error_answer_is_documented_as_the_detail_string_it_is() {
    let app = spawn_app().await;
    let doc = fetch_document(&app).await;
    let error_body = &doc["components"]["schemas"]["ErrorBody"];
    assert_eq!(error_body["properties"]["detail"]["type"], "string");
    assert_eq!(error_body["required"], json!(["detail"]));
    assert_eq!(error_body["properties"].as_object().unwrap().len(), 1);

    for (method, path) in documented_operations(&doc) {
        let responses = doc["paths"][&path][&method]["responses"]
            .as_object()
            .unwrap();
        assert!(responses.contains_key("4XX"), "{method} {path}");
        for (status, answer) in responses {
            if status.starts_with('4') {
                assert_eq!(
                    answer["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{method} {path} {status}"
                );
            }
        }
    }

    let m = marketer(&app).await;
    let account = app.account(&m.token, "instagram").await;
    let missing = app
        .get_bearer(&format!("/api/v1/posts/{}", uuid::Uuid::new_v4()), &m.token)
        .await;
    assert_eq!(missing.status(), 404);
    let malformed = app
        .post_bearer(
            "/api/v1/posts",
            &m.token,
            &json!({"account_id": account, "content": "x", "scheduled_for": "soon"}),
        )
        .await;
    assert_eq!(malformed.status(), 422);
    let signed_out = app
        .client
        .get(app.url("/api/v1/posts"))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), 401);
    for res in [missing, malformed, signed_out] {
        let body: Value = res.json().await.unwrap();
        let fields: Vec<&String> = body.as_object().unwrap().keys().collect();
        assert_eq!(fields, ["detail"], "{body}");
        assert!(body["detail"].is_string(), "{body}");
    }
}

/// The error statuses each operation can give are named: 422 where input is parsed, 401 and
/// 403 where one must sign in, 404 on ids, 429 with `Retry-After` on the rate-limited
/// sign-in family and on every signed-in call (API keys are limited per key).
#[tokio::test]
async fn error_statuses_are_documented_where_they_happen() {
    let app = spawn_app().await;
    let doc = fetch_document(&app).await;
    let statuses = |method: &str, path: &str| -> BTreeSet<String> {
        doc["paths"][path][method]["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{method} {path}"))
            .keys()
            .cloned()
            .collect()
    };
    let has = |method: &str, path: &str, wanted: &[&str]| {
        let present = statuses(method, path);
        for status in wanted {
            assert!(
                present.contains(*status),
                "{method} {path} lacks {status}: {present:?}"
            );
        }
    };
    let lacks = |method: &str, path: &str, unwanted: &[&str]| {
        let present = statuses(method, path);
        for status in unwanted {
            assert!(!present.contains(*status), "{method} {path} has {status}");
        }
    };
    for path in [
        "/auth/login",
        "/auth/register",
        "/auth/refresh",
        "/auth/forgot-password",
        "/auth/reset-password",
    ] {
        has("post", path, &["422", "429"]);
        lacks("post", path, &["401", "404"]);
        let retry_after = &doc["paths"][path]["post"]["responses"]["429"]["headers"]["Retry-After"];
        assert_eq!(retry_after["schema"]["type"], "integer", "{path}");
    }
    has("post", "/auth/provision", &["401", "403", "422", "429"]);
    has(
        "post",
        "/posts",
        &["201", "401", "403", "413", "422", "429"],
    );
    has("get", "/posts", &["200", "401", "422"]);
    has("get", "/posts/{id}", &["200", "401", "404"]);
    lacks("get", "/posts/{id}", &["422", "413"]);
    has("delete", "/posts/{id}", &["204", "404"]);
    assert!(doc["paths"]["/posts/{id}"]["delete"]["responses"]["204"]["content"].is_null());
    has("get", "/posts/calendar", &["422"]);
    lacks("get", "/health", &["401", "429"]);
    has("get", "/health", &["200", "503"]);
    has("post", "/auth/register", &["201", "409"]);
    has("post", "/accounts", &["201", "409"]);
    // Every answer that needs the database can be 503 when it is unreachable.
    for (method, path) in documented_operations(&doc) {
        if path != "/billing/plans" {
            has(&method, &path, &["503"]);
        }
    }
    lacks("get", "/billing/plans", &["401", "503"]);
    // Those that wait on Stripe say so.
    let unavailable = |method: &str, path: &str| {
        doc["paths"][path][method]["responses"]["503"]["description"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for path in ["/billing/checkout", "/billing/portal", "/billing/cancel"] {
        assert!(unavailable("post", path).contains("Stripe"), "{path}");
    }
    assert!(!unavailable("get", "/posts").contains("Stripe"));
}

/// Answers write every field, `null` included: the document marks each required (nullable
/// where it can be null), while request bodies keep their optional fields optional, and a
/// PATCH field that cannot be cleared is not documented as nullable.
#[tokio::test]
async fn answers_are_documented_field_for_field() {
    let app = spawn_app().await;
    let doc = fetch_document(&app).await;
    let schemas = &doc["components"]["schemas"];
    let names = |value: &Value| -> BTreeSet<String> {
        value
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .or_else(|| {
                value
                    .as_array()
                    .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
            })
            .unwrap_or_default()
    };

    let m = marketer(&app).await;
    let account = app.account(&m.token, "instagram").await;
    let res = app
        .post_bearer(
            "/api/v1/posts",
            &m.token,
            &json!({"account_id": account, "content": "A draft"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let post: Value = res.json().await.unwrap();
    let view = &schemas["PostView"];
    assert_eq!(
        names(&post),
        names(&view["properties"]),
        "documented fields"
    );
    assert_eq!(names(&view["required"]), names(&view["properties"]));
    assert!(post["scheduled_for"].is_null());
    assert_eq!(
        view["properties"]["scheduled_for"]["type"],
        json!(["string", "null"])
    );
    assert_eq!(view["properties"]["scheduled_for"]["format"], "date-time");
    assert_eq!(view["properties"]["id"]["format"], "uuid");

    let new_post = &schemas["NewPostBody"];
    assert_eq!(
        names(&new_post["required"]),
        BTreeSet::from(["account_id".to_string(), "content".to_string()])
    );
    let patch = &schemas["PostPatchBody"];
    assert!(patch["required"].is_null());
    assert_eq!(patch["properties"]["content"]["type"], "string");
    assert_eq!(
        patch["properties"]["scheduled_for"]["type"],
        json!(["string", "null"]),
        "null unschedules"
    );
}

/// An optional body is documented as absent or `null`, and the API takes both as "none".
#[tokio::test]
async fn an_optional_body_may_be_null_as_documented() {
    let app = spawn_app().await;
    let doc = fetch_document(&app).await;
    let body = &doc["paths"]["/queue/{id}/generate"]["post"]["requestBody"];
    assert_ne!(body["required"], true);
    let alternatives = body["content"]["application/json"]["schema"]["oneOf"].to_string();
    assert!(alternatives.contains("\"null\""), "{alternatives}");

    let m = marketer(&app).await;
    let res = app
        .post_bearer(
            "/api/v1/queue",
            &m.token,
            &json!({"product_data": {"title": "Mug", "price": 12}, "platforms": ["facebook"]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let item: Value = res.json().await.unwrap();
    let res = app
        .post_bearer(
            &format!("/api/v1/queue/{}/generate", item["id"].as_str().unwrap()),
            &m.token,
            &Value::Null,
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}
