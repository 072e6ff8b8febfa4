//! The content queue page's server functions: the page's data (a status tab, the items, the
//! caption quota, an approval's plan, the next week's posts) and its actions: add a product
//! by hand or from a product page, edit it, write or edit a caption, approve (with accounts
//! and a time), reject, and both in bulk. Actions are forms that come back to the page they
//! were sent from (`back`, a `/queue` URL) with a notice, or with their error.

// One argument per form field (the forms post them by name, also without JavaScript).
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::Postcard;
use uuid::Uuid;

use super::posts::AccountChoice;
use crate::error::AppError;
use crate::model::{BestTime, Page, Platform, QueueStatus};

/// The page's URL: the tab and page, and an approval being planned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueQuery {
    pub status: Option<String>,
    pub page: Option<u64>,
    /// The item whose approval is planned, with the chosen accounts and time.
    pub plan: Option<String>,
    pub accounts: Vec<String>,
    pub at: Option<String>,
    pub best: Option<String>,
    /// A product just imported: its fields are shown open for review.
    pub imported: Option<String>,
}

/// A queue item as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueRow {
    pub id: Uuid,
    pub status: QueueStatus,
    pub title: String,
    pub description: String,
    /// As written (the edit form's value), and as shown ("$59.00").
    pub price: String,
    pub price_label: String,
    pub currency: String,
    pub url: String,
    pub image: String,
    /// "summer, linen".
    pub tags: String,
    pub platforms: Vec<Platform>,
    /// Empty until one is written.
    pub caption: String,
    pub hashtags: Vec<String>,
    /// "Nov 24, 2026".
    pub added: String,
}

/// A post an approval would create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedRow {
    pub account_name: String,
    pub platform: Platform,
    /// "Tue, Nov 24, 2026, 3:30 PM", or empty for a draft.
    pub when: String,
}

/// An approval checked before it is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalPlan {
    pub item: Uuid,
    pub account_ids: Vec<Uuid>,
    /// The chosen time as the form shows it (`datetime-local`), empty for drafts.
    pub local_time: String,
    pub posts: Vec<PlannedRow>,
    /// Why the approval would be refused (then `posts` is empty).
    pub problem: String,
}

