//! Posts: creation within the plan's monthly allowance and the platform's rules, editing and
//! scheduling while a post is a draft or scheduled, deletion, retrying failures, lists and the
//! calendar. Which status allows which action is decided here and nowhere else.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::{Expr, NullOrdering};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbBackend,
    DbErr, EntityTrait, IntoActiveModel, Order, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select, Set, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::accounts;
use super::event_log::{self, Event};
use super::media;
use super::paging::PageRequest;
use super::usage;
use crate::error::AppError;
use crate::model::{
    BulkOutcome, BulkRefusal, Calendar, CalendarDay, EventKind, Page, Platform, PostDetail,
    PostSort, PostStatus, PostView,
};
use crate::plans::{within_limit, UNLIMITED};
use crate::server::db;
use crate::server::entities::{post, post_metrics, social_account, user, StringList};

// The transitions themselves are listed on `PostStatus` (shared with the pages).
const EDITABLE: &[PostStatus] = PostStatus::EDITABLE;
const DELETABLE: &[PostStatus] = PostStatus::DELETABLE;
const SCHEDULABLE: &[PostStatus] = PostStatus::SCHEDULABLE;
const RETRYABLE: &[PostStatus] = PostStatus::RETRYABLE;

/// The longest calendar range one request may ask for.
pub const MAX_CALENDAR_DAYS: i64 = 92;
const MAX_MEDIA_URLS: usize = 20;
const MAX_URL_LEN: usize = 2048;

fn require(status: PostStatus, allowed: &[PostStatus], action: &str) -> Result<(), AppError> {
    if allowed.contains(&status) {
        Ok(())
    } else {
        Err(AppError::BadRequest(format!(
            "A {status} post cannot be {action}"
        )))
    }
}

/// Writes a post read earlier only if its status is still the one read: the publishing
/// engine may have claimed it in between, and a publishing post must not be changed. With
/// `time_read`, also only if its scheduled time is still that one (a write that moves the
/// time never overwrites a move made meanwhile). With `handle_was_absent`, also only if no
/// attempt has handed the post to its platform since: an attempt that failed puts the post
/// back in its old status, holding a platform handle. With `body_checked`, also only if its
/// text, media, hashtags and account are still those the platform's rules were checked
/// against: two writes each valid alone (an account switch to Instagram, a caption grown to
/// Facebook's length) must not combine into a post no platform accepts.
/// Begins the transaction a post is saved in. A post to be published (`publishable`) whose
/// media name library files takes its owner's write lock first and has them checked under it:
/// `media::delete` takes the same lock, so a file checked here cannot be deleted before the
/// post naming it is saved.
async fn begin_post_save<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: Uuid,
    platform: Platform,
    media_urls: &[String],
    publishable: bool,
) -> Result<DatabaseTransaction, AppError> {
    if publishable
        && media_urls
            .iter()
            .any(|u| media::library_key(owner, u).is_some())
    {
        let txn = db::begin_owner_write(db, owner).await?;
        media::check_scheduled_media(&txn, owner, platform, media_urls).await?;
        Ok(txn)
    } else {
        Ok(db.begin().await?)
    }
}

async fn save_unless_claimed(
    db: &impl ConnectionTrait,
    active: post::ActiveModel,
    read_status: PostStatus,
    body_checked: Option<&post::Model>,
    time_read: Option<Option<DateTime<Utc>>>,
    handle_was_absent: bool,
    action: &str,
) -> Result<post::Model, AppError> {
    let mut update = post::Entity::update(active).filter(post::Column::Status.eq(read_status));
    if let Some(read) = body_checked {
        update = update
            .filter(post::Column::Content.eq(read.content.as_str()))
            .filter(post::Column::AccountId.eq(read.account_id))
            .filter(post::Column::MediaUrls.eq(read.media_urls.clone()))
            .filter(post::Column::Hashtags.eq(read.hashtags.clone()));
    }
    match time_read {
        None => {}
        Some(None) => update = update.filter(post::Column::ScheduledFor.is_null()),
        Some(Some(at)) => update = update.filter(post::Column::ScheduledFor.eq(at)),
    }
    if handle_was_absent {
        update = update
            .filter(post::Column::PublishRef.is_null())
            .filter(post::Column::PublishStartedAt.is_null());
    }
    match update.exec(db).await {
        Ok(saved) => Ok(saved),
        Err(DbErr::RecordNotUpdated) => Err(changed_meanwhile(action)),
        Err(err) => Err(err.into()),
    }
}

fn changed_meanwhile(action: &str) -> AppError {
    AppError::BadRequest(format!(
        "The post cannot be {action}: it changed meanwhile (it may be publishing)"
    ))
}

/// What a post says and shows, checked against its platform's rules. `scheduled`: the post is
/// to be published, so platforms that need media must have some.
struct Body {
    content: String,
    media_urls: Vec<String>,
    hashtags: Vec<String>,
}

impl Body {
    fn new(
        content: String,
        media_urls: Vec<String>,
        hashtags: Vec<String>,
    ) -> Result<Self, AppError> {
        let hashtags = normalize_hashtags(hashtags)?;
        let media_urls = media_urls
            .into_iter()
            .map(|u| u.trim().to_string())
            .collect::<Vec<_>>();
        if media_urls.len() > MAX_MEDIA_URLS {
            return Err(AppError::validation(
                "media_urls",
                format!("A post can carry at most {MAX_MEDIA_URLS} media URLs"),
            ));
        }
        if let Some(bad) = media_urls.iter().find(|u| !is_http_url(u)) {
            return Err(AppError::validation(
                "media_urls",
                format!("Media URL {bad:?} must be an http(s) URL"),
            ));
        }
        Ok(Body {
            content,
            media_urls,
            hashtags,
        })
    }

