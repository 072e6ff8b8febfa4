//! The AI caption writer: asks an Anthropic Messages or OpenAI-compatible chat-completions
//! endpoint for a caption as JSON, holds the answer to the platform's rules (one correction
//! asked for, then a cut to fit), and falls back to the built-in writer when the provider fails.
//! Every request has a deadline; timeouts, 429 and 5xx are tried again with backoff; each user
//! has a bounded number of captions being written at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use uuid::Uuid;

use super::template_writer::{self, call_to_action, hashtag_budget, uses_emoji};
use super::{
    Caption, CaptionFuture, CaptionGenerator, CaptionRequest, Fallback, Product, TokenUsage, Tone,
    Written,
};
use crate::model::{CaptionFallback, Platform};
use crate::server::config::CaptionSettings;

/// The version of the Messages API this writer speaks.
const ANTHROPIC_VERSION: &str = "2023-06-01";
/// How much of a product description goes into the prompt (the rest adds cost, not quality).
const MAX_DESCRIPTION_CHARS: usize = 1500;
/// How much of a provider's error message the event log keeps.
const MAX_DETAIL_CHARS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wire {
    Anthropic,
    OpenAi,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    User,
    Assistant,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// A request that failed: how the user is told, and whether trying again may help.
#[derive(Debug)]
struct Failure {
    reason: CaptionFallback,
    retry: bool,
    retry_after: Option<Duration>,
    detail: String,
}

impl Failure {
    fn new(reason: CaptionFallback, retry: bool, detail: impl Into<String>) -> Self {
        Failure {
            reason,
            retry,
            retry_after: None,
            detail: detail.into(),
        }
    }
}

/// One answer of the model and what it cost.
struct Answer {
    text: String,
    input_tokens: u64,
    output_tokens: u64,
}

pub struct LlmWriter {
    client: reqwest::Client,
    settings: CaptionSettings,
    wire: Wire,
    /// Each user's writing slots; an entry goes when its user has nothing in flight.
    slots: Mutex<HashMap<Uuid, Arc<Semaphore>>>,
}

impl LlmWriter {
    /// A writer for the configured AI provider (`Settings::validate` has checked the rest).
    pub fn new(settings: &CaptionSettings) -> Result<Self, String> {
        let wire = match settings.provider.as_str() {
            "anthropic" => Wire::Anthropic,
            "openai" => Wire::OpenAi,
            other => return Err(format!("captions.provider {other:?} is not an AI provider")),
        };
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(settings.timeout_seconds))
            .build()
            .map_err(|e| format!("cannot build the caption writer's HTTP client: {e}"))?;
        Ok(LlmWriter {
            client,
            settings: settings.clone(),
            wire,
            slots: Mutex::new(HashMap::new()),
        })
    }

    /// One of the user's writing slots, waiting for a turn up to the request deadline.
    async fn slot(&self, user_id: Uuid) -> Result<Slot<'_>, Failure> {
        let semaphore = {
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            slots
                .entry(user_id)
                .or_insert_with(|| Arc::new(Semaphore::new(self.settings.per_user_concurrency)))
                .clone()
        };
        // The guard exists before the wait, so a request cancelled while waiting cleans up too.
        let mut slot = Slot {
            writer: self,
            user_id,
            permit: None,
        };
        let wait = Duration::from_secs(self.settings.timeout_seconds);
        match tokio::time::timeout(wait, semaphore.acquire_owned()).await {
            Ok(Ok(permit)) => {
                slot.permit = Some(permit);
                Ok(slot)
            }
            _ => Err(Failure::new(
                CaptionFallback::TooManyAtOnce,
                false,
                format!(
                    "no free writing slot within {} s ({} per user)",
                    self.settings.timeout_seconds, self.settings.per_user_concurrency
                ),
            )),
        }
    }

    /// Asks the model, trying again on timeouts, 429 and 5xx with exponential backoff (or the
    /// provider's Retry-After), never on other refusals. Counts every request's tokens.
    async fn ask(
        &self,
        system: &str,
        messages: &[(Role, String)],
        usage: &mut TokenUsage,
    ) -> Result<String, Failure> {
        let deadline = Duration::from_secs(self.settings.timeout_seconds);
        let mut attempt = 1;
        loop {
            usage.requests += 1;
            match self.request(system, messages).await {
                Ok(answer) => {
                    usage.input_tokens += answer.input_tokens;
                    usage.output_tokens += answer.output_tokens;
                    usage.cost_usd = (usage.input_tokens as f64
                        * self.settings.input_price_per_million
                        + usage.output_tokens as f64 * self.settings.output_price_per_million)
                        / 1_000_000.0;
                    return Ok(answer.text);
                }
                Err(failure) if failure.retry && attempt < self.settings.max_attempts => {
                    let backoff = Duration::from_millis(
                        self.settings
                            .backoff_ms
                            .saturating_mul(1 << (attempt - 1).min(16)),
                    );
                    let wait = failure.retry_after.unwrap_or(backoff).min(deadline);
                    tracing::info!(
                        attempt,
                        wait_ms = wait.as_millis() as u64,
                        detail = %failure.detail,
                        "AI caption request failed; trying again"
                    );
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err(failure) => return Err(failure),
            }
        }
    }

    /// One request in the provider's wire format.
    async fn request(&self, system: &str, messages: &[(Role, String)]) -> Result<Answer, Failure> {
        let settings = &self.settings;
        let turns = messages
            .iter()
            .map(|(role, content)| json!({"role": role.as_str(), "content": content}));
        let base = settings.api_base();
        let request = match self.wire {
            Wire::Anthropic => self
                .client
                .post(format!("{base}/v1/messages"))
                .header("x-api-key", &settings.api_key)
                .header("anthropic-version", ANTHROPIC_VERSION)
                .json(&json!({
                    "model": settings.model,
                    "max_tokens": settings.max_tokens,
                    "system": system,
                    "messages": turns.collect::<Vec<_>>(),
                })),
            Wire::OpenAi => {
                let mut all = vec![json!({"role": "system", "content": system})];
                all.extend(turns);
                self.client
                    .post(format!("{base}/chat/completions"))
                    .bearer_auth(&settings.api_key)
                    .json(&json!({
                        "model": settings.model,
                        "max_completion_tokens": settings.max_tokens,
                        "messages": all,
                    }))
            }
        };
        let response = request.send().await.map_err(transport_failure)?;
        let status = response.status();
        if !status.is_success() {
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let body = response.text().await.unwrap_or_default();
            let (reason, retry) = match status.as_u16() {
                408 => (CaptionFallback::Timeout, true),
                // 529: Anthropic's "overloaded".
                429 | 529 => (CaptionFallback::Busy, true),
                500..=599 => (CaptionFallback::Unavailable, true),
                _ => (CaptionFallback::Refused, false),
            };
            return Err(Failure {
                reason,
                retry,
                retry_after,
                detail: format!("HTTP {}: {}", status.as_u16(), provider_message(&body)),
            });
        }
        let body: Value = response.json().await.map_err(|e| {
            if e.is_timeout() {
                transport_failure(e)
            } else {
                Failure::new(CaptionFallback::Unreadable, false, "the answer is not JSON")
            }
        })?;
        let read = match self.wire {
            Wire::Anthropic => read_anthropic(&body),
            Wire::OpenAi => read_openai(&body),
        };
        read.filter(|a| !a.text.trim().is_empty()).ok_or_else(|| {
            Failure::new(
                CaptionFallback::Unreadable,
                false,
                "the answer holds no text",
            )
        })
    }

    async fn write(&self, request: CaptionRequest<'_>) -> Written {
        let platform = request.platform;
        let mut usage = TokenUsage {
            provider: self.settings.provider.clone(),
            model: self.settings.model.clone(),
            requests: 0,
            input_tokens: 0,
            output_tokens: 0,
            cost_usd: 0.0,
        };
        let fallback = |failure: Failure, usage: TokenUsage| {
            tracing::warn!(reason = failure.reason.code(), detail = %failure.detail, "AI caption writer failed; the built-in writer takes over");
            Written {
                caption: template_writer::write(request.product, platform, request.tone),
                fallback: Some(Fallback {
                    reason: failure.reason,
                    timeout_seconds: self.settings.timeout_seconds,
                    detail: failure.detail,
                }),
                usage: Some(usage),
                corrected: false,
                trimmed: false,
            }
        };
        let _slot = match self.slot(request.user_id).await {
            Ok(slot) => slot,
            Err(failure) => return fallback(failure, usage),
        };
        let system = system_prompt();
        let mut messages = vec![(Role::User, prompt(&request))];
        let first = match self.ask(&system, &messages, &mut usage).await {
            Ok(text) => text,
            Err(failure) => return fallback(failure, usage),
        };
        let Some(mut caption) = parse_answer(&first) else {
            let failure = Failure::new(
                CaptionFallback::Unreadable,
                false,
                "the answer is not a JSON caption",
            );
            return fallback(failure, usage);
        };
        let (mut corrected, mut trimmed) = (false, false);
        if let Some(violation) = platform.caption_violation(&caption.text, caption.hashtags.len()) {
            corrected = true;
            messages.push((Role::Assistant, first));
            messages.push((
                Role::User,
                format!(
                    "That caption breaks {}'s rules: {}. Rewrite it so that it fits, in the same \
                     tone, and answer with the JSON object only.",
                    platform.label(),
                    violation.message
                ),
            ));
            // A correction that fails or is unreadable leaves the first answer, cut to fit.
            match self.ask(&system, &messages, &mut usage).await {
                Ok(text) => caption = parse_answer(&text).unwrap_or(caption),
                Err(failure) => {
                    tracing::warn!(detail = %failure.detail, "the AI caption correction failed")
                }
            }
            if platform
                .caption_violation(&caption.text, caption.hashtags.len())
                .is_some()
            {
                caption = fit(caption, platform);
                trimmed = true;
            }
        }
        Written {
            caption,
            fallback: None,
            usage: Some(usage),
            corrected,
            trimmed,
        }
    }
}

