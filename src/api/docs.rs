//! The OpenAPI 3.1 description of `/api/v1`, assembled from the handlers' `#[utoipa::path]`
//! annotations by the router (so a route cannot exist without its documentation) and
//! completed here with what every operation shares (its error answers, fully present
//! response objects), and the `/docs` page that renders it with Swagger UI served by the
//! binary itself.

use axum::response::Html;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi as OpenApiDocument;
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};

/// The document's frame: title, version, auth schemes, tags. Paths come from the router.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "PostPilot API",
        version = "1.0.0",
        description = "Schedule, publish and measure social-media posts. Authenticate with \
            `Authorization: Bearer <access token>` (from `/auth/login`) or `X-API-Key: po_live_…` \
            (Pro and Enterprise plans). Every error is `{\"detail\": \"<message>\"}`; malformed \
            input is 422, too many requests 429 with `Retry-After`."
    ),
    servers((url = "/api/v1")),
    modifiers(&SecuritySchemes),
    security(("bearer" = []), ("api_key" = [])),
    components(schemas(ErrorBody, Message)),
    tags(
        (name = "auth", description = "Accounts, tokens and provisioning"),
        (name = "accounts", description = "Connected social accounts"),
        (name = "posts", description = "Posts and the calendar"),
        (name = "queue", description = "The content queue and AI captions"),
        (name = "templates", description = "Caption templates"),
        (name = "media", description = "The media library and resumable uploads"),
        (name = "analytics", description = "Engagement analytics"),
        (name = "billing", description = "Plans, subscriptions and usage"),
        (name = "api-keys", description = "API keys for integrations"),
        (name = "webhooks", description = "Stripe and platform events"),
        (name = "admin", description = "Event log and users (admins only)"),
        (name = "health", description = "Liveness"),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut OpenApiDocument) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-Key"))),
        );
    }
}

/// Every error answer of the API (`AppError` in `app/src/error.rs` writes it).
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong, in words meant for the user.
    pub detail: String,
}

/// A plain confirmation.
#[derive(Serialize, ToSchema)]
pub struct Message {
    pub detail: String,
}

/// `?page=&per_page=` on every list.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the query that `Pagination` parses by hand.
pub struct PageParams {
    /// 1-based page number (default 1).
    #[param(minimum = 1, maximum = 1_000_000)]
    page: Option<u64>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    per_page: Option<u64>,
}

/// The operations limited per client address (sign-in, registration, password reset, token
/// refresh and provisioning); every call with an API key is limited per key as well.
const RATE_LIMITED: &[&str] = &[
    "/auth/login",
    "/auth/register",
    "/auth/refresh",
    "/auth/forgot-password",
    "/auth/reset-password",
    "/auth/provision",
];

/// The operations that answer without the database (every other can answer 503).
const NO_DATABASE: &[&str] = &["/billing/plans"];

const METHODS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "trace",
];

/// The document as served, from the one the router assembled: every operation gets the
/// error answers it can give (the extractors and `AppError` decide them the same way for
/// every handler, so they are declared here once rather than on each handler), and every
/// object that only answers gets all its fields marked required (serde writes each field,
/// `null` included, so a client may rely on them).
pub fn complete(document: OpenApiDocument) -> Value {
    let mut doc = serde_json::to_value(document).expect("the OpenAPI document serializes");
    refer_to_named_objects(&mut doc);
    add_error_responses(&mut doc);
    require_answer_fields(&mut doc);
    doc
}

/// utoipa writes a generic's argument inline (`Page<PostView>` holds a copy of `PostView`):
/// each copy of a named object schema becomes a reference to it, so clients get one
/// `PostView` type rather than one per list.
fn refer_to_named_objects(doc: &mut Value) {
    let named: Vec<(Value, String)> = doc["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, schema)| schema.get("properties").is_some())
        .map(|(name, schema)| (schema.clone(), format!("#/components/schemas/{name}")))
        .collect();
    fn replace_copies(value: &mut Value, named: &[(Value, String)]) {
        if let Some((_, reference)) = named.iter().find(|(schema, _)| schema == value) {
            *value = json!({ "$ref": reference });
            return;
        }
        match value {
            Value::Object(map) => map.values_mut().for_each(|v| replace_copies(v, named)),
            Value::Array(items) => items.iter_mut().for_each(|v| replace_copies(v, named)),
            _ => {}
        }
    }
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        // Inside each schema, not the schema itself (which would become a reference to itself).
        for schema in schemas.values_mut() {
            if let Some(map) = schema.as_object_mut() {
                map.values_mut().for_each(|v| replace_copies(v, &named));
            }
        }
    }
    replace_copies(&mut doc["paths"], &named);
}

