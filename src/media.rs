//! The media library over HTTP outside the REST API: the files themselves at `/media/{key}`
//! (public: platforms fetch them; a year-long cache, range requests for video) and the
//! dashboard's uploads at `/media-uploads…` for the signed-in browser session (the REST API's
//! upload protocol, with the session cookie instead of a bearer token).

use std::collections::HashMap;

use app::error::AppError;
use app::model::{MediaItem, MediaUpload};
use app::server::auth::session::SessionUser;
use app::server::media::storage::CACHE_FOREVER;
use app::server::services::media;
use app::server::AppState;
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use futures::TryStreamExt;
use http::header::{
    ACCEPT_RANGES, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG, RANGE,
};
use http::{HeaderValue, StatusCode};
use object_store::GetRange;
use serde::Deserialize;
use tower::ServiceExt;
use tower_http::services::ServeDir;
use uuid::Uuid;

use crate::api::media::{piece_offset, read_piece};

/// `GET /media/{key}`: a library file or thumbnail. Keys hold the content hash, so a key's
/// bytes never change: they are cached for a year.
pub async fn serve_file(
    State(state): State<AppState>,
    Path(key): Path<String>,
    req: Request,
) -> Response {
    if !(key.starts_with("m/") || key.starts_with("t/")) || key.contains("..") {
        return AppError::not_found("File").into_response();
    }
    let mut response = match state.media.local_root() {
        Some(root) => serve_local(root, &key, req).await,
        None => serve_from_store(&state, &key, req.headers().get(RANGE)).await,
    };
    if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static(CACHE_FOREVER));
    }
    response
}

/// The local disk, through `ServeDir` (ranges, conditional requests, types by extension).
async fn serve_local(root: &std::path::Path, key: &str, req: Request) -> Response {
    let (mut parts, body) = req.into_parts();
    let Ok(uri) = format!("/{key}").parse() else {
        return AppError::not_found("File").into_response();
    };
    parts.uri = uri;
    let served = ServeDir::new(root)
        .append_index_html_on_directories(false)
        .oneshot(Request::from_parts(parts, body))
        .await;
    match served {
        Ok(response) if response.status() == StatusCode::NOT_FOUND => {
            AppError::not_found("File").into_response()
        }
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    }
}

/// A bucket's object, streamed through this server (the dashboard and a bucket without public
/// access), with a single byte range when asked.
async fn serve_from_store(state: &AppState, key: &str, range: Option<&HeaderValue>) -> Response {
    let wanted = range.and_then(|r| r.to_str().ok()).and_then(parse_range);
    match state.media.get(key, wanted.clone()).await {
        Ok(found) => {
            let total = found.meta.size;
            let span = found.range.clone();
            let content_type = found
                .attributes
                .get(&object_store::Attribute::ContentType)
                .map(|v| v.to_string())
                .unwrap_or_else(|| "application/octet-stream".into());
            let e_tag = found.meta.e_tag.clone();
            let stream = found.into_stream().map_err(std::io::Error::other);
            let mut response = Response::new(Body::from_stream(stream));
            let headers = response.headers_mut();
            if let Ok(value) = HeaderValue::from_str(&content_type) {
                headers.insert(CONTENT_TYPE, value);
            }
            headers.insert(ACCEPT_RANGES, HeaderValue::from_static("bytes"));
            headers.insert(CONTENT_LENGTH, (span.end - span.start).into());
            if let Some(tag) = e_tag.and_then(|t| HeaderValue::from_str(&t).ok()) {
                headers.insert(ETAG, tag);
            }
            if wanted.is_some() {
                *response.status_mut() = StatusCode::PARTIAL_CONTENT;
                let range = format!(
                    "bytes {}-{}/{total}",
                    span.start,
                    span.end.saturating_sub(1)
                );
                if let Ok(value) = HeaderValue::from_str(&range) {
                    response.headers_mut().insert(CONTENT_RANGE, value);
                }
            }
            response
        }
        Err(err) if err.is_not_found() => AppError::not_found("File").into_response(),
        Err(object_store_err) => {
            let message = object_store_err.to_string();
            if message.contains("Range") || message.contains("range") {
                return StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            }
            tracing::error!(error = %message, "media store read");
            AppError::Unavailable("The media store did not answer. Please try again.".into())
                .into_response()
        }
    }
}

