//! Data shared by the server and the browser: the domain's enums and the DTOs that cross the
//! wire, serialized exactly as the REST contract names them. Those that server functions also
//! return travel to the browser as postcard (see `fns`), which reads fields and variants by
//! position: no `flatten`, `untagged` or `skip_serializing_if` on those, and new fields and
//! variants go last.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use crate::plans::PlanTier;

/// Declares a string-backed enum that is stored as text in the database (with `ssr`) and
/// (de)serialized with the same lowercase names in JSON.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $value:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(
            feature = "ssr",
            derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum, utoipa::ToSchema)
        )]
        #[cfg_attr(
            feature = "ssr",
            sea_orm(rs_type = "String", db_type = "String(sea_orm::sea_query::StringLen::N(20))")
        )]
        // utoipa does not see the variants' `serde(rename)` through this macro; every value
        // is its variant in snake_case, so the schema names them the same way (a test in
        // tests/api/openapi.rs compares each with serde's).
        #[cfg_attr(feature = "ssr", schema(rename_all = "snake_case"))]
        pub enum $name {
            $(
                #[serde(rename = $value)]
                #[cfg_attr(feature = "ssr", sea_orm(string_value = $value))]
                $variant,
            )+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $value,)+
                }
            }

            pub fn parse(value: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == value)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(
    /// What a user may do beyond their own data.
    Role { Admin = "admin", Member = "member" }
);

string_enum!(
    /// The social networks PostPilot publishes to.
    Platform { Instagram = "instagram", Facebook = "facebook", Tiktok = "tiktok" }
);

string_enum!(
    /// A post's life: draft → scheduled → publishing → posted | failed.
    PostStatus {
        Draft = "draft",
        Scheduled = "scheduled",
        Publishing = "publishing",
        Posted = "posted",
        Failed = "failed",
    }
);

/// Which status allows which action on a post. The post service enforces these; pages offer
/// only the actions they allow.
impl PostStatus {
    /// Text, media, account and time can change.
    pub const EDITABLE: &'static [PostStatus] = &[PostStatus::Draft, PostStatus::Scheduled];
    pub const DELETABLE: &'static [PostStatus] =
        &[PostStatus::Draft, PostStatus::Scheduled, PostStatus::Failed];
    /// Can be given a (new) time.
    pub const SCHEDULABLE: &'static [PostStatus] =
        &[PostStatus::Draft, PostStatus::Scheduled, PostStatus::Failed];
    pub const RETRYABLE: &'static [PostStatus] = &[PostStatus::Failed];
    /// Due to be published: its media-library files cannot be deleted.
    pub const HOLDS_MEDIA: &'static [PostStatus] = &[PostStatus::Scheduled, PostStatus::Publishing];

    pub fn allows(self, action: &[PostStatus]) -> bool {
        action.contains(&self)
    }
}

string_enum!(
    /// A content-queue item's life: pending → approved | rejected → posted.
    QueueStatus {
        Pending = "pending",
        Approved = "approved",
        Rejected = "rejected",
        Posted = "posted",
    }
);

string_enum!(
    /// Stripe's subscription states.
    SubscriptionStatus {
        Active = "active",
        Trialing = "trialing",
        PastDue = "past_due",
        Canceled = "canceled",
        Unpaid = "unpaid",
        Incomplete = "incomplete",
    }
);

string_enum!(
    /// What an entry of the admin event log is about.
    EventKind {
        Publish = "publish",
        Audit = "audit",
        Webhook = "webhook",
        Scheduler = "scheduler",
        Auth = "auth",
        Error = "error",
    }
);

string_enum!(
    /// How serious an event-log entry is.
    EventLevel { Info = "info", Warn = "warn", Error = "error" }
);

/// `GET /api/v1/auth/me`, and the signed-in user as the dashboard sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserProfile {
    pub id: Uuid,
    pub email: String,
    pub plan: PlanTier,
    pub role: Role,
    pub timezone: String,
    pub created_at: DateTime<Utc>,
    pub external_platform_id: Option<String>,
    pub external_store_id: Option<String>,
}

