//! `AppState`: what every handler, server function and job shares.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::*;
use sea_orm::DatabaseConnection;

use super::auth::rate_limit::RateLimits;
use super::auth::tokens::TokenKeys;
use super::auth::vault::TokenVault;
use super::captions::CaptionGenerator;
use super::config::Settings;
use super::email::Mailer;
use super::media::MediaStore;
use super::oauth::OAuthClient;
use super::publishing::Platforms;
use super::services::billing::BillingContext;
use super::services::media::MediaContext;
use super::services::post_reads::PostReads;
use super::site_assets::SiteAssets;
use super::stripe::StripeGateway;
use crate::error::AppError;

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub tokens: Arc<TokenKeys>,
    /// Encrypts OAuth tokens at rest.
    pub vault: Arc<TokenVault>,
    /// The platform adapters the engine publishes through.
    pub platforms: Arc<Platforms>,
    /// The platforms' sign-in (OAuth) endpoints: code exchange, discovery, revocation.
    pub oauth: Arc<OAuthClient>,
    pub mailer: Arc<Mailer>,
    /// The Stripe client when Stripe is live; `None` is mock billing.
    pub stripe: Option<Arc<StripeGateway>>,
    pub captions: Arc<dyn CaptionGenerator>,
    /// The post list and calendar answers kept while a user's posts are unchanged.
    pub post_reads: Arc<PostReads>,
    /// Per-address and per-API-key request limits of this instance.
    pub limits: Arc<RateLimits>,
    /// Where media-library files are kept (local disk or an S3-compatible bucket).
    pub media: Arc<MediaStore>,
    /// The marketing pages' stylesheet and hashed files, read from the built site.
    pub site_assets: Arc<SiteAssets>,
    /// Turns true when the server begins to shut down: long-lived answers (the admin's live
    /// log tail) end then, so the graceful shutdown is not kept waiting for them.
    pub stopping: Arc<tokio::sync::watch::Sender<bool>>,
}

impl AppState {
    /// What the media service needs of the state.
    pub fn media(&self) -> MediaContext<'_> {
        MediaContext {
            db: &self.db,
            store: &self.media,
            settings: &self.settings.media,
            work_dir: self.media.work_dir(),
        }
    }

    /// What the billing service needs of the state.
    pub fn billing(&self) -> BillingContext<'_> {
        BillingContext {
            settings: &self.settings.billing,
            stripe: self.stripe.as_deref(),
            public_url: &self.settings.server.public_url,
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The state inside a server function (leptos_axum provides the router's state as context).
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>()
        .ok_or_else(|| AppError::internal("server function", "AppState missing from context"))
}