impl CaptionGenerator for LlmWriter {
    fn generate<'a>(&'a self, request: CaptionRequest<'a>) -> CaptionFuture<'a> {
        Box::pin(async move { Ok(self.write(request).await) })
    }
}

/// A user's writing slot; gives the user's entry up when nobody else holds or awaits it.
struct Slot<'a> {
    writer: &'a LlmWriter,
    user_id: Uuid,
    permit: Option<OwnedSemaphorePermit>,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        drop(self.permit.take());
        let mut slots = self.writer.slots.lock().unwrap_or_else(|p| p.into_inner());
        // Clones are only made under this lock: one reference left is the map's own.
        if slots
            .get(&self.user_id)
            .is_some_and(|s| Arc::strong_count(s) == 1)
        {
            slots.remove(&self.user_id);
        }
    }
}

fn transport_failure(err: reqwest::Error) -> Failure {
    if err.is_timeout() {
        Failure::new(
            CaptionFallback::Timeout,
            true,
            "no answer before the deadline",
        )
    } else {
        Failure::new(
            CaptionFallback::Unavailable,
            true,
            "the provider could not be reached",
        )
    }
}

/// The provider's own error message (both formats put it at `error.message`), short.
fn provider_message(body: &str) -> String {
    let message = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
        .unwrap_or_default();
    message.chars().take(MAX_DETAIL_CHARS).collect()
}