impl UserProfile {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The part of the email before the `@`, for greetings.
    pub fn display_name(&self) -> &str {
        self.email.split('@').next().unwrap_or(&self.email)
    }
}

/// The answer of register, login and refresh.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: String,
}

/// A connected (or disconnected) social account; tokens never leave the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SocialAccountInfo {
    pub id: Uuid,
    pub platform: Platform,
    pub account_name: String,
    pub account_id_external: String,
    pub is_connected: bool,
    /// The platform refused to renew the token: the owner must connect the account again.
    pub needs_reconnect: bool,
    pub connected_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A post as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PostView {
    pub id: Uuid,
    pub account_id: Uuid,
    pub platform: Platform,
    pub content: String,
    pub media_urls: Vec<String>,
    pub hashtags: Vec<String>,
    pub status: PostStatus,
    pub scheduled_for: Option<DateTime<Utc>>,
    pub posted_at: Option<DateTime<Utc>>,
    pub error_message: Option<String>,
    pub external_post_id: Option<String>,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One post with its engagement (`metrics` is null until it has been published and measured).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PostDetail {
    #[serde(flatten)]
    pub post: PostView,
    pub metrics: Option<PostMetricsView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PostMetricsView {
    pub impressions: i64,
    pub reach: i64,
    pub likes: i64,
    pub comments: i64,
    pub shares: i64,
    pub clicks: i64,
    pub engagement_rate: f64,
    pub fetched_at: DateTime<Utc>,
}

/// `GET /posts/calendar`: the days of a range that have posts, in ascending order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Calendar {
    pub start_date: chrono::NaiveDate,
    pub end_date: chrono::NaiveDate,
    pub total: u64,
    pub days: Vec<CalendarDay>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CalendarDay {
    pub date: chrono::NaiveDate,
    pub posts: Vec<PostView>,
}

/// A subscription to a paid plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SubscriptionView {
    pub id: Uuid,
    pub plan: PlanTier,
    pub status: SubscriptionStatus,
    pub stripe_subscription_id: Option<String>,
    pub current_period_start: Option<DateTime<Utc>>,
    pub current_period_end: Option<DateTime<Utc>>,
    pub cancel_at_period_end: bool,
    /// Past due: the paid plan stays until then, and the account returns to Free after it
    /// unless a payment succeeds. Null otherwise.
    pub grace_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Used and allowed amounts of one limited resource (`limit` -1 = unlimited).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Allowance {
    pub used: i64,
    pub limit: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Used {
    pub used: i64,
}

/// `GET /usage`: this calendar month's consumption against the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Usage {
    pub plan: PlanTier,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub posts: Allowance,
    pub accounts: Allowance,
    pub ai_captions: Allowance,
    pub api_keys: Used,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BillingOverview {
    pub plan: PlanTier,
    pub subscription: Option<SubscriptionView>,
    pub usage: Usage,
}

/// Where to send the customer after `POST /billing/checkout`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CheckoutSession {
    /// Stripe's checkout page, to pay on (the plan changes once Stripe confirms the payment);
    /// or, when an existing subscription was moved to the new plan (or in mock mode), the
    /// billing page, the plan already changed.
    pub checkout_url: String,
    /// The Stripe Checkout Session's id; the subscription's id when an existing subscription
    /// was moved; a `mock_cs_` id in mock mode.
    pub session_id: String,
}

/// A reusable caption with `{{product.field}}` placeholders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TemplateView {
    pub id: Uuid,
    pub name: String,
    pub content: String,
    pub hashtags: Vec<String>,
    pub platforms: Vec<Platform>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A template filled in with a product's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RenderedTemplate {
    pub content: String,
    pub hashtags: Vec<String>,
}

/// A content-queue item: product data waiting for a caption, review and scheduling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct QueueItemView {
    pub id: Uuid,
    pub product_data: serde_json::Value,
    pub ai_generated_content: Option<String>,
    pub ai_hashtags: Vec<String>,
    pub platforms: Vec<Platform>,
    pub status: QueueStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `POST /queue/{id}/approve`: the approved item and the posts made from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApprovedItem {
    pub item: QueueItemView,
    pub posts: Vec<PostView>,
}

/// `POST /queue/generate-caption`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GeneratedCaption {
    pub caption: String,
    pub hashtags: Vec<String>,
    pub platform: Platform,
    pub tone: String,
    pub char_count: usize,
    /// Why the built-in writer wrote this caption instead of the AI writer (which failed);
    /// null when the configured writer wrote it.
    pub fallback_reason: Option<String>,
}

