//! The built-in caption writer: tone-specific opening, the product's description and price, a
//! call to action and hashtags that suit the platform, always within its length limit.

use super::{Caption, CaptionFuture, CaptionGenerator, CaptionRequest, Product, Tone, Written};
use crate::model::Platform;

pub struct TemplateWriter;

/// Tags that travel well on each platform, added after the product's own.
fn platform_tags(platform: Platform) -> &'static [&'static str] {
    match platform {
        Platform::Instagram => &["instagood", "shopsmall", "newarrivals"],
        Platform::Tiktok => &["tiktokmademebuyit", "fyp"],
        Platform::Facebook => &["shopnow"],
    }
}

/// How many hashtags read well (within the platform's hard cap).
pub(super) fn hashtag_budget(platform: Platform) -> usize {
    let wanted = match platform {
        Platform::Instagram => 15,
        Platform::Tiktok => 5,
        Platform::Facebook => 3,
    };
    platform
        .rules()
        .max_hashtags
        .map_or(wanted, |cap| wanted.min(cap))
}

/// Whether captions for the platform carry emoji (Facebook's audience reads them as noise).
pub(super) fn uses_emoji(platform: Platform) -> bool {
    platform != Platform::Facebook
}

fn opening(tone: Tone, platform: Platform, title: &str) -> String {
    let emoji = uses_emoji(platform);
    match (tone, emoji) {
        (Tone::Professional, _) => format!("Introducing the {title}."),
        (Tone::Casual, true) => format!("Meet your new favourite: the {title} ✨"),
        (Tone::Casual, false) => format!("Meet your new favourite: the {title}."),
        (Tone::Playful, true) => format!("Stop scrolling 👀 the {title} is here!"),
        (Tone::Playful, false) => format!("Guess what just landed? The {title}!"),
        (Tone::Urgent, true) => format!("⏰ Last chance: the {title} is going fast!"),
        (Tone::Urgent, false) => format!("Last chance: the {title} is going fast!"),
    }
}

pub(super) fn call_to_action(platform: Platform, product: &Product) -> String {
    match platform {
        Platform::Instagram => "Tap the link in bio to shop. 🛍️".to_string(),
        Platform::Tiktok => "Grab yours via the link in bio! 🔗".to_string(),
        Platform::Facebook => match &product.url {
            Some(url) if !url.is_empty() => format!("Shop now: {url}"),
            _ => "Shop now on our store.".to_string(),
        },
    }
}

/// Lower-case words of letters and digits, as hashtags.
fn tag_words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
}

fn hashtags(product: &Product, platform: Platform) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    let candidates = product
        .tags
        .iter()
        .map(|t| {
            t.split_whitespace()
                .collect::<String>()
                .trim_start_matches('#')
                .to_lowercase()
        })
        .chain(tag_words(&product.title))
        .chain(platform_tags(platform).iter().map(|t| t.to_string()));
    for tag in candidates {
        if !tag.is_empty() && !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    tags.truncate(hashtag_budget(platform));
    tags
}

pub(super) fn shorten(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let cut: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

pub fn write(product: &Product, platform: Platform, tone: Tone) -> Caption {
    let title = product.title.trim();
    let mut parts = vec![opening(tone, platform, title)];
    let price = product.price_text().map(|p| format!("Yours for {p}."));
    let cta = call_to_action(platform, product);
    let limit = platform.rules().max_content_chars;
    // The description gets what the other parts leave.
    let fixed: usize = parts[0].chars().count()
        + price.as_ref().map_or(0, |p| p.chars().count() + 2)
        + cta.chars().count()
        + 4;
    if let Some(description) = product
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        parts.push(shorten(description, limit.saturating_sub(fixed).min(600)));
    }
    parts.extend(price);
    parts.push(cta);
    let text = shorten(&parts.join("\n\n"), limit);
    Caption {
        text,
        hashtags: hashtags(product, platform),
    }
}

impl CaptionGenerator for TemplateWriter {
    fn generate<'a>(&'a self, request: CaptionRequest<'a>) -> CaptionFuture<'a> {
        let caption = write(request.product, request.platform, request.tone);
        Box::pin(async move { Ok(Written::builtin(caption)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dress() -> Product {
        Product {
            title: "Linen Summer Dress".into(),
            description: Some("Breathable linen in three colours.".into()),
            price: Some(serde_json::json!(59)),
            currency: Some("usd".into()),
            images: vec![],
            url: Some("https://shop.example/dress".into()),
            tags: vec!["Summer Style".into(), "#linen".into()],
        }
    }

    #[test]
    fn captions_are_deterministic_and_platform_aware() {
        let ig = write(&dress(), Platform::Instagram, Tone::Playful);
        assert_eq!(ig, write(&dress(), Platform::Instagram, Tone::Playful));
        assert!(ig
            .text
            .starts_with("Stop scrolling 👀 the Linen Summer Dress is here!"));
        assert!(ig.text.contains("Yours for $59.00."));
        assert!(ig.text.ends_with("Tap the link in bio to shop. 🛍️"));
        assert_eq!(&ig.hashtags[..3], ["summerstyle", "linen", "summer"]);

        let fb = write(&dress(), Platform::Facebook, Tone::Professional);
        assert!(fb.text.ends_with("Shop now: https://shop.example/dress"));
        assert!(fb.hashtags.len() <= 3);
        let tt = write(&dress(), Platform::Tiktok, Tone::Urgent);
        assert!(tt.text.starts_with("⏰ Last chance"));
        assert!(tt.hashtags.len() <= 5);
    }

    #[test]
    fn long_descriptions_are_shortened_to_fit() {
        let mut product = dress();
        product.description = Some("word ".repeat(2000));
        for platform in [Platform::Instagram, Platform::Tiktok, Platform::Facebook] {
            let caption = write(&product, platform, Tone::Casual);
            assert!(caption.text.chars().count() <= platform.rules().max_content_chars);
            assert!(caption.text.contains('…'));
        }
    }

    #[test]
    fn prices_read_naturally() {
        let mut p = dress();
        p.price = Some(serde_json::json!("12.5"));
        p.currency = Some("EUR".into());
        assert_eq!(p.price_text().as_deref(), Some("€12.50"));
        p.currency = Some("sek".into());
        assert_eq!(p.price_text().as_deref(), Some("12.50 SEK"));
        p.price = None;
        assert_eq!(p.price_text(), None);
    }
}
