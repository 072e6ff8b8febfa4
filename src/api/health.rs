//! `GET /health` and `GET /api/v1/health`: 200 when the database answers, 503 otherwise.
//! `GET /ready` (operators' load balancers, not part of the REST API): 200 only while the
//! database answers and carries exactly this build's schema.

use app::server::db::{self, SchemaState};
use app::server::AppState;
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
    /// PostPilot migrated the database: this instance is the old one of an upgrade) or
    /// `unknown` (the database did not answer).
    schema: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

/// `GET /ready`. The port opens only once startup has migrated the database, so while it
/// migrates a load balancer's probe is refused; after that this says 503 whenever the
/// database stops answering or its schema stops being this build's (another instance
/// upgraded it).
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<ReadyReport>) {
    let (schema, reason) = match db::schema_state::<Migrator>(&state.db).await {
        Ok(SchemaState::Current) => ("current", None),
        Ok(SchemaState::Behind(missing)) => (
            "behind",
            Some(format!(
                "{missing} migrations of this version are not applied"
            )),
        ),
        Ok(SchemaState::Newer(unknown)) => ("newer", Some(SchemaState::newer_message(&unknown))),
        Err(err) => {
            tracing::warn!(error = %err, "readiness: the database did not answer");
            ("unknown", Some("the database does not answer".to_string()))
        }
    };
    let ready = reason.is_none();
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
