//! The content queue: product data in, captions written, reviewed (approve → posts, or reject).
//! Statuses: pending → approved | rejected; approved → posted once its posts are published.
//! AI captions count against the plan's monthly quota here, once delivered: a caption that
//! could not be written or saved gives its reservation back. A pending item's caption and
//! product can be edited; approval can be planned (the posts it would make) before it is done,
//! and items approved or rejected in bulk, each on its own.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::event_log::{self, Event};
use super::paging::PageRequest;
use super::posts::{self, NewPost};
use super::usage;
use crate::error::AppError;
use crate::model::{
    ApprovedItem, BulkOutcome, BulkRefusal, EventKind, EventLevel, GeneratedCaption, Page,
    Platform, PostStatus, QueueItemView, QueueStatus,
};
use crate::plans::within_limit;
use crate::server::captions::{
    Caption, CaptionGenerator, CaptionRequest, Fallback, Product, Tone, Written,
};
use crate::server::db;
use crate::server::entities::{
    caption_generation, content_queue, social_account, user, StringList,
};

fn require(status: QueueStatus, allowed: &[QueueStatus], action: &str) -> Result<(), AppError> {
    if allowed.contains(&status) {
        Ok(())
    } else {
        Err(AppError::BadRequest(format!(
            "A {status} queue item cannot be {action}"
        )))
    }
}

/// Only a pending item can be approved: approving creates its posts, once.
const APPROVABLE: &[QueueStatus] = &[QueueStatus::Pending];

fn distinct(platforms: Vec<Platform>) -> Result<Vec<Platform>, AppError> {
    if platforms.is_empty() {
        return Err(AppError::validation(
            "platforms",
            "Choose at least one platform",
        ));
    }
    let mut out = Vec::new();
    for p in platforms {
        if !out.contains(&p) {
            out.push(p);
        }
    }
    Ok(out)
}

pub async fn create(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    product: Product,
    platforms: Vec<Platform>,
) -> Result<QueueItemView, AppError> {
    product.validate()?;
    let platforms = distinct(platforms)?;
    let now = Utc::now();
    let item = content_queue::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(owner.id),
        product_data: Set(
            serde_json::to_value(&product).map_err(|e| AppError::internal("product data", e))?
        ),
        ai_generated_content: Set(None),
        ai_hashtags: Set(StringList::default()),
        platforms: Set(StringList(
            platforms.iter().map(|p| p.as_str().to_string()).collect(),
        )),
        status: Set(QueueStatus::Pending),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(item.view())
}

pub async fn list(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    status: Option<QueueStatus>,
    page: PageRequest,
) -> Result<Page<QueueItemView>, AppError> {
    let mut select =
        content_queue::Entity::find().filter(content_queue::Column::UserId.eq(owner.id));
    if let Some(status) = status {
        select = select.filter(content_queue::Column::Status.eq(status));
    }
    let select = select
        .order_by_desc(content_queue::Column::CreatedAt)
        .order_by_desc(content_queue::Column::Id);
    page.fetch(db, select, |item| item.view()).await
}

