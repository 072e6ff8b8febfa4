//! The REST API v1 (`/api/v1`): thin axum handlers over `app::server::services`, exactly as
//! `../shared/api-contract.md` describes it.

pub mod accounts;
pub mod admin;
pub mod analytics;
pub mod api_keys;
pub mod auth;
pub mod billing;
pub mod extract;
pub mod health;
pub mod posts;
pub mod queue;
pub mod templates;
pub mod webhooks;

use app::error::AppError;
use app::server::AppState;
use axum::routing::{delete, get, patch, post};
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health::health))
        .route("/auth/register", post(auth::register))
        .route("/auth/login", post(auth::login))
        .route("/auth/refresh", post(auth::refresh))
        .route("/auth/me", get(auth::me))
        .route("/auth/forgot-password", post(auth::forgot_password))
        .route("/auth/reset-password", post(auth::reset_password))
        .route("/auth/provision", post(auth::provision))
        .route("/accounts", post(accounts::connect).get(accounts::list))
        .route(
            "/accounts/{id}",
            get(accounts::get).delete(accounts::disconnect),
        )
        .route("/posts", post(posts::create).get(posts::list))
        .route("/posts/calendar", get(posts::calendar))
        .route(
            "/posts/{id}",
            get(posts::get).patch(posts::update).delete(posts::delete),
        )
        .route("/posts/{id}/schedule", post(posts::schedule))
        .route("/posts/{id}/retry", post(posts::retry))
        .route("/queue", post(queue::create).get(queue::list))
        .route("/queue/generate-caption", post(queue::generate_caption))
        .route("/queue/import", post(queue::import))
        .route("/queue/{id}", get(queue::get).delete(queue::delete))
        .route("/queue/{id}/generate", post(queue::generate))
        .route("/queue/{id}/approve", post(queue::approve))
        .route("/queue/{id}/reject", post(queue::reject))
        .route("/templates", post(templates::create).get(templates::list))
        .route(
            "/templates/{id}",
            get(templates::get)
                .patch(templates::update)
                .delete(templates::delete),
        )
        .route("/templates/{id}/render", post(templates::render))
        .route("/analytics/overview", get(analytics::overview))
        .route("/analytics/posts", get(analytics::posts))
        .route("/analytics/posts/{post_id}", get(analytics::post))
        .route("/admin/logs", get(admin::logs))
        .route("/admin/users", get(admin::users))
        .route("/admin/users/{id}", patch(admin::update_user))
        .route("/billing/plans", get(billing::plans))
        .route("/billing/checkout", post(billing::checkout))
        .route("/billing/portal", post(billing::portal))
        .route("/billing/current", get(billing::current))
        .route("/billing/overview", get(billing::overview))
        .route("/billing/cancel", post(billing::cancel))
        .route("/usage", get(billing::usage))
        .route("/webhooks/stripe", post(webhooks::stripe))
        .route("/webhooks/platform-events", post(webhooks::platform_events))
        .route("/api-keys", post(api_keys::create).get(api_keys::list))
        .route("/api-keys/{id}", delete(api_keys::revoke))
        .fallback(|| async { AppError::NotFound("No such API endpoint".into()) })
}
