//! The accounts page's server functions: the user's accounts with their health and the plan's
//! account limit, and connect, disconnect and reconnect. Each action is a plain form post that
//! comes back to `/accounts` with a notice (or, failing, with its error for the form).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::Postcard;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::{AccountHealth, Platform};

/// An account as the page lists it, its dates written in the user's zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountRow {
    pub id: Uuid,
    pub platform: Platform,
    pub name: String,
    /// "Nov 24, 2026", or empty when it was never connected.
    pub connected_since: String,
    pub health: AccountHealth,
    /// What the health badge needs said (the reason, when access ends), or empty.
    pub detail: String,
    /// Why "Reconnect" cannot fix it here (`accounts::reconnect_blocker`), or empty.
    pub reconnect_blocked: String,
    /// It is reconnected by signing in with its platform again (`/oauth/{platform}/start`).
    pub oauth_reconnect: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountsData {
    pub accounts: Vec<AccountRow>,
    pub connected: u64,
    /// The plan's connected-account limit (negative: unlimited).
    pub limit: i64,
    pub plan_name: String,
    /// What the page says when the limit is reached.
    pub limit_message: String,
    /// The platforms whose own sign-in is set up (the others connect sandbox accounts).
    pub live: Vec<Platform>,
    /// Why a sign-in with a platform did not connect (the OAuth callback's flash cookie,
    /// shown once).
    pub oauth_error: Option<String>,
}

impl AccountsData {
    /// Whether the plan leaves room for one more connected account.
    pub fn has_room(&self) -> bool {
        crate::plans::within_limit(self.connected as i64, self.limit)
    }
}

#[server(prefix = "/fn", endpoint = "accounts/list", output = Postcard)]
pub async fn list_accounts() -> Result<AccountsData, AppError> {
    super::with_status(
        async move {
            use crate::server::services::{accounts, local_time, oauth};
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            let zone = local_time::user_zone(&owner);
            let live: Vec<Platform> = oauth::live_platforms(&state.settings.platforms)
                .into_iter()
                .filter_map(|(platform, live)| live.then_some(platform))
                .collect();
            let rows: Vec<AccountRow> = accounts::with_health(&state.db, &owner)
                .await?
                .into_iter()
                .map(|(account, health)| {
                    let blocked = accounts::reconnect_blocker(&account);
                    // The platform's sign-in is set up: signing in again reconnects it.
                    let oauth_reconnect = blocked.is_some() && live.contains(&account.platform);
                    AccountRow {
                        id: account.id,
                        platform: account.platform,
                        name: account.account_name.clone(),
                        connected_since: account
                            .connected_at
                            .filter(|_| account.is_connected)
                            .map(|at| local_time::format_date(zone, at))
                            .unwrap_or_default(),
                        detail: health_detail(zone, &health),
                        reconnect_blocked: blocked.filter(|_| !oauth_reconnect).unwrap_or_default(),
                        oauth_reconnect,
                        health,
                    }
                })
                .collect();
            let limits = owner.plan.limits();
            Ok(AccountsData {
                connected: rows
                    .iter()
                    .filter(|row| row.health != AccountHealth::Disconnected)
                    .count() as u64,
                accounts: rows,
                limit: limits.max_secondary,
                plan_name: limits.name.to_string(),
                limit_message: accounts::limit_reached(owner.plan),
                live,
                oauth_error: oauth_failure(state.settings.secure_cookies()),
            })
        }
        .await,
    )
}

/// Why the last sign-in with a platform did not connect, read once: the answer clears the
/// cookie the sign-in's callback left (`src/oauth.rs`).
#[cfg(feature = "ssr")]
fn oauth_failure(secure: bool) -> Option<String> {
    use crate::server::auth::cookies::take_oauth_error;
    let parts = use_context::<http::request::Parts>()?;
    let (reason, clear) = take_oauth_error(&parts.headers, secure)?;
    super::append_cookie(clear);
    Some(reason)
}

/// What an account's health needs said beside its badge, in the user's zone.
#[cfg(feature = "ssr")]
pub(crate) fn health_detail(zone: chrono_tz::Tz, health: &AccountHealth) -> String {
    use crate::server::services::local_time;
    match health {
        AccountHealth::NeedsReconnect { reason } => reason.clone(),
        AccountHealth::ExpiringSoon { at } if *at <= chrono::Utc::now() => format!(
            "The platform's access ended {}; PostPilot keeps trying to renew it.",
            local_time::format_datetime(zone, *at)
        ),
        AccountHealth::ExpiringSoon { at } => format!(
            "The platform's access ends {} unless it is renewed before.",
            local_time::format_datetime(zone, *at)
        ),
        _ => String::new(),
    }
}