/// Why the AI caption writer could not write a caption, so that the built-in writer did. The
/// queue page gets it in its address (`why=`), so it is a code, never free text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptionFallback {
    /// No answer within the deadline, on every try.
    Timeout,
    /// The provider kept answering "too many requests" or "overloaded".
    Busy,
    /// The provider could not be reached or kept failing (5xx).
    Unavailable,
    /// The provider refused the request (a wrong key or model: the admin's to fix).
    Refused,
    /// The answer was not a caption.
    Unreadable,
    /// The user's other captions held every writing slot for too long.
    TooManyAtOnce,
}

impl CaptionFallback {
    pub const ALL: [CaptionFallback; 6] = [
        CaptionFallback::Timeout,
        CaptionFallback::Busy,
        CaptionFallback::Unavailable,
        CaptionFallback::Refused,
        CaptionFallback::Unreadable,
        CaptionFallback::TooManyAtOnce,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CaptionFallback::Timeout => "timeout",
            CaptionFallback::Busy => "busy",
            CaptionFallback::Unavailable => "unavailable",
            CaptionFallback::Refused => "refused",
            CaptionFallback::Unreadable => "unreadable",
            CaptionFallback::TooManyAtOnce => "too-many",
        }
    }

    pub fn parse(code: &str) -> Option<CaptionFallback> {
        CaptionFallback::ALL.into_iter().find(|f| f.code() == code)
    }

    /// What the user is told, in plain words; `seconds` is the AI writer's deadline.
    pub fn message(self, seconds: u64) -> String {
        let why = match self {
            CaptionFallback::Timeout => format!("The AI writer did not answer within {seconds} s"),
            CaptionFallback::Busy => "The AI writer is too busy right now".to_string(),
            CaptionFallback::Unavailable => "The AI writer cannot be reached right now".to_string(),
            CaptionFallback::Refused => {
                "The AI writer refused the request (an administrator should check its settings)"
                    .to_string()
            }
            CaptionFallback::Unreadable => {
                "The AI writer's answer was not a usable caption".to_string()
            }
            CaptionFallback::TooManyAtOnce => {
                "Your other captions kept the AI writer busy for too long".to_string()
            }
        };
        format!("{why}; the built-in writer wrote this caption.")
    }
}

/// Engagement totals of a set of posts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EngagementTotals {
    pub impressions: i64,
    pub reach: i64,
    pub likes: i64,
    pub comments: i64,
    pub shares: i64,
    pub clicks: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PlatformAnalytics {
    pub platform: Platform,
    pub posts: u64,
    #[serde(flatten)]
    pub totals: EngagementTotals,
    pub engagement_rate: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DailyAnalytics {
    pub date: chrono::NaiveDate,
    pub impressions: i64,
    pub engagement: i64,
}

/// `GET /analytics/overview`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AnalyticsOverview {
    pub total_posts: u64,
    pub posted_posts: u64,
    pub scheduled_posts: u64,
    pub failed_posts: u64,
    #[serde(flatten)]
    pub totals: EngagementTotals,
    pub avg_engagement_rate: f64,
    pub by_platform: Vec<PlatformAnalytics>,
    pub daily: Vec<DailyAnalytics>,
}

