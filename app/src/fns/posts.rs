//! The composer's and the posts page's server functions: they read the signed-in user, parse
//! the form, call the post services and shape the answer for the page. Times are read and
//! written in the user's zone here, on the server, so the browser never formats one.

// `save_post` takes one argument per form field (the form posts them by name, also without
// JavaScript); the server macro copies the list into the browser's stub too.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::Postcard;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::{
    BestTime, BulkOutcome, ImportPreview, Page, Platform, PostStatus, PostView, TemplateView,
};

/// A connected account the user can post to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountChoice {
    pub id: Uuid,
    pub platform: Platform,
    pub name: String,
}

/// A post opened for editing, its time as the `datetime-local` input shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditablePost {
    pub id: Uuid,
    pub account_id: Uuid,
    pub status: PostStatus,
    pub content: String,
    pub hashtags: Vec<String>,
    pub media_urls: Vec<String>,
    pub local_time: String,
}

/// Everything the composer needs to render.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComposeContext {
    /// The user's IANA zone, in which every time of the page is written.
    pub zone: String,
    pub accounts: Vec<AccountChoice>,
    pub templates: Vec<TemplateView>,
    pub best_times: Vec<BestTime>,
    pub post: Option<EditablePost>,
    /// The time the form starts with (the edited post's, or the calendar slot's).
    pub initial_time: String,
    /// A new post's caption and hashtags from a template ("Use" on the templates page),
    /// filled in with a queue item's product when one was chosen.
    pub prefill: Option<(String, Vec<String>)>,
}

/// The composer's data; `post_id` opens a post for editing, `at` (`datetime-local`) or
/// `date` (`YYYY-MM-DD`, 9:00 that day) pre-fills the time from the calendar.
#[server(prefix = "/fn", endpoint = "posts/compose-data", output = Postcard)]
pub async fn compose_data(
    post_id: Option<Uuid>,
    at: Option<String>,
    date: Option<String>,
    tz: Option<String>,
    template: Option<Uuid>,
    product: Option<Uuid>,
) -> Result<ComposeContext, AppError> {
    super::with_status(
        async move {
            use crate::server::services::{local_time, paging::PageRequest, posts, templates};
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            let zone = local_time::user_zone(&owner);
            let accounts = connected_accounts(&state.db, &owner).await?;
            let templates =
                templates::list(&state.db, &owner, PageRequest::new(Some(1), Some(100))?)
                    .await?
                    .items;
            let best_times = state
                .post_reads
                .best_times(&state.db, &owner, zone, chrono::Utc::now())
                .await?;
            let post = match post_id {
                Some(id) => {
                    let post = posts::find(&state.db, &owner, id).await?;
                    Some(EditablePost {
                        id: post.id,
                        account_id: post.account_id,
                        status: post.status,
                        content: post.content.clone(),
                        hashtags: post.hashtags.0.clone(),
                        media_urls: post.media_urls.0.clone(),
                        local_time: post
                            .scheduled_for
                            .map(|at| local_time::input_value(zone, at))
                            .unwrap_or_default(),
                    })
                }
                None => None,
            };
            let initial_time = match (&post, at, date) {
                (Some(post), _, _) => post.local_time.clone(),
                (None, Some(at), _) => local_time::parse_local(&at, "at")
                    .ok()
                    .map(|t| in_user_zone(t, tz.as_deref(), zone))
                    .unwrap_or_default(),
                (None, None, Some(date)) => local_time::parse_date(&date, "date")
                    .ok()
                    .and_then(|d| d.and_hms_opt(9, 0, 0))
                    .map(|t| in_user_zone(t, tz.as_deref(), zone))
                    .unwrap_or_default(),
                (None, None, None) => String::new(),
            };
            let prefill = match (&post, template) {
                (None, Some(id)) => {
                    let rendered = match product {
                        Some(item) => {
                            let item =
                                crate::server::services::queue::find(&state.db, &owner, item)
                                    .await?;
                            templates::render(&state.db, &owner, id, &item.product_data).await?
                        }
                        None => {
                            let raw = templates::find(&state.db, &owner, id).await?;
                            crate::model::RenderedTemplate {
                                content: raw.content.clone(),
                                hashtags: raw.hashtags.0.clone(),
                            }
                        }
                    };
                    Some((rendered.content, rendered.hashtags))
                }
                _ => None,
            };
            Ok(ComposeContext {
                zone: zone.name().to_string(),
                accounts,
                templates,
                best_times,
                post,
                initial_time,
                prefill,
            })
        }
        .await,
    )
}

