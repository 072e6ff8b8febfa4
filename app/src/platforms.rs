//! What each platform accepts: caption length, hashtag count, whether a scheduled post needs
//! media, how many posts a day it publishes. The post service enforces it, the caption generator writes within it and the
//! composer shows it.

use crate::model::Platform;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlatformRules {
    /// Longest caption, in characters.
    pub max_content_chars: usize,
    /// Most hashtags a post may carry, if the platform caps them.
    pub max_hashtags: Option<usize>,
    /// Whether the platform can only publish posts with a photo or video.
    pub media_required: bool,
    /// Most posts an account may publish in any 24 hours (Instagram's content-publishing
    /// limit, TikTok's per-creator cap); the engine defers posts beyond it.
    pub daily_publish_cap: Option<u32>,
    /// Characters of the caption a feed shows before "… more" (the composer's preview cuts
    /// there).
    pub preview_chars: usize,
}

/// A caption that breaks its platform's rules: which field, and why in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptionViolation {
    pub field: &'static str,
    pub message: String,
}

impl Platform {
    pub fn rules(self) -> PlatformRules {
        match self {
            Platform::Instagram => PlatformRules {
                max_content_chars: 2200,
                max_hashtags: Some(30),
                media_required: true,
                daily_publish_cap: Some(25),
                preview_chars: 125,
            },
            Platform::Tiktok => PlatformRules {
                max_content_chars: 2200,
                max_hashtags: None,
                media_required: true,
                daily_publish_cap: Some(15),
                preview_chars: 100,
            },
            Platform::Facebook => PlatformRules {
                max_content_chars: 63206,
                max_hashtags: None,
                media_required: false,
                daily_publish_cap: None,
                preview_chars: 480,
            },
        }
    }

    /// What in a caption breaks this platform's length or hashtag rules, if anything: the one
    /// check of those rules (posts are refused with it, the AI caption writer is asked to fix
    /// it).
    pub fn caption_violation(self, content: &str, hashtags: usize) -> Option<CaptionViolation> {
        let rules = self.rules();
        let chars = content.chars().count();
        if chars > rules.max_content_chars {
            return Some(CaptionViolation {
                field: "content",
                message: format!(
                    "{} captions are limited to {} characters (this one has {chars})",
                    self.label(),
                    rules.max_content_chars
                ),
            });
        }
        match rules.max_hashtags {
            Some(max) if hashtags > max => Some(CaptionViolation {
                field: "hashtags",
                message: format!("{} allows at most {max} hashtags", self.label()),
            }),
            _ => None,
        }
    }

    /// The platform's name as people write it.
    pub fn label(self) -> &'static str {
        match self {
            Platform::Instagram => "Instagram",
            Platform::Facebook => "Facebook",
            Platform::Tiktok => "TikTok",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_match_the_contract() {
        assert_eq!(Platform::Instagram.rules().max_content_chars, 2200);
        assert_eq!(Platform::Tiktok.rules().max_content_chars, 2200);
        assert_eq!(Platform::Facebook.rules().max_content_chars, 63206);
        assert_eq!(Platform::Instagram.rules().max_hashtags, Some(30));
        assert!(Platform::Tiktok.rules().media_required);
        assert!(!Platform::Facebook.rules().media_required);
    }
}
