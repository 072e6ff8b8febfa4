//! The media library: uploads sent in pieces (resumable), what each file is (sniffed, measured,
//! thumbnailed), the same file kept once per user, the plan's storage quota, which posts use a
//! file, and deleting one that no scheduled post needs. Posts refer to a file by its address
//! (`{public_url}/media/m/{user}/{hash}.{ext}`); scheduling checks it against the platform's
//! media rules here (`check_scheduled_media`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use chrono::{DateTime, Duration, Utc};
use futures::TryStreamExt;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::{
    byte_size_label, MediaFacts, MediaItem, MediaKind, MediaLibrary, MediaProblem, MediaUpload,
    MediaUse, Platform, PostStatus,
};
use crate::server::config::MediaSettings;
use crate::server::db;
use crate::server::entities::{media, media_upload, post, user};
use crate::server::media::inspect;
use crate::server::media::storage::{staging_key, staging_prefix, MediaStore, StoreError};

/// What the media service works with.
#[derive(Clone, Copy)]
pub struct MediaContext<'a> {
    pub db: &'a DatabaseConnection,
    pub store: &'a MediaStore,
    pub settings: &'a MediaSettings,
    /// Where a completed upload is assembled before it is inspected and stored.
    pub work_dir: &'a Path,
}

const MAX_FILENAME_CHARS: usize = 255;
const MAX_SEARCH_CHARS: usize = 100;

fn store_failed(err: StoreError) -> AppError {
    tracing::error!(error = %err, "media store");
    AppError::Unavailable("The media store did not answer. Please try again.".into())
}

fn upload_not_found() -> AppError {
    AppError::not_found("Upload")
}

fn expires_at(settings: &MediaSettings, row: &media_upload::Model) -> DateTime<Utc> {
    row.updated_at + Duration::hours(settings.stale_upload_hours)
}

fn upload_view(settings: &MediaSettings, row: &media_upload::Model) -> MediaUpload {
    MediaUpload {
        id: row.id,
        filename: row.filename.clone(),
        byte_size: row.byte_size,
        received: row.received,
        chunk_bytes: settings.chunk_bytes(),
        expires_at: expires_at(settings, row),
    }
}

/// The most one file may weigh, whatever it turns out to be.
fn largest_file(settings: &MediaSettings) -> i64 {
    settings.max_image_bytes().max(settings.max_video_bytes())
}

fn quota_exceeded(owner_plan: crate::model::PlanTier, used: i64, adding: i64) -> AppError {
    let limits = owner_plan.limits();
    AppError::PayloadTooLarge(format!(
        "This file ({}) would take your media storage past your {} plan's {} ({} used). \
         Delete files you no longer need, or upgrade for more room.",
        byte_size_label(adding),
        limits.name,
        byte_size_label(limits.storage_bytes),
        byte_size_label(used)
    ))
}

/// Starts an upload of a file of `byte_size` bytes: the size is checked against the largest
/// file allowed and the plan's storage quota before a byte is sent.
pub async fn start_upload(
    ctx: MediaContext<'_>,
    owner: &user::Model,
    filename: &str,
    byte_size: i64,
) -> Result<MediaUpload, AppError> {
    let filename = clean_filename(filename)?;
    if byte_size <= 0 {
        return Err(AppError::validation(
            "byte_size",
            "This file is empty (0 bytes). Choose the photo or video itself.",
        ));
    }
    let largest = largest_file(ctx.settings);
    if byte_size > largest {
        return Err(AppError::PayloadTooLarge(format!(
            "This file is {}; PostPilot takes photos up to {} and videos up to {}.",
            byte_size_label(byte_size),
            byte_size_label(ctx.settings.max_image_bytes()),
            byte_size_label(ctx.settings.max_video_bytes()),
        )));
    }
    // Uploads still open count too: pieces take room before they become files.
    let used = stored_bytes(ctx.db, owner.id).await? + open_upload_bytes(ctx.db, owner.id).await?;
    if used + byte_size > owner.plan.limits().storage_bytes {
        return Err(quota_exceeded(owner.plan, used, byte_size));
    }
    let now = Utc::now();
    let row = media_upload::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(owner.id),
        filename: Set(filename),
        byte_size: Set(byte_size),
        received: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(ctx.db)
    .await?;
    Ok(upload_view(ctx.settings, &row))
}

