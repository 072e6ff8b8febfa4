//! What the engine asks of a platform: publish a post (in two steps, so a crash between them
//! can be resumed without posting twice), read its metrics, renew an account's token. How each
//! platform's answers map onto retry/fail/defer lives in `PublishError`, decided by its adapter.

use std::time::Duration;

/// Re-exported so that publishers written elsewhere (tests, tools) implement `Publisher`
/// with the same macro.
pub use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::model::Platform;

/// The account a post goes out on, with its token decrypted for this call only.
#[derive(Clone)]
pub struct AccountAuth {
    pub account_id: Uuid,
    pub platform: Platform,
    /// The page / Instagram business account / TikTok open id.
    pub external_id: String,
    pub access_token: String,
    pub refresh_token: Option<String>,
}

impl std::fmt::Debug for AccountAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountAuth")
            .field("account_id", &self.account_id)
            .field("platform", &self.platform)
            .field("external_id", &self.external_id)
            .finish_non_exhaustive()
    }
}

/// The post as the platform receives it.
#[derive(Debug, Clone)]
pub struct OutgoingPost {
    pub post_id: Uuid,
    /// Content followed by the hashtags, as the post will read.
    pub caption: String,
    pub media_urls: Vec<String>,
}

/// Step one's result: the platform's handle on the post in progress (an Instagram container,
/// a TikTok publish id) or, for one-step platforms, the published post itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Started {
    InProgress { publish_ref: String },
    Published { external_post_id: String },
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metrics {
    pub impressions: i64,
    pub reach: i64,
    pub likes: i64,
    pub comments: i64,
    pub shares: i64,
    pub clicks: i64,
}

/// Platform tokens live with the vault that seals them, below the services that store them.
pub use crate::server::auth::vault::TokenGrant;

/// Why a platform call did not succeed, sorted by what the engine should do about it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PublishError {
    /// Worth retrying later (server errors, timeouts, "try again").
    #[error("{message}")]
    Transient {
        code: Option<String>,
        message: String,
    },
    /// Will never succeed as it is (invalid media, caption too long, revoked permission).
    #[error("{message}")]
    Permanent {
        code: Option<String>,
        message: String,
    },
    /// The token expired or was invalidated: renew it, then try once more.
    #[error("{message}")]
    TokenExpired {
        code: Option<String>,
        message: String,
    },
    /// A publish call whose fate is unknown (it timed out after it may have been received)
    /// on a platform that offers no way to look the post up: retrying could post it twice,
    /// so the post fails and its owner checks the profile.
    #[error("{message}")]
    Unconfirmed {
        code: Option<String>,
        message: String,
    },
    /// The platform asks us to slow down; not a failure of the post.
    #[error("{message}")]
    RateLimited {
        code: Option<String>,
        message: String,
        retry_after: Option<Duration>,
    },
}

impl PublishError {
    pub fn code(&self) -> Option<&str> {
        match self {
            PublishError::Transient { code, .. }
            | PublishError::Permanent { code, .. }
            | PublishError::TokenExpired { code, .. }
            | PublishError::Unconfirmed { code, .. }
            | PublishError::RateLimited { code, .. } => code.as_deref(),
        }
    }

    pub fn transient(message: impl Into<String>) -> Self {
        PublishError::Transient {
            code: None,
            message: message.into(),
        }
    }

    /// Whether the platform answered a publish call with a refusal, so that nothing was
    /// posted and the call may be made again: every error but a transient one without an
    /// HTTP status (no answer at all) and `Unconfirmed`.
    pub fn nothing_posted(&self) -> bool {
        match self {
            PublishError::Transient { code, .. } => code.is_some(),
            PublishError::Unconfirmed { .. } => false,
            PublishError::Permanent { .. }
            | PublishError::TokenExpired { .. }
            | PublishError::RateLimited { .. } => true,
        }
    }

    /// The platform could not say whether the post went out (see `Unconfirmed`).
    pub fn unconfirmed(platform: Platform) -> Self {
        PublishError::Unconfirmed {
            code: None,
            message: format!(
                "{} did not confirm this post; check the profile before retrying",
                platform.label()
            ),
        }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        PublishError::Permanent {
            code: None,
            message: message.into(),
        }
    }

