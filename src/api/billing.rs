//! `/api/v1/billing` and `/api/v1/usage`.

use app::error::AppError;
use app::model::{BillingOverview, CheckoutSession, PlanTier, SubscriptionView, Usage};
use app::plans::PlanLimits;
use app::server::services::{billing, usage};
use app::server::AppState;
use axum::extract::State;
use axum::Json;
use http::StatusCode;
use serde::{Deserialize, Serialize};

use super::extract::{ApiJson, Caller};
use utoipa::ToSchema;

#[utoipa::path(get, operation_id = "billing_plans", path = "/billing/plans", tag = "billing", security(()), responses((status = 200, description = "OK", body = Vec<PlanLimits>)))]
pub async fn plans() -> Json<Vec<PlanLimits>> {
    Json(app::plans::all_plans())
}

#[derive(Deserialize, ToSchema)]
pub struct CheckoutBody {
    plan: PlanTier,
}

#[utoipa::path(post, operation_id = "billing_checkout", path = "/billing/checkout", tag = "billing", request_body = CheckoutBody, responses((status = 201, description = "Checkout started", body = CheckoutSession)))]
pub async fn checkout(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CheckoutBody>,
) -> Result<(StatusCode, Json<CheckoutSession>), AppError> {
    let session = billing::checkout(&state.db, &caller.user, body.plan, state.billing()).await?;
    Ok((StatusCode::CREATED, Json(session)))
}

/// Where the customer manages their subscription.
#[derive(Serialize, ToSchema)]
pub struct PortalLink {
    portal_url: String,
}

#[utoipa::path(post, operation_id = "billing_portal", path = "/billing/portal", tag = "billing", responses((status = 200, description = "OK", body = PortalLink)))]
pub async fn portal(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<PortalLink>, AppError> {
    Ok(Json(PortalLink {
        portal_url: billing::portal(&caller.user, state.billing()).await?,
    }))
}

#[utoipa::path(get, operation_id = "billing_current", path = "/billing/current", tag = "billing", responses((status = 200, description = "The subscription, or null", body = Option<SubscriptionView>)))]
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

#[utoipa::path(get, operation_id = "billing_overview", path = "/billing/overview", tag = "billing", responses((status = 200, description = "OK", body = BillingOverview)))]
pub async fn overview(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<BillingOverview>, AppError> {
    Ok(Json(billing::overview(&state.db, &caller.user).await?))
}

#[utoipa::path(post, operation_id = "billing_cancel", path = "/billing/cancel", tag = "billing", responses((status = 200, description = "Cancels at period end", body = SubscriptionView)))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<SubscriptionView>, AppError> {
    Ok(Json(
        billing::cancel(&state.db, &caller.user, state.billing()).await?,
    ))
}

#[utoipa::path(get, operation_id = "billing_usage", path = "/usage", tag = "billing", responses((status = 200, description = "OK", body = Usage)))]
pub async fn usage(State(state): State<AppState>, caller: Caller) -> Result<Json<Usage>, AppError> {
    Ok(Json(usage::usage(&state.db, &caller.user).await?))
}