fn clean_filename(filename: &str) -> Result<String, AppError> {
    // The last path segment, without control characters.
    let name: String = filename
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::validation("filename", "The file needs a name"));
    }
    if filename.chars().count() > MAX_FILENAME_CHARS {
        return Err(AppError::validation(
            "filename",
            format!("File names are limited to {MAX_FILENAME_CHARS} characters"),
        ));
    }
    Ok(name.to_string())
}

async fn stored_bytes(db: &impl ConnectionTrait, owner: Uuid) -> Result<i64, AppError> {
    Ok(user::Entity::find_by_id(owner)
        .select_only()
        .column(user::Column::MediaBytes)
        .into_tuple::<i64>()
        .one(db)
        .await?
        .unwrap_or(0))
}

async fn open_upload_bytes(db: &impl ConnectionTrait, owner: Uuid) -> Result<i64, AppError> {
    let sizes: Vec<i64> = media_upload::Entity::find()
        .filter(media_upload::Column::UserId.eq(owner))
        .select_only()
        .column(media_upload::Column::ByteSize)
        .into_tuple()
        .all(db)
        .await?;
    Ok(sizes.iter().sum())
}

async fn owned_upload(
    db: &impl ConnectionTrait,
    owner: Uuid,
    id: Uuid,
) -> Result<media_upload::Model, AppError> {
    media_upload::Entity::find_by_id(id)
        .filter(media_upload::Column::UserId.eq(owner))
        .one(db)
        .await?
        .ok_or_else(upload_not_found)
}

/// How much of an upload has arrived (a client resumes from `received`).
pub async fn upload_status(
    ctx: MediaContext<'_>,
    owner: &user::Model,
    id: Uuid,
) -> Result<MediaUpload, AppError> {
    let row = owned_upload(ctx.db, owner.id, id).await?;
    Ok(upload_view(ctx.settings, &row))
}

/// Adds the piece of the file that starts at `offset`. It must start where the upload stands
/// (409 with the upload's position otherwise: another tab sent it, or a retry of a piece that
/// arrived), be at most `chunk_bytes` and stay within the declared size.
pub async fn append(
    ctx: MediaContext<'_>,
    owner: &user::Model,
    id: Uuid,
    offset: i64,
    piece: Bytes,
) -> Result<MediaUpload, AppError> {
    let row = owned_upload(ctx.db, owner.id, id).await?;
    if offset != row.received {
        return Err(AppError::Conflict(format!(
            "This upload has {} of {} bytes; send the piece that starts at byte {}",
            row.received, row.byte_size, row.received
        )));
    }
    let len = piece.len() as i64;
    if len == 0 {
        return Err(AppError::validation("body", "The piece is empty"));
    }
    if len > ctx.settings.chunk_bytes() {
        return Err(AppError::PayloadTooLarge(format!(
            "Pieces are at most {} each",
            byte_size_label(ctx.settings.chunk_bytes())
        )));
    }
    if offset + len > row.byte_size {
        return Err(AppError::validation(
            "body",
            format!(
                "The file is longer than the {} bytes announced; start a new upload with its \
                 real size",
                row.byte_size
            ),
        ));
    }
    // The piece is stored before the position moves: a piece written twice (a retry) lands
    // on the same key, and a position never points past what is stored.
    ctx.store
        .put(&staging_key(id, offset), piece, "application/octet-stream")
        .await
        .map_err(store_failed)?;
    let now = Utc::now();
    let moved = media_upload::Entity::update_many()
        .col_expr(media_upload::Column::Received, Expr::value(offset + len))
        .col_expr(media_upload::Column::UpdatedAt, Expr::value(now))
        .filter(media_upload::Column::Id.eq(id))
        .filter(media_upload::Column::Received.eq(offset))
        .exec(ctx.db)
        .await?;
    if moved.rows_affected == 0 {
        let current = owned_upload(ctx.db, owner.id, id).await?;
        return Err(AppError::Conflict(format!(
            "This upload has {} of {} bytes; send the piece that starts at byte {}",
            current.received, current.byte_size, current.received
        )));
    }
    let mut row = row;
    row.received = offset + len;
    row.updated_at = now;
    Ok(upload_view(ctx.settings, &row))
}