/// A wall-clock time picked on a calendar drawn in `shown` (another zone than the user's),
/// as the composer's field shows it: in the user's zone.
#[cfg(feature = "ssr")]
fn in_user_zone(local: chrono::NaiveDateTime, shown: Option<&str>, zone: chrono_tz::Tz) -> String {
    use crate::server::services::local_time;
    let shown = shown
        .filter(|name| !name.is_empty())
        .and_then(|name| name.parse::<chrono_tz::Tz>().ok())
        .unwrap_or(zone);
    if shown == zone {
        return local.format("%Y-%m-%dT%H:%M").to_string();
    }
    match local_time::to_utc(shown, local, Some(local_time::Occurrence::Earlier), "at") {
        Ok(at) => local_time::input_value(zone, at),
        Err(_) => String::new(),
    }
}

#[cfg(feature = "ssr")]
pub(crate) async fn connected_accounts(
    db: &sea_orm::DatabaseConnection,
    owner: &crate::server::entities::user::Model,
) -> Result<Vec<AccountChoice>, AppError> {
    use crate::server::services::{accounts, paging::PageRequest};
    Ok(
        accounts::list(db, owner, PageRequest::new(Some(1), Some(100))?)
            .await?
            .items
            .into_iter()
            .filter(|a| a.is_connected)
            .map(|a| AccountChoice {
                id: a.id,
                platform: a.platform,
                name: a.account_name,
            })
            .collect(),
    )
}

/// What a wall-clock time in the user's zone is in UTC ("= 2026-11-24 20:30 UTC"), or why it
/// does not exist or is ambiguous (daylight saving).
#[server(prefix = "/fn", endpoint = "posts/check-time", output = Postcard)]
pub async fn check_time(local: String, occurrence: Option<String>) -> Result<String, AppError> {
    super::with_status(
        async move {
            use crate::server::auth::session::require_user;
            use crate::server::services::local_time;
            let owner = require_user()?;
            let zone = local_time::user_zone(&owner);
            let parsed = local_time::parse_local(&local, "scheduled_for")?;
            let occurrence = occurrence
                .as_deref()
                .and_then(local_time::Occurrence::parse);
            let at = local_time::to_utc(zone, parsed, occurrence, "scheduled_for")?;
            Ok(format!("= {}", local_time::format_utc(at)))
        }
        .await,
    )
}

/// Splits what people type into a hashtag field: spaces, commas or new lines between tags.
pub fn split_tags(raw: &str) -> Vec<String> {
    raw.split(|c: char| c.is_whitespace() || c == ',')
        .map(|t| t.trim().trim_start_matches('#'))
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// Splits the media field: one URL per line (or separated by spaces).
pub fn split_media(raw: &str) -> Vec<String> {
    raw.split_whitespace().map(str::to_string).collect()
}

/// Saves the composer: a draft, a scheduled post or one published now, one post per chosen
/// account (all or none). Editing (`post_id`) changes that one post. On success the browser
/// goes to the posts page with a notice, also without JavaScript.
#[server(prefix = "/fn", endpoint = "posts/save", output = Postcard)]
pub async fn save_post(
    post_id: Option<String>,
    account_ids: Option<Vec<String>>,
    content: String,
    hashtags: String,
    media_urls: String,
    scheduled_for: String,
    occurrence: Option<String>,
    intent: String,
) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::services::{local_time, posts};
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            let zone = local_time::user_zone(&owner);
            let account_ids = super::parse_ids(account_ids, "account_ids", "Unknown account")?;
            let when = match intent.as_str() {
                "draft" => None,
                "now" => Some(chrono::Utc::now() + chrono::Duration::seconds(2)),
                "schedule" => {
                    if scheduled_for.trim().is_empty() {
                        return Err(AppError::validation(
                            "scheduled_for",
                            "Pick a date and time to schedule the post",
                        ));
                    }
                    let local = local_time::parse_local(&scheduled_for, "scheduled_for")?;
                    let occurrence = occurrence
                        .as_deref()
                        .and_then(local_time::Occurrence::parse);
                    Some(local_time::to_utc(
                        zone,
                        local,
                        occurrence,
                        "scheduled_for",
                    )?)
                }
                _ => return Err(AppError::validation("intent", "Unknown action")),
            };
            let hashtags = split_tags(&hashtags);
            let media_urls = split_media(&media_urls);
            let post_id = post_id.filter(|id| !id.is_empty());
            let (notice, count) = if let Some(id) = post_id {
                let id = Uuid::parse_str(&id).map_err(|_| AppError::not_found("Post"))?;
                // The form shows minutes: the same minute as stored leaves the time alone
                // (its seconds, its audit trail), so editing the text never moves a post.
                let current = posts::find(&state.db, &owner, id).await?;
                let same_minute = match (when, current.scheduled_for) {
                    (Some(new), Some(old)) => {
                        local_time::input_value(zone, new) == local_time::input_value(zone, old)
                    }
                    _ => false,
                };
                let patch = posts::PostPatch {
                    content: Some(content),
                    media_urls: Some(media_urls),
                    hashtags: Some(hashtags),
                    scheduled_for: (!same_minute).then_some(when),
                    account_id: account_ids.first().copied(),
                };
                posts::update(&state.db, &owner, id, patch).await?;
                ("updated", 1)
            } else {
                let new_posts = account_ids
                    .iter()
                    .map(|account_id| posts::NewPost {
                        account_id: *account_id,
                        content: content.clone(),
                        media_urls: media_urls.clone(),
                        hashtags: hashtags.clone(),
                        scheduled_for: when,
                        queue_item_id: None,
                    })
                    .collect();
                let created = posts::create_many(&state.db, &owner, new_posts).await?;
                (
                    match intent.as_str() {
                        "draft" => "drafted",
                        "now" => "publishing",
                        _ => "scheduled",
                    },
                    created.len(),
                )
            };
            leptos_axum::redirect(&format!("/posts?notice={notice}&count={count}"));
            Ok(())
        }
        .await,
    )
}