/// How many items the owner has in each status, in `QueueStatus::ALL` order (one grouped
/// query).
pub async fn counts(db: &impl ConnectionTrait, owner: &user::Model) -> Result<Vec<u64>, AppError> {
    use sea_orm::QuerySelect;
    let rows: Vec<(QueueStatus, i64)> = content_queue::Entity::find()
        .select_only()
        .column(content_queue::Column::Status)
        .column_as(content_queue::Column::Id.count(), "items")
        .filter(content_queue::Column::UserId.eq(owner.id))
        .group_by(content_queue::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    Ok(QueueStatus::ALL
        .iter()
        .map(|status| {
            rows.iter()
                .find(|(s, _)| s == status)
                .map_or(0, |(_, n)| (*n).max(0) as u64)
        })
        .collect())
}

pub async fn find(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    id: Uuid,
) -> Result<content_queue::Model, AppError> {
    content_queue::Entity::find_by_id(id)
        .filter(content_queue::Column::UserId.eq(owner.id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Queue item"))
}

pub async fn delete(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    id: Uuid,
) -> Result<(), AppError> {
    let item = find(db, owner, id).await?;
    content_queue::Entity::delete_by_id(item.id)
        .exec(db)
        .await?;
    Ok(())
}

/// The plan's monthly AI-caption quota, reserved in one step (count and insert under the
/// owner's write lock), so N racing requests get exactly the captions left and the rest a 403.
/// Returns the reservation, which `release_caption` gives back if no caption is delivered.
async fn spend_caption<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: &user::Model,
    platform: Platform,
    item: Option<Uuid>,
) -> Result<Uuid, AppError> {
    let limit = owner.plan.limits().ai_captions;
    db::retry_busy(|| async {
        let txn = db::begin_owner_write(db, owner.id).await?;
        let used = usage::captions_this_month(&txn, owner.id).await?;
        if !within_limit(used as i64, limit) {
            return Err(AppError::Forbidden(format!(
                "Your {} plan includes {limit} AI captions a month and you have used them. Upgrade for unlimited captions.",
                owner.plan.limits().name
            )));
        }
        let reservation = Uuid::new_v4();
        caption_generation::ActiveModel {
            id: Set(reservation),
            user_id: Set(owner.id),
            queue_item_id: Set(item),
            platform: Set(platform),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok(reservation)
    })
    .await
}

/// Gives a quota reservation back: its caption was not delivered.
async fn release_caption(db: &impl ConnectionTrait, reservation: Uuid) {
    if let Err(err) = caption_generation::Entity::delete_by_id(reservation)
        .exec(db)
        .await
    {
        tracing::error!(error = %err, "could not give back an undelivered caption's quota unit");
    }
}

/// Writes the admin's record of an AI writer's work: tokens, estimated cost, and why the
/// built-in writer took over if it did (never the prompt, never the key). The built-in writer
/// alone leaves no entry, as before.
async fn record_writing(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    item: Option<Uuid>,
    platform: Platform,
    written: &Written,
) {
    let Some(usage) = &written.usage else {
        return;
    };
    let (level, message) = match &written.fallback {
        Some(fallback) => (
            EventLevel::Warn,
            format!(
                "AI caption writer failed ({}: {}); the built-in writer wrote the caption",
                fallback.reason.code(),
                fallback.detail
            ),
        ),
        None => (
            EventLevel::Info,
            format!(
                "AI caption written by {}: {} input + {} output tokens, about ${:.4}",
                usage.model, usage.input_tokens, usage.output_tokens, usage.cost_usd
            ),
        ),
    };
    event_log::record(
        db,
        Event::new(EventKind::Audit, message)
            .user(owner.id)
            .level(level)
            .data(json!({
                "queue_item_id": item,
                "platform": platform,
                "provider": usage.provider,
                "model": usage.model,
                "requests": usage.requests,
                "input_tokens": usage.input_tokens,
                "output_tokens": usage.output_tokens,
                "cost_usd": usage.cost_usd,
                "corrected": written.corrected,
                "trimmed": written.trimmed,
                "fallback": written.fallback.as_ref().map(|f| f.reason.code()),
            })),
    )
    .await;
}

fn product_of(item: &content_queue::Model) -> Result<Product, AppError> {
    serde_json::from_value(item.product_data.clone())
        .map_err(|e| AppError::internal("stored product data", e))
}

/// A queue item with its new caption, and why the built-in writer wrote it if the AI writer
/// failed.
#[derive(Debug, Clone)]
pub struct Generated {
    pub item: QueueItemView,
    pub fallback: Option<Fallback>,
}

/// Writes the item's caption for the strictest of its platforms, so it fits all of them. The
/// caption is saved only if the item is still pending (an approval or rejection may win while
/// the writer works); otherwise it was not delivered and does not count.
pub async fn generate<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    writer: &dyn CaptionGenerator,
    owner: &user::Model,
    id: Uuid,
    tone: Tone,
) -> Result<Generated, AppError> {
    let item = find(db, owner, id).await?;
    require(item.status, &[QueueStatus::Pending], "given a new caption")?;
    let view = item.view();
    let platform = view
        .platforms
        .iter()
        .copied()
        .min_by_key(|p| {
            (
                p.rules().max_content_chars,
                p.rules().max_hashtags.unwrap_or(usize::MAX),
            )
        })
        .unwrap_or(Platform::Instagram);
    let product = product_of(&item)?;
    let reservation = spend_caption(db, owner, platform, Some(item.id)).await?;
    let request = CaptionRequest {
        user_id: owner.id,
        product: &product,
        platform,
        tone,
    };
    let delivered = async {
        let written = writer.generate(request).await?;
        record_writing(db, owner, Some(item.id), platform, &written).await;
        let Caption { text, hashtags } = written.caption;
        let changes = content_queue::Entity::update_many()
            .col_expr(
                content_queue::Column::AiGeneratedContent,
                sea_orm::sea_query::Expr::value(text),
            )
            .col_expr(
                content_queue::Column::AiHashtags,
                sea_orm::sea_query::Expr::value(StringList(hashtags)),
            );
        let item = update_pending(db, owner, id, changes).await?;
        Ok(Generated {
            item,
            fallback: written.fallback,
        })
    }
    .await;
    if delivered.is_err() {
        release_caption(db, reservation).await;
    }
    delivered
}

/// A caption for one platform without a queue item (counts against the quota too, once
/// written).
pub async fn caption_for<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    writer: &dyn CaptionGenerator,
    owner: &user::Model,
    product: Product,
    platform: Platform,
    tone: Tone,
) -> Result<GeneratedCaption, AppError> {
    product.validate()?;
    let reservation = spend_caption(db, owner, platform, None).await?;
    let request = CaptionRequest {
        user_id: owner.id,
        product: &product,
        platform,
        tone,
    };
    let written = match writer.generate(request).await {
        Ok(written) => written,
        Err(err) => {
            release_caption(db, reservation).await;
            return Err(err);
        }
    };
    record_writing(db, owner, None, platform, &written).await;
    Ok(GeneratedCaption {
        char_count: written.caption.text.chars().count(),
        caption: written.caption.text,
        hashtags: written.caption.hashtags,
        platform,
        tone: tone.as_str().to_string(),
        fallback_reason: written.fallback.map(|f| f.message()),
    })
}

/// Approves a pending item with a caption, once: one post per platform on the owner's
/// connected account for it (or the given accounts), drafts or scheduled at `scheduled_for`.
/// All or nothing, within the plan's post allowance; of two racing approvals one wins and the
/// other is told the item is approved.
pub async fn approve<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: &user::Model,
    id: Uuid,
    scheduled_for: Option<DateTime<Utc>>,
    account_ids: Option<Vec<Uuid>>,
) -> Result<ApprovedItem, AppError> {
    let item = find(db, owner, id).await?;
    require(item.status, APPROVABLE, "approved")?;
    let checked = check_approval(db, owner, &item, scheduled_for, account_ids).await?;

    let (item, created) = db::retry_busy(|| async {
        let txn = db::begin_owner_write(db, owner.id).await?;
        // Read again under the owner's lock: a racing approval may have won meanwhile, or an
        // edit changed what the posts were checked from.
        let current = find(&txn, owner, id).await?;
        require(current.status, APPROVABLE, "approved")?;
        if (
            &current.ai_generated_content,
            &current.ai_hashtags,
            &current.product_data,
        ) != (
            &item.ai_generated_content,
            &item.ai_hashtags,
            &item.product_data,
        ) {
            return Err(AppError::BadRequest(
                "The item's caption or product changed meanwhile: check it and approve again"
                    .into(),
            ));
        }
        let mut created = Vec::new();
        for post in &checked {
            created.push(posts::insert_within_allowance(&txn, owner, post).await?);
        }
        let mut active = current.into_active_model();
        active.status = Set(QueueStatus::Approved);
        active.updated_at = Set(Utc::now());
        let item = active.update(&txn).await?;
        txn.commit().await?;
        Ok((item, created))
    })
    .await?;
    for post in created.iter().filter(|p| p.status == PostStatus::Scheduled) {
        posts::record_scheduled(db, post).await;
    }
    event_log::record(
        db,
        Event::new(EventKind::Audit, format!("Queue item approved: {} post(s)", created.len()))
            .user(owner.id)
            .data(json!({ "queue_item_id": item.id, "post_ids": created.iter().map(|p| p.id).collect::<Vec<_>>() })),
    )
    .await;
    Ok(ApprovedItem {
        item: item.view(),
        posts: created.iter().map(|p| p.view()).collect(),
    })
}