/// Abandons an upload and deletes what it sent.
pub async fn cancel(ctx: MediaContext<'_>, owner: &user::Model, id: Uuid) -> Result<(), AppError> {
    owned_upload(ctx.db, owner.id, id).await?;
    media_upload::Entity::delete_many()
        .filter(media_upload::Column::Id.eq(id))
        .filter(media_upload::Column::UserId.eq(owner.id))
        .exec(ctx.db)
        .await?;
    ctx.store
        .delete_under(&staging_prefix(id))
        .await
        .map_err(store_failed)
}

/// A completed upload: the file, and whether it is new to the library (`false`: the same
/// bytes were there already, and that file is returned).
pub struct Completed {
    pub item: MediaItem,
    pub created: bool,
}

/// Turns a whole upload into a library file: its bytes are assembled and hashed, their type
/// sniffed, a photo measured and thumbnailed (a video's length and size read), the platform
/// rules noted, and the file stored once per content hash within the plan's quota. Whatever
/// happens, the upload and its pieces are gone afterwards (a refused file leaves nothing).
pub async fn complete(
    ctx: MediaContext<'_>,
    owner: &user::Model,
    id: Uuid,
) -> Result<Completed, AppError> {
    let row = owned_upload(ctx.db, owner.id, id).await?;
    if row.received < row.byte_size {
        return Err(AppError::validation(
            "upload",
            format!(
                "The upload is incomplete: {} of {} bytes arrived. Send the rest (from byte {}), \
                 then complete it.",
                row.received, row.byte_size, row.received
            ),
        ));
    }
    // Claimed by deleting its row: a second completion (another tab) finds nothing.
    let claimed = media_upload::Entity::delete_many()
        .filter(media_upload::Column::Id.eq(id))
        .filter(media_upload::Column::UserId.eq(owner.id))
        .exec(ctx.db)
        .await?;
    if claimed.rows_affected == 0 {
        return Err(upload_not_found());
    }
    let assembled = ctx.work_dir.join(format!("upload-{}", id.simple()));
    let result = store_upload(ctx, owner, &row, &assembled).await;
    let _ = tokio::fs::remove_file(&assembled).await;
    if let Err(err) = ctx.store.delete_under(&staging_prefix(id)).await {
        // The stale-upload job deletes them later.
        tracing::warn!(error = %err, upload = %id, "could not delete an upload's pieces");
    }
    result
}