/// One published post's metrics (`GET /analytics/posts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PostAnalytics {
    pub post_id: Uuid,
    pub platform: Platform,
    pub content: String,
    pub posted_at: Option<DateTime<Utc>>,
    #[serde(flatten)]
    pub totals: EngagementTotals,
    pub engagement_rate: f64,
    pub fetched_at: DateTime<Utc>,
}

/// An entry of the admin event log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LogEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub kind: EventKind,
    pub level: EventLevel,
    pub user_id: Option<Uuid>,
    pub post_id: Option<Uuid>,
    pub message: String,
    pub data: serde_json::Value,
}

/// A user as admins see them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AdminUser {
    pub id: Uuid,
    pub email: String,
    pub plan: PlanTier,
    pub role: Role,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub posts: u64,
    pub accounts: u64,
}

/// An API key as listed (never the raw key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiKeyInfo {
    pub id: Uuid,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<String>,
    pub is_active: bool,
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A freshly created API key: the only time `key` is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiKeyCreated {
    pub id: Uuid,
    pub name: String,
    pub key: String,
    pub prefix: String,
    pub scopes: Vec<String>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The answer of `POST /auth/provision`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProvisionedUser {
    pub user_id: Uuid,
    pub email: String,
    pub plan: PlanTier,
    pub api_key: String,
}

/// The list envelope of every paginated endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

/// How the dashboard's post list is ordered (`?sort=` in its URL).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PostSort {
    /// Newest created first.
    #[default]
    Newest,
    Oldest,
    /// Soonest scheduled time first (posts without one last).
    Soonest,
    /// Latest scheduled time first.
    Latest,
}

impl PostSort {
    pub const ALL: &'static [PostSort] = &[
        PostSort::Newest,
        PostSort::Oldest,
        PostSort::Soonest,
        PostSort::Latest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PostSort::Newest => "newest",
            PostSort::Oldest => "oldest",
            PostSort::Soonest => "soonest",
            PostSort::Latest => "latest",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PostSort::Newest => "Newest first",
            PostSort::Oldest => "Oldest first",
            PostSort::Soonest => "Scheduled soonest",
            PostSort::Latest => "Scheduled latest",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.as_str() == value)
    }
}

/// A suggested publishing slot for the composer's "Best times".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BestTime {
    pub platform: Platform,
    /// "Tue 11:00 AM", in the user's time zone.
    pub label: String,
    /// The next such slot after now, as a `datetime-local` value in the user's zone
    /// ("2026-11-24T11:00").
    pub next_local: String,
    /// Whether it comes from the user's own engagement (else a sensible default).
    pub from_history: bool,
}

/// What a bulk action did: how many posts it changed and why it left the others.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOutcome {
    pub done: u64,
    pub refused: Vec<BulkRefusal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkRefusal {
    pub id: Uuid,
    pub reason: String,
}

/// A CSV import checked before anything is saved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPreview {
    pub rows: Vec<ImportRow>,
    pub valid: u64,
    pub invalid: u64,
}

/// One data row of an import file, as read, with the reason it would be refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRow {
    /// The line in the file (the header is line 1).
    pub line: u64,
    pub account: String,
    pub content: String,
    pub hashtags: Vec<String>,
    pub media_urls: Vec<String>,
    /// The time as written ("2026-12-01 09:30", in the user's zone); empty for a draft.
    pub time: String,
    pub error: Option<String>,
}

/// How a social account is doing, as its owner should read it (`accounts::health`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountHealth {
    Connected,
    /// The platform refused to renew the account's access: the owner must reconnect it.
    NeedsReconnect {
        reason: String,
    },
    /// The access token expires soon and has not been renewed yet.
    ExpiringSoon {
        at: DateTime<Utc>,
    },
    Disconnected,
}