/// A row of the posts table: the post, its account's name and its time in the user's zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostRow {
    pub post: PostView,
    pub account_name: String,
    /// "Tue, Nov 24, 2026, 3:30 PM" (scheduled or published time), or empty for a draft.
    pub when: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostsPage {
    pub zone: String,
    pub rows: Page<PostRow>,
    pub accounts: Vec<AccountChoice>,
}

/// The posts page's filters, as its URL carries them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostQuery {
    pub status: Option<String>,
    pub platform: Option<String>,
    pub account: Option<String>,
    pub q: Option<String>,
    pub sort: Option<String>,
    pub page: Option<u64>,
}

#[server(prefix = "/fn", endpoint = "posts/list", output = Postcard)]
pub async fn list_posts(query: PostQuery) -> Result<PostsPage, AppError> {
    super::with_status(
        async move {
            use crate::server::services::{local_time, paging::PageRequest, posts};
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            let zone = local_time::user_zone(&owner);
            let filter = parse_filter(&query)?;
            let page = PageRequest::new(query.page, Some(25))?;
            let accounts = all_accounts(&state.db, &owner).await?;
            let found = posts::list(&state.db, &owner, filter, page).await?;
            let rows = found
                .items
                .into_iter()
                .map(|post| {
                    let account_name = accounts
                        .iter()
                        .find(|a| a.id == post.account_id)
                        .map(|a| a.name.clone())
                        .unwrap_or_default();
                    let when = post
                        .posted_at
                        .or(post.scheduled_for)
                        .map(|at| local_time::format_datetime(zone, at))
                        .unwrap_or_default();
                    PostRow {
                        post,
                        account_name,
                        when,
                    }
                })
                .collect();
            Ok(PostsPage {
                zone: zone.name().to_string(),
                rows: Page {
                    items: rows,
                    total: found.total,
                    page: found.page,
                    per_page: found.per_page,
                },
                accounts,
            })
        }
        .await,
    )
}

/// Every account of the user, connected or not (the posts page names them all).
#[cfg(feature = "ssr")]
async fn all_accounts(
    db: &sea_orm::DatabaseConnection,
    owner: &crate::server::entities::user::Model,
) -> Result<Vec<AccountChoice>, AppError> {
    use crate::server::services::{accounts, paging::PageRequest};
    Ok(
        accounts::list(db, owner, PageRequest::new(Some(1), Some(100))?)
            .await?
            .items
            .into_iter()
            .map(|a| AccountChoice {
                id: a.id,
                platform: a.platform,
                name: a.account_name,
            })
            .collect(),
    )
}

/// The names of the user's accounts, by id.
#[cfg(feature = "ssr")]
pub(crate) async fn account_names(
    db: &sea_orm::DatabaseConnection,
    owner: &crate::server::entities::user::Model,
) -> Result<std::collections::HashMap<Uuid, String>, AppError> {
    Ok(all_accounts(db, owner)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect())
}

