//! `GET /health` and `GET /api/v1/health`: 200 when the database answers, 503 otherwise.
//! For operators, outside the REST API: `GET /ready` (load balancers) answers 200 only while
//! the database answers and carries exactly this build's schema; `GET /metrics` (Prometheus).

use app::server::db::{self, SchemaState};
use app::server::{ops_metrics, AppState};
use axum::extract::State;
use axum::Json;
use chrono::{SecondsFormat, Utc};
use http::StatusCode;
use migration::Migrator;
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

/// Whether this instance should get traffic: `ready`, or `not_ready` with the reason.
#[derive(Serialize)]
pub struct ReadyReport {
    status: &'static str,
    /// `current`, `behind` (migrations of this build are not applied yet), `newer` (a newer
    /// PostPilot migrated the database: this instance is the old one of an upgrade; still
    /// ready) or `unknown` (the database did not answer).
    schema: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

/// `GET /ready`. The port opens only once startup has migrated the database, so while it
/// migrates a load balancer's probe is refused; after that this says 503 whenever the
/// database stops answering or lacks migrations of this build. A database a newer
/// PostPilot migrated keeps this instance ready (the old instances of a rolling upgrade go
/// on serving while the new ones start), with `schema: newer` and the reason; it only
/// refuses to start on one.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<ReadyReport>) {
    let (schema, ready, reason) = match db::schema_state::<Migrator>(&state.db).await {
        Ok(SchemaState::Current) => ("current", true, None),
        Ok(SchemaState::Behind(missing)) => (
            "behind",
            false,
            Some(format!(
                "{missing} migrations of this version are not applied"
            )),
        ),
        Ok(SchemaState::Newer(unknown)) => {
            ("newer", true, Some(SchemaState::newer_message(&unknown)))
        }
        Err(err) => {
            tracing::warn!(error = %err, "readiness: the database did not answer");
            (
                "unknown",
                false,
                Some("the database does not answer".to_string()),
            )
        }
    };
    (
        if ready {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        Json(ReadyReport {
            status: if ready { "ready" } else { "not_ready" },
            schema,
            reason,
        }),
    )
}

/// `GET /metrics`: Prometheus text format. With `metrics.token` set, only for a scrape that
/// sends it as a bearer token.
pub async fn metrics(
    State(state): State<AppState>,
    headers: http::HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let authorization = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    if !ops_metrics::scrape_allowed(&state.settings.metrics.token, authorization) {
        return (
            StatusCode::UNAUTHORIZED,
            [(http::header::WWW_AUTHENTICATE, "Bearer")],
            "Send the metrics token: Authorization: Bearer <metrics.token>\n",
        )
            .into_response();
    }
    (
        [(
            http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        ops_metrics::render(&state.db).await,
    )
        .into_response()
}