/// The analytics page's report of a date range (`analytics::report`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalyticsReport {
    pub current: PeriodTotals,
    /// The same number of days just before the range.
    pub previous: PeriodTotals,
    /// Every day of the range in the owner's zone, days without posts at zero.
    pub daily: Vec<DayPoint>,
    pub by_platform: Vec<PlatformAnalytics>,
    /// Engagement rate by weekday and hour of publication, where posts were measured.
    pub heatmap: Vec<HeatCell>,
    /// The range's posts with the most engagement, best first.
    pub top_posts: Vec<TopPost>,
}

/// Published posts of a period and what they earned.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PeriodTotals {
    pub posts: u64,
    pub measured: u64,
    pub impressions: i64,
    pub reach: i64,
    /// Likes, comments, shares and clicks.
    pub engagement: i64,
    /// The average engagement rate (%) of the measured posts.
    pub avg_engagement_rate: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayPoint {
    pub date: chrono::NaiveDate,
    pub impressions: i64,
    pub engagement: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeatCell {
    /// 0 is Monday.
    pub weekday: u32,
    pub hour: u32,
    /// Measured posts published in that hour.
    pub posts: u64,
    pub rate: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopPost {
    pub id: Uuid,
    pub platform: Platform,
    pub excerpt: String,
    pub posted_at: Option<DateTime<Utc>>,
    pub impressions: i64,
    pub engagement: i64,
    pub rate: f64,
}

string_enum!(
    /// What a media-library file is.
    MediaKind { Image = "image", Video = "video" }
);

/// What the platform rules look at in a file (`Platform::media_violation`): its type as
/// sniffed from its bytes, its size, its pixels and, for a video, its length.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaFacts {
    pub kind: MediaKind,
    pub content_type: String,
    pub byte_size: i64,
    pub width: u32,
    pub height: u32,
    pub duration_ms: Option<i64>,
}

/// A post that uses a media-library file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MediaUse {
    pub post_id: Uuid,
    pub platform: Platform,
    pub status: PostStatus,
    pub scheduled_for: Option<DateTime<Utc>>,
}

/// A platform whose rules a file breaks, and why in plain words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MediaProblem {
    pub platform: Platform,
    pub message: String,
}

/// A file of the media library. `url` is what a post's `media_urls` carries (and what the
/// platforms fetch); `problems` lists every platform whose rules the file breaks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MediaItem {
    pub id: Uuid,
    pub filename: String,
    pub kind: MediaKind,
    /// Sniffed from the file's bytes, not its name.
    pub content_type: String,
    pub byte_size: i64,
    pub width: u32,
    pub height: u32,
    /// Videos only.
    pub duration_ms: Option<i64>,
    /// SHA-256 of the bytes: the same file is stored once per user.
    pub content_hash: String,
    pub url: String,
    pub thumbnail_url: String,
    pub problems: Vec<MediaProblem>,
    /// The posts that use it (filled in by the library's list and detail).
    pub used_by: Vec<MediaUse>,
    pub created_at: DateTime<Utc>,
}

/// The media library's page: the user's files (newest first), and their storage against the
/// plan's quota.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MediaLibrary {
    pub items: Vec<MediaItem>,
    pub used_bytes: i64,
    pub quota_bytes: i64,
}

/// An upload in progress: send the file's bytes from `received` on, in pieces of at most
/// `chunk_bytes`, then complete it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MediaUpload {
    pub id: Uuid,
    pub filename: String,
    pub byte_size: i64,
    pub received: i64,
    pub chunk_bytes: i64,
    pub expires_at: DateTime<Utc>,
}

/// A size as people read it: "812 KB", "3.4 MB", "10 GB" (1 KB = 1024 bytes).
pub fn byte_size_label(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KB", "MB", "GB", "TB"];
    let mut value = bytes.max(0) as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    match unit {
        0 => format!("{bytes} bytes"),
        _ if value >= 10.0 || value.fract() < 0.05 => format!("{:.0} {}", value, UNITS[unit]),
        _ => format!("{:.1} {}", value, UNITS[unit]),
    }
}
