//! The API keys page's server functions: the user's keys, create (the new key travels to the
//! one page render that shows it in a short-lived cookie only `/api-keys` receives, never in
//! a URL) and revoke.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::Postcard;
use uuid::Uuid;

use crate::error::AppError;

/// A key as the page lists it, its dates written in the user's zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyRow {
    pub id: Uuid,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<String>,
    pub active: bool,
    pub created: String,
    /// "Never" when it was never used.
    pub last_used: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKeysData {
    pub keys: Vec<KeyRow>,
    /// Whether the plan includes API access (Free does not).
    pub api_access: bool,
    pub plan_name: String,
    /// Admins may also make provisioning keys.
    pub can_provision: bool,
    /// The key created by the form just sent, shown this once.
    pub new_key: Option<NewKey>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewKey {
    pub name: String,
    pub key: String,
}

/// The cookie carrying a new key to the page, and the only path that receives it.
#[cfg(feature = "ssr")]
const NEW_KEY_COOKIE: &str = "pp_new_key";
#[cfg(feature = "ssr")]
const PAGE: &str = "/api-keys";

#[server(prefix = "/fn", endpoint = "api-keys/list", output = Postcard)]
pub async fn list_api_keys() -> Result<ApiKeysData, AppError> {
    super::with_status(
        async move {
            use crate::model::Role;
            use crate::server::auth::cookies::{clear_flash_cookie, read_cookie};
            use crate::server::services::{api_keys, local_time, paging::PageRequest};
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            let zone = local_time::user_zone(&owner);
            let page =
                PageRequest::new(Some(1), Some(crate::server::services::paging::MAX_PER_PAGE))?;
            let keys = api_keys::list(&state.db, &owner, page)
                .await?
                .items
                .into_iter()
                .map(|key| KeyRow {
                    id: key.id,
                    name: key.name,
                    prefix: key.prefix,
                    scopes: key.scopes,
                    active: key.is_active,
                    created: local_time::format_date(zone, key.created_at),
                    last_used: key
                        .last_used_at
                        .map(|at| local_time::format_datetime(zone, at))
                        .unwrap_or_else(|| "Never".into()),
                })
                .collect();
            // The new key is read once: the answer clears the cookie that carried it.
            let new_key = use_context::<http::request::Parts>()
                .and_then(|parts| read_cookie(&parts.headers, NEW_KEY_COOKIE))
                .and_then(|value| {
                    let (name, key) = value.split_once('.')?;
                    let name = String::from_utf8(hex::decode(name).ok()?).ok()?;
                    key.starts_with(api_keys::KEY_PREFIX).then(|| NewKey {
                        name,
                        key: key.to_string(),
                    })
                });
            if new_key.is_some() {
                super::append_cookie(clear_flash_cookie(
                    NEW_KEY_COOKIE,
                    PAGE,
                    state.settings.secure_cookies(),
                ));
            }
            let limits = owner.plan.limits();
            Ok(ApiKeysData {
                keys,
                api_access: limits.api_access,
                plan_name: limits.name.to_string(),
                can_provision: owner.role == Role::Admin,
                new_key,
            })
        }
        .await,
    )
}

/// Creates a key with the scopes ticked (at least one: the form ticks read and write).
#[server(prefix = "/fn", endpoint = "api-keys/create", output = Postcard)]
pub async fn create_api_key(name: String, scopes: Option<Vec<String>>) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::auth::cookies::set_flash_cookie;
            use crate::server::services::api_keys;
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            // A form with every box unticked sends no scope at all: that is a choice of none.
            let scopes = Some(scopes.unwrap_or_default());
            let created = api_keys::create(&state.db, &owner, &name, scopes).await?;
            // Cookie values cannot hold every character a name may: the name goes hex-encoded.
            let value = format!("{}.{}", hex::encode(created.name.as_bytes()), created.key);
            super::append_cookie(set_flash_cookie(
                NEW_KEY_COOKIE,
                &value,
                PAGE,
                state.settings.secure_cookies(),
            ));
            leptos_axum::redirect("/api-keys?notice=created");
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/fn", endpoint = "api-keys/revoke", output = Postcard)]
pub async fn revoke_api_key(id: Uuid) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::services::api_keys;
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            api_keys::revoke(&state.db, &owner, id).await?;
            leptos_axum::redirect("/api-keys?notice=revoked");
            Ok(())
        }
        .await,
    )
}