/// The posts approving `item` would create, each checked against its account and platform
/// (nothing is written): one per platform on the owner's oldest connected account for it, or
/// one per chosen account.
async fn check_approval(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    item: &content_queue::Model,
    scheduled_for: Option<DateTime<Utc>>,
    account_ids: Option<Vec<Uuid>>,
) -> Result<Vec<posts::CheckedPost>, AppError> {
    let Some(content) = item.ai_generated_content.clone() else {
        return Err(AppError::BadRequest(
            "Generate a caption before approving".into(),
        ));
    };
    let view = item.view();
    let accounts: Vec<social_account::Model> = match account_ids {
        Some(mut ids) if !ids.is_empty() => {
            // One post per account, however often it was named.
            let mut seen = std::collections::HashSet::new();
            ids.retain(|id| seen.insert(*id));
            let mut chosen = Vec::new();
            for account_id in ids {
                chosen.push(super::accounts::find(db, owner, account_id).await?);
            }
            chosen
        }
        _ => {
            let mut chosen = Vec::new();
            for platform in &view.platforms {
                let account = social_account::Entity::find()
                    .filter(social_account::Column::UserId.eq(owner.id))
                    .filter(social_account::Column::Platform.eq(*platform))
                    .filter(social_account::Column::IsConnected.eq(true))
                    .order_by_asc(social_account::Column::CreatedAt)
                    .one(db)
                    .await?
                    .ok_or_else(|| {
                        AppError::BadRequest(format!(
                            "Connect a {} account before approving this item",
                            platform.label()
                        ))
                    })?;
                chosen.push(account);
            }
            chosen
        }
    };
    let product = product_of(item)?;
    let mut checked = Vec::new();
    for account in &accounts {
        let new = NewPost {
            account_id: account.id,
            content: content.clone(),
            media_urls: product.images.clone(),
            hashtags: item.ai_hashtags.0.clone(),
            scheduled_for,
            queue_item_id: Some(item.id),
        };
        checked.push(posts::check_new(db, owner, new).await?);
    }
    Ok(checked)
}

