//! `/api/v1/webhooks`: Stripe and the dropshipping platform. Signatures are checked on the
//! raw body before anything is parsed.

use app::error::AppError;
use app::server::services::webhooks::{self, Outcome};
use app::server::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use chrono::Utc;
use http::HeaderMap;
use serde::Serialize;
use utoipa::ToSchema;

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The acknowledgement; `duplicate` when the event id was already handled.
#[derive(Serialize, ToSchema)]
pub struct WebhookReceipt {
    received: bool,
    duplicate: bool,
}

fn answer(outcome: Outcome) -> Json<WebhookReceipt> {
    Json(WebhookReceipt {
        received: true,
        duplicate: outcome == Outcome::Duplicate,
    })
}

#[utoipa::path(post, operation_id = "webhooks_stripe", path = "/webhooks/stripe", tag = "webhooks", security(()), request_body(content = serde_json::Value, content_type = "application/json", description = "The event, exactly as signed"), responses((status = 200, description = "OK", body = WebhookReceipt)))]
pub async fn stripe(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<WebhookReceipt>, AppError> {
    let secret = &state.settings.billing.stripe_webhook_secret;
    // Without a secret (mock mode) events are accepted unsigned.
    if !secret.is_empty() {
        webhooks::verify_stripe(
            secret,
            header(&headers, "stripe-signature"),
            &body,
            Utc::now(),
        )?;
    }
    let event = webhooks::parse_event(&body)?;
    Ok(answer(
        webhooks::handle_stripe(&state.db, &state.settings.billing, event).await?,
    ))
}

#[utoipa::path(post, operation_id = "webhooks_platform_events", path = "/webhooks/platform-events", tag = "webhooks", security(()), request_body(content = serde_json::Value, content_type = "application/json", description = "The event, exactly as signed"), responses((status = 200, description = "OK", body = WebhookReceipt)))]
pub async fn platform_events(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<WebhookReceipt>, AppError> {
    webhooks::verify_platform(
        &state.settings.integrations.platform_webhook_secret,
        header(&headers, "x-platform-signature"),
        &body,
    )?;
    let event = webhooks::parse_event(&body)?;
    Ok(answer(webhooks::handle_platform(&state.db, event).await?))
}