    fn check(&self, platform: Platform, scheduled: bool) -> Result<(), AppError> {
        let rules = platform.rules();
        if self.content.trim().is_empty() {
            return Err(AppError::validation("content", "Content is required"));
        }
        if let Some(violation) = platform.caption_violation(&self.content, self.hashtags.len()) {
            return Err(AppError::validation(violation.field, violation.message));
        }
        if let Some(placeholder) = crate::placeholders::first_unfilled(&self.content) {
            if scheduled {
                return Err(AppError::validation(
                    "content",
                    format!(
                        "Fill in or remove the template placeholder {placeholder} before scheduling"
                    ),
                ));
            }
        }
        if scheduled && rules.media_required && self.media_urls.is_empty() {
            return Err(AppError::validation(
                "media_urls",
                format!(
                    "{} posts need at least one photo or video to be scheduled",
                    platform.label()
                ),
            ));
        }
        Ok(())
    }
}

/// Checks a caption and its hashtags against `platform`'s rules, as a post made from them
/// would be, and returns the hashtags as stored (the queue checks an edited caption here).
pub fn check_caption(
    platform: Platform,
    content: &str,
    hashtags: Vec<String>,
) -> Result<Vec<String>, AppError> {
    let body = Body::new(content.to_string(), Vec::new(), hashtags)?;
    body.check(platform, false)?;
    Ok(body.hashtags)
}

/// Hashtags are stored without `#`, one word each.
pub fn normalize_hashtags(hashtags: Vec<String>) -> Result<Vec<String>, AppError> {
    let hashtags = hashtags
        .into_iter()
        .map(|tag| tag.trim().trim_start_matches('#').to_string())
        .collect::<Vec<_>>();
    if let Some(bad) = hashtags
        .iter()
        .find(|t| t.is_empty() || t.chars().any(|c| c.is_whitespace() || c == '#'))
    {
        return Err(AppError::validation(
            "hashtags",
            format!("Hashtag {bad:?} must be one word without spaces"),
        ));
    }
    Ok(hashtags)
}

fn is_http_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    matches!(rest, Some(host) if !host.is_empty() && !host.starts_with('/'))
        && url.len() <= MAX_URL_LEN
        && !url.chars().any(char::is_whitespace)
}

fn require_future(at: DateTime<Utc>) -> Result<(), AppError> {
    if at <= Utc::now() {
        return Err(not_future());
    }
    Ok(())
}

/// The refusal of a time that is not in the future (callers that name the time otherwise,
/// like the CSV import's `time` column, recognise it by equality).
pub(super) fn not_future() -> AppError {
    AppError::BadRequest(
        "The scheduled time must be in the future: that one has already passed".into(),
    )
}

async fn connected_account(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    account_id: Uuid,
) -> Result<social_account::Model, AppError> {
    let account = accounts::find(db, owner, account_id).await?;
    if !account.is_connected {
        return Err(AppError::BadRequest(
            "This account is disconnected: reconnect it before posting".into(),
        ));
    }
    Ok(account)
}

pub struct NewPost {
    pub account_id: Uuid,
    pub content: String,
    pub media_urls: Vec<String>,
    pub hashtags: Vec<String>,
    pub scheduled_for: Option<DateTime<Utc>>,
    pub queue_item_id: Option<Uuid>,
}

/// Posts the owner created this calendar month (UTC): what `max_items` limits.
pub async fn created_this_month(db: &impl ConnectionTrait, owner: Uuid) -> Result<u64, AppError> {
    Ok(post::Entity::find()
        .filter(post::Column::UserId.eq(owner))
        .filter(post::Column::CreatedAt.gte(usage::current_period(Utc::now()).0))
        .count(db)
        .await?)
}

/// Creates a draft, or a scheduled post when `scheduled_for` is given (it must be future).
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: &user::Model,
    new: NewPost,
) -> Result<PostView, AppError> {
    let checked = check_new(db, owner, new).await?;
    let created = db::retry_busy(|| async {
        let txn = db::begin_owner_write(db, owner.id).await?;
        let created = insert_within_allowance(&txn, owner, &checked).await?;
        txn.commit().await?;
        Ok(created)
    })
    .await?;
    if created.status == PostStatus::Scheduled {
        record_scheduled(db, &created).await;
    }
    Ok(created.view())
}

/// Creates one post per account from the composer: every post is checked first, then all are
/// inserted in one transaction, so either every account gets its post or none does.
pub async fn create_many<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: &user::Model,
    mut posts: Vec<NewPost>,
) -> Result<Vec<PostView>, AppError> {
    // An account chosen twice still gets one post.
    let mut seen = std::collections::HashSet::new();
    posts.retain(|p| seen.insert(p.account_id));
    if posts.is_empty() {
        return Err(AppError::validation(
            "account_ids",
            "Choose at least one account",
        ));
    }
    let mut checked = Vec::with_capacity(posts.len());
    for new in posts {
        checked.push(check_new(db, owner, new).await?);
    }
    let created = db::retry_busy(|| async {
        let txn = db::begin_owner_write(db, owner.id).await?;
        let mut created = Vec::with_capacity(checked.len());
        for post in &checked {
            created.push(insert_within_allowance(&txn, owner, post).await?);
        }
        txn.commit().await?;
        Ok(created)
    })
    .await?;
    for post in &created {
        if post.status == PostStatus::Scheduled {
            record_scheduled(db, post).await;
        }
    }
    Ok(created.iter().map(post::Model::view).collect())
}

/// A new post that passed its platform's rules, ready to be inserted.
#[derive(Debug, Clone)]
pub(super) struct CheckedPost {
    account: social_account::Model,
    content: String,
    media_urls: Vec<String>,
    hashtags: Vec<String>,
    scheduled_for: Option<DateTime<Utc>>,
    queue_item_id: Option<Uuid>,
}

impl CheckedPost {
    pub(super) fn account(&self) -> &social_account::Model {
        &self.account
    }

    pub(super) fn scheduled_for(&self) -> Option<DateTime<Utc>> {
        self.scheduled_for
    }
}

