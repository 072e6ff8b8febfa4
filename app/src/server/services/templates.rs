//! Caption templates: CRUD and rendering `{{product.field}}` placeholders with product data.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use serde_json::Value;
use uuid::Uuid;

use super::paging::PageRequest;
use super::posts::normalize_hashtags;
use crate::error::AppError;
use crate::model::{Page, Platform, RenderedTemplate, TemplateView};
use crate::placeholders;
use crate::server::entities::{template, user, StringList};

const MAX_NAME_CHARS: usize = 255;
/// The longest caption any platform accepts (Facebook's).
const MAX_CONTENT_CHARS: usize = 63206;

fn check_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::validation("name", "Name is required"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(AppError::validation(
            "name",
            format!("Name must be at most {MAX_NAME_CHARS} characters"),
        ));
    }
    Ok(name.to_string())
}

fn check_content(content: String) -> Result<String, AppError> {
    if content.trim().is_empty() {
        return Err(AppError::validation("content", "Content is required"));
    }
    if content.chars().count() > MAX_CONTENT_CHARS {
        return Err(AppError::validation(
            "content",
            format!("Content must be at most {MAX_CONTENT_CHARS} characters"),
        ));
    }
    Ok(content)
}

fn platform_list(platforms: Vec<Platform>) -> StringList {
    let mut names: Vec<String> = platforms.iter().map(|p| p.as_str().to_string()).collect();
    names.dedup();
    StringList(names)
}

pub struct NewTemplate {
    pub name: String,
    pub content: String,
    pub hashtags: Vec<String>,
    pub platforms: Vec<Platform>,
}

pub async fn create(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    new: NewTemplate,
) -> Result<TemplateView, AppError> {
    let now = Utc::now();
    let row = template::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(owner.id),
        name: Set(check_name(&new.name)?),
        content: Set(check_content(new.content)?),
        hashtags: Set(StringList(normalize_hashtags(new.hashtags)?)),
        platforms: Set(platform_list(new.platforms)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(row.view())
}

pub async fn list(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    page: PageRequest,
) -> Result<Page<TemplateView>, AppError> {
    let select = template::Entity::find()
        .filter(template::Column::UserId.eq(owner.id))
        .order_by_asc(template::Column::Name)
        .order_by_asc(template::Column::Id);
    page.fetch(db, select, |t| t.view()).await
}

pub async fn find(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    id: Uuid,
) -> Result<template::Model, AppError> {
    template::Entity::find_by_id(id)
        .filter(template::Column::UserId.eq(owner.id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Template"))
}

/// A partial update: `None` leaves a field as it is.
#[derive(Default)]
pub struct TemplatePatch {
    pub name: Option<String>,
    pub content: Option<String>,
    pub hashtags: Option<Vec<String>>,
    pub platforms: Option<Vec<Platform>>,
}

pub async fn update(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    id: Uuid,
    patch: TemplatePatch,
) -> Result<TemplateView, AppError> {
    let mut active = find(db, owner, id).await?.into_active_model();
    if let Some(name) = patch.name {
        active.name = Set(check_name(&name)?);
    }
    if let Some(content) = patch.content {
        active.content = Set(check_content(content)?);
    }
    if let Some(hashtags) = patch.hashtags {
        active.hashtags = Set(StringList(normalize_hashtags(hashtags)?));
    }
    if let Some(platforms) = patch.platforms {
        active.platforms = Set(platform_list(platforms));
    }
    active.updated_at = Set(Utc::now());
    Ok(active.update(db).await?.view())
}

pub async fn delete(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    id: Uuid,
) -> Result<(), AppError> {
    let template = find(db, owner, id).await?;
    template::Entity::delete_by_id(template.id).exec(db).await?;
    Ok(())
}

pub async fn render(
    db: &impl ConnectionTrait,
    owner: &user::Model,
    id: Uuid,
    product: &Value,
) -> Result<RenderedTemplate, AppError> {
    if !product.is_object() {
        return Err(AppError::validation(
            "product_data",
            "product_data must be an object",
        ));
    }
    let template = find(db, owner, id).await?;
    let hashtags = template
        .hashtags
        .0
        .iter()
        .map(|tag| placeholders::fill_tag(tag, |field| Some(value_text(product.get(field)))))
        .filter(|tag| !tag.is_empty())
        .collect();
    Ok(RenderedTemplate {
        content: fill(&template.content, product),
        hashtags,
    })
}

/// Fills a template's text with the product's values (`placeholders::fill`): text as is,
/// numbers written out, lists joined with ", ", anything missing with nothing.
pub fn fill(text: &str, product: &Value) -> String {
    placeholders::fill(text, |field| Some(value_text(product.get(field))))
}

/// Every field of a product as text, for the template editor's preview in the browser.
pub fn product_fields(product: &Value) -> Vec<(String, String)> {
    product
        .as_object()
        .map(|fields| {
            fields
                .iter()
                .map(|(name, value)| (name.clone(), value_text(Some(value))))
                .collect()
        })
        .unwrap_or_default()
}

fn value_text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| value_text(Some(v)))
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn placeholders_are_filled_from_the_product() {
        let product = json!({"title": "Linen Dress", "price": 59.5, "tags": ["summer", "linen"], "stock": null});
        assert_eq!(
            fill("{{product.title}} for ${{ product.price }} ({{product.tags}}){{product.stock}}{{product.missing}}", &product),
            "Linen Dress for $59.5 (summer, linen)"
        );
        assert_eq!(
            fill("{{user.name}} {{ unclosed", &product),
            "{{user.name}} {{ unclosed"
        );
    }
}
