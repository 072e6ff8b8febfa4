//! `/api/v1/billing` and `/api/v1/usage`.

use app::error::AppError;
use app::model::{BillingOverview, CheckoutSession, PlanTier, SubscriptionView, Usage};
use app::plans::PlanLimits;
use app::server::services::{billing, usage};
use app::server::AppState;
use axum::extract::State;
use axum::Json;
use http::StatusCode;
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::{ApiJson, Caller};

pub async fn plans() -> Json<Vec<PlanLimits>> {
    Json(billing::plans())
}

#[derive(Deserialize)]
pub struct CheckoutBody {
    plan: PlanTier,
}

pub async fn checkout(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CheckoutBody>,
) -> Result<(StatusCode, Json<CheckoutSession>), AppError> {
    let session = billing::checkout(
        &state.db,
        &caller.user,
        body.plan,
        &state.settings.server.public_url,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(session)))
}

pub async fn portal(State(state): State<AppState>, _caller: Caller) -> Json<Value> {
    Json(json!({ "portal_url": billing::portal_url(&state.settings.server.public_url) }))
}

pub async fn current(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Option<SubscriptionView>>, AppError> {
    Ok(Json(
        billing::current(&state.db, &caller.user)
            .await?
            .map(|s| s.view()),
    ))
}

pub async fn overview(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<BillingOverview>, AppError> {
    Ok(Json(billing::overview(&state.db, &caller.user).await?))
}

pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<SubscriptionView>, AppError> {
    Ok(Json(billing::cancel(&state.db, &caller.user).await?))
}

pub async fn usage(State(state): State<AppState>, caller: Caller) -> Result<Json<Usage>, AppError> {
    Ok(Json(usage::usage(&state.db, &caller.user).await?))
}