/// Checks a new post against its account and platform (nothing is written).
pub(super) async fn check_new(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    new: NewPost,
) -> Result<CheckedPost, AppError> {
    let body = Body::new(new.content, new.media_urls, new.hashtags)?;
    let account = connected_account(db, owner, new.account_id).await?;
    body.check(account.platform, new.scheduled_for.is_some())?;
    if let Some(at) = new.scheduled_for {
        require_future(at)?;
    }
    Ok(CheckedPost {
        account,
        content: body.content,
        media_urls: body.media_urls,
        hashtags: body.hashtags,
        scheduled_for: new.scheduled_for,
        queue_item_id: new.queue_item_id,
    })
}

/// How many more posts the owner's plan allows this calendar month; `None` when unlimited.
/// Only a hint outside `db::begin_owner_write`: `insert_within_allowance` is the rule.
pub(super) async fn remaining_allowance(
    db: &impl ConnectionTrait,
    owner: &user::Model,
) -> Result<Option<u64>, AppError> {
    let limit = owner.plan.limits().max_items;
    if limit == UNLIMITED {
        return Ok(None);
    }
    let used = created_this_month(db, owner.id).await?;
    Ok(Some((limit.max(0) as u64).saturating_sub(used)))
}

/// The plan's monthly post allowance, reserved and spent in one step: counts and inserts
/// inside a transaction from `db::begin_owner_write`, so N racing creations get exactly the
/// remaining allowance and the rest a 403.
pub(super) async fn insert_within_allowance(
    txn: &DatabaseTransaction,
    owner: &user::Model,
    post: &CheckedPost,
) -> Result<post::Model, AppError> {
    if post.scheduled_for.is_some() {
        // Under the owner's write lock, which `media::delete` takes too.
        media::check_scheduled_media(txn, owner.id, post.account.platform, &post.media_urls)
            .await?;
    }
    let limit = owner.plan.limits().max_items;
    let used = if limit == UNLIMITED {
        0
    } else {
        created_this_month(txn, owner.id).await?
    };
    if !within_limit(used as i64, limit) {
        return Err(AppError::Forbidden(format!(
            "Your {} plan includes {limit} posts a month and this would go over it. Upgrade for more.",
            owner.plan.limits().name
        )));
    }
    let status = if post.scheduled_for.is_some() {
        PostStatus::Scheduled
    } else {
        PostStatus::Draft
    };
    let mut row = post::new_row(
        owner.id,
        post.account.id,
        post.account.platform,
        post.content.clone(),
        status,
        post.scheduled_for,
    );
    row.queue_item_id = Set(post.queue_item_id);
    row.media_urls = Set(StringList(post.media_urls.clone()));
    row.hashtags = Set(StringList(post.hashtags.clone()));
    Ok(row.insert(txn).await?)
}

pub(super) async fn record_scheduled(db: &impl ConnectionTrait, post: &post::Model) {
    event_log::record(db, scheduled_event(post)).await;
}

/// The audit entry of a post given a time (`record_scheduled`; batches use `record_many`).
pub(super) fn scheduled_event(post: &post::Model) -> Event {
    Event::new(
        EventKind::Audit,
        format!("Post scheduled on {}", post.platform),
    )
    .user(post.user_id)
    .post(post.id)
    .data(json!({ "scheduled_for": post.scheduled_for, "account_id": post.account_id }))
}

/// Which of the owner's posts a list or an export shows, and in what order.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
pub struct PostFilter {
    pub status: Option<PostStatus>,
    pub platform: Option<Platform>,
    pub account_id: Option<Uuid>,
    /// Case-insensitive text in the content or in any hashtag (trimmed; empty means none).
    /// `%` and `_` are plain characters. Case folding is the database's: ASCII on SQLite,
    /// the database's locale on PostgreSQL.
    pub search: Option<String>,
    pub sort: PostSort,
}

/// The longest search text a list accepts.
pub const MAX_SEARCH_CHARS: usize = 200;

impl PostFilter {
    /// The search text as it is matched: trimmed and lower-cased; `None` when blank.
    pub fn search_text(&self) -> Option<String> {
        self.search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_lowercase)
    }
}

/// The owner's posts that `filter` selects, in its order (ties broken by id, so pages and
/// exports are stable). Reads the `posts` table only (see `post_reads::INPUT_TABLES`).
fn filtered(
    backend: DbBackend,
    owner: &user::Model,
    filter: &PostFilter,
) -> Result<Select<post::Entity>, AppError> {
    let mut select = post::Entity::find().filter(post::Column::UserId.eq(owner.id));
    if let Some(status) = filter.status {
        select = select.filter(post::Column::Status.eq(status));
    }
    if let Some(platform) = filter.platform {
        select = select.filter(post::Column::Platform.eq(platform));
    }
    if let Some(account_id) = filter.account_id {
        select = select.filter(post::Column::AccountId.eq(account_id));
    }
    if let Some(text) = filter.search_text() {
        if text.chars().count() > MAX_SEARCH_CHARS {
            return Err(AppError::validation(
                "q",
                format!("Search text is limited to {MAX_SEARCH_CHARS} characters"),
            ));
        }
        let pattern = crate::server::db::contains_pattern(&text);
        // One hashtag at a time (not the JSON text of the list), so a search never matches
        // across two tags or the list's punctuation. sea-query numbers PostgreSQL's
        // placeholders (`$1`) itself; SQLite's are `?`.
        let (in_content, in_hashtags) = match backend {
            DbBackend::Postgres => (
                "LOWER(\"posts\".\"content\") LIKE $1 ESCAPE '!'",
                "EXISTS (SELECT 1 FROM jsonb_array_elements_text(\"posts\".\"hashtags\") \
                 AS tag(value) WHERE LOWER(tag.value) LIKE $1 ESCAPE '!')",
            ),
            _ => (
                "LOWER(\"posts\".\"content\") LIKE ? ESCAPE '!'",
                "EXISTS (SELECT 1 FROM json_each(\"posts\".\"hashtags\") AS tag \
                 WHERE LOWER(tag.value) LIKE ? ESCAPE '!')",
            ),
        };
        select = select.filter(
            Condition::any()
                .add(Expr::cust_with_values(in_content, [pattern.clone()]))
                .add(Expr::cust_with_values(in_hashtags, [pattern])),
        );
    }
    let select = match filter.sort {
        PostSort::Newest => select
            .order_by_desc(post::Column::CreatedAt)
            .order_by_desc(post::Column::Id),
        PostSort::Oldest => select
            .order_by_asc(post::Column::CreatedAt)
            .order_by_asc(post::Column::Id),
        PostSort::Soonest => select
            .order_by_with_nulls(post::Column::ScheduledFor, Order::Asc, NullOrdering::Last)
            .order_by_asc(post::Column::Id),
        PostSort::Latest => select
            .order_by_with_nulls(post::Column::ScheduledFor, Order::Desc, NullOrdering::Last)
            .order_by_desc(post::Column::Id),
    };
    Ok(select)
}