/// `{content: [{type: "text", text}], usage: {input_tokens, output_tokens}}`
fn read_anthropic(body: &Value) -> Option<Answer> {
    let text = body["content"]
        .as_array()?
        .iter()
        .filter(|block| block["type"] == "text")
        .filter_map(|block| block["text"].as_str())
        .collect::<String>();
    Some(Answer {
        text,
        input_tokens: body["usage"]["input_tokens"].as_u64().unwrap_or(0),
        output_tokens: body["usage"]["output_tokens"].as_u64().unwrap_or(0),
    })
}

/// `{choices: [{message: {content}}], usage: {prompt_tokens, completion_tokens}}`
fn read_openai(body: &Value) -> Option<Answer> {
    Some(Answer {
        text: body["choices"][0]["message"]["content"]
            .as_str()?
            .to_string(),
        input_tokens: body["usage"]["prompt_tokens"].as_u64().unwrap_or(0),
        output_tokens: body["usage"]["completion_tokens"].as_u64().unwrap_or(0),
    })
}

fn system_prompt() -> String {
    "You write social media captions for an online shop's products. Answer with one JSON \
     object and nothing else: {\"caption\": \"...\", \"hashtags\": [\"...\"]}. The caption \
     holds no hashtags; each hashtag is one word without the # sign. Use only facts the \
     product data gives: never invent prices, discounts, materials or deadlines."
        .to_string()
}

