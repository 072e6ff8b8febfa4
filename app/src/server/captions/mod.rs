//! Caption writing. `CaptionGenerator` is what the queue service calls; the built-in
//! `TemplateWriter` writes platform-aware captions from product data with no external service
//! (deterministic: the same input gives the same caption). `LlmWriter` asks an Anthropic or
//! OpenAI-compatible model, and falls back to the template writer when that fails.

mod llm;
mod template_writer;

use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};

pub use llm::LlmWriter;
pub use template_writer::TemplateWriter;

use uuid::Uuid;

use crate::error::AppError;
use crate::model::{CaptionFallback, Platform};

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

/// What to write: a caption for one platform, in a tone, for one user (AI writers bound how
/// many captions each user has written at the same time).
#[derive(Debug, Clone, Copy)]
pub struct CaptionRequest<'a> {
    pub user_id: Uuid,
    pub product: &'a Product,
    pub platform: Platform,
    pub tone: Tone,
}

/// Tokens an AI writer spent on one caption (every request, corrections included) and their
/// estimated price.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenUsage {
    pub provider: String,
    pub model: String,
    pub requests: u32,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: f64,
}

/// Why the built-in writer wrote the caption: what the user is told, and what the admin's
/// event log keeps (no secrets, no prompt).
#[derive(Debug, Clone, PartialEq)]
pub struct Fallback {
    pub reason: CaptionFallback,
    /// The AI writer's deadline, which the user's message names.
    pub timeout_seconds: u64,
    /// The last failure, for the event log (a status code, the provider's short message).
    pub detail: String,
}

impl Fallback {
    pub fn message(&self) -> String {
        self.reason.message(self.timeout_seconds)
    }
}

/// A caption and how it came to be.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub caption: Caption,
    /// Set when the AI writer failed and the built-in writer wrote the caption.
    pub fallback: Option<Fallback>,
    /// Set when an AI writer was asked (even when it failed in the end).
    pub usage: Option<TokenUsage>,
    /// The AI's first answer broke the platform's rules and it was asked to fix it.
    pub corrected: bool,
    /// The answer still broke the rules after that and was cut to fit.
    pub trimmed: bool,
}

impl Written {
    pub fn builtin(caption: Caption) -> Self {
        Written {
            caption,
            fallback: None,
            usage: None,
            corrected: false,
            trimmed: false,
        }
    }
}

pub type CaptionFuture<'a> = Pin<Box<dyn Future<Output = Result<Written, AppError>> + Send + 'a>>;

/// Writes a caption for one platform, within that platform's rules.
pub trait CaptionGenerator: Send + Sync {
    fn generate<'a>(&'a self, request: CaptionRequest<'a>) -> CaptionFuture<'a>;
}