/// The owner's posts that `filter` selects, one page of them.
pub async fn list(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    filter: PostFilter,
    page: PageRequest,
) -> Result<Page<PostView>, AppError> {
    let select = filtered(db.get_database_backend(), owner, &filter)?;
    page.fetch(db, select, |p| p.view()).await
}

/// The most posts one export holds.
pub const MAX_EXPORT_ROWS: u64 = 10_000;

/// The header of `export_csv`.
pub const EXPORT_HEADER: [&str; 11] = [
    "id",
    "account",
    "platform",
    "status",
    "content",
    "hashtags",
    "media",
    "scheduled_for",
    "scheduled_for_utc",
    "posted_at_utc",
    "error",
];

/// The owner's posts that `filter` selects (at most `MAX_EXPORT_ROWS`, in its order) as an
/// RFC 4180 CSV file: `scheduled_for` in `zone` ("2026-11-24 15:30"), the UTC times in RFC
/// 3339, hashtags (with `#`) and media URLs separated by spaces. Every cell is written so a
/// spreadsheet cannot read it as a formula.
pub async fn export_csv(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    filter: PostFilter,
    zone: Tz,
) -> Result<String, AppError> {
    let select = filtered(db.get_database_backend(), owner, &filter)?.limit(MAX_EXPORT_ROWS);
    let accounts = social_account::Entity::find()
        .filter(social_account::Column::UserId.eq(owner.id))
        .all(db);
    let (rows, accounts) = futures::try_join!(select.all(db), accounts)?;
    let names: std::collections::HashMap<Uuid, String> = accounts
        .into_iter()
        .map(|a| (a.id, a.account_name))
        .collect();
    let utc = |at: Option<DateTime<Utc>>| {
        at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    };
    let mut out = String::with_capacity(256 + rows.len() * 256);
    crate::server::csv::write_record(&mut out, &EXPORT_HEADER);
    for post in rows {
        let hashtags = post
            .hashtags
            .0
            .iter()
            .map(|t| format!("#{t}"))
            .collect::<Vec<_>>()
            .join(" ");
        let cells = [
            post.id.to_string(),
            names.get(&post.account_id).cloned().unwrap_or_default(),
            post.platform.to_string(),
            post.status.to_string(),
            post.content.clone(),
            hashtags,
            post.media_urls.0.join(" "),
            post.scheduled_for
                .map(|t| t.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default(),
            utc(post.scheduled_for),
            utc(post.posted_at),
            post.error_message.clone().unwrap_or_default(),
        ];
        let cells: Vec<_> = cells.iter().map(|c| crate::server::csv::inert(c)).collect();
        crate::server::csv::write_record(&mut out, &cells);
    }
    Ok(out)
}

/// One of the owner's posts; someone else's is "not found".
pub async fn find(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    id: Uuid,
) -> Result<post::Model, AppError> {
    post::Entity::find_by_id(id)
        .filter(post::Column::UserId.eq(owner.id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Post"))
}

pub async fn detail(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    id: Uuid,
) -> Result<PostDetail, AppError> {
    let post = find(db, owner, id).await?;
    let metrics = post_metrics::Entity::find()
        .filter(post_metrics::Column::PostId.eq(post.id))
        .one(db)
        .await?;
    Ok(PostDetail {
        post: post.view(),
        metrics: metrics.map(|m| m.view()),
    })
}

/// A partial update: `None` leaves a field as it is. For `scheduled_for`, `Some(None)`
/// unschedules (back to draft) and `Some(Some(t))` schedules at `t`.
#[derive(Debug, Default)]
pub struct PostPatch {
    pub content: Option<String>,
    pub media_urls: Option<Vec<String>>,
    pub hashtags: Option<Vec<String>>,
    pub scheduled_for: Option<Option<DateTime<Utc>>>,
    pub account_id: Option<Uuid>,
}

pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: &user::Model,
    id: Uuid,
    patch: PostPatch,
) -> Result<PostView, AppError> {
    let current = find(db, owner, id).await?;
    require(current.status, EDITABLE, "edited")?;
    let platform = match patch.account_id {
        Some(account_id) if account_id != current.account_id => {
            connected_account(db, owner, account_id).await?.platform
        }
        _ => current.platform,
    };
    let body = Body::new(
        patch.content.unwrap_or_else(|| current.content.clone()),
        patch
            .media_urls
            .unwrap_or_else(|| current.media_urls.0.clone()),
        patch.hashtags.unwrap_or_else(|| current.hashtags.0.clone()),
    )?;
    let scheduled_for = match patch.scheduled_for {
        None => current.scheduled_for,
        Some(None) => None,
        Some(Some(at)) => {
            require_future(at)?;
            Some(at)
        }
    };
    let status = if scheduled_for.is_some() {
        PostStatus::Scheduled
    } else {
        PostStatus::Draft
    };
    body.check(platform, status == PostStatus::Scheduled)?;
    let changes_what_is_published = body.content != current.content
        || body.media_urls != current.media_urls.0
        || body.hashtags != current.hashtags.0
        || patch.account_id.is_some_and(|a| a != current.account_id);
    let handed_to_platform = current.publish_ref.is_some() || current.publish_started_at.is_some();
    if handed_to_platform && changes_what_is_published {
        // The platform already holds this version (an Instagram container, a TikTok upload),
        // or an attempt began and its outcome is unknown: publishing resumes from it or looks
        // for it by its text, so an edit would be dropped, or post a second version.
        return Err(AppError::BadRequest(format!(
            "This post is already on its way to {}: its text, media and account cannot change \
             until that attempt ends. You can still move its time.",
            current.platform.label()
        )));
    }

    let newly_scheduled = status == PostStatus::Scheduled && scheduled_for != current.scheduled_for;
    let read_status = current.status;
    let read_time = current.scheduled_for;
    let had_no_handle = !handed_to_platform;
    // Only what this edit changes is written, so an edit of the text and a move of the time
    // made at once (a bulk reschedule) both land; a change of the time is written only over
    // the time this edit read, so two moves never silently overwrite each other.
    let media_urls = body.media_urls.clone();
    let mut active = current.clone().into_active_model();
    if let Some(account_id) = patch.account_id.filter(|a| *a != current.account_id) {
        active.account_id = Set(account_id);
        active.platform = Set(platform);
    }
    if body.content != current.content {
        active.content = Set(body.content);
    }
    if body.media_urls != current.media_urls.0 {
        active.media_urls = Set(StringList(body.media_urls));
    }
    if body.hashtags != current.hashtags.0 {
        active.hashtags = Set(StringList(body.hashtags));
    }
    let moves_time = scheduled_for != read_time;
    if moves_time {
        active.scheduled_for = Set(scheduled_for);
    }
    if status != read_status {
        active.status = Set(status);
    }
    active.updated_at = Set(Utc::now());
    let time_read = moves_time.then_some(read_time);
    let publishable = status == PostStatus::Scheduled;
    let txn = begin_post_save(db, owner.id, platform, &media_urls, publishable).await?;
    let updated = save_unless_claimed(
        &txn,
        active,
        read_status,
        Some(&current),
        time_read,
        had_no_handle,
        "edited",
    )
    .await?;
    txn.commit().await?;
    if newly_scheduled {
        record_scheduled(db, &updated).await;
    }
    Ok(updated.view())
}

pub async fn delete(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    id: Uuid,
) -> Result<(), AppError> {
    let post = find(db, owner, id).await?;
    require(post.status, DELETABLE, "deleted")?;
    let deleted = post::Entity::delete_many()
        .filter(post::Column::Id.eq(post.id))
        .filter(post::Column::Status.eq(post.status))
        .exec(db)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(changed_meanwhile("deleted"));
    }
    event_log::record(
        db,
        Event::new(EventKind::Audit, format!("Post deleted ({})", post.status))
            .user(owner.id)
            .post(post.id),
    )
    .await;
    Ok(())
}

/// The most posts one bulk action may name.
pub const MAX_BULK_IDS: usize = 500;

/// The ids of a bulk action, each once, in the order given.
fn bulk_ids(ids: &[Uuid]) -> Result<Vec<Uuid>, AppError> {
    let mut seen = std::collections::HashSet::with_capacity(ids.len());
    let unique: Vec<Uuid> = ids.iter().copied().filter(|id| seen.insert(*id)).collect();
    if unique.is_empty() {
        return Err(AppError::validation("ids", "Select at least one post"));
    }
    if unique.len() > MAX_BULK_IDS {
        return Err(AppError::validation(
            "ids",
            format!(
                "A bulk action takes at most {MAX_BULK_IDS} posts ({} selected)",
                unique.len()
            ),
        ));
    }
    Ok(unique)
}

/// Runs `action` on each post on its own, so one refusal never stops the others. An action
/// that lost a race with another write (`changed_meanwhile`) is tried again from a fresh
/// read, a few times, before it is reported.
async fn bulk<F, Fut>(
    ids: &[Uuid],
    raced: &AppError,
    mut action: F,
) -> Result<BulkOutcome, AppError>
where
    F: FnMut(Uuid) -> Fut,
    Fut: std::future::Future<Output = Result<(), AppError>>,
{
    const TRIES: u32 = 3;
    let mut outcome = BulkOutcome::default();
    for id in bulk_ids(ids)? {
        let mut tries = 1;
        let result = loop {
            match db::retry_busy(|| action(id)).await {
                Err(err) if &err == raced && tries < TRIES => tries += 1,
                other => break other,
            }
        };
        match result {
            Ok(()) => outcome.done += 1,
            Err(err) => outcome.refused.push(BulkRefusal {
                id,
                reason: err.to_string(),
            }),
        }
    }
    Ok(outcome)
}

/// Deletes each post `delete` would delete; the others are refused with its reason.
pub async fn bulk_delete(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    ids: &[Uuid],
) -> Result<BulkOutcome, AppError> {
    bulk(ids, &changed_meanwhile("deleted"), |id| {
        delete(db, owner, id)
    })
    .await
}

/// How far a bulk reschedule moves posts. Whole days keep the wall-clock time in the owner's
/// zone, so "+1 day" across a daylight-saving change still lands at 10:00; hours are exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shift {
    pub days: i64,
    pub hours: i64,
}

