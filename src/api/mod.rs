//! The REST API v1 (`/api/v1`): thin axum handlers over `app::server::services`, exactly as
//! `../shared/api-contract.md` describes it.

pub mod accounts;
pub mod admin;
pub mod analytics;
pub mod api_keys;
pub mod auth;
pub mod billing;
pub mod docs;
pub mod extract;
pub mod health;
pub mod media;
pub mod posts;
pub mod queue;
pub mod templates;
pub mod webhooks;

use app::error::AppError;
use app::server::services::post_reads::JsonAnswer;
use app::server::AppState;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use extract::AcceptsGzip;
use http::header;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The API's routes and the OpenAPI document describing exactly them (each handler is
/// registered through `routes!`, which reads its `#[utoipa::path]`), plus `/openapi.json`.
pub fn router() -> Router<AppState> {
    let (router, document) = documented_routes().split_for_parts();
    let document = Arc::new(
        serde_json::to_string_pretty(&docs::complete(document))
            .expect("the OpenAPI document serializes"),
    );
    router
        .route(
            "/openapi.json",
            get(move || {
                let document = document.clone();
                async move {
                    (
                        [(header::CONTENT_TYPE, "application/json")],
                        document.as_str().to_owned(),
                    )
                        .into_response()
                }
            }),
        )
        .fallback(|| async { AppError::NotFound("No such API endpoint".into()) })
}

/// An answer kept by `PostReads`: its gzip copy when the client accepts gzip (the
/// compression layer leaves an encoded body alone), else the JSON.
pub struct KeptJson(pub Arc<JsonAnswer>, pub AcceptsGzip);

impl IntoResponse for KeptJson {
    fn into_response(self) -> axum::response::Response {
        let KeptJson(answer, AcceptsGzip(gzip)) = self;
        let json = (header::CONTENT_TYPE, "application/json");
        let vary = (header::VARY, "accept-encoding");
        if gzip {
            (
                [json, vary, (header::CONTENT_ENCODING, "gzip")],
                answer.gzip(),
            )
                .into_response()
        } else {
            ([json, vary], answer.json()).into_response()
        }
    }
}

/// The OpenAPI document alone, as `/openapi.json` serves it (for tests and tooling).
pub fn openapi() -> serde_json::Value {
    docs::complete(documented_routes().split_for_parts().1)
}

fn documented_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(docs::ApiDoc::openapi())
        .routes(routes!(health::health))
        .routes(routes!(auth::register))
        .routes(routes!(auth::login))
        .routes(routes!(auth::refresh))
        .routes(routes!(auth::me))
        .routes(routes!(auth::forgot_password))
        .routes(routes!(auth::reset_password))
        .routes(routes!(auth::provision))
        .routes(routes!(accounts::connect, accounts::list))
        .routes(routes!(accounts::get, accounts::disconnect))
        .routes(routes!(posts::create, posts::list))
        .routes(routes!(posts::calendar))
        .routes(routes!(posts::get, posts::update, posts::delete))
        .routes(routes!(posts::schedule))
        .routes(routes!(posts::retry))
        .routes(routes!(queue::create, queue::list))
        .routes(routes!(queue::generate_caption))
        .routes(routes!(queue::import))
        .routes(routes!(queue::get, queue::delete))
        .routes(routes!(queue::generate))
        .routes(routes!(queue::approve))
        .routes(routes!(queue::reject))
        .routes(routes!(templates::create, templates::list))
        .routes(routes!(
            templates::get,
            templates::update,
            templates::delete
        ))
        .routes(routes!(templates::render))
        .routes(routes!(analytics::overview))
        .routes(routes!(analytics::posts))
        .routes(routes!(analytics::post))
        .routes(routes!(admin::logs))
        .routes(routes!(admin::users))
        .routes(routes!(admin::update_user))
        .routes(routes!(billing::plans))
        .routes(routes!(billing::checkout))
        .routes(routes!(billing::portal))
        .routes(routes!(billing::current))
        .routes(routes!(billing::overview))
        .routes(routes!(billing::cancel))
        .routes(routes!(billing::usage))
        .routes(routes!(webhooks::stripe))
        .routes(routes!(webhooks::platform_events))
        .routes(routes!(api_keys::create, api_keys::list))
        .routes(routes!(api_keys::revoke))
        .routes(routes!(media::list))
        .routes(routes!(media::get, media::delete))
        .routes(routes!(media::start_upload))
        .routes(routes!(
            media::upload_status,
            media::send_piece,
            media::cancel_upload
        ))
        .routes(routes!(media::complete_upload))
}