/// Connects a sandbox account (the platforms' own sign-in arrives with the integrations).
#[server(prefix = "/fn", endpoint = "accounts/connect", output = Postcard)]
pub async fn connect_account(platform: String, account_name: String) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::services::accounts::{self, ConnectRequest};
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            let platform = Platform::parse(&platform)
                .ok_or_else(|| AppError::validation("platform", "Choose a platform"))?;
            accounts::connect(
                &state.db,
                &owner,
                ConnectRequest {
                    platform,
                    account_name,
                    account_id_external: None,
                },
            )
            .await?;
            leptos_axum::redirect("/accounts?notice=connected");
            Ok(())
        }
        .await,
    )
}

/// Disconnects an account (revoking its platform token where the platform allows it); its
/// posts and analytics stay.
#[server(prefix = "/fn", endpoint = "accounts/disconnect", output = Postcard)]
pub async fn disconnect_account(id: Uuid) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::services::oauth;
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            oauth::disconnect(&state.db, &state.vault, &state.oauth, &owner, id).await?;
            leptos_axum::redirect("/accounts?notice=disconnected");
            Ok(())
        }
        .await,
    )
}

/// Reconnects an account that was disconnected or needs reconnection. `back` is the page to
/// return to (the home page offers it too).
#[server(prefix = "/fn", endpoint = "accounts/reconnect", output = Postcard)]
pub async fn reconnect_account(id: Uuid, back: Option<String>) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::services::accounts;
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            accounts::reconnect(&state.db, &owner, id).await?;
            let back = match back.as_deref() {
                Some("/dashboard") => "/dashboard",
                _ => "/accounts",
            };
            leptos_axum::redirect(&format!("{back}?notice=reconnected"));
            Ok(())
        }
        .await,
    )
}

/// An account a platform's sign-in found, as the choice page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChoiceRow {
    /// What the form sends back when it is chosen.
    pub key: String,
    pub platform: Platform,
    pub name: String,
    /// The Facebook Page an Instagram account is linked to.
    pub linked_page: Option<String>,
    /// "Already connected", "Reconnects your existing account", or empty.
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChoiceData {
    pub choices: Vec<ChoiceRow>,
    pub connected: u64,
    pub limit: i64,
    pub plan_name: String,
}

/// The accounts found by the owner's sign-in `attempt`, to choose from.
#[server(prefix = "/fn", endpoint = "accounts/oauth-choices", output = Postcard)]
pub async fn oauth_choices(attempt: Uuid) -> Result<ChoiceData, AppError> {
    super::with_status(
        async move {
            use crate::server::services::{accounts, oauth};
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            let choices = oauth::choices(&state.db, &state.vault, &owner, attempt)
                .await?
                .into_iter()
                .map(|c| ChoiceRow {
                    note: match (c.known, c.connected) {
                        (_, true) => "Already connected: choosing it renews its access.".into(),
                        (true, false) => "Reconnects your disconnected account; its posts and analytics are kept.".into(),
                        _ => String::new(),
                    },
                    key: c.key,
                    platform: c.platform,
                    name: c.name,
                    linked_page: c.linked_page,
                })
                .collect();
            let limits = owner.plan.limits();
            Ok(ChoiceData {
                choices,
                connected: accounts::connected_count(&state.db, owner.id).await?,
                limit: limits.max_secondary,
                plan_name: limits.name.to_string(),
            })
        }
        .await,
    )
}

/// Connects the accounts chosen on the choice page (all of them, or none when the plan's
/// limit cannot take them all).
#[server(prefix = "/fn", endpoint = "accounts/oauth-connect", output = Postcard)]
pub async fn connect_chosen(attempt: Uuid, chosen: Option<Vec<String>>) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::services::oauth;
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            let chosen = chosen.unwrap_or_default();
            oauth::choose(&state.db, &state.vault, &owner, attempt, &chosen).await?;
            leptos_axum::redirect("/accounts?notice=oauth-connected");
            Ok(())
        }
        .await,
    )
}