async fn store_upload(
    ctx: MediaContext<'_>,
    owner: &user::Model,
    upload: &media_upload::Model,
    assembled: &Path,
) -> Result<Completed, AppError> {
    let (hash, head) = assemble(ctx.store, upload, assembled).await?;
    let stored_type = inspect::sniff(&head)?;
    let content_type = stored_type.mime;
    let kind = inspect::kind_of(content_type);
    let size = upload.byte_size;
    let limit = match kind {
        MediaKind::Image => ctx.settings.max_image_bytes(),
        MediaKind::Video => ctx.settings.max_video_bytes(),
    };
    if size > limit {
        return Err(AppError::PayloadTooLarge(format!(
            "This {} is {}; PostPilot takes {}s up to {}.",
            kind_word(kind),
            byte_size_label(size),
            kind_word(kind),
            byte_size_label(limit)
        )));
    }
    if let Some(existing) = find_by_hash(ctx.db, owner.id, &hash).await? {
        return Ok(Completed {
            item: item_with_uses(ctx, owner, existing).await?,
            created: false,
        });
    }
    let (facts, thumbnail) = inspect_file(ctx.settings, assembled, content_type).await?;
    let object_key = format!("m/{}/{hash}.{}", owner.id.simple(), stored_type.extension);
    let thumbnail_key = format!("t/{}/{hash}.jpg", owner.id.simple());
    let part = ctx.settings.chunk_bytes().max(5 * 1024 * 1024) as usize;
    ctx.store
        .put_file(&object_key, assembled, content_type, part)
        .await
        .map_err(store_failed)?;
    if let Err(err) = ctx
        .store
        .put(&thumbnail_key, Bytes::from(thumbnail), "image/jpeg")
        .await
    {
        if find_by_hash(ctx.db, owner.id, &hash).await?.is_none() {
            let _ = ctx.store.delete(&object_key).await;
        }
        return Err(store_failed(err));
    }

    let saved = db::retry_busy(|| async {
        let txn = db::begin_owner_write(ctx.db, owner.id).await?;
        // Inside the owner's write lock: a twin upload that finished first is found here.
        if let Some(existing) = find_by_hash(&txn, owner.id, &hash).await? {
            return Ok((existing, false));
        }
        let used = stored_bytes(&txn, owner.id).await?;
        if used + size > owner.plan.limits().storage_bytes {
            return Err(quota_exceeded(owner.plan, used, size));
        }
        let row = media::ActiveModel {
            id: Set(Uuid::new_v4()),
            user_id: Set(owner.id),
            filename: Set(upload.filename.clone()),
            kind: Set(facts.kind),
            content_type: Set(content_type.to_string()),
            byte_size: Set(size),
            width: Set(facts.width as i32),
            height: Set(facts.height as i32),
            duration_ms: Set(facts.duration_ms),
            content_hash: Set(hash.clone()),
            object_key: Set(object_key.clone()),
            thumbnail_key: Set(thumbnail_key.clone()),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
        user::Entity::update_many()
            .col_expr(
                user::Column::MediaBytes,
                Expr::col(user::Column::MediaBytes).add(size),
            )
            .filter(user::Column::Id.eq(owner.id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok((row, true))
    })
    .await;
    match saved {
        Ok((row, created)) => Ok(Completed {
            item: item_with_uses(ctx, owner, row).await?,
            created,
        }),
        Err(err) => {
            // Refused (over quota): the objects go, unless the same file is in the library
            // (its key is the same).
            if find_by_hash(ctx.db, owner.id, &hash).await?.is_none() {
                let _ = ctx.store.delete(&object_key).await;
                let _ = ctx.store.delete(&thumbnail_key).await;
            }
            Err(err)
        }
    }
}

fn kind_word(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Image => "photo",
        MediaKind::Video => "video",
    }
}

/// Writes the upload's pieces, in order, into one file at `to`: its SHA-256 (hex) and first
/// bytes. The pieces must add up to the declared size exactly.
async fn assemble(
    store: &MediaStore,
    upload: &media_upload::Model,
    to: &Path,
) -> Result<(String, Vec<u8>), AppError> {
    if let Some(dir) = to.parent() {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|err| AppError::internal("media work folder", err))?;
    }
    let mut file = tokio::fs::File::create(to)
        .await
        .map_err(|err| AppError::internal("media work file", err))?;
    let mut hasher = Sha256::new();
    let mut head = Vec::with_capacity(64);
    let mut written: i64 = 0;
    let keys = store
        .keys_under(&staging_prefix(upload.id))
        .await
        .map_err(store_failed)?;
    for key in keys {
        let mut stream = store
            .get(&key, None)
            .await
            .map_err(store_failed)?
            .into_stream();
        while let Some(bytes) = stream
            .try_next()
            .await
            .map_err(|e| store_failed(e.into()))?
        {
            hasher.update(&bytes);
            if head.len() < 64 {
                let take = (64 - head.len()).min(bytes.len());
                head.extend_from_slice(&bytes[..take]);
            }
            written += bytes.len() as i64;
            file.write_all(&bytes)
                .await
                .map_err(|err| AppError::internal("media work file", err))?;
        }
    }
    file.flush()
        .await
        .map_err(|err| AppError::internal("media work file", err))?;
    if written != upload.byte_size {
        tracing::error!(upload = %upload.id, written, expected = upload.byte_size, "upload pieces missing");
        return Err(AppError::validation(
            "upload",
            "Part of this upload was lost. Upload the file again.",
        ));
    }
    Ok((hex::encode(hasher.finalize()), head))
}

/// The file's facts and its thumbnail (JPEG).
async fn inspect_file(
    settings: &MediaSettings,
    path: &Path,
    content_type: &'static str,
) -> Result<(inspect::Inspected, Vec<u8>), AppError> {
    let (max_side, thumb_px) = (settings.max_image_side_px, settings.thumbnail_px);
    let path_buf: PathBuf = path.to_path_buf();
    match inspect::kind_of(content_type) {
        MediaKind::Image => {
            let bytes = tokio::fs::read(path)
                .await
                .map_err(|err| AppError::internal("media work file", err))?;
            tokio::task::spawn_blocking(move || {
                inspect::inspect_image(&bytes, content_type, max_side, thumb_px)
            })
            .await
            .map_err(|err| AppError::internal("photo inspection", err))?
        }
        MediaKind::Video => {
            let facts = tokio::task::spawn_blocking(move || {
                inspect::inspect_video(&path_buf, content_type)
            })
            .await
            .map_err(|err| AppError::internal("video inspection", err))??;
            let thumbnail =
                inspect::video_thumbnail(path, facts.width, facts.height, thumb_px).await;
            Ok((facts, thumbnail))
        }
    }
}

async fn find_by_hash(
    db: &impl ConnectionTrait,
    owner: Uuid,
    hash: &str,
) -> Result<Option<media::Model>, AppError> {
    Ok(media::Entity::find()
        .filter(media::Column::UserId.eq(owner))
        .filter(media::Column::ContentHash.eq(hash))
        .one(db)
        .await?)
}

fn facts_of(row: &media::Model) -> MediaFacts {
    MediaFacts {
        kind: row.kind,
        content_type: row.content_type.clone(),
        byte_size: row.byte_size,
        width: row.width.max(0) as u32,
        height: row.height.max(0) as u32,
        duration_ms: row.duration_ms,
    }
}

/// Every platform whose rules the file breaks.
pub fn problems(facts: &MediaFacts) -> Vec<MediaProblem> {
    Platform::ALL
        .iter()
        .filter_map(|platform| {
            platform.media_violation(facts).map(|message| MediaProblem {
                platform: *platform,
                message,
            })
        })
        .collect()
}

fn to_item(store: &MediaStore, row: media::Model, used_by: Vec<MediaUse>) -> MediaItem {
    let facts = facts_of(&row);
    MediaItem {
        id: row.id,
        filename: row.filename,
        kind: row.kind,
        content_type: row.content_type,
        byte_size: row.byte_size,
        width: facts.width,
        height: facts.height,
        duration_ms: row.duration_ms,
        content_hash: row.content_hash,
        url: store.app_url(&row.object_key),
        thumbnail_url: store.app_url(&row.thumbnail_key),
        problems: problems(&facts),
        used_by,
        created_at: row.created_at,
    }
}

async fn item_with_uses(
    ctx: MediaContext<'_>,
    owner: &user::Model,
    row: media::Model,
) -> Result<MediaItem, AppError> {
    let mut uses = uses_by_key(ctx.db, owner.id).await?;
    let used_by = uses.remove(&row.object_key).unwrap_or_default();
    Ok(to_item(ctx.store, row, used_by))
}

/// The owner's posts that carry one of their library files, by the file's key.
async fn uses_by_key(
    db: &impl ConnectionTrait,
    owner: Uuid,
) -> Result<HashMap<String, Vec<MediaUse>>, AppError> {
    let marker = format!("/media/{}", library_prefix(owner));
    let rows = post::Entity::find()
        .filter(post::Column::UserId.eq(owner))
        .filter(Expr::cust_with_values(
            like_sql(db.get_database_backend()),
            [db::contains_pattern(&marker)],
        ))
        .order_by_asc(post::Column::ScheduledFor)
        .all(db)
        .await?;
    let mut uses: HashMap<String, Vec<MediaUse>> = HashMap::new();
    for row in rows {
        for url in &row.media_urls.0 {
            if let Some(key) = library_key(owner, url) {
                uses.entry(key.to_string()).or_default().push(MediaUse {
                    post_id: row.id,
                    platform: row.platform,
                    status: row.status,
                    scheduled_for: row.scheduled_for,
                });
            }
        }
    }
    Ok(uses)
}

fn like_sql(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "CAST(\"posts\".\"media_urls\" AS TEXT) LIKE $1 ESCAPE '!'",
        _ => "CAST(\"posts\".\"media_urls\" AS TEXT) LIKE ? ESCAPE '!'",
    }
}

