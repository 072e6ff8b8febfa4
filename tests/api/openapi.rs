//! The OpenAPI document: valid OpenAPI 3.1, every contract endpoint in it, every documented
//! operation answered by the router, and the `/docs` page that renders it.

use serde_json::Value;
use std::collections::BTreeSet;

use crate::helpers::spawn_app;

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