fn tone_guidance(tone: Tone) -> &'static str {
    match tone {
        Tone::Professional => "clear, confident and factual",
        Tone::Casual => "friendly and relaxed, like a message to a friend",
        Tone::Playful => "fun and witty, full of energy",
        Tone::Urgent => "urgent: the reader should act now (without inventing deadlines)",
    }
}

/// The request for one caption: the platform's rules, the tone and the product's facts.
fn prompt(request: &CaptionRequest<'_>) -> String {
    let (platform, product) = (request.platform, request.product);
    let rules = platform.rules();
    let name = platform.label();
    let hashtags = match rules.max_hashtags {
        Some(max) => format!(
            "{} hashtags ({name} allows at most {max})",
            hashtag_budget(platform)
        ),
        None => format!("about {} hashtags", hashtag_budget(platform)),
    };
    let emoji = if uses_emoji(platform) {
        "a few emoji, where they fit"
    } else {
        "no emoji"
    };
    let mut text = format!(
        "Write a {name} caption. Tone: {} ({}).\n\
         Rules for {name}:\n\
         - The caption is at most {} characters; the first {} show before \"more\", so open \
         with the hook.\n\
         - {hashtags}.\n\
         - Use {emoji}.\n\
         - End with this call to action, or one close to it: \"{}\"\n\n\
         The product:\n",
        request.tone.as_str(),
        tone_guidance(request.tone),
        rules.max_content_chars,
        rules.preview_chars,
        call_to_action(platform, product),
    );
    text.push_str(&product_facts(product));
    text
}

fn product_facts(product: &Product) -> String {
    let mut facts = format!("- Title: {}\n", product.title.trim());
    if let Some(description) = product
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        let description: String = description.chars().take(MAX_DESCRIPTION_CHARS).collect();
        facts.push_str(&format!("- Description: {description}\n"));
    }
    if let Some(price) = product.price_text() {
        facts.push_str(&format!("- Price: {price}\n"));
    }
    if let Some(url) = product.url.as_deref().filter(|u| !u.is_empty()) {
        facts.push_str(&format!("- Link: {url}\n"));
    }
    if !product.tags.is_empty() {
        facts.push_str(&format!("- Tags: {}\n", product.tags.join(", ")));
    }
    facts
}