/// `m/{owner}/`: where the owner's files are in the store.
fn library_prefix(owner: Uuid) -> String {
    format!("m/{}/", owner.simple())
}

/// The store key of one of `owner`'s files that `url` addresses (`…/media/m/{owner}/…`), if it
/// addresses one.
pub fn library_key(owner: Uuid, url: &str) -> Option<&str> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let at = path.find("/media/m/")?;
    let key = &path[at + "/media/".len()..];
    key.starts_with(&library_prefix(owner)).then_some(key)
}

/// The owner's library, newest first; `search` matches the file name.
pub async fn list(
    ctx: MediaContext<'_>,
    owner: &user::Model,
    search: Option<&str>,
) -> Result<MediaLibrary, AppError> {
    let mut select = media::Entity::find().filter(media::Column::UserId.eq(owner.id));
    if search.is_some_and(|text| text.chars().count() > MAX_SEARCH_CHARS) {
        return Err(AppError::validation(
            "q",
            format!("Search text is limited to {MAX_SEARCH_CHARS} characters"),
        ));
    }
    if let Some(text) = search.map(str::trim).filter(|t| !t.is_empty()) {
        let placeholder = match ctx.db.get_database_backend() {
            DbBackend::Postgres => "$1",
            _ => "?",
        };
        select = select.filter(Condition::all().add(Expr::cust_with_values(
            format!("LOWER(\"media\".\"filename\") LIKE LOWER({placeholder}) ESCAPE '!'"),
            [db::contains_pattern(text)],
        )));
    }
    let rows = select
        .order_by_desc(media::Column::CreatedAt)
        .order_by_desc(media::Column::Id)
        .all(ctx.db)
        .await?;
    let mut uses = uses_by_key(ctx.db, owner.id).await?;
    let items = rows
        .into_iter()
        .map(|row| {
            let used_by = uses.remove(&row.object_key).unwrap_or_default();
            to_item(ctx.store, row, used_by)
        })
        .collect();
    Ok(MediaLibrary {
        items,
        used_bytes: stored_bytes(ctx.db, owner.id).await?,
        quota_bytes: owner.plan.limits().storage_bytes,
    })
}