impl Shift {
    pub fn days(days: i64) -> Self {
        Shift { days, hours: 0 }
    }

    pub fn hours(hours: i64) -> Self {
        Shift { days: 0, hours }
    }
}

/// The furthest a bulk reschedule moves posts, either way.
pub const MAX_SHIFT_DAYS: i64 = 366;

/// Moves each post's time by `shift`, by the rules of `schedule` (a schedulable status and
/// a future time). A post without a time is refused, and so is one whose new wall-clock time
/// daylight saving skips.
pub async fn bulk_reschedule<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: &user::Model,
    ids: &[Uuid],
    shift: Shift,
) -> Result<BulkOutcome, AppError> {
    let total_hours = shift.days.saturating_mul(24).saturating_add(shift.hours);
    if total_hours == 0 || total_hours.abs() > MAX_SHIFT_DAYS * 24 {
        return Err(AppError::validation(
            "offset",
            format!("Posts move by up to {MAX_SHIFT_DAYS} days either way"),
        ));
    }
    let zone = super::local_time::user_zone(owner);
    bulk(ids, &changed_meanwhile("scheduled"), |id| async move {
        let post = find(db, owner, id).await?;
        let Some(at) = post.scheduled_for else {
            return Err(AppError::BadRequest(format!(
                "This {} post has no time to move",
                post.status
            )));
        };
        let local = at.with_timezone(&zone).naive_local() + Duration::days(shift.days);
        let moved = super::local_time::to_utc(
            zone,
            local,
            Some(super::local_time::Occurrence::Earlier),
            "offset",
        )? + Duration::hours(shift.hours);
        schedule_read(db, owner, post, moved).await.map(drop)
    })
    .await
}

