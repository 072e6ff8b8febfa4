//! What each platform accepts: caption length, hashtag count, whether a scheduled post needs
//! media, which photos and videos it takes, how many posts a day it publishes. The post
//! service enforces it, the caption generator writes within it, the media library checks
//! uploads against it and the composer shows it.

use crate::model::{MediaFacts, MediaKind, Platform};

const MB: i64 = 1024 * 1024;

/// The photos and videos a platform publishes (what its publishing API refuses otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaRules {
    /// Photo types it takes, as MIME types.
    pub image_types: &'static [&'static str],
    pub max_image_bytes: i64,
    /// Width:height a photo may have, from the narrowest to the widest; `None`: any.
    pub image_aspect: Option<((u32, u32), (u32, u32))>,
    /// Video types it takes, as MIME types.
    pub video_types: &'static [&'static str],
    pub max_video_bytes: i64,
    /// Shortest and longest video, in seconds.
    pub video_seconds: (u32, u32),
}

/// A file type PostPilot's media library stores (sniffed from the bytes), and the extension its
/// files are stored under (the local store serves a file's type by it; the publishers tell
/// videos from photos by it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredMediaType {
    pub mime: &'static str,
    pub extension: &'static str,
}

/// Every type the media library stores.
pub const STORED_MEDIA_TYPES: [StoredMediaType; 6] = [
    StoredMediaType {
        mime: "image/jpeg",
        extension: "jpg",
    },
    StoredMediaType {
        mime: "image/png",
        extension: "png",
    },
    StoredMediaType {
        mime: "image/webp",
        extension: "webp",
    },
    StoredMediaType {
        mime: "image/gif",
        extension: "gif",
    },
    StoredMediaType {
        mime: "video/mp4",
        extension: "mp4",
    },
    StoredMediaType {
        mime: "video/quicktime",
        extension: "mov",
    },
];

/// The stored type with this MIME type, if the library stores it.
pub fn stored_media_type(mime: &str) -> Option<StoredMediaType> {
    STORED_MEDIA_TYPES.iter().copied().find(|t| t.mime == mime)
}

/// A file type as people name it: "JPEG", "MP4".
pub fn media_type_label(content_type: &str) -> &str {
    match content_type {
        "image/jpeg" => "JPEG",
        "image/png" => "PNG",
        "image/webp" => "WebP",
        "image/gif" => "GIF",
        "video/mp4" => "MP4",
        "video/quicktime" => "MOV",
        "video/webm" => "WebM",
        "application/pdf" => "PDF",
        other => other,
    }
}

/// An aspect ratio as people write it: "3:1", "4:5", or "1.85:1" when the sides have no
/// small common measure.
pub fn aspect_label(width: u32, height: u32) -> String {
    fn gcd(a: u32, b: u32) -> u32 {
        if b == 0 {
            a
        } else {
            gcd(b, a % b)
        }
    }
    let d = gcd(width, height).max(1);
    let (w, h) = (width / d, height / d);
    if w <= 32 && h <= 32 {
        format!("{w}:{h}")
    } else {
        let ratio = width as f64 / height.max(1) as f64;
        format!("{}:1", trim_decimals(ratio))
    }
}