/// One day of the next week: its label and its scheduled posts (time, platform, excerpt).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayPosts {
    pub label: String,
    pub posts: Vec<(String, Platform, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueData {
    pub zone: String,
    pub tab: Option<QueueStatus>,
    /// Items per status, in `QueueStatus::ALL` order.
    pub counts: Vec<u64>,
    pub items: Page<QueueRow>,
    pub accounts: Vec<AccountChoice>,
    pub best_times: Vec<BestTime>,
    pub captions_used: u64,
    /// Negative: unlimited.
    pub captions_limit: i64,
    pub next_week: Vec<DayPosts>,
    pub plan: Option<ApprovalPlan>,
}

impl QueueData {
    /// AI captions left this month (`None`: unlimited).
    pub fn captions_left(&self) -> Option<u64> {
        (self.captions_limit >= 0)
            .then(|| (self.captions_limit as u64).saturating_sub(self.captions_used))
    }
}

/// How many refusals of a bulk action the page names one by one.
pub const REFUSALS_SHOWN: usize = 20;

/// Items a page of the queue shows.
pub const PER_PAGE: u64 = 20;

#[server(prefix = "/fn", endpoint = "queue/page", output = Postcard)]
pub async fn load_queue(query: QueueQuery) -> Result<QueueData, AppError> {
    super::with_status(
        async move {
            use crate::server::services::{local_time, paging::PageRequest, queue, usage};
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            let zone = local_time::user_zone(&owner);
            let now = chrono::Utc::now();
            let tab = match query.status.as_deref().filter(|s| !s.is_empty()) {
                None => Some(QueueStatus::Pending),
                Some("all") => None,
                Some(s) => Some(QueueStatus::parse(s).ok_or_else(|| {
                    AppError::validation("status", format!("Unknown status {s:?}"))
                })?),
            };
            let page = PageRequest::new(query.page, Some(PER_PAGE))?;
            let today = local_time::today(zone, now);
            let (counts, items, accounts, best_times, captions_used, week) = futures::try_join!(
                queue::counts(&state.db, &owner),
                queue::list(&state.db, &owner, tab, page),
                super::posts::connected_accounts(&state.db, &owner),
                state.post_reads.best_times(&state.db, &owner, zone, now),
                usage::captions_this_month(&state.db, owner.id),
                state.post_reads.calendar_entries(
                    &state.db,
                    &owner,
                    today,
                    today + chrono::Duration::days(6),
                    zone,
                    None
                ),
            )?;
            let plan = match query
                .plan
                .as_deref()
                .and_then(|id| Uuid::parse_str(id).ok())
            {
                Some(item) => plan_of(&state.db, &owner, zone, item, &query).await?,
                None => None,
            };
            let rows = items
                .items
                .into_iter()
                .map(|item| row_of(zone, item))
                .collect();
            let next_week = week
                .iter()
                .map(|day| DayPosts {
                    label: local_time::short_day_label(day.date),
                    posts: day
                        .entries
                        .iter()
                        .filter(|e| e.status == crate::model::PostStatus::Scheduled)
                        .filter_map(|e| {
                            let at = e.scheduled_for?;
                            Some((
                                local_time::format_time(zone, at),
                                e.platform,
                                e.excerpt.clone(),
                            ))
                        })
                        .collect(),
                })
                .collect();
            Ok(QueueData {
                zone: zone.name().to_string(),
                tab,
                counts,
                items: Page {
                    items: rows,
                    total: items.total,
                    page: items.page,
                    per_page: items.per_page,
                },
                accounts,
                best_times,
                captions_used,
                captions_limit: owner.plan.limits().ai_captions,
                next_week,
                plan,
            })
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
fn row_of(zone: chrono_tz::Tz, item: crate::model::QueueItemView) -> QueueRow {
    use crate::server::captions::Product;
    use crate::server::services::local_time;
    let product: Option<Product> = serde_json::from_value(item.product_data.clone()).ok();
    let text = |v: Option<&String>| v.cloned().unwrap_or_default();
    QueueRow {
        id: item.id,
        status: item.status,
        title: product
            .as_ref()
            .map(|p| p.title.clone())
            .unwrap_or_else(|| "Untitled product".into()),
        description: text(product.as_ref().and_then(|p| p.description.as_ref())),
        price: product
            .as_ref()
            .and_then(|p| p.price.as_ref())
            .map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .unwrap_or_default(),
        price_label: product
            .as_ref()
            .and_then(|p| p.price_text())
            .unwrap_or_default(),
        currency: text(product.as_ref().and_then(|p| p.currency.as_ref())),
        url: text(product.as_ref().and_then(|p| p.url.as_ref())),
        image: text(product.as_ref().and_then(|p| p.images.first())),
        tags: product
            .as_ref()
            .map(|p| p.tags.join(", "))
            .unwrap_or_default(),
        platforms: item.platforms,
        caption: item.ai_generated_content.unwrap_or_default(),
        hashtags: item.ai_hashtags,
        added: local_time::format_date(zone, item.created_at),
    }
}

/// The approval planned in the URL: its posts, or why it would be refused.
#[cfg(feature = "ssr")]
async fn plan_of(
    db: &sea_orm::DatabaseConnection,
    owner: &crate::server::entities::user::Model,
    zone: chrono_tz::Tz,
    item: Uuid,
    query: &QueueQuery,
) -> Result<Option<ApprovalPlan>, AppError> {
    use crate::server::services::{local_time, queue};
    let account_ids: Vec<Uuid> = query
        .accounts
        .iter()
        .filter_map(|id| Uuid::parse_str(id).ok())
        .collect();
    let local_time = chosen_time(query.best.as_deref(), query.at.as_deref());
    let planned = match scheduled_at(zone, &local_time) {
        Ok(at) => queue::plan_approval(db, owner, item, at, Some(account_ids.clone())).await,
        Err(err) => Err(err),
    };
    Ok(Some(match planned {
        Ok(posts) => ApprovalPlan {
            item,
            account_ids,
            local_time,
            posts: posts
                .into_iter()
                .map(|p| PlannedRow {
                    account_name: p.account_name,
                    platform: p.platform,
                    when: p
                        .scheduled_for
                        .map(|at| local_time::format_datetime(zone, at))
                        .unwrap_or_default(),
                })
                .collect(),
            problem: String::new(),
        },
        // An item that is gone (or someone else's) has no plan to show.
        Err(AppError::NotFound(_)) => return Ok(None),
        Err(err) => ApprovalPlan {
            item,
            account_ids,
            local_time,
            posts: Vec::new(),
            problem: err.to_string(),
        },
    }))
}

/// A best-time slot when one was picked, else the typed time.
#[cfg(feature = "ssr")]
fn chosen_time(best: Option<&str>, at: Option<&str>) -> String {
    best.filter(|b| !b.is_empty())
        .or(at)
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// A `datetime-local` value in the user's zone as UTC; empty is none (drafts).
#[cfg(feature = "ssr")]
fn scheduled_at(
    zone: chrono_tz::Tz,
    local: &str,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, AppError> {
    use crate::server::services::local_time;
    if local.is_empty() {
        return Ok(None);
    }
    let parsed = local_time::parse_local(local, "scheduled_for")?;
    Ok(Some(local_time::to_utc(
        zone,
        parsed,
        None,
        "scheduled_for",
    )?))
}

/// Where an action comes back to: the queue page it was sent from (its tab and page, read
/// and written again, nothing else), with `notice` added.
#[cfg(feature = "ssr")]
fn back_to(back: Option<&str>, notice: &str) -> String {
    let query = back
        .filter(|b| *b == "/queue" || b.starts_with("/queue?"))
        .and_then(|b| b.split_once('?'))
        .map(|(_, q)| q)
        .unwrap_or("");
    let mut kept = String::new();
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("status", v)) if v == "all" || QueueStatus::parse(v).is_some() => {
                kept.push_str(&format!("status={v}&"));
            }
            Some(("page", v)) if v.parse::<u64>().is_ok() => {
                kept.push_str(&format!("page={v}&"));
            }
            _ => {}
        }
    }
    format!("/queue?{kept}{notice}")
}

#[cfg(feature = "ssr")]
fn parse_platforms(platforms: Option<Vec<String>>) -> Result<Vec<Platform>, AppError> {
    platforms
        .unwrap_or_default()
        .iter()
        .map(|p| {
            Platform::parse(p).ok_or_else(|| AppError::validation("platforms", "Unknown platform"))
        })
        .collect()
}

/// The product a form describes (what a new item's and an edited item's forms post).
#[cfg(feature = "ssr")]
fn product_from_form(
    title: String,
    description: String,
    price: String,
    currency: String,
    url: String,
    image_url: String,
    tags: String,
) -> crate::server::captions::Product {
    let set = |s: String| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    crate::server::captions::Product {
        title: title.trim().to_string(),
        description: set(description),
        price: set(price).map(serde_json::Value::String),
        currency: set(currency).map(|c| c.to_uppercase()),
        images: set(image_url).into_iter().collect(),
        url: set(url),
        tags: tags
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
    }
}

/// Adds a product typed in by hand.
#[server(prefix = "/fn", endpoint = "queue/add", output = Postcard)]
pub async fn add_product(
    title: String,
    description: String,
    price: String,
    currency: String,
    url: String,
    image_url: String,
    tags: String,
    platforms: Option<Vec<String>>,
) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::services::queue;
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            let product =
                product_from_form(title, description, price, currency, url, image_url, tags);
            let item =
                queue::create(&state.db, &owner, product, parse_platforms(platforms)?).await?;
            leptos_axum::redirect(&format!("/queue?notice=added#item-{}", item.id));
            Ok(())
        }
        .await,
    )
}