/// Rejects a pending or approved item. Rejecting an approved item withdraws its posts that
/// have not gone out (drafts, scheduled and failed ones); a post already publishing or
/// published stays, and the answer's event log entry says how many were withdrawn.
pub async fn reject<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: &user::Model,
    id: Uuid,
) -> Result<QueueItemView, AppError> {
    let (item, withdrawn) = db::retry_busy(|| async {
        let txn = db::begin_owner_write(db, owner.id).await?;
        let current = find(&txn, owner, id).await?;
        require(
            current.status,
            &[QueueStatus::Pending, QueueStatus::Approved],
            "rejected",
        )?;
        let withdrawn = posts::withdraw_unpublished(&txn, owner, current.id).await?;
        let mut active = current.into_active_model();
        active.status = Set(QueueStatus::Rejected);
        active.updated_at = Set(Utc::now());
        let item = active.update(&txn).await?;
        txn.commit().await?;
        Ok((item, withdrawn))
    })
    .await?;
    if withdrawn > 0 {
        event_log::record(
            db,
            Event::new(
                EventKind::Audit,
                format!("Queue item rejected: {withdrawn} unpublished post(s) withdrawn"),
            )
            .user(owner.id)
            .data(json!({ "queue_item_id": item.id })),
        )
        .await;
    }
    Ok(item.view())
}

/// A post approving an item would create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedPost {
    pub account_id: Uuid,
    pub account_name: String,
    pub platform: Platform,
    pub scheduled_for: Option<DateTime<Utc>>,
}

/// What approving a pending item would do, checked as the approval checks it: the posts it
/// would create, or why it would be refused. Nothing is written.
pub async fn plan_approval(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    id: Uuid,
    scheduled_for: Option<DateTime<Utc>>,
    account_ids: Option<Vec<Uuid>>,
) -> Result<Vec<PlannedPost>, AppError> {
    let item = find(db, owner, id).await?;
    require(item.status, APPROVABLE, "approved")?;
    Ok(check_approval(db, owner, &item, scheduled_for, account_ids)
        .await?
        .iter()
        .map(|post| PlannedPost {
            account_id: post.account().id,
            account_name: post.account().account_name.clone(),
            platform: post.account().platform,
            scheduled_for: post.scheduled_for(),
        })
        .collect())
}