fn add_error_responses(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            // Without its own `security` an operation takes the document's: signed in.
            let signed_in = operation.get("security") != Some(&json!([{}]));
            let has_body = operation.get("requestBody").is_some();
            let parameters_in = |place: &str| {
                operation["parameters"]
                    .as_array()
                    .is_some_and(|all| all.iter().any(|p| p["in"] == place))
            };
            let (in_path, in_query) = (parameters_in("path"), parameters_in("query"));
            let Some(responses) = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            let mut add = |status: &str, answer: Value| {
                responses.entry(status).or_insert(answer);
            };
            if has_body {
                add("413", error("The request body is over the size limit"));
            }
            if has_body || in_query {
                add(
                    "422",
                    error("Malformed input: invalid JSON, a wrong type, a value out of range"),
                );
            }
            if signed_in {
                add(
                    "401",
                    error("Not signed in, or the access token or API key is invalid"),
                );
                add(
                    "403",
                    error("The plan, the API key's scopes or the role do not allow it"),
                );
            }
            if in_path {
                add(
                    "404",
                    error("No such resource (or it belongs to someone else)"),
                );
            }
            if signed_in || RATE_LIMITED.contains(&path.as_str()) {
                add("429", rate_limited());
            }
            add(
                "4XX",
                error("The request was refused (the message says why)"),
            );
            if !NO_DATABASE.contains(&path.as_str()) {
                add(
                    "503",
                    error(if CALLS_STRIPE.contains(&path.as_str()) {
                        "The database or Stripe cannot be reached; try again shortly"
                    } else if path.starts_with("/media") {
                        "The database or the media store cannot be reached; try again shortly"
                    } else {
                        "The database cannot be reached; try again shortly"
                    }),
                );
            }
        }
    }
}

/// The operations that wait on Stripe when it is configured (a 503 when it does not answer).
const CALLS_STRIPE: &[&str] = &["/billing/checkout", "/billing/portal", "/billing/cancel"];

fn error(description: &str) -> Value {
    json!({
        "description": description,
        "content": {
            "application/json": { "schema": { "$ref": "#/components/schemas/ErrorBody" } }
        }
    })
}

fn rate_limited() -> Value {
    let mut answer = error(
        "Too many requests (per client address on sign-in and the like, per API key on \
         calls made with one); try again after `Retry-After` seconds",
    );
    answer["headers"] = json!({
        "Retry-After": {
            "description": "Seconds to wait before trying again",
            "required": true,
            "schema": { "type": "integer", "minimum": 0 }
        }
    });
    answer
}

/// Marks every property required in the schemas reached from answers and never from
/// requests (a request schema keeps optional fields optional).
fn require_answer_fields(doc: &mut Value) {
    let mut in_requests = Vec::new();
    let mut in_answers = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for item in paths.values().filter_map(Value::as_object) {
            for (method, operation) in item {
                if !METHODS.contains(&method.as_str()) {
                    continue;
                }
                in_requests.push(&operation["requestBody"]);
                in_requests.push(&operation["parameters"]);
                in_answers.push(&operation["responses"]);
            }
        }
    }
    let schemas = &doc["components"]["schemas"];
    let requested = reachable(schemas, in_requests);
    let answered = reachable(schemas, in_answers);
    let Some(schemas) = doc["components"]["schemas"].as_object_mut() else {
        return;
    };
    for name in answered.difference(&requested) {
        if let Some(schema) = schemas.get_mut(name) {
            require_all(schema);
        }
    }
}

/// The names of the component schemas `roots` refer to, directly or through each other.
fn reachable(schemas: &Value, roots: Vec<&Value>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut to_visit = roots;
    while let Some(value) = to_visit.pop() {
        match value {
            Value::Object(map) => {
                if let Some(name) = map
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                {
                    if found.insert(name.to_string()) {
                        to_visit.push(&schemas[name]);
                    }
                }
                to_visit.extend(map.values());
            }
            Value::Array(items) => to_visit.extend(items),
            _ => {}
        }
    }
    found
}

/// An object schema with every property required; the parts of a composition (`allOf`, as
/// `#[serde(flatten)]` gives) likewise.
fn require_all(schema: &mut Value) {
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        let names: Vec<Value> = properties.keys().cloned().map(Value::String).collect();
        schema["required"] = Value::Array(names);
    }
    if let Some(parts) = schema.get_mut("allOf").and_then(Value::as_array_mut) {
        parts.iter_mut().for_each(require_all);
    }
}

/// `/docs`: Swagger UI (from the `swagger-ui-dist` npm package, copied into the site by setup).
pub async fn docs_page() -> Html<&'static str> {
    Html(
        r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>PostPilot API reference</title>
  <link rel="stylesheet" href="/docs-assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs-assets/swagger-ui-bundle.js"></script>
  <script src="/docs-assets/docs-init.js"></script>
</body>
</html>"#,
    )
}