/// Reads a product page and queues its product; the page opens its fields for review.
#[server(prefix = "/fn", endpoint = "queue/import", output = Postcard)]
pub async fn import_product(url: String, platforms: Option<Vec<String>>) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::services::{product_import, queue};
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            let platforms = parse_platforms(platforms)?;
            let product = product_import::import(&state.settings.integrations, &url).await?;
            let item = queue::create(&state.db, &owner, product, platforms).await?;
            leptos_axum::redirect(&format!(
                "/queue?notice=imported&imported={id}#item-{id}",
                id = item.id
            ));
            Ok(())
        }
        .await,
    )
}

/// Changes a pending item's product.
#[server(prefix = "/fn", endpoint = "queue/product", output = Postcard)]
pub async fn save_product(
    id: Uuid,
    title: String,
    description: String,
    price: String,
    currency: String,
    url: String,
    image_url: String,
    tags: String,
    back: Option<String>,
) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::services::queue;
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            let product =
                product_from_form(title, description, price, currency, url, image_url, tags);
            queue::update_product(&state.db, &owner, id, product).await?;
            leptos_axum::redirect(&format!(
                "{}#item-{id}",
                back_to(back.as_deref(), "notice=product-saved")
            ));
            Ok(())
        }
        .await,
    )
}

/// Writes (or rewrites) an item's caption in a tone; counts against the AI caption quota.
#[server(prefix = "/fn", endpoint = "queue/generate", output = Postcard)]
pub async fn generate_caption(
    id: Uuid,
    tone: String,
    back: Option<String>,
) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::captions::Tone;
            use crate::server::services::queue;
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            let tone =
                Tone::parse(&tone).ok_or_else(|| AppError::validation("tone", "Choose a tone"))?;
            let generated =
                queue::generate(&state.db, state.captions.as_ref(), &owner, id, tone).await?;
            // The page names why the built-in writer wrote the caption (a code and the
            // deadline in the address, never free text).
            let notice = match generated.fallback {
                Some(fallback) => format!(
                    "notice=generated&why={}&after={}",
                    fallback.reason.code(),
                    fallback.timeout_seconds
                ),
                None => "notice=generated".to_string(),
            };
            leptos_axum::redirect(&format!("{}#item-{id}", back_to(back.as_deref(), &notice)));
            Ok(())
        }
        .await,
    )
}