    /// A network-level failure (no answer, timeout): always transient. The message is
    /// written here, never taken from reqwest: its text carries the request's URL, and a URL
    /// is no place to trust with secrets.
    pub fn from_transport(platform: Platform, err: &reqwest::Error, timeout: Duration) -> Self {
        let label = platform.label();
        let message = if err.is_timeout() {
            format!("{label} did not answer within {} s", timeout.as_secs())
        } else if err.is_connect() {
            format!("{label} could not be reached")
        } else {
            format!("The connection to {label} failed")
        };
        PublishError::Transient {
            code: None,
            message,
        }
    }
}

/// Whether a media URL is a video (by its extension); photos otherwise.
pub fn is_video_url(url: &str) -> bool {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or(url)
        .to_ascii_lowercase();
    [".mp4", ".mov", ".m4v", ".webm"]
        .iter()
        .any(|ext| path.ends_with(ext))
}

/// The shortest wait a platform may ask for: a `Retry-After: 0` must not spin.
pub const MIN_PLATFORM_DELAY: Duration = Duration::from_secs(1);
/// The longest: a platform (or a proxy in front of it) asking for days is not obeyed.
pub const MAX_PLATFORM_DELAY: Duration = Duration::from_secs(60 * 60);

/// A delay a platform asked for, within sane bounds.
pub fn clamp_platform_delay(delay: Duration) -> Duration {
    delay.clamp(MIN_PLATFORM_DELAY, MAX_PLATFORM_DELAY)
}

/// A `Retry-After` header in seconds, clamped to sane bounds.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|seconds| clamp_platform_delay(Duration::from_secs(seconds)))
}

#[async_trait]
pub trait Publisher: Send + Sync {
    /// Whether publishing changes something outside PostPilot. The engine records a
    /// checkpoint before such calls so that a crash cannot lead to a second post.
    fn has_side_effects(&self) -> bool {
        true
    }

    /// Whether an interrupted `start` (begun, no answer stored) can be settled safely: its
    /// post found with `find_published`, or `start` harmless to repeat. `false` for platforms
    /// with neither (TikTok): such a post fails as `Unconfirmed` instead of going out twice.
    fn confirms_interrupted_start(&self) -> bool {
        true
    }

    /// Step one. Must not be repeated once it returned `InProgress` (the engine stores the
    /// reference and resumes with `finish`).
    async fn start(&self, auth: &AccountAuth, post: &OutgoingPost)
        -> Result<Started, PublishError>;

    /// Step two for `InProgress` posts: wait for processing, publish, return the post's id.
    /// Called again after a crash or a transient failure, so it must tolerate a reference
    /// that was already published.
    async fn finish(
        &self,
        auth: &AccountAuth,
        post: &OutgoingPost,
        publish_ref: &str,
    ) -> Result<String, PublishError>;

    /// After a crash between `start` and storing its answer: the post if the platform already
    /// has it (matched by caption, published after `since`).
    async fn find_published(
        &self,
        _auth: &AccountAuth,
        _post: &OutgoingPost,
        _since: DateTime<Utc>,
    ) -> Result<Option<String>, PublishError> {
        Ok(None)
    }

    async fn metrics(
        &self,
        auth: &AccountAuth,
        external_post_id: &str,
        posted_at: DateTime<Utc>,
    ) -> Result<Metrics, PublishError>;

    async fn refresh_token(&self, auth: &AccountAuth) -> Result<TokenGrant, PublishError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

    fn retry_after_of(value: &str) -> Option<Duration> {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        retry_after(&headers)
    }

    #[test]
    fn platform_delays_are_clamped_to_one_second_to_one_hour() {
        assert_eq!(retry_after_of("0"), Some(Duration::from_secs(1)));
        assert_eq!(retry_after_of("120"), Some(Duration::from_secs(120)));
        assert_eq!(retry_after_of("86400"), Some(Duration::from_secs(3600)));
        assert_eq!(
            retry_after_of("18446744073709551615"),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(retry_after_of("soon"), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
        assert_eq!(
            clamp_platform_delay(Duration::from_millis(10)),
            MIN_PLATFORM_DELAY
        );
        assert_eq!(
            clamp_platform_delay(Duration::from_secs(7 * 86400)),
            MAX_PLATFORM_DELAY
        );
    }
}
