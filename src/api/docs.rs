//! The OpenAPI 3.1 description of `/api/v1`, assembled from the handlers' `#[utoipa::path]`
//! annotations by the router (so a route cannot exist without its documentation), and the
//! `/docs` page that renders it with Swagger UI served by the binary itself.

use axum::response::Html;
use serde::Serialize;
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
            (Pro and Enterprise plans). Errors are `{\"detail\": …}`; malformed input is 422."
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

/// Every error: a message, or for 422 a list of `{loc, msg, type}` entries.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
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
    #[param(minimum = 1)]
    page: Option<u64>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    per_page: Option<u64>,
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