/// Changes a pending item's caption and hashtags, checked against each of its platforms'
/// rules. An item approved or rejected meanwhile is left alone, and the answer says so.
pub async fn edit_caption(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    id: Uuid,
    content: String,
    hashtags: Vec<String>,
) -> Result<QueueItemView, AppError> {
    let item = find(db, owner, id).await?;
    require(item.status, &[QueueStatus::Pending], "edited")?;
    let mut stored = hashtags.clone();
    for platform in item.view().platforms {
        stored = posts::check_caption(platform, &content, hashtags.clone())?;
    }
    let changes = content_queue::Entity::update_many()
        .col_expr(
            content_queue::Column::AiGeneratedContent,
            sea_orm::sea_query::Expr::value(content),
        )
        .col_expr(
            content_queue::Column::AiHashtags,
            sea_orm::sea_query::Expr::value(StringList(stored)),
        );
    update_pending(db, owner, id, changes).await
}

/// Changes a pending item's product (after an import, say), checked as a new item's is.
pub async fn update_product(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    id: Uuid,
    product: Product,
) -> Result<QueueItemView, AppError> {
    product.validate()?;
    let item = find(db, owner, id).await?;
    require(item.status, &[QueueStatus::Pending], "edited")?;
    let data = serde_json::to_value(&product).map_err(|e| AppError::internal("product data", e))?;
    let changes = content_queue::Entity::update_many().col_expr(
        content_queue::Column::ProductData,
        sea_orm::sea_query::Expr::value(data),
    );
    update_pending(db, owner, id, changes).await
}

/// Applies `changes` to the owner's item `id` if it is still pending (one conditional
/// update: an approval or rejection that won meanwhile leaves it alone, and the answer says so).
async fn update_pending(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    id: Uuid,
    changes: sea_orm::UpdateMany<content_queue::Entity>,
) -> Result<QueueItemView, AppError> {
    let update = changes
        .col_expr(
            content_queue::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(content_queue::Column::Id.eq(id))
        .filter(content_queue::Column::UserId.eq(owner.id))
        .filter(content_queue::Column::Status.eq(QueueStatus::Pending))
        .exec(db)
        .await?;
    if update.rows_affected == 0 {
        return Err(changed_meanwhile());
    }
    Ok(find(db, owner, id).await?.view())
}

fn changed_meanwhile() -> AppError {
    AppError::BadRequest(
        "The item was approved, rejected or deleted meanwhile: it was left as it was".into(),
    )
}

/// The most items one bulk action takes.
pub const MAX_BULK: usize = 100;

impl BulkOutcome {
    /// Counts an item done, or keeps why it was refused.
    fn note<T>(&mut self, id: Uuid, result: Result<T, AppError>) {
        match result {
            Ok(_) => self.done += 1,
            Err(err) => self.refused.push(BulkRefusal {
                id,
                reason: err.to_string(),
            }),
        }
    }
}

fn check_bulk(ids: &[Uuid]) -> Result<(), AppError> {
    if ids.is_empty() {
        return Err(AppError::validation("ids", "Select at least one item"));
    }
    if ids.len() > MAX_BULK {
        return Err(AppError::validation(
            "ids",
            format!("Select at most {MAX_BULK} items at a time"),
        ));
    }
    Ok(())
}

/// Approves each item as `approve` does (each on its own: one refused leaves the others
/// approved), scheduled at `scheduled_for` on the default accounts of its platforms.
pub async fn bulk_approve<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: &user::Model,
    ids: &[Uuid],
    scheduled_for: Option<DateTime<Utc>>,
) -> Result<BulkOutcome, AppError> {
    check_bulk(ids)?;
    let mut outcome = BulkOutcome::default();
    for id in ids {
        outcome.note(*id, approve(db, owner, *id, scheduled_for, None).await);
    }
    Ok(outcome)
}

/// Rejects each item as `reject` does, each on its own.
pub async fn bulk_reject<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: &user::Model,
    ids: &[Uuid],
) -> Result<BulkOutcome, AppError> {
    check_bulk(ids)?;
    let mut outcome = BulkOutcome::default();
    for id in ids {
        outcome.note(*id, reject(db, owner, *id).await);
    }
    Ok(outcome)
}