/// Takes each scheduled post back to draft, by the rules of `update` (unscheduling); a
/// draft is already there and counts as done.
pub async fn bulk_to_draft<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: &user::Model,
    ids: &[Uuid],
) -> Result<BulkOutcome, AppError> {
    bulk(ids, &changed_meanwhile("edited"), |id| async move {
        let post = find(db, owner, id).await?;
        if post.status == PostStatus::Draft && post.scheduled_for.is_none() {
            return Ok(());
        }
        let unschedule = PostPatch {
            scheduled_for: Some(None),
            ..PostPatch::default()
        };
        update(db, owner, id, unschedule).await.map(drop)
    })
    .await
}

/// Deletes the posts a queue item created that have not gone out (those `delete` allows);
/// the engine's claim changes a post's status first, so a post it is publishing stays.
pub(super) async fn withdraw_unpublished(
    txn: &DatabaseTransaction,
    owner: &user::Model,
    queue_item_id: Uuid,
) -> Result<u64, AppError> {
    let deleted = post::Entity::delete_many()
        .filter(post::Column::UserId.eq(owner.id))
        .filter(post::Column::QueueItemId.eq(queue_item_id))
        .filter(post::Column::Status.is_in(DELETABLE.iter().copied()))
        // A post an attempt may have put on its platform (a handle, or a start whose outcome
        // is unknown) could be live: it stays, so its record is not lost.
        .filter(post::Column::PublishRef.is_null())
        .filter(post::Column::PublishStartedAt.is_null())
        .exec(txn)
        .await?;
    Ok(deleted.rows_affected)
}

/// Schedules a draft, moves a scheduled post, or gives a failed post a new slot.
pub async fn schedule<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: &user::Model,
    id: Uuid,
    at: DateTime<Utc>,
) -> Result<PostView, AppError> {
    let post = find(db, owner, id).await?;
    schedule_read(db, owner, post, at).await
}

/// `schedule` for a post already read: written only if its status and time are still the
/// ones read.
async fn schedule_read<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: &user::Model,
    post: post::Model,
    at: DateTime<Utc>,
) -> Result<PostView, AppError> {
    require(post.status, SCHEDULABLE, "scheduled")?;
    require_future(at)?;
    connected_account(db, owner, post.account_id).await?;
    Body::new(
        post.content.clone(),
        post.media_urls.0.clone(),
        post.hashtags.0.clone(),
    )?
    .check(post.platform, true)?;
    let updated = requeue(db, owner, post, at).await?;
    record_scheduled(db, &updated).await;
    Ok(updated.view())
}

/// Puts a failed post back in line for immediate publishing.
pub async fn retry<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: &user::Model,
    id: Uuid,
) -> Result<PostView, AppError> {
    let post = find(db, owner, id).await?;
    require(post.status, RETRYABLE, "retried")?;
    connected_account(db, owner, post.account_id).await?;
    let updated = requeue(db, owner, post, Utc::now()).await?;
    event_log::record(
        db,
        Event::new(EventKind::Audit, "Failed post re-queued for publishing")
            .user(owner.id)
            .post(updated.id),
    )
    .await;
    Ok(updated.view())
}