/// `bytes=a-b`, `bytes=a-` or `bytes=-n` (one range; several are answered whole).
fn parse_range(header: &str) -> Option<GetRange> {
    let spec = header.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (start, end) = spec.split_once('-')?;
    match (start.trim(), end.trim()) {
        ("", suffix) => suffix.parse().ok().map(GetRange::Suffix),
        (start, "") => start.parse().ok().map(GetRange::Offset),
        (start, end) => {
            let (start, end): (u64, u64) = (start.parse().ok()?, end.parse().ok()?);
            (end >= start).then(|| GetRange::Bounded(start..end.saturating_add(1)))
        }
    }
}

fn signed_in(
    user: Option<app::server::entities::user::Model>,
) -> Result<app::server::entities::user::Model, AppError> {
    user.ok_or_else(|| AppError::Unauthorized("Sign in to upload files".into()))
}

#[derive(Deserialize)]
pub struct NewUpload {
    filename: String,
    byte_size: i64,
}

/// `POST /media-uploads` `{filename, byte_size}` → 201 with the upload.
pub async fn start_upload(
    State(state): State<AppState>,
    Extension(SessionUser(user)): Extension<SessionUser>,
    body: Result<Json<NewUpload>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<MediaUpload>), AppError> {
    let user = signed_in(user)?;
    let Json(body) = body.map_err(|e| AppError::Validation {
        field: None,
        message: format!("Invalid request body: {}", e.body_text()),
    })?;
    let upload = media::start_upload(state.media(), &user, &body.filename, body.byte_size).await?;
    Ok((StatusCode::CREATED, Json(upload)))
}

fn upload_id(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| AppError::not_found("Upload"))
}

/// `GET /media-uploads/{id}`: how much has arrived.
pub async fn upload_status(
    State(state): State<AppState>,
    Extension(SessionUser(user)): Extension<SessionUser>,
    Path(id): Path<String>,
) -> Result<Json<MediaUpload>, AppError> {
    let user = signed_in(user)?;
    Ok(Json(
        media::upload_status(state.media(), &user, upload_id(&id)?).await?,
    ))
}

/// `PUT /media-uploads/{id}?offset=`: one piece of the file.
pub async fn send_piece(
    State(state): State<AppState>,
    Extension(SessionUser(user)): Extension<SessionUser>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    body: Body,
) -> Result<Json<MediaUpload>, AppError> {
    let user = signed_in(user)?;
    let id = upload_id(&id)?;
    let offset = piece_offset(&query)?;
    let piece = read_piece(&state, body).await?;
    Ok(Json(
        media::append(state.media(), &user, id, offset, piece).await?,
    ))
}

/// `DELETE /media-uploads/{id}`: cancels it.
pub async fn cancel_upload(
    State(state): State<AppState>,
    Extension(SessionUser(user)): Extension<SessionUser>,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let user = signed_in(user)?;
    media::cancel(state.media(), &user, upload_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /media-uploads/{id}/complete` → 201 with the new file (200: it was there already).
pub async fn complete_upload(
    State(state): State<AppState>,
    Extension(SessionUser(user)): Extension<SessionUser>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<MediaItem>), AppError> {
    let user = signed_in(user)?;
    let done = media::complete(state.media(), &user, upload_id(&id)?).await?;
    let status = if done.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(done.item)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_http_writes_them() {
        assert!(matches!(parse_range("bytes=0-99"), Some(GetRange::Bounded(r)) if r == (0..100)));
        assert!(matches!(
            parse_range("bytes=100-"),
            Some(GetRange::Offset(100))
        ));
        assert!(matches!(
            parse_range("bytes=-50"),
            Some(GetRange::Suffix(50))
        ));
        assert!(parse_range("bytes=5-1").is_none());
        assert!(parse_range("bytes=0-1,5-9").is_none());
        assert!(parse_range("items=0-1").is_none());
    }
}