async fn owned(db: &impl ConnectionTrait, owner: Uuid, id: Uuid) -> Result<media::Model, AppError> {
    media::Entity::find_by_id(id)
        .filter(media::Column::UserId.eq(owner))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("File"))
}

/// One file with the posts that use it.
pub async fn find(
    ctx: MediaContext<'_>,
    owner: &user::Model,
    id: Uuid,
) -> Result<MediaItem, AppError> {
    let row = owned(ctx.db, owner.id, id).await?;
    item_with_uses(ctx, owner, row).await
}

/// Deletes a file no scheduled post needs (409 naming how many do) and gives its bytes back to
/// the quota. Drafts and published posts keep their address, which stops loading.
pub async fn delete(ctx: MediaContext<'_>, owner: &user::Model, id: Uuid) -> Result<(), AppError> {
    let row = owned(ctx.db, owner.id, id).await?;
    let deleted = db::retry_busy(|| async {
        // Under the owner's write lock, which saving a post to publish with library files
        // takes too (`posts::begin_post_save`): no post can be scheduled with the file between
        // this check and the deletion.
        let txn = db::begin_owner_write(ctx.db, owner.id).await?;
        let waiting = uses_by_key(&txn, owner.id)
            .await?
            .remove(&row.object_key)
            .unwrap_or_default()
            .into_iter()
            .filter(|u| u.status.allows(PostStatus::HOLDS_MEDIA))
            .count();
        if waiting > 0 {
            let name = &row.filename;
            return Err(AppError::Conflict(if waiting == 1 {
                format!(
                    "{name} is used by a scheduled post. Remove it from that post or unschedule \
                     it first."
                )
            } else {
                format!(
                    "{name} is used by {waiting} scheduled posts. Remove it from those posts or \
                     unschedule them first."
                )
            }));
        }
        let gone = media::Entity::delete_many()
            .filter(media::Column::Id.eq(id))
            .filter(media::Column::UserId.eq(owner.id))
            .exec(&txn)
            .await?;
        if gone.rows_affected > 0 {
            user::Entity::update_many()
                .col_expr(
                    user::Column::MediaBytes,
                    Expr::col(user::Column::MediaBytes).sub(row.byte_size),
                )
                .filter(user::Column::Id.eq(owner.id))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(gone.rows_affected > 0)
    })
    .await?;
    if !deleted {
        return Err(AppError::not_found("File"));
    }
    for key in [&row.object_key, &row.thumbnail_key] {
        if let Err(err) = ctx.store.delete(key).await {
            tracing::warn!(error = %err, key = %key, "could not delete a media object");
        }
    }
    Ok(())
}

/// Refuses to schedule `platform` posts whose library files break its media rules (422 with
/// the reason), or that name a file no longer in the library. Addresses elsewhere on the web
/// are the platform's to judge.
pub async fn check_scheduled_media(
    db: &impl ConnectionTrait,
    owner: Uuid,
    platform: Platform,
    urls: &[String],
) -> Result<(), AppError> {
    for url in urls {
        let Some(key) = library_key(owner, url) else {
            continue;
        };
        let row = media::Entity::find()
            .filter(media::Column::UserId.eq(owner))
            .filter(media::Column::ObjectKey.eq(key))
            .one(db)
            .await?;
        let Some(row) = row else {
            return Err(AppError::validation(
                "media_urls",
                format!("{url} is no longer in your media library"),
            ));
        };
        if let Some(reason) = platform.media_violation(&facts_of(&row)) {
            return Err(AppError::validation(
                "media_urls",
                format!("{}: {reason}", row.filename),
            ));
        }
    }
    Ok(())
}

/// Deletes uploads left unfinished past `stale_upload_hours`, and staged pieces whose upload
/// is gone (a completion cut short). Returns how many uploads' pieces were deleted.
pub async fn prune_stale_uploads(ctx: MediaContext<'_>) -> Result<usize, AppError> {
    let cutoff = Utc::now() - Duration::hours(ctx.settings.stale_upload_hours);
    media_upload::Entity::delete_many()
        .filter(media_upload::Column::UpdatedAt.lt(cutoff))
        .exec(ctx.db)
        .await?;
    let live: std::collections::HashSet<String> = media_upload::Entity::find()
        .select_only()
        .column(media_upload::Column::Id)
        .into_tuple::<Uuid>()
        .all(ctx.db)
        .await?
        .into_iter()
        .map(|id| id.simple().to_string())
        .collect();
    let mut removed = 0;
    for folder in ctx.store.staged_uploads().await.map_err(store_failed)? {
        let Ok(id) = Uuid::parse_str(&folder) else {
            continue;
        };
        if live.contains(&folder) {
            continue;
        }
        // A completion in progress has deleted its row and still reads its pieces: only
        // pieces untouched for an hour go.
        let prefix = staging_prefix(id);
        let touched = ctx
            .store
            .last_modified_under(&prefix)
            .await
            .map_err(store_failed)?;
        if touched.is_none_or(|at| at < Utc::now() - Duration::hours(1)) {
            ctx.store
                .delete_under(&prefix)
                .await
                .map_err(store_failed)?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// The hourly job that prunes stale uploads (`prune_stale_uploads`).
pub fn prune_job(
    db: DatabaseConnection,
    store: std::sync::Arc<MediaStore>,
    settings: MediaSettings,
) -> Result<tokio_cron_scheduler::Job, tokio_cron_scheduler::JobSchedulerError> {
    tokio_cron_scheduler::Job::new_async("0 17 * * * *", move |_, _| {
        let (db, store, settings) = (db.clone(), store.clone(), settings.clone());
        Box::pin(async move {
            let ctx = MediaContext {
                db: &db,
                store: &store,
                settings: &settings,
                work_dir: store.work_dir(),
            };
            match prune_stale_uploads(ctx).await {
                Ok(0) => {}
                Ok(pruned) => tracing::info!(pruned, "media: stale uploads deleted"),
                Err(err) => tracing::error!(error = %err, "media: pruning stale uploads failed"),
            }
        })
    })
}

/// Deletes every file and thumbnail of a deleted account from the store (its rows went with
/// the account; unfinished uploads' pieces go with the stale-upload job).
pub async fn delete_account_files(store: &MediaStore, owner: Uuid) -> Result<(), AppError> {
    for prefix in [
        format!("m/{}", owner.simple()),
        format!("t/{}", owner.simple()),
    ] {
        store.delete_under(&prefix).await.map_err(store_failed)?;
    }
    Ok(())
}
