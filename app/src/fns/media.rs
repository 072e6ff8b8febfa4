//! The media library's server functions: the library (with search) and deleting a file
//! (posted by the page's form, which comes back to the library).
//! Uploads do not go through here: the browser sends files in pieces to `/media-uploads…`
//! (see `src/media.rs`), with a progress bar per file.

use leptos::prelude::*;
use server_fn::codec::Postcard;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::MediaLibrary;

#[server(prefix = "/fn", endpoint = "media/library", output = Postcard)]
pub async fn list_media(search: Option<String>) -> Result<MediaLibrary, AppError> {
    super::with_status(
        async move {
            use crate::server::services::media;
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            media::list(state.media(), &owner, search.as_deref()).await
        }
        .await,
    )
}

/// Deletes a file, then back to the library (with the search it was deleted from).
#[server(prefix = "/fn", endpoint = "media/delete", output = Postcard)]
pub async fn delete_media(id: Uuid, search: Option<String>) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::services::media;
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            media::delete(state.media(), &owner, id).await?;
            let search = search
                .filter(|s| !s.trim().is_empty())
                .map(|s| format!("&q={}", crate::components::url_state::encode(s.trim())));
            leptos_axum::redirect(&format!(
                "/media?notice=deleted{}",
                search.unwrap_or_default()
            ));
            Ok(())
        }
        .await,
    )
}
