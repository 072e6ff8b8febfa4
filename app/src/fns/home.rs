//! The home page's server functions: its summary, shaped for the page with times in the user's
//! zone, and the retry of a failed post from the failures list.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::Postcard;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::{PlanTier, Platform};

/// A post in one of the home page's lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HomePost {
    pub id: Uuid,
    pub platform: Platform,
    pub account_name: String,
    pub content: String,
    /// "Tue, Nov 24, 2026, 3:30 PM": when it is scheduled for, or when it failed.
    pub when: String,
    /// Why it failed (failures only).
    pub reason: String,
}

/// An account that needs its owner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttentionAccount {
    pub id: Uuid,
    pub platform: Platform,
    pub name: String,
    /// What is wrong, in words.
    pub problem: String,
    /// Whether a reconnect fixes it here (else the accounts page explains).
    pub reconnect: bool,
}

/// A plan limit's use: `limit` negative is unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allowed {
    pub used: u64,
    pub limit: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HomeData {
    pub greeting_name: String,
    pub plan: PlanTier,
    pub scheduled_this_week: u64,
    pub published_this_month: u64,
    pub avg_engagement_rate: f64,
    pub posts: Allowed,
    pub accounts: Allowed,
    pub ai_captions: Allowed,
    pub next_posts: Vec<HomePost>,
    pub failures: Vec<HomePost>,
    pub failures_total: u64,
    /// The first day the failures card counts ("Nov 30"), in the owner's zone.
    pub failures_since: String,
    /// The first day the engagement card averages over ("Nov 7").
    pub engagement_since: String,
    pub attention: Vec<AttentionAccount>,
    /// Connect an account, add a product, approve a caption, schedule a post: done or not.
    pub onboarding: [bool; 4],
    /// A failed payment, in words for the banner (`billing::payment_problem`).
    pub payment_problem: Option<String>,
}

#[server(prefix = "/fn", endpoint = "home", output = Postcard)]
pub async fn load_home() -> Result<HomeData, AppError> {
    super::with_status(
        async move {
            use crate::model::AccountHealth;
            use crate::server::services::{home, local_time};
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            let zone = local_time::user_zone(&owner);
            let now = chrono::Utc::now();
            let summary = home::summary(&state.db, &state.post_reads, &owner, now).await?;
            // The cards count whole days in the owner's zone: their labels name the first.
            let days = home::HomeDays::at(zone, now)?;
            let failures_since = days
                .failures_from
                .with_timezone(&zone)
                .format("%b %-d")
                .to_string();
            let engagement_since = (local_time::today(zone, now)
                - chrono::Duration::days(home::ENGAGEMENT_DAYS))
            .format("%b %-d")
            .to_string();
            let name_of = |id: Uuid| {
                summary
                    .accounts
                    .iter()
                    .find(|(a, _)| a.id == id)
                    .map(|(a, _)| a.account_name.clone())
                    .unwrap_or_default()
            };
            let home_post =
                |post: &crate::server::entities::post::Model,
                 at: Option<chrono::DateTime<chrono::Utc>>| HomePost {
                    id: post.id,
                    platform: post.platform,
                    account_name: name_of(post.account_id),
                    content: post.content.clone(),
                    when: at
                        .map(|at| local_time::format_datetime(zone, at))
                        .unwrap_or_default(),
                    reason: post.error_message.clone().unwrap_or_default(),
                };
            let allowed = |a: &crate::model::Allowance| Allowed {
                used: a.used.max(0) as u64,
                limit: a.limit,
            };
            let attention = summary
                .needing_attention()
                .map(|(account, health)| {
                    let blocker = crate::server::services::accounts::reconnect_blocker(account);
                    AttentionAccount {
                        id: account.id,
                        platform: account.platform,
                        name: account.account_name.clone(),
                        problem: super::accounts::health_detail(zone, health),
                        reconnect: matches!(health, AccountHealth::NeedsReconnect { .. })
                            && blocker.is_none(),
                    }
                })
                .collect();
            let o = summary.onboarding;
            let payment_problem =
                crate::server::services::billing::payment_problem(&state.db, &owner, zone, now)
                    .await?;
            Ok(HomeData {
                payment_problem,
                greeting_name: owner.profile().display_name().to_string(),
                plan: owner.plan,
                scheduled_this_week: summary.posts.scheduled_this_week,
                published_this_month: summary.posts.published_this_month,
                avg_engagement_rate: summary.avg_engagement_rate,
                posts: allowed(&summary.usage.posts),
                accounts: allowed(&summary.usage.accounts),
                ai_captions: allowed(&summary.usage.ai_captions),
                next_posts: summary
                    .posts
                    .next_posts
                    .iter()
                    .map(|p| home_post(p, p.scheduled_for))
                    .collect(),
                failures: summary
                    .posts
                    .failures
                    .iter()
                    .map(|p| home_post(p, Some(p.updated_at)))
                    .collect(),
                failures_total: summary.posts.failures_total,
                failures_since,
                engagement_since,
                attention,
                onboarding: [
                    o.connected_account,
                    o.added_product,
                    o.approved_caption,
                    o.scheduled_post,
                ],
            })
        }
        .await,
    )
}

/// Puts a failed post back in line for publishing now, and comes back to the home page.
#[server(prefix = "/fn", endpoint = "home/retry", output = Postcard)]
pub async fn retry_failed(id: Uuid) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::services::posts;
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            posts::retry(&state.db, &owner, id).await?;
            leptos_axum::redirect("/dashboard?notice=retried");
            Ok(())
        }
        .await,
    )
}
