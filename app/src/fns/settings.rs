//! The settings page's server functions: the profile, the time zone, the password, signing
//! out everywhere and deleting the account. The data export is a download
//! (`GET /settings/export.json`, in the server binary's `downloads`).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::Postcard;

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountSettings {
    pub email: String,
    pub timezone: String,
    /// The current time in that zone ("Nov 25, 2026, 9:41 AM"), so the choice can be checked.
    pub local_now: String,
    /// Every IANA zone name the server knows, for the searchable list.
    pub zones: Vec<String>,
    pub plan_name: String,
    pub member_since: String,
    /// What this server connects to for real, and what it simulates (Settings → Integrations).
    pub integrations: Vec<Integration>,
}

/// One outside service and whether this server uses it for real.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Integration {
    pub name: String,
    pub live: bool,
    /// What that means for the user, in a sentence.
    pub detail: String,
}

#[server(prefix = "/fn", endpoint = "settings/data", output = Postcard)]
pub async fn settings_data() -> Result<AccountSettings, AppError> {
    super::with_status(
        async move {
            use crate::server::auth::session::require_user;
            use crate::server::services::local_time;
            let owner = require_user()?;
            let zone = local_time::user_zone(&owner);
            Ok(AccountSettings {
                email: owner.email.clone(),
                timezone: zone.name().to_string(),
                local_now: local_time::format_datetime(zone, chrono::Utc::now()),
                zones: chrono_tz::TZ_VARIANTS
                    .iter()
                    .map(|tz| tz.name().to_string())
                    .collect(),
                plan_name: owner.plan.limits().name.to_string(),
                member_since: local_time::format_date(zone, owner.created_at),
                integrations: integrations(&crate::server::state::app_state()?.settings),
            })
        }
        .await,
    )
}

/// Each integration as its owner decides it is live: billing's Stripe key, the caption
/// writer's provider, each platform's sign-in credentials.
#[cfg(feature = "ssr")]
fn integrations(settings: &crate::server::config::Settings) -> Vec<Integration> {
    use crate::server::oauth;
    let mut all = vec![Integration {
        name: "Payments (Stripe)".into(),
        live: settings.billing.stripe_live(),
        detail: if settings.billing.stripe_live() {
            "Upgrades go through Stripe Checkout; invoices and payment details live in Stripe's billing portal.".into()
        } else {
            "Not set up: upgrading switches plans at once, free of charge (a built-in test checkout).".into()
        },
    }];
    let captions = &settings.captions;
    all.push(Integration {
        name: "AI captions".into(),
        live: captions.uses_ai(),
        detail: match captions.provider.as_str() {
            "anthropic" => format!("Written by Anthropic's {}; the built-in writer steps in if it does not answer.", captions.model),
            "openai" => format!("Written by {} (an OpenAI-compatible service); the built-in writer steps in if it does not answer.", captions.model),
            _ => "Written by PostPilot's built-in writer from your product data (no AI service is set up).".into(),
        },
    });
    for (platform, live) in oauth::live_platforms(&settings.platforms) {
        all.push(Integration {
            name: platform.label().to_string(),
            live,
            detail: if live {
                format!("Connect with {}'s own sign-in; posts are published to {}.", platform.label(), platform.label())
            } else {
                format!("Sandbox: {} sign-in is not set up, so connected accounts are simulated and nothing reaches {}.", platform.label(), platform.label())
            },
        });
    }
    all
}

#[server(prefix = "/fn", endpoint = "settings/email", output = Postcard)]
pub async fn change_email(email: String, current_password: String) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::services::account;
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            account::change_email(&state.db, &owner, &email, &current_password).await?;
            leptos_axum::redirect("/settings?notice=email");
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/fn", endpoint = "settings/timezone", output = Postcard)]
pub async fn change_timezone(timezone: String) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::services::users;
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            users::set_timezone(&state.db, owner, &timezone).await?;
            leptos_axum::redirect("/settings?notice=timezone");
            Ok(())
        }
        .await,
    )
}

/// Changes the password and signs out every other session; this browser gets new cookies.
#[server(prefix = "/fn", endpoint = "settings/password", output = Postcard)]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::services::account;
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            let pair = account::change_password(
                &state.db,
                &state.tokens,
                &owner,
                &current_password,
                &new_password,
            )
            .await?;
            super::auth::session::sign_in(&state, &pair);
            leptos_axum::redirect("/settings?notice=password");
            Ok(())
        }
        .await,
    )
}

/// Signs out every session, this one too.
#[server(prefix = "/fn", endpoint = "settings/sign-out-everywhere", output = Postcard)]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::services::account;
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            account::sign_out_everywhere(&state.db, &owner).await?;
            super::auth::session::sign_out(&state);
            leptos_axum::redirect("/login?signed_out=everywhere");
            Ok(())
        }
        .await,
    )
}

/// Deletes the account once its email is typed to confirm; the browser is signed out.
#[server(prefix = "/fn", endpoint = "settings/delete-account", output = Postcard)]
pub async fn delete_account(confirm_email: String) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::services::{account, media};
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            account::delete(&state.db, &owner, &confirm_email).await?;
            // The account is gone either way; files left behind are logged (their addresses
            // hold a content hash, so nobody finds them).
            if let Err(err) = media::delete_account_files(&state.media, owner.id).await {
                tracing::warn!(error = %err, "could not delete a deleted account's media");
            }
            super::auth::session::sign_out(&state);
            leptos_axum::redirect("/login?deleted=1");
            Ok(())
        }
        .await,
    )
}