/// Saves a caption edited by hand.
#[server(prefix = "/fn", endpoint = "queue/caption", output = Postcard)]
pub async fn save_caption(
    id: Uuid,
    content: String,
    hashtags: String,
    back: Option<String>,
) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::services::queue;
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            let hashtags = super::posts::split_tags(&hashtags);
            queue::edit_caption(&state.db, &owner, id, content, hashtags).await?;
            leptos_axum::redirect(&format!(
                "{}#item-{id}",
                back_to(back.as_deref(), "notice=caption-saved")
            ));
            Ok(())
        }
        .await,
    )
}

/// Approves an item on the chosen accounts at the chosen time (drafts without one).
#[server(prefix = "/fn", endpoint = "queue/approve", output = Postcard)]
pub async fn approve_item(
    id: Uuid,
    accounts: Option<Vec<String>>,
    scheduled_for: String,
    back: Option<String>,
) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::services::{local_time, queue};
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            let zone = local_time::user_zone(&owner);
            let account_ids = super::parse_ids(accounts, "accounts", "Unknown account")?;
            if account_ids.is_empty() {
                return Err(AppError::validation(
                    "accounts",
                    "Choose at least one account to post to",
                ));
            }
            let at = scheduled_at(zone, scheduled_for.trim())?;
            let approved = queue::approve(&state.db, &owner, id, at, Some(account_ids)).await?;
            leptos_axum::redirect(&back_to(
                back.as_deref(),
                &format!("notice=approved&count={}", approved.posts.len()),
            ));
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/fn", endpoint = "queue/reject", output = Postcard)]
pub async fn reject_item(id: Uuid, back: Option<String>) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::services::queue;
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            queue::reject(&state.db, &owner, id).await?;
            leptos_axum::redirect(&back_to(back.as_deref(), "notice=rejected"));
            Ok(())
        }
        .await,
    )
}

/// Approves (at `scheduled_for`, on each item's default accounts) or rejects the selected
/// items, each on its own; the page then says what happened to each.
#[server(prefix = "/fn", endpoint = "queue/bulk", output = Postcard)]
pub async fn bulk_queue(
    action: String,
    ids: Option<Vec<String>>,
    scheduled_for: String,
    back: Option<String>,
) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::services::{local_time, queue};
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            let ids = super::parse_ids(ids, "ids", "Unknown item")?;
            let outcome = match action.as_str() {
                "approve" => {
                    let at = scheduled_at(local_time::user_zone(&owner), scheduled_for.trim())?;
                    queue::bulk_approve(&state.db, &owner, &ids, at).await?
                }
                "reject" => queue::bulk_reject(&state.db, &owner, &ids).await?,
                _ => return Err(AppError::validation("action", "Unknown bulk action")),
            };
            // Each refusal travels as "id~reason" for the page to name the item; past the
            // first `REFUSALS_SHOWN`, only their number (the address stays short).
            let more = outcome.refused.len().saturating_sub(REFUSALS_SHOWN);
            let refused: String = outcome
                .refused
                .iter()
                .take(REFUSALS_SHOWN)
                .map(|r| {
                    format!(
                        "&refused={}",
                        crate::components::url_state::encode(&format!("{}~{}", r.id, r.reason))
                    )
                })
                .collect();
            leptos_axum::redirect(&back_to(
                back.as_deref(),
                &format!(
                    "notice=bulk-{action}&done={}{refused}&more={more}",
                    outcome.done
                ),
            ));
            Ok(())
        }
        .await,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "ssr")]
    #[test]
    fn a_best_time_wins_over_the_typed_time() {
        assert_eq!(
            chosen_time(Some("2026-11-24T11:00"), Some("2026-11-25T09:00")),
            "2026-11-24T11:00"
        );
        assert_eq!(
            chosen_time(Some(""), Some(" 2026-11-25T09:00 ")),
            "2026-11-25T09:00"
        );
        assert_eq!(chosen_time(None, None), "");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn actions_come_back_to_a_queue_page_only() {
        assert_eq!(
            back_to(Some("/queue?status=approved&page=2&plan=x"), "notice=ok"),
            "/queue?status=approved&page=2&notice=ok"
        );
        assert_eq!(
            back_to(Some("https://evil.example/queue"), "notice=ok"),
            "/queue?notice=ok"
        );
        assert_eq!(
            back_to(Some("//evil.example"), "notice=ok"),
            "/queue?notice=ok"
        );
        assert_eq!(back_to(None, "notice=ok"), "/queue?notice=ok");
        // Only a known tab and a number come back: nothing that could break the header.
        assert_eq!(
            back_to(Some("/queue?status=a%0Ab&page=x"), "notice=ok"),
            "/queue?notice=ok"
        );
        assert_eq!(
            back_to(Some("/queue?status=all"), "notice=ok"),
            "/queue?status=all&notice=ok"
        );
    }
}
