//! The templates page's server functions: the list, the editor's data (the template being
//! edited and products to preview it with), save and delete. Save and delete come back to
//! `/templates` with a notice, also as plain form posts.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::Postcard;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::{Platform, TemplateView};

/// A product to preview a template with: its name and its fields as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleProduct {
    /// The queue item it comes from (none for the built-in sample).
    pub queue_item: Option<Uuid>,
    pub label: String,
    pub fields: Vec<(String, String)>,
}

impl SampleProduct {
    pub fn value(&self, field: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, value)| value.clone())
    }
}

/// The template being edited, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditedTemplate {
    pub id: Uuid,
    pub name: String,
    pub content: String,
    pub hashtags: Vec<String>,
    pub platforms: Vec<Platform>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateEditorData {
    pub editing: Option<EditedTemplate>,
    /// The built-in sample first, then the user's most recent queue items.
    pub samples: Vec<SampleProduct>,
}

/// How many queue items the preview offers.
#[cfg(feature = "ssr")]
const SAMPLE_ITEMS: u64 = 20;

#[server(prefix = "/fn", endpoint = "templates/list", output = Postcard)]
pub async fn list_templates() -> Result<Vec<TemplateView>, AppError> {
    super::with_status(
        async move {
            use crate::server::services::{paging::PageRequest, templates};
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            Ok(
                templates::list(&state.db, &owner, PageRequest::new(Some(1), Some(100))?)
                    .await?
                    .items,
            )
        }
        .await,
    )
}

#[server(prefix = "/fn", endpoint = "templates/editor", output = Postcard)]
pub async fn template_editor(edit: Option<Uuid>) -> Result<TemplateEditorData, AppError> {
    super::with_status(
        async move {
            use crate::server::services::{paging::PageRequest, queue, templates};
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            let editing = match edit {
                Some(id) => {
                    let t = templates::find(&state.db, &owner, id).await?.view();
                    Some(EditedTemplate {
                        id: t.id,
                        name: t.name,
                        content: t.content,
                        hashtags: t.hashtags,
                        platforms: t.platforms,
                    })
                }
                None => None,
            };
            let items = queue::list(
                &state.db,
                &owner,
                None,
                PageRequest::new(Some(1), Some(SAMPLE_ITEMS))?,
            )
            .await?
            .items;
            let sample = serde_json::json!({
                "title": "Linen Summer Dress",
                "description": "Breathable, relaxed and made to last.",
                "price": "59.00",
                "currency": "USD",
                "url": "https://shop.example.com/linen-summer-dress",
                "tags": ["summer", "linen"],
                "images": ["https://shop.example.com/dress.jpg"],
            });
            let mut samples = vec![SampleProduct {
                queue_item: None,
                label: "Sample product: Linen Summer Dress".into(),
                fields: templates::product_fields(&sample),
            }];
            samples.extend(items.into_iter().map(|item| {
                let title = item
                    .product_data
                    .get("title")
                    .and_then(|t| t.as_str())
                    .unwrap_or("Untitled product")
                    .to_string();
                SampleProduct {
                    queue_item: Some(item.id),
                    label: title,
                    fields: templates::product_fields(&item.product_data),
                }
            }));
            Ok(TemplateEditorData { editing, samples })
        }
        .await,
    )
}

/// Creates a template, or changes the one `id` names.
#[server(prefix = "/fn", endpoint = "templates/save", output = Postcard)]
pub async fn save_template(
    id: Option<String>,
    name: String,
    content: String,
    hashtags: String,
    platforms: Option<Vec<String>>,
) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::services::templates::{self, NewTemplate, TemplatePatch};
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            let platforms = platforms
                .unwrap_or_default()
                .iter()
                .map(|p| {
                    Platform::parse(p)
                        .ok_or_else(|| AppError::validation("platforms", "Unknown platform"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let hashtags = super::posts::split_tags(&hashtags);
            let notice = match id.as_deref().filter(|id| !id.is_empty()) {
                Some(id) => {
                    let id = Uuid::parse_str(id).map_err(|_| AppError::not_found("Template"))?;
                    let patch = TemplatePatch {
                        name: Some(name),
                        content: Some(content),
                        hashtags: Some(hashtags),
                        platforms: Some(platforms),
                    };
                    templates::update(&state.db, &owner, id, patch).await?;
                    "saved"
                }
                None => {
                    let new = NewTemplate {
                        name,
                        content,
                        hashtags,
                        platforms,
                    };
                    templates::create(&state.db, &owner, new).await?;
                    "created"
                }
            };
            leptos_axum::redirect(&format!("/templates?notice={notice}"));
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/fn", endpoint = "templates/delete", output = Postcard)]
pub async fn delete_template(id: Uuid) -> Result<(), AppError> {
    super::with_status(
        async move {
            use crate::server::services::templates;
            use crate::server::{auth::session::require_user, state::app_state};
            let state = app_state()?;
            let owner = require_user()?;
            templates::delete(&state.db, &owner, id).await?;
            leptos_axum::redirect("/templates?notice=deleted");
            Ok(())
        }
        .await,
    )
}
