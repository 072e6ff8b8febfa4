//! Caption writing. `CaptionGenerator` is what the queue service calls; the built-in
//! `TemplateWriter` writes platform-aware captions from product data with no external service
//! (deterministic: the same input gives the same caption). An LLM-backed writer implements the
//! same trait.

mod template_writer;

use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};

pub use template_writer::TemplateWriter;

use crate::error::AppError;
use crate::model::Platform;

/// How a caption should sound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Tone {
    #[default]
    Professional,
    Casual,
    Playful,
    Urgent,
}

impl Tone {
    pub const ALL: [Tone; 4] = [
        Tone::Professional,
        Tone::Casual,
        Tone::Playful,
        Tone::Urgent,
    ];

    pub fn parse(value: &str) -> Option<Tone> {
        Tone::ALL.into_iter().find(|tone| tone.as_str() == value)
    }

    /// "Professional", as the queue page offers it.
    pub fn label(self) -> &'static str {
        match self {
            Tone::Professional => "Professional",
            Tone::Casual => "Casual",
            Tone::Playful => "Playful",
            Tone::Urgent => "Urgent",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tone::Professional => "professional",
            Tone::Casual => "casual",
            Tone::Playful => "playful",
            Tone::Urgent => "urgent",
        }
    }
}

/// The product facts a caption is written from (the queue item's `product_data`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Product {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A number or a decimal string; kept as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default)]
    pub images: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

impl Product {
    /// Checks what a caption needs: a title, a sensible price.
    pub fn validate(&self) -> Result<(), AppError> {
        if self.title.trim().is_empty() {
            return Err(AppError::validation(
                "product_data",
                "product_data.title is required",
            ));
        }
        if self.title.chars().count() > 500 {
            return Err(AppError::validation(
                "product_data",
                "product_data.title is too long",
            ));
        }
        match &self.price {
            None | Some(serde_json::Value::Null) | Some(serde_json::Value::Number(_)) => {}
            Some(serde_json::Value::String(s)) if s.trim().parse::<f64>().is_ok() => {}
            Some(_) => {
                return Err(AppError::validation(
                    "product_data",
                    "product_data.price must be a number",
                ))
            }
        }
        Ok(())
    }

    /// The price as shown, e.g. "$59.00" or "59.00 SEK".
    pub fn price_text(&self) -> Option<String> {
        let amount = match self.price.as_ref()? {
            serde_json::Value::Number(n) => n.as_f64()?,
            serde_json::Value::String(s) => s.trim().parse::<f64>().ok()?,
            _ => return None,
        };
        let amount = format!("{amount:.2}");
        Some(
            match self.currency.as_deref().map(str::to_uppercase).as_deref() {
                None | Some("USD") => format!("${amount}"),
                Some("EUR") => format!("€{amount}"),
                Some("GBP") => format!("£{amount}"),
                Some(other) => format!("{amount} {other}"),
            },
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Caption {
    pub text: String,
    pub hashtags: Vec<String>,
}

pub type CaptionFuture<'a> = Pin<Box<dyn Future<Output = Result<Caption, AppError>> + Send + 'a>>;

/// Writes a caption for one platform, within that platform's rules.
pub trait CaptionGenerator: Send + Sync {
    fn generate<'a>(
        &'a self,
        product: &'a Product,
        platform: Platform,
        tone: Tone,
    ) -> CaptionFuture<'a>;
}