/// The service filter a URL names; an unknown value is a field error, not an empty list.
#[cfg(feature = "ssr")]
pub fn parse_filter(
    query: &PostQuery,
) -> Result<crate::server::services::posts::PostFilter, AppError> {
    fn set(value: &Option<String>) -> Option<&str> {
        value.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }
    let status = set(&query.status)
        .map(|s| {
            PostStatus::parse(s)
                .ok_or_else(|| AppError::validation("status", format!("Unknown status {s:?}")))
        })
        .transpose()?;
    let platform = set(&query.platform)
        .map(|p| {
            Platform::parse(p)
                .ok_or_else(|| AppError::validation("platform", format!("Unknown platform {p:?}")))
        })
        .transpose()?;
    let account_id = set(&query.account)
        .map(|a| Uuid::parse_str(a).map_err(|_| AppError::validation("account", "Unknown account")))
        .transpose()?;
    let sort = set(&query.sort)
        .map(|s| {
            crate::model::PostSort::parse(s)
                .ok_or_else(|| AppError::validation("sort", format!("Unknown sort {s:?}")))
        })
        .transpose()?
        .unwrap_or_default();
    Ok(crate::server::services::posts::PostFilter {
        status,
        platform,
        account_id,
        search: set(&query.q).map(str::to_string),
        sort,
    })
}

/// Puts a failed post back in line for publishing now.
#[server(prefix = "/fn", endpoint = "posts/retry", output = Postcard)]
pub async fn retry_post(id: Uuid) -> Result<PostView, AppError> {
    super::with_status(
        async move {
            use crate::server::services::posts;
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            posts::retry(&state.db, &owner, id).await
        }
        .await,
    )
}

/// Deletes one post.
#[server(prefix = "/fn", endpoint = "posts/delete", output = Postcard)]
pub async fn delete_post(id: Uuid) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::services::posts;
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            posts::delete(&state.db, &owner, id).await
        }
        .await,
    )
}

/// A bulk action on the selected posts: `delete`, `draft`, or `shift` by `offset` ("1h",
/// "-1h", "1d", "7d", "-1d": days keep the wall-clock time in the user's zone).
#[server(prefix = "/fn", endpoint = "posts/bulk", output = Postcard)]
pub async fn bulk_posts(
    ids: Vec<Uuid>,
    action: String,
    offset: Option<String>,
) -> Result<BulkOutcome, AppError> {
    super::with_status(
        async move {
            use crate::server::services::posts::{self, Shift};
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            match action.as_str() {
                "delete" => posts::bulk_delete(&state.db, &owner, &ids).await,
                "draft" => posts::bulk_to_draft(&state.db, &owner, &ids).await,
                "shift" => {
                    let offset = offset.unwrap_or_default();
                    let shift = offset
                        .strip_suffix('d')
                        .and_then(|d| d.parse().ok())
                        .map(Shift::days)
                        .or_else(|| {
                            offset
                                .strip_suffix('h')
                                .and_then(|h| h.parse().ok())
                                .map(Shift::hours)
                        })
                        .ok_or_else(|| {
                            AppError::validation("offset", "Choose how far to move the posts")
                        })?;
                    posts::bulk_reschedule(&state.db, &owner, &ids, shift).await
                }
                _ => Err(AppError::validation("action", "Unknown bulk action")),
            }
        }
        .await,
    )
}

/// Checks a CSV file without saving anything.
#[server(prefix = "/fn", endpoint = "posts/import-preview", output = Postcard)]
pub async fn preview_import(csv: String) -> Result<ImportPreview, AppError> {
    super::with_status(
        async move {
            use crate::server::services::{local_time, post_import};
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            post_import::preview(&state.db, &owner, &csv, local_time::user_zone(&owner)).await
        }
        .await,
    )
}

/// Imports every row of a CSV file in one transaction (nothing if any row is bad).
#[server(prefix = "/fn", endpoint = "posts/import", output = Postcard)]
pub async fn import_posts(csv: String) -> Result<u64, AppError> {
    super::with_status(
        async move {
            use crate::server::services::{local_time, post_import};
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            post_import::commit(&state.db, &owner, &csv, local_time::user_zone(&owner)).await
        }
        .await,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_split_on_spaces_commas_and_lose_their_hash() {
        assert_eq!(
            split_tags("#sale, summer\nnew  "),
            ["sale", "summer", "new"]
        );
        assert!(split_tags("  ").is_empty());
    }
}
