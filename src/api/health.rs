//! `GET /health` and `GET /api/v1/health`: 200 when the database answers, 503 otherwise.

use app::server::{db, AppState};
use axum::extract::State;
use axum::response::IntoResponse;
use axum::Json;
use chrono::{SecondsFormat, Utc};
use http::StatusCode;
use serde_json::json;

pub async fn health(State(state): State<AppState>) -> impl IntoResponse {
    let database_ok = db::ping(&state.db).await;
    let status = if database_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({
            "service": "postpilot",
            "status": if database_ok { "ok" } else { "degraded" },
            "timestamp": Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
            "database": if database_ok { "ok" } else { "unreachable" },
        })),
    )
}