/// The caption in a model's answer: the JSON object in it (code fences and words around it
/// are tolerated), hashtags stored as the rest of the app stores them: one word, no `#`.
fn parse_answer(answer: &str) -> Option<Caption> {
    let start = answer.find('{')?;
    let end = answer.rfind('}')?;
    let value: Value = serde_json::from_str(answer.get(start..=end)?).ok()?;
    let text = value["caption"].as_str()?.trim().to_string();
    if text.is_empty() {
        return None;
    }
    let raw: Vec<&str> = match &value["hashtags"] {
        Value::Array(tags) => tags.iter().filter_map(Value::as_str).collect(),
        Value::String(tags) => tags
            .split(|c: char| c.is_whitespace() || c == ',')
            .collect(),
        _ => Vec::new(),
    };
    let mut hashtags: Vec<String> = Vec::new();
    for tag in raw {
        let tag: String = tag
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !tag.is_empty() && !hashtags.iter().any(|t| t.eq_ignore_ascii_case(&tag)) {
            hashtags.push(tag);
        }
    }
    Some(Caption { text, hashtags })
}

/// Cuts a caption to the platform's rules: the text at a word boundary, with an ellipsis, and
/// the hashtags to the cap.
fn fit(caption: Caption, platform: Platform) -> Caption {
    let rules = platform.rules();
    let mut hashtags = caption.hashtags;
    if let Some(max) = rules.max_hashtags {
        hashtags.truncate(max);
    }
    let max = rules.max_content_chars;
    let text = if caption.text.chars().count() <= max {
        caption.text
    } else {
        let cut: String = caption.text.chars().take(max.saturating_sub(1)).collect();
        let at_word = match cut.rfind(char::is_whitespace) {
            Some(space) if space > 0 => &cut[..space],
            _ => cut.as_str(),
        };
        format!("{}…", at_word.trim_end())
    };
    Caption { text, hashtags }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_through_fences_and_chatter() {
        let answer = "Sure! Here it is:\n```json\n{\"caption\": \"Hello {world}\", \"hashtags\": [\"#Summer\", \"linen dress\", \"summer\", \"#\"]}\n```\nEnjoy.";
        let caption = parse_answer(answer).unwrap();
        assert_eq!(caption.text, "Hello {world}");
        assert_eq!(caption.hashtags, ["Summer", "linendress"]);
        let caption = parse_answer("{\"caption\": \"Hi\", \"hashtags\": \"#a, #b c\"}").unwrap();
        assert_eq!(caption.hashtags, ["a", "b", "c"]);
        assert_eq!(parse_answer("no json here"), None);
        assert_eq!(parse_answer("{\"caption\": \"  \"}"), None);
        assert_eq!(parse_answer("{\"text\": \"Hi\"}"), None);
    }

    #[test]
    fn a_caption_too_long_is_cut_at_a_word_and_fits() {
        let long = Caption {
            text: "linen ".repeat(500),
            hashtags: (0..40).map(|i| format!("tag{i}")).collect(),
        };
        let fitted = fit(long, Platform::Instagram);
        assert!(fitted.text.chars().count() <= 2200);
        assert!(fitted.text.ends_with("linen…"), "{}", &fitted.text[2150..]);
        assert_eq!(fitted.hashtags.len(), 30);
        assert_eq!(
            Platform::Instagram.caption_violation(&fitted.text, fitted.hashtags.len()),
            None
        );
    }

    #[test]
    fn the_prompt_carries_the_platform_rules_tone_and_product() {
        let product = Product {
            title: "Linen Dress".into(),
            description: Some("Breathable.".into()),
            price: Some(json!(59)),
            currency: None,
            images: vec![],
            url: None,
            tags: vec!["summer".into()],
        };
        let request = CaptionRequest {
            user_id: Uuid::nil(),
            product: &product,
            platform: Platform::Facebook,
            tone: Tone::Urgent,
        };
        let text = prompt(&request);
        assert!(text.contains("Facebook caption. Tone: urgent ("), "{text}");
        assert!(text.contains("at most 63206 characters"), "{text}");
        assert!(text.contains("no emoji"), "{text}");
        assert!(text.contains("Shop now on our store."), "{text}");
        assert!(text.contains("- Price: $59.00"), "{text}");
    }
}
