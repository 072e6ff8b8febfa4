//! Posts: creation within the plan's monthly allowance and the platform's rules, editing and
//! scheduling while a post is a draft or scheduled, deletion, retrying failures, lists and the
//! calendar. Which status allows which action is decided here and nowhere else.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::accounts;
use super::event_log::{self, Event};
use super::paging::PageRequest;
use super::usage;
use crate::error::AppError;
use crate::model::{
    Calendar, CalendarDay, EventKind, Page, Platform, PostDetail, PostStatus, PostView,
};
use crate::plans::{within_limit, UNLIMITED};
use crate::server::db;
use crate::server::entities::{post, post_metrics, social_account, user, StringList};

const EDITABLE: &[PostStatus] = &[PostStatus::Draft, PostStatus::Scheduled];
const DELETABLE: &[PostStatus] = &[PostStatus::Draft, PostStatus::Scheduled, PostStatus::Failed];
const SCHEDULABLE: &[PostStatus] = &[PostStatus::Draft, PostStatus::Scheduled, PostStatus::Failed];
const RETRYABLE: &[PostStatus] = &[PostStatus::Failed];

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
/// `handle_was_absent`, also only if no attempt has handed the post to its platform since:
/// an attempt that failed puts the post back in its old status, holding a platform handle.
async fn save_unless_claimed(
    db: &impl ConnectionTrait,
    active: post::ActiveModel,
    read_status: PostStatus,
    handle_was_absent: bool,
    action: &str,
) -> Result<post::Model, AppError> {
    let mut update = post::Entity::update(active).filter(post::Column::Status.eq(read_status));
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
        "The post cannot be {action}: its status changed meanwhile (it may be publishing)"
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
        let chars = self.content.chars().count();
        if chars > rules.max_content_chars {
            return Err(AppError::validation(
                "content",
                format!(
                    "{} captions are limited to {} characters (this one has {chars})",
                    platform.label(),
                    rules.max_content_chars
                ),
            ));
        }
        if let Some(max) = rules.max_hashtags {
            if self.hashtags.len() > max {
                return Err(AppError::validation(
                    "hashtags",
                    format!("{} allows at most {max} hashtags", platform.label()),
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
        return Err(AppError::BadRequest(
            "The scheduled time must be in the future: that one has already passed".into(),
        ));
    }
    Ok(())
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
    posts: Vec<NewPost>,
) -> Result<Vec<PostView>, AppError> {
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

/// The plan's monthly post allowance, reserved and spent in one step: counts and inserts
/// inside a transaction from `db::begin_owner_write`, so N racing creations get exactly the
/// remaining allowance and the rest a 403.
pub(super) async fn insert_within_allowance(
    txn: &DatabaseTransaction,
    owner: &user::Model,
    post: &CheckedPost,
) -> Result<post::Model, AppError> {
    let limit = owner.plan.limits().max_items;
    let used = if limit == UNLIMITED {
        0
    } else {
        created_this_month(txn, owner.id).await?
    };
    if !within_limit(used as i64, limit) {
        return Err(AppError::Forbidden(format!(
            "Your {} plan includes {limit} posts a month and you have used them. Upgrade for more.",
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
    event_log::record(
        db,
        Event::new(
            EventKind::Audit,
            format!("Post scheduled on {}", post.platform),
        )
        .user(post.user_id)
        .post(post.id)
        .data(json!({ "scheduled_for": post.scheduled_for, "account_id": post.account_id })),
    )
    .await;
}

#[derive(Debug, Default, Clone)]
pub struct PostFilter {
    pub status: Option<PostStatus>,
    pub platform: Option<Platform>,
    // MERGE-SVC: the svc branch implements these.
    pub account_id: Option<Uuid>,
    pub search: Option<String>,
    pub sort: crate::model::PostSort,
}

/// The owner's posts, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    filter: PostFilter,
    page: PageRequest,
) -> Result<Page<PostView>, AppError> {
    let mut select = post::Entity::find().filter(post::Column::UserId.eq(owner.id));
    if let Some(status) = filter.status {
        select = select.filter(post::Column::Status.eq(status));
    }
    if let Some(platform) = filter.platform {
        select = select.filter(post::Column::Platform.eq(platform));
    }
    let select = select
        .order_by_desc(post::Column::CreatedAt)
        .order_by_desc(post::Column::Id);
    page.fetch(db, select, |p| p.view()).await
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

pub async fn update(
    db: &impl ConnectionTrait,
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
    let had_no_handle = !handed_to_platform;
    let mut active = current.into_active_model();
    if let Some(account_id) = patch.account_id {
        active.account_id = Set(account_id);
        active.platform = Set(platform);
    }
    active.content = Set(body.content);
    active.media_urls = Set(StringList(body.media_urls));
    active.hashtags = Set(StringList(body.hashtags));
    active.scheduled_for = Set(scheduled_for);
    active.status = Set(status);
    active.updated_at = Set(Utc::now());
    let updated = save_unless_claimed(db, active, read_status, had_no_handle, "edited").await?;
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
pub async fn schedule(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    id: Uuid,
    at: DateTime<Utc>,
) -> Result<PostView, AppError> {
    let post = find(db, owner, id).await?;
    require(post.status, SCHEDULABLE, "scheduled")?;
    require_future(at)?;
    connected_account(db, owner, post.account_id).await?;
    Body::new(
        post.content.clone(),
        post.media_urls.0.clone(),
        post.hashtags.0.clone(),
    )?
    .check(post.platform, true)?;
    let updated = requeue(db, post, at).await?;
    record_scheduled(db, &updated).await;
    Ok(updated.view())
}

/// Puts a failed post back in line for immediate publishing.
pub async fn retry(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    id: Uuid,
) -> Result<PostView, AppError> {
    let post = find(db, owner, id).await?;
    require(post.status, RETRYABLE, "retried")?;
    connected_account(db, owner, post.account_id).await?;
    let updated = requeue(db, post, Utc::now()).await?;
    event_log::record(
        db,
        Event::new(EventKind::Audit, "Failed post re-queued for publishing")
            .user(owner.id)
            .post(updated.id),
    )
    .await;
    Ok(updated.view())
}

async fn requeue(
    db: &impl ConnectionTrait,
    post: post::Model,
    at: DateTime<Utc>,
) -> Result<post::Model, AppError> {
    let read_status = post.status;
    let mut active = post.into_active_model();
    active.status = Set(PostStatus::Scheduled);
    active.scheduled_for = Set(Some(at));
    active.error_message = Set(None);
    active.attempts = Set(0);
    active.next_attempt_at = Set(None);
    active.lease_owner = Set(None);
    active.lease_expires_at = Set(None);
    active.updated_at = Set(Utc::now());
    save_unless_claimed(db, active, read_status, false, "scheduled").await
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
    let from = local_midnight(zone, start);
    let until = local_midnight(zone, end + Duration::days(1));
    // Published posts by their publication, the others by their slot: two index range scans
    // ((user_id, posted_at) and (user_id, scheduled_for)) instead of one scan with an OR.
    let published = post::Entity::find()
        .filter(post::Column::UserId.eq(owner.id))
        .filter(post::Column::PostedAt.gte(from))
        .filter(post::Column::PostedAt.lt(until))
        .all(db);
    let unpublished = post::Entity::find()
        .filter(post::Column::UserId.eq(owner.id))
        .filter(post::Column::ScheduledFor.gte(from))
        .filter(post::Column::ScheduledFor.lt(until))
        .filter(post::Column::PostedAt.is_null())
        .all(db);
    let (published, unpublished) = futures::try_join!(published, unpublished)?;
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