/// Puts a post in line to publish at `at`; its library files are checked (see
/// `begin_post_save`).
async fn requeue<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: &user::Model,
    post: post::Model,
    at: DateTime<Utc>,
) -> Result<post::Model, AppError> {
    let (platform, media_urls) = (post.platform, post.media_urls.0.clone());
    let read_status = post.status;
    let read_time = post.scheduled_for;
    // Moving a scheduled post changes only its time; a draft or a failed post becoming
    // scheduled was checked as a post to publish (media required), so nothing of what was
    // checked may have changed meanwhile.
    let body_checked = (read_status != PostStatus::Scheduled).then(|| post.clone());
    let mut active = post.into_active_model();
    active.status = Set(PostStatus::Scheduled);
    active.scheduled_for = Set(Some(at));
    active.error_message = Set(None);
    active.attempts = Set(0);
    active.next_attempt_at = Set(None);
    active.lease_owner = Set(None);
    active.lease_expires_at = Set(None);
    active.updated_at = Set(Utc::now());
    // A post already scheduled holds its files (they cannot be deleted): moving it needs no
    // check.
    let newly_publishable = read_status != PostStatus::Scheduled;
    let txn = begin_post_save(db, owner.id, platform, &media_urls, newly_publishable).await?;
    let saved = save_unless_claimed(
        &txn,
        active,
        read_status,
        body_checked.as_ref(),
        Some(read_time),
        false,
        "scheduled",
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Parses an IANA zone name (`Europe/Paris`); UTC when absent.
pub fn parse_zone(name: Option<&str>) -> Result<Tz, AppError> {
    match name.map(str::trim).filter(|n| !n.is_empty()) {
        None => Ok(Tz::UTC),
        Some(name) => name
            .parse::<Tz>()
            .map_err(|_| AppError::validation("tz", format!("Unknown time zone {name:?}"))),
    }
}

/// The owner's posts between two local dates (inclusive) grouped by local day: published posts
/// by `posted_at`, the others by `scheduled_for`; unscheduled drafts are not on the calendar.
pub async fn calendar(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    start: NaiveDate,
    end: NaiveDate,
    zone: Tz,
) -> Result<Calendar, AppError> {
    let (from, until) = calendar_bounds(start, end, zone)?;
    let (published, unpublished) = calendar_ranges(owner, from, until);
    let (published, unpublished) = futures::try_join!(published.all(db), unpublished.all(db))?;
    let posts = published.into_iter().chain(unpublished);

    let mut dated: Vec<(DateTime<Utc>, post::Model)> = posts
        .into_iter()
        .filter_map(|p| p.calendar_time().map(|at| (at, p)))
        .filter(|(at, _)| *at >= from && *at < until)
        .collect();
    dated.sort_by(|(a, pa), (b, pb)| a.cmp(b).then(pa.id.cmp(&pb.id)));
    let total = dated.len() as u64;
    let mut days: Vec<CalendarDay> = Vec::new();
    for (at, post) in dated {
        let date = at.with_timezone(&zone).date_naive();
        match days.last_mut() {
            Some(day) if day.date == date => day.posts.push(post.view()),
            _ => days.push(CalendarDay {
                date,
                posts: vec![post.view()],
            }),
        }
    }
    Ok(Calendar {
        start_date: start,
        end_date: end,
        total,
        days,
    })
}

/// Characters of the caption a calendar chip shows.
pub const EXCERPT_CHARS: usize = 60;

/// A post as the calendar pages draw it: what a chip shows, read without the rest of the row
/// (a month is a thousand posts; their captions, media and bookkeeping stay in the database).
#[derive(
    Debug, Clone, PartialEq, sea_orm::FromQueryResult, serde::Serialize, serde::Deserialize,
)]
pub struct CalendarEntry {
    pub id: Uuid,
    pub account_id: Uuid,
    pub platform: Platform,
    pub status: PostStatus,
    /// The caption's first `EXCERPT_CHARS` characters.
    pub excerpt: String,
    pub scheduled_for: Option<DateTime<Utc>>,
    pub posted_at: Option<DateTime<Utc>>,
}

impl CalendarEntry {
    /// Where the calendar places the post (`post::calendar_time`).
    pub fn calendar_time(&self) -> Option<DateTime<Utc>> {
        post::calendar_time(self.posted_at, self.scheduled_for)
    }
}

impl From<&PostView> for CalendarEntry {
    fn from(post: &PostView) -> Self {
        CalendarEntry {
            id: post.id,
            account_id: post.account_id,
            platform: post.platform,
            status: post.status,
            excerpt: post.content.chars().take(EXCERPT_CHARS).collect(),
            scheduled_for: post.scheduled_for,
            posted_at: post.posted_at,
        }
    }
}

/// One day of `calendar_entries`: its posts in time order and how many more it has.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CalendarDayEntries {
    pub date: NaiveDate,
    pub entries: Vec<CalendarEntry>,
    /// Posts of the day left out by `per_day`.
    pub more: u32,
}

/// The calendar pages' read: the posts placed from `start` to `end` in `zone`, by day in time
/// order (as `calendar`, which the API answers with whole posts). With `per_day`, a day keeps
/// its first `per_day` posts and counts the others: the month view reads only when each post
/// falls (three small columns), then the chips it shows.
pub async fn calendar_entries(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    start: NaiveDate,
    end: NaiveDate,
    zone: Tz,
    per_day: Option<usize>,
) -> Result<Vec<CalendarDayEntries>, AppError> {
    let (from, until) = calendar_bounds(start, end, zone)?;
    let (published, unpublished) = calendar_ranges(owner, from, until);
    let wanted = match per_day {
        None => None,
        Some(per_day) => {
            let when = |select: Select<post::Entity>| {
                select
                    .select_only()
                    .column(post::Column::Id)
                    .column(post::Column::ScheduledFor)
                    .column(post::Column::PostedAt)
                    .into_tuple::<(Uuid, Option<DateTime<Utc>>, Option<DateTime<Utc>>)>()
                    .all(db)
            };
            let (published, unpublished) =
                futures::try_join!(when(published.clone()), when(unpublished.clone()))?;
            let mut placed: Vec<(DateTime<Utc>, Uuid)> = published
                .into_iter()
                .chain(unpublished)
                .filter_map(|(id, scheduled_for, posted_at)| {
                    post::calendar_time(posted_at, scheduled_for).map(|at| (at, id))
                })
                .filter(|(at, _)| *at >= from && *at < until)
                .collect();
            // A post published between the two concurrent reads is in both: count it once.
            placed.sort_by_key(|(_, id)| *id);
            placed.dedup_by_key(|(_, id)| *id);
            placed.sort();
            let mut shown = Vec::new();
            let mut more: Vec<(NaiveDate, u32)> = Vec::new();
            let mut day: Option<(NaiveDate, usize)> = None;
            for (at, id) in placed {
                let date = at.with_timezone(&zone).date_naive();
                let seen = match day {
                    Some((d, n)) if d == date => n,
                    _ => 0,
                };
                day = Some((date, seen + 1));
                if seen < per_day {
                    shown.push(id);
                } else {
                    match more.last_mut() {
                        Some((d, n)) if *d == date => *n += 1,
                        _ => more.push((date, 1)),
                    }
                }
            }
            Some((shown, more))
        }
    };
    let entries = |select: Select<post::Entity>| {
        let select = match &wanted {
            Some((ids, _)) => select.filter(post::Column::Id.is_in(ids.iter().copied())),
            None => select,
        };
        select
            .select_only()
            .column(post::Column::Id)
            .column(post::Column::AccountId)
            .column(post::Column::Platform)
            .column(post::Column::Status)
            .column_as(
                Expr::cust(format!("substr(content, 1, {EXCERPT_CHARS})")),
                "excerpt",
            )
            .column(post::Column::ScheduledFor)
            .column(post::Column::PostedAt)
            .into_model::<CalendarEntry>()
            .all(db)
    };
    let (mut listed, unpublished) = match &wanted {
        // No day has posts: nothing more to read.
        Some((ids, _)) if ids.is_empty() => (Vec::new(), Vec::new()),
        _ => futures::try_join!(entries(published), entries(unpublished))?,
    };
    listed.extend(unpublished);
    listed.sort_by_key(|e| e.id);
    listed.dedup_by_key(|e| e.id);
    let mut dated: Vec<(DateTime<Utc>, CalendarEntry)> = listed
        .into_iter()
        .filter_map(|e| e.calendar_time().map(|at| (at, e)))
        // A post moved between the two reads lands where it is now, or drops out.
        .filter(|(at, _)| *at >= from && *at < until)
        .collect();
    dated.sort_by(|(a, ea), (b, eb)| a.cmp(b).then(ea.id.cmp(&eb.id)));
    let mut days: Vec<CalendarDayEntries> = Vec::new();
    for (at, entry) in dated {
        let date = at.with_timezone(&zone).date_naive();
        match days.last_mut() {
            Some(day) if day.date == date => day.entries.push(entry),
            _ => days.push(CalendarDayEntries {
                date,
                entries: vec![entry],
                more: 0,
            }),
        }
    }
    if let Some((_, more)) = wanted {
        for (date, count) in more {
            match days.iter_mut().find(|d| d.date == date) {
                Some(day) => day.more = count,
                None => {
                    let at = days.partition_point(|d| d.date < date);
                    days.insert(
                        at,
                        CalendarDayEntries {
                            date,
                            entries: Vec::new(),
                            more: count,
                        },
                    );
                }
            }
        }
    }
    Ok(days)
}

