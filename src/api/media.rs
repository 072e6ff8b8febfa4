//! `/api/v1/media`: the media library (list, read, delete) and resumable uploads (start, send
//! pieces at an offset, ask how far it got, complete or cancel).

use app::error::AppError;
use app::model::{MediaItem, MediaLibrary, MediaUpload};
use app::server::services::media;
use app::server::AppState;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::Json;
use http::StatusCode;
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiJson, Caller, IdPath};

/// `?q=`: the library's search.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the query read by hand.
pub struct LibraryQuery {
    /// Matches file names (case-insensitive), at most 100 characters.
    #[param(max_length = 100)]
    q: Option<String>,
}

#[utoipa::path(get, operation_id = "media_list", path = "/media", tag = "media", params(LibraryQuery), responses((status = 200, description = "The library, newest first, with the storage used and the plan's quota", body = MediaLibrary)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<MediaLibrary>, AppError> {
    let search = query.get("q").map(String::as_str);
    Ok(Json(
        media::list(state.media(), &caller.user, search).await?,
    ))
}

#[utoipa::path(get, operation_id = "media_get", path = "/media/{id}", tag = "media", params(("id" = Uuid, Path, description = "The resource id")), responses((status = 200, description = "The file, with the posts that use it", body = MediaItem)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
) -> Result<Json<MediaItem>, AppError> {
    Ok(Json(media::find(state.media(), &caller.user, id).await?))
}

#[utoipa::path(delete, operation_id = "media_delete", path = "/media/{id}", tag = "media", params(("id" = Uuid, Path, description = "The resource id")), responses((status = 204, description = "Deleted"), (status = 409, description = "A scheduled post uses the file", body = crate::api::docs::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
) -> Result<StatusCode, AppError> {
    media::delete(state.media(), &caller.user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct NewUploadBody {
    /// The file's name (shown in the library; its type is read from its bytes).
    #[schema(pattern = "\\S", max_length = 255)]
    filename: String,
    /// The file's exact size in bytes.
    #[schema(minimum = 1)]
    byte_size: i64,
}

#[utoipa::path(post, operation_id = "media_uploads_start", path = "/media/uploads", tag = "media", request_body = NewUploadBody, responses((status = 201, description = "Started: send the bytes in pieces of at most `chunk_bytes`", body = MediaUpload), (status = 413, description = "Larger than a file may be, or past the plan's storage quota", body = crate::api::docs::ErrorBody)))]
pub async fn start_upload(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewUploadBody>,
) -> Result<(StatusCode, Json<MediaUpload>), AppError> {
    let upload =
        media::start_upload(state.media(), &caller.user, &body.filename, body.byte_size).await?;
    Ok((StatusCode::CREATED, Json(upload)))
}

#[utoipa::path(get, operation_id = "media_uploads_get", path = "/media/uploads/{id}", tag = "media", params(("id" = Uuid, Path, description = "The resource id")), responses((status = 200, description = "How much has arrived: resume from `received`", body = MediaUpload)))]
pub async fn upload_status(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
) -> Result<Json<MediaUpload>, AppError> {
    Ok(Json(
        media::upload_status(state.media(), &caller.user, id).await?,
    ))
}

/// `?offset=`: where in the file the piece starts.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the query read by hand.
pub struct PieceQuery {
    /// The piece's first byte in the file: the upload's `received`.
    #[param(minimum = 0)]
    offset: i64,
}

/// The bytes of one piece of the file.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // Documents the raw body read by hand.
pub struct FilePiece(Vec<u8>);

#[utoipa::path(put, operation_id = "media_uploads_send", path = "/media/uploads/{id}", tag = "media", params(("id" = Uuid, Path, description = "The resource id"), PieceQuery), request_body(content = FilePiece, content_type = "application/octet-stream", description = "At most `chunk_bytes` bytes of the file, from `offset`"), responses((status = 200, description = "Stored: `received` moved on", body = MediaUpload), (status = 409, description = "The piece does not start at `received` (the message says where to resume)", body = crate::api::docs::ErrorBody)))]
pub async fn send_piece(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
    Query(query): Query<HashMap<String, String>>,
    body: Body,
) -> Result<Json<MediaUpload>, AppError> {
    let offset = piece_offset(&query)?;
    let piece = read_piece(&state, body).await?;
    Ok(Json(
        media::append(state.media(), &caller.user, id, offset, piece).await?,
    ))
}

/// `?offset=` as a whole number of bytes (422 otherwise).
pub fn piece_offset(query: &HashMap<String, String>) -> Result<i64, AppError> {
    query
        .get("offset")
        .and_then(|raw| raw.trim().parse::<i64>().ok())
        .filter(|offset| *offset >= 0)
        .ok_or_else(|| {
            AppError::validation(
                "offset",
                "Give the piece's offset in the file (?offset=, a whole number of bytes)",
            )
        })
}

/// The body, up to one piece (`media.chunk_mb`; 413 beyond). The server's general body limit
/// does not apply: pieces are bigger.
pub async fn read_piece(state: &AppState, body: Body) -> Result<bytes::Bytes, AppError> {
    let limit = state.settings.media.chunk_bytes() as usize;
    axum::body::to_bytes(body, limit).await.map_err(|_| {
        AppError::PayloadTooLarge(format!(
            "Pieces are at most {}",
            app::model::byte_size_label(limit as i64)
        ))
    })
}

#[utoipa::path(delete, operation_id = "media_uploads_cancel", path = "/media/uploads/{id}", tag = "media", params(("id" = Uuid, Path, description = "The resource id")), responses((status = 204, description = "Cancelled; what it sent is deleted")))]
pub async fn cancel_upload(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
) -> Result<StatusCode, AppError> {
    media::cancel(state.media(), &caller.user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, operation_id = "media_uploads_complete", path = "/media/uploads/{id}/complete", tag = "media", params(("id" = Uuid, Path, description = "The resource id")), responses((status = 201, description = "The new library file", body = MediaItem), (status = 200, description = "The same bytes were in the library already: that file", body = MediaItem), (status = 413, description = "Past the plan's storage quota, or larger than this kind of file may be", body = crate::api::docs::ErrorBody), (status = 422, description = "Not a photo or video PostPilot takes, damaged or cut off, too many pixels, or not all bytes arrived", body = crate::api::docs::ErrorBody)))]
pub async fn complete_upload(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
) -> Result<(StatusCode, Json<MediaItem>), AppError> {
    let done = media::complete(state.media(), &caller.user, id).await?;
    let status = if done.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(done.item)))
}
