//! The metrics job: fresh platform metrics for every post published in the last 30 days.

use chrono::{Duration, Utc};
use futures::StreamExt;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::engine::Engine;
use crate::model::PostStatus;
use crate::server::entities::{post, post_metrics};

/// Metrics are kept fresh for posts this recent.
const METRICS_WINDOW: Duration = Duration::days(30);

impl Engine {
    /// Reads fresh metrics for every post published in the last 30 days.
    pub async fn refresh_metrics(&self) -> Result<usize, DbErr> {
        let since = Utc::now() - METRICS_WINDOW;
        let posts = post::Entity::find()
            .filter(post::Column::Status.eq(PostStatus::Posted))
            .filter(post::Column::PostedAt.gt(since))
            .filter(post::Column::ExternalPostId.is_not_null())
            .all(&self.db)
            .await?;
        let accounts = self.accounts_of(&posts).await?;
        let refreshed = futures::stream::iter(posts)
            .map(|post| {
                let account = accounts.get(&post.account_id).cloned();
                async move {
                    let account = account.filter(|a| a.is_connected && !a.needs_reconnect)?;
                    let auth = self.auth_for(&account).ok()?;
                    let external_id = post.external_post_id.as_deref()?;
                    let publisher = self.platforms.for_account(&account);
                    match publisher.metrics(&auth, external_id, post.posted_at?).await {
                        Ok(metrics) => Some((post.id, metrics)),
                        Err(err) => {
                            tracing::warn!(post_id = %post.id, error = %err, "metrics not refreshed");
                            None
                        }
                    }
                }
            })
            .buffer_unordered(self.settings.concurrency)
            .filter_map(|fresh| async move { fresh })
            .collect::<Vec<_>>()
            .await;
        let now = Utc::now();
        for (post_id, m) in &refreshed {
            let row = post_metrics::ActiveModel {
                id: Set(Uuid::new_v4()),
                post_id: Set(*post_id),
                impressions: Set(m.impressions),
                reach: Set(m.reach),
                likes: Set(m.likes),
                comments: Set(m.comments),
                shares: Set(m.shares),
                clicks: Set(m.clicks),
                fetched_at: Set(now),
            };
            post_metrics::Entity::insert(row)
                .on_conflict(
                    OnConflict::column(post_metrics::Column::PostId)
                        .update_columns([
                            post_metrics::Column::Impressions,
                            post_metrics::Column::Reach,
                            post_metrics::Column::Likes,
                            post_metrics::Column::Comments,
                            post_metrics::Column::Shares,
                            post_metrics::Column::Clicks,
                            post_metrics::Column::FetchedAt,
                        ])
                        .to_owned(),
                )
                .exec(&self.db)
                .await?;
        }
        Ok(refreshed.len())
    }
}