fn trim_decimals(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn seconds_label(seconds: u32) -> String {
    match seconds {
        s if s >= 60 && s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

fn list_types(types: &[&str]) -> String {
    let labels: Vec<&str> = types.iter().map(|t| media_type_label(t)).collect();
    match labels.as_slice() {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

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

    /// The photos and videos this platform publishes.
    pub fn media_rules(self) -> MediaRules {
        match self {
            // Instagram's content-publishing API: JPEG photos of 8 MB at most between 4:5 and
            // 1.91:1; reels from 3 seconds to 15 minutes, MP4 or MOV, up to 1 GB.
            Platform::Instagram => MediaRules {
                image_types: &["image/jpeg"],
                max_image_bytes: 8 * MB,
                image_aspect: Some(((4, 5), (191, 100))),
                video_types: &["video/mp4", "video/quicktime"],
                max_video_bytes: 1024 * MB,
                video_seconds: (3, 15 * 60),
            },
            // TikTok's Content Posting API: photo posts in JPEG or WebP up to 20 MB; videos
            // from 3 seconds to 10 minutes, MP4 or MOV (WebM too, which we do not store), up
            // to 4 GB.
            Platform::Tiktok => MediaRules {
                image_types: &["image/jpeg", "image/webp"],
                max_image_bytes: 20 * MB,
                image_aspect: None,
                video_types: &["video/mp4", "video/quicktime"],
                max_video_bytes: 4096 * MB,
                video_seconds: (3, 10 * 60),
            },
            // Facebook Pages: photos up to 10 MB. PostPilot publishes Page photos only (the
            // publisher posts to `/photos`), so no video is taken.
            Platform::Facebook => MediaRules {
                image_types: &["image/jpeg", "image/png", "image/gif", "image/webp"],
                max_image_bytes: 10 * MB,
                image_aspect: None,
                video_types: &[],
                max_video_bytes: 0,
                video_seconds: (0, 0),
            },
        }
    }

    /// Why this platform would refuse the file, if it would: the one check of the media
    /// rules (uploads are flagged with it, scheduling is refused with it).
    pub fn media_violation(self, facts: &MediaFacts) -> Option<String> {
        let rules = self.media_rules();
        let name = self.label();
        let kind_label = media_type_label(&facts.content_type);
        let size = crate::model::byte_size_label(facts.byte_size);
        match facts.kind {
            MediaKind::Image => {
                if !rules.image_types.contains(&facts.content_type.as_str()) {
                    return Some(format!(
                        "{name} takes {} photos; this one is {kind_label}",
                        list_types(rules.image_types)
                    ));
                }
                if facts.byte_size > rules.max_image_bytes {
                    return Some(format!(
                        "{name} takes photos up to {}; this one is {size}",
                        crate::model::byte_size_label(rules.max_image_bytes)
                    ));
                }
                if let Some(((min_w, min_h), (max_w, max_h))) = rules.image_aspect {
                    let (w, h) = (facts.width as u64, facts.height as u64);
                    // width/height within [min_w/min_h, max_w/max_h], in integers.
                    if w * u64::from(min_h) < h * u64::from(min_w)
                        || w * u64::from(max_h) > h * u64::from(max_w)
                    {
                        return Some(format!(
                            "{name} takes photos from {} (portrait) to {} (landscape); this one \
                             is {}",
                            aspect_label(min_w, min_h),
                            aspect_label(max_w, max_h),
                            aspect_label(facts.width, facts.height)
                        ));
                    }
                }
                None
            }
            MediaKind::Video => {
                if rules.video_types.is_empty() {
                    return Some(format!(
                        "PostPilot publishes photos to {name}, not videos; choose a photo"
                    ));
                }
                if !rules.video_types.contains(&facts.content_type.as_str()) {
                    return Some(format!(
                        "{name} takes {} videos; this one is {kind_label}",
                        list_types(rules.video_types)
                    ));
                }
                if facts.byte_size > rules.max_video_bytes {
                    return Some(format!(
                        "{name} takes videos up to {}; this one is {size}",
                        crate::model::byte_size_label(rules.max_video_bytes)
                    ));
                }
                let (shortest, longest) = rules.video_seconds;
                let ms = facts.duration_ms.unwrap_or(0);
                if ms < shortest as i64 * 1000 || ms > longest as i64 * 1000 {
                    return Some(format!(
                        "{name} takes videos from {} to {}; this one is {}",
                        seconds_label(shortest),
                        seconds_label(longest),
                        duration_label(ms)
                    ));
                }
                None
            }
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

/// A video's length as people read it: "0:42", "12:05", "1:02:03".
pub fn duration_label(ms: i64) -> String {
    let total = (ms.max(0) + 500) / 1000;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo(content_type: &str, width: u32, height: u32) -> MediaFacts {
        MediaFacts {
            kind: MediaKind::Image,
            content_type: content_type.into(),
            byte_size: 200_000,
            width,
            height,
            duration_ms: None,
        }
    }

    fn video(seconds: i64, byte_size: i64) -> MediaFacts {
        MediaFacts {
            kind: MediaKind::Video,
            content_type: "video/mp4".into(),
            byte_size,
            width: 1080,
            height: 1920,
            duration_ms: Some(seconds * 1000),
        }
    }

    #[test]
    fn instagram_takes_jpeg_photos_between_4_5_and_1_91_1() {
        let ig = Platform::Instagram;
        assert_eq!(ig.media_violation(&photo("image/jpeg", 1080, 1350)), None);
        assert_eq!(ig.media_violation(&photo("image/jpeg", 1910, 1000)), None);
        assert_eq!(
            ig.media_violation(&photo("image/jpeg", 3000, 1000))
                .as_deref(),
            Some(
                "Instagram takes photos from 4:5 (portrait) to 1.91:1 (landscape); this one is 3:1"
            )
        );
        assert!(ig
            .media_violation(&photo("image/jpeg", 1000, 1300))
            .is_some());
        assert_eq!(
            ig.media_violation(&photo("image/png", 1000, 1000))
                .as_deref(),
            Some("Instagram takes JPEG photos; this one is PNG")
        );
        let mut big = photo("image/jpeg", 1000, 1000);
        big.byte_size = 9 * MB;
        assert_eq!(
            ig.media_violation(&big).as_deref(),
            Some("Instagram takes photos up to 8 MB; this one is 9 MB")
        );
        // Facebook and TikTok take the wide photo.
        assert_eq!(
            Platform::Facebook.media_violation(&photo("image/png", 3000, 1000)),
            None
        );
        assert_eq!(
            Platform::Tiktok.media_violation(&photo("image/jpeg", 3000, 1000)),
            None
        );
    }

    #[test]
    fn video_length_size_and_type_limits() {
        assert_eq!(Platform::Tiktok.media_violation(&video(30, 50 * MB)), None);
        assert_eq!(
            Platform::Tiktok
                .media_violation(&video(11 * 60, 50 * MB))
                .as_deref(),
            Some("TikTok takes videos from 3 s to 10 min; this one is 11:00")
        );
        assert!(Platform::Instagram.media_violation(&video(2, MB)).is_some());
        assert!(Platform::Instagram
            .media_violation(&video(60, 2048 * MB))
            .is_some());
        assert_eq!(
            Platform::Instagram.media_violation(&video(14 * 60, 900 * MB)),
            None
        );
        let mut webm = video(30, MB);
        webm.content_type = "video/webm".into();
        assert_eq!(
            Platform::Tiktok.media_violation(&webm).as_deref(),
            Some("TikTok takes MP4 or MOV videos; this one is WebM")
        );
        assert_eq!(
            Platform::Facebook
                .media_violation(&video(30, MB))
                .as_deref(),
            Some("PostPilot publishes photos to Facebook, not videos; choose a photo")
        );
    }

    #[test]
    fn labels_read_as_people_write_them() {
        assert_eq!(aspect_label(1080, 1350), "4:5");
        assert_eq!(aspect_label(191, 100), "1.91:1");
        assert_eq!(aspect_label(1920, 1080), "16:9");
        assert_eq!(duration_label(42_400), "0:42");
        assert_eq!(duration_label(3_723_000), "1:02:03");
    }

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
