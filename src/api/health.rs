//! `GET /health` and `GET /api/v1/health`: 200 when the database answers, 503 otherwise.

use app::server::{db, AppState};
use axum::extract::State;
use axum::Json;
use chrono::{SecondsFormat, Utc};
use http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

/// The service's state; `status` is `ok` or `degraded`.
#[derive(Serialize, ToSchema)]
pub struct HealthReport {
    service: &'static str,
    status: &'static str,
    timestamp: String,
    database: &'static str,
}

#[utoipa::path(get, operation_id = "health_health", path = "/health", tag = "health", security(()), responses((status = 200, description = "Healthy", body = HealthReport), (status = 503, description = "The database is unreachable", body = HealthReport)))]
pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<HealthReport>) {
    let database_ok = db::ping(&state.db).await;
    let status = if database_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(HealthReport {
            service: "postpilot",
            status: if database_ok { "ok" } else { "degraded" },
            timestamp: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
            database: if database_ok { "ok" } else { "unreachable" },
        }),
    )
}