/// The instants a calendar from `start` to `end` (local dates in `zone`) covers.
fn calendar_bounds(
    start: NaiveDate,
    end: NaiveDate,
    zone: Tz,
) -> Result<(DateTime<Utc>, DateTime<Utc>), AppError> {
    if end < start {
        return Err(AppError::validation(
            "end_date",
            "end_date must not be before start_date",
        ));
    }
    if (end - start).num_days() + 1 > MAX_CALENDAR_DAYS {
        return Err(AppError::validation(
            "end_date",
            format!("A calendar range is at most {MAX_CALENDAR_DAYS} days"),
        ));
    }
    Ok((
        local_midnight(zone, start),
        local_midnight(zone, end + Duration::days(1)),
    ))
}

/// Published posts by their publication, the others by their slot: two index range scans
/// ((user_id, posted_at) and (user_id, scheduled_for)) instead of one scan with an OR.
fn calendar_ranges(
    owner: &user::Model,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> (Select<post::Entity>, Select<post::Entity>) {
    let published = post::Entity::find()
        .filter(post::Column::UserId.eq(owner.id))
        .filter(post::Column::PostedAt.gte(from))
        .filter(post::Column::PostedAt.lt(until));
    let unpublished = post::Entity::find()
        .filter(post::Column::UserId.eq(owner.id))
        .filter(post::Column::ScheduledFor.gte(from))
        .filter(post::Column::ScheduledFor.lt(until))
        .filter(post::Column::PostedAt.is_null());
    (published, unpublished)
}

/// The instant a local date begins in `zone` (the earliest, if the zone repeats midnight).
fn local_midnight(zone: Tz, date: NaiveDate) -> DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    match zone.from_local_datetime(&midnight) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => {
            t.with_timezone(&Utc)
        }
        // Midnight skipped by a DST change: the day starts an hour later.
        chrono::LocalResult::None => zone
            .from_local_datetime(&(midnight + Duration::hours(1)))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| Utc.from_utc_datetime(&midnight)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_follow_the_contract() {
        assert!(require(PostStatus::Draft, EDITABLE, "edited").is_ok());
        assert!(require(PostStatus::Posted, EDITABLE, "edited").is_err());
        assert!(require(PostStatus::Failed, DELETABLE, "deleted").is_ok());
        assert!(require(PostStatus::Publishing, DELETABLE, "deleted").is_err());
        assert!(require(PostStatus::Failed, SCHEDULABLE, "scheduled").is_ok());
        assert!(require(PostStatus::Draft, RETRYABLE, "retried").is_err());
        assert_eq!(
            require(PostStatus::Posted, DELETABLE, "deleted")
                .unwrap_err()
                .to_string(),
            "A posted post cannot be deleted"
        );
    }

    #[test]
    fn urls_must_be_http() {
        assert!(is_http_url("https://cdn.example.com/a.jpg"));
        assert!(is_http_url("http://example.com"));
        assert!(!is_http_url("ftp://example.com/a.jpg"));
        assert!(!is_http_url("https://"));
        assert!(!is_http_url("https:///a"));
        assert!(!is_http_url("https://a b"));
        assert!(!is_http_url("javascript:alert(1)"));
    }

    #[test]
    fn hashtags_lose_their_hash_and_must_be_words() {
        let body = Body::new("hi".into(), vec![], vec!["#sale".into(), " summer ".into()]).unwrap();
        assert_eq!(body.hashtags, ["sale", "summer"]);
        assert!(Body::new("hi".into(), vec![], vec!["two words".into()]).is_err());
        assert!(Body::new("hi".into(), vec![], vec!["#".into()]).is_err());
    }

    #[test]
    fn days_start_at_local_midnight() {
        let ny: Tz = "America/New_York".parse().unwrap();
        let start = local_midnight(ny, NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
        assert_eq!(start.to_rfc3339(), "2026-11-30T05:00:00+00:00");
        assert!(parse_zone(Some("Mars/Olympus")).is_err());
        assert_eq!(parse_zone(None).unwrap(), Tz::UTC);
    }
}
