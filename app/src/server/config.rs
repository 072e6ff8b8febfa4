//! Typed runtime settings: `Leptos.toml` (built in as the defaults, then the file on disk),
//! overridden by `POSTPILOT_<SECTION>_<KEY>` environment variables and `DATABASE_URL`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A configured JWT secret must be at least this long (HS256's output size).
pub const MIN_JWT_SECRET_BYTES: usize = 32;

/// The shipped `Leptos.toml`: every default lives there, once.
const DEFAULTS: &str = include_str!("../../../Leptos.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub scheduler: SchedulerSettings,
    pub platforms: PlatformSettings,
    pub billing: BillingSettings,
    pub integrations: IntegrationSettings,
    pub email: EmailSettings,
    pub log: LogSettings,
    pub rate_limits: RateLimitSettings,
    pub retention: RetentionSettings,
    pub backup: BackupSettings,
    pub metrics: MetricsSettings,
    pub captions: CaptionSettings,
    pub media: MediaSettings,
}

/// Where media-library files are kept and how big they may be (`[media]` in Leptos.toml;
/// `server::media`).
#[derive(Clone, Deserialize)]
pub struct MediaSettings {
    /// "local" or "s3".
    pub storage: String,
    pub s3_endpoint: String,
    pub s3_bucket: String,
    pub s3_region: String,
    pub s3_access_key_id: String,
    pub s3_secret_access_key: String,
    pub public_base_url: String,
    pub presigned_url_minutes: u64,
    pub max_image_mb: u64,
    pub max_video_mb: u64,
    pub chunk_mb: u64,
    pub stale_upload_hours: i64,
    pub max_image_side_px: u32,
    pub thumbnail_px: u32,
}

const MIB: u64 = 1024 * 1024;

impl MediaSettings {
    pub fn uses_s3(&self) -> bool {
        self.storage == "s3"
    }

    pub fn max_image_bytes(&self) -> i64 {
        (self.max_image_mb * MIB) as i64
    }

    pub fn max_video_bytes(&self) -> i64 {
        (self.max_video_mb * MIB) as i64
    }

    pub fn chunk_bytes(&self) -> i64 {
        (self.chunk_mb * MIB) as i64
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if !matches!(self.storage.as_str(), "local" | "s3") {
            return Err(ConfigError::Invalid(format!(
                "media.storage must be \"local\" or \"s3\", not {:?}",
                self.storage
            )));
        }
        if self.uses_s3() && self.s3_bucket.trim().is_empty() {
            return Err(ConfigError::Invalid(
                "media.storage is \"s3\": set media.s3_bucket (POSTPILOT_MEDIA_S3_BUCKET)".into(),
            ));
        }
        let base = self.public_base_url.trim();
        let http = base.starts_with("https://") || base.starts_with("http://");
        if !base.is_empty() && !http {
            return Err(ConfigError::Invalid(format!(
                "media.public_base_url must be an http(s) address, not {base:?}"
            )));
        }
        if self.max_image_mb == 0
            || self.max_video_mb == 0
            || self.chunk_mb == 0
            || self.presigned_url_minutes == 0
            || self.stale_upload_hours <= 0
            || self.max_image_side_px == 0
            || self.thumbnail_px == 0
        {
            return Err(ConfigError::Invalid(
                "media: sizes, pixel limits and durations must be positive".into(),
            ));
        }
        // S3 multipart uploads need parts of at least 5 MiB.
        if self.uses_s3() && self.chunk_mb < 5 {
            return Err(ConfigError::Invalid(
                "media.chunk_mb must be at least 5 with S3 storage".into(),
            ));
        }
        Ok(())
    }
}

// Never print the keys.
impl std::fmt::Debug for MediaSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaSettings")
            .field("storage", &self.storage)
            .field("s3_endpoint", &self.s3_endpoint)
            .field("s3_bucket", &self.s3_bucket)
            .field("s3_region", &self.s3_region)
            .field("s3_access_key_id", &set_or_empty(&self.s3_access_key_id))
            .field(
                "s3_secret_access_key",
                &set_or_empty(&self.s3_secret_access_key),
            )
            .field("public_base_url", &self.public_base_url)
            .field("max_image_mb", &self.max_image_mb)
            .field("max_video_mb", &self.max_video_mb)
            .field("chunk_mb", &self.chunk_mb)
            .finish()
    }
}

/// Who writes AI captions (`[captions]` in Leptos.toml; `server::captions`).
#[derive(Clone, Deserialize)]
pub struct CaptionSettings {
    /// "builtin", "anthropic" or "openai".
    pub provider: String,
    /// Empty: the provider's own address.
    pub base_url: String,
    pub model: String,
    pub api_key: String,
    pub timeout_seconds: u64,
    pub max_attempts: u32,
    pub backoff_ms: u64,
    pub max_tokens: u32,
    pub per_user_concurrency: usize,
    pub input_price_per_million: f64,
    pub output_price_per_million: f64,
}

/// The caption providers `[captions] provider` may name.
pub const CAPTION_PROVIDERS: [&str; 3] = ["builtin", "anthropic", "openai"];

impl CaptionSettings {
    /// Whether an AI provider writes captions (otherwise the built-in writer does).
    pub fn uses_ai(&self) -> bool {
        self.provider != "builtin"
    }

    /// Where the provider's API lives, without a trailing slash.
    pub fn api_base(&self) -> &str {
        let configured = self.base_url.trim().trim_end_matches('/');
        match (configured, self.provider.as_str()) {
            ("", "anthropic") => "https://api.anthropic.com",
            ("", "openai") => "https://api.openai.com/v1",
            (base, _) => base,
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if !CAPTION_PROVIDERS.contains(&self.provider.as_str()) {
            return Err(ConfigError::Invalid(format!(
                "captions.provider must be one of {CAPTION_PROVIDERS:?}, not {:?}",
                self.provider
            )));
        }
        if !self.uses_ai() {
            return Ok(());
        }
        if self.api_key.trim().is_empty() || self.model.trim().is_empty() {
            return Err(ConfigError::Invalid(format!(
                "captions.provider is {:?}: set captions.api_key and captions.model too \
                 (POSTPILOT_CAPTIONS_API_KEY, POSTPILOT_CAPTIONS_MODEL), or set the provider \
                 back to \"builtin\"",
                self.provider
            )));
        }
        let base = self.api_base();
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(ConfigError::Invalid(format!(
                "captions.base_url must be an http(s) address, not {base:?}"
            )));
        }
        if self.timeout_seconds == 0
            || self.max_attempts == 0
            || self.max_tokens == 0
            || self.per_user_concurrency == 0
        {
            return Err(ConfigError::Invalid(
                "captions: timeout_seconds, max_attempts, max_tokens and per_user_concurrency \
                 must be positive"
                    .into(),
            ));
        }
        let prices = [self.input_price_per_million, self.output_price_per_million];
        if prices.iter().any(|p| !p.is_finite() || *p < 0.0) {
            return Err(ConfigError::Invalid(
                "captions: prices per million tokens must be 0 or more".into(),
            ));
        }
        Ok(())
    }
}

// Never print the key.
impl std::fmt::Debug for CaptionSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptionSettings")
            .field("provider", &self.provider)
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &set_or_empty(&self.api_key))
            .field("timeout_seconds", &self.timeout_seconds)
            .field("max_attempts", &self.max_attempts)
            .field("backoff_ms", &self.backoff_ms)
            .field("max_tokens", &self.max_tokens)
            .field("per_user_concurrency", &self.per_user_concurrency)
            .field("input_price_per_million", &self.input_price_per_million)
            .field("output_price_per_million", &self.output_price_per_million)
            .finish()
    }
}

/// `GET /metrics` (`[metrics]` in Leptos.toml; `server::ops_metrics`).
#[derive(Clone, Deserialize)]
pub struct MetricsSettings {
    /// When set, a scrape must send `Authorization: Bearer <token>`.
    pub token: String,
}

impl std::fmt::Debug for MetricsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsSettings")
            .field("token", &if self.token.is_empty() { "" } else { "***" })
            .finish()
    }
}

/// Scheduled backups of a SQLite database (`[backup]` in Leptos.toml; `server::backup`).
#[derive(Debug, Clone, Deserialize)]
pub struct BackupSettings {
    /// Hours between backups; 0 turns them off.
    pub every_hours: u32,
    /// How many scheduled backups are kept (the oldest go first).
    pub keep: usize,
    /// Where they go; empty: `backups` in the data directory.
    pub folder: PathBuf,
}

/// Abuse limits (`[rate_limits]` in Leptos.toml). API keys' pace is per plan, in `plans`.
#[derive(Debug, Clone, Deserialize)]
pub struct RateLimitSettings {
    pub failed_sign_ins: i32,
    pub failed_sign_in_window_minutes: i64,
    pub auth_per_address_per_minute: u32,
    pub trust_forwarded_for: bool,
}

/// How long rows that grow with traffic are kept (`[retention]` in Leptos.toml).
#[derive(Debug, Clone, Deserialize)]
pub struct RetentionSettings {
    pub event_log_days: i64,
    pub webhook_event_days: i64,
    pub spent_token_days: i64,
    pub prune_cron: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub addr: SocketAddr,
    pub public_url: String,
    pub site_root: String,
    pub site_pkg_dir: String,
    pub max_body_bytes: usize,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: String,
    pub data_dir: PathBuf,
    pub max_connections: u32,
    /// Memory for the post and analytics answers kept between requests (`post_reads`); 0
    /// turns it off.
    pub post_reads_cache_mb: usize,
}

#[derive(Clone, Deserialize)]
pub struct AuthSettings {
    pub jwt_secret: String,
    pub access_token_minutes: i64,
    pub refresh_token_days: i64,
    pub password_reset_minutes: i64,
}

// Never print the secret.
impl std::fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSettings")
            .field("jwt_secret", &"<redacted>")
            .field("access_token_minutes", &self.access_token_minutes)
            .field("refresh_token_days", &self.refresh_token_days)
            .field("password_reset_minutes", &self.password_reset_minutes)
            .finish()
    }
}

#[derive(Clone, Deserialize)]
pub struct BillingSettings {
    pub stripe_secret_key: String,
    pub stripe_webhook_secret: String,
    pub stripe_pro_price_id: String,
    pub stripe_enterprise_price_id: String,
    pub stripe_api_url: String,
    pub stripe_checkout_origin: String,
    pub stripe_timeout_seconds: u64,
    pub grace_period_days: i64,
    pub reconcile_cron: String,
}

impl BillingSettings {
    /// Stripe decides who pays (checkout, portal, webhooks); otherwise billing is mock.
    pub fn stripe_live(&self) -> bool {
        !self.stripe_secret_key.is_empty()
    }

    /// The one site besides ours that the upgrade form may send the browser to (the pages'
    /// `form-action`): Stripe's hosted checkout, when Stripe is live.
    pub fn checkout_origin(&self) -> Option<String> {
        if !self.stripe_live() {
            return None;
        }
        reqwest::Url::parse(&self.stripe_checkout_origin)
            .ok()
            .map(|url| url.origin().ascii_serialization())
    }
}

fn set_or_empty(value: &str) -> &'static str {
    if value.is_empty() {
        ""
    } else {
        "<set>"
    }
}

impl std::fmt::Debug for BillingSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BillingSettings")
            .field("stripe_secret_key", &set_or_empty(&self.stripe_secret_key))
            .field(
                "stripe_webhook_secret",
                &set_or_empty(&self.stripe_webhook_secret),
            )
            .field("stripe_pro_price_id", &self.stripe_pro_price_id)
            .field(
                "stripe_enterprise_price_id",
                &self.stripe_enterprise_price_id,
            )
            .field("stripe_api_url", &self.stripe_api_url)
            .field("stripe_checkout_origin", &self.stripe_checkout_origin)
            .field("grace_period_days", &self.grace_period_days)
            .finish()
    }
}

#[derive(Clone, Deserialize)]
pub struct IntegrationSettings {
    pub platform_webhook_secret: String,
    pub import_allow_private_hosts: bool,
    pub import_timeout_seconds: u64,
    pub import_max_bytes: usize,
}

impl std::fmt::Debug for IntegrationSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntegrationSettings")
            .field(
                "platform_webhook_secret",
                &set_or_empty(&self.platform_webhook_secret),
            )
            .finish()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct SchedulerSettings {
    pub enabled: bool,
    pub instance_id: String,
    pub batch_size: u64,
    pub concurrency: usize,
    pub lease_seconds: i64,
    /// How often the leases of posts in flight are extended; well under `lease_seconds`.
    pub lease_renew_ms: u64,
    pub max_attempts: i32,
    pub backoff_base_seconds: i64,
    pub backoff_max_seconds: i64,
    pub publish_cron: String,
    pub metrics_cron: String,
    pub token_refresh_cron: String,
}

#[derive(Clone, Deserialize)]
pub struct PlatformSettings {
    pub meta_graph_url: String,
    pub tiktok_api_url: String,
    pub meta_app_id: String,
    pub meta_app_secret: String,
    pub tiktok_client_key: String,
    pub tiktok_client_secret: String,
    /// Facebook Login's authorization dialog and the permissions it asks for (comma-separated).
    pub meta_oauth_url: String,
    pub meta_scopes: String,
    /// TikTok Login Kit's authorization page and its scopes (comma-separated).
    pub tiktok_oauth_url: String,
    pub tiktok_scopes: String,
    pub request_timeout_seconds: u64,
    pub poll_interval_ms: u64,
    pub poll_max_attempts: u32,
    pub token_encryption_key: String,
}

impl std::fmt::Debug for PlatformSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlatformSettings")
            .field("meta_graph_url", &self.meta_graph_url)
            .field("tiktok_api_url", &self.tiktok_api_url)
            .field("meta_app_id", &self.meta_app_id)
            .field("meta_app_secret", &set_or_empty(&self.meta_app_secret))
            .field("tiktok_client_key", &self.tiktok_client_key)
            .field(
                "tiktok_client_secret",
                &set_or_empty(&self.tiktok_client_secret),
            )
            .field("meta_oauth_url", &self.meta_oauth_url)
            .field("meta_scopes", &self.meta_scopes)
            .field("tiktok_oauth_url", &self.tiktok_oauth_url)
            .field("tiktok_scopes", &self.tiktok_scopes)
            .field(
                "token_encryption_key",
                &set_or_empty(&self.token_encryption_key),
            )
            .finish()
    }
}

#[derive(Clone, Deserialize)]
pub struct EmailSettings {
    pub smtp_url: String,
    pub from: String,
}

impl std::fmt::Debug for EmailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailSettings")
            .field("smtp_url", &set_or_empty(&self.smtp_url))
            .field("from", &self.from)
            .finish()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    pub format: String,
    pub filter: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not valid TOML: {source}")]
    Parse {
        path: String,
        source: Box<toml::de::Error>,
    },
    #[error("environment variable {var}: {message}")]
    Env { var: String, message: String },
    #[error("invalid settings: {0}")]
    Invalid(String),
}

impl Settings {
    /// Loads the settings the binary runs with: built-in defaults, then the file
    /// (`POSTPILOT_CONFIG`, else `./Leptos.toml` when present), then the environment.
    pub fn load() -> Result<Self, ConfigError> {
        let file = std::env::var("POSTPILOT_CONFIG")
            .ok()
            .map(PathBuf::from)
            .or_else(|| Some(PathBuf::from("Leptos.toml")).filter(|p| p.exists()));
        Self::load_from(file.as_deref(), |name| std::env::var(name).ok())
    }

    /// The same layering with an explicit file and environment (tests use this).
    pub fn load_from(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut merged = parse("built-in defaults", DEFAULTS)?;
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.display().to_string(),
                source,
            })?;
            merge(&mut merged, parse(&path.display().to_string(), &text)?);
        }
        apply_env(&mut merged, &env)?;
        let settings: Settings =
            toml::Value::Table(merged)
                .try_into()
                .map_err(|e: toml::de::Error| ConfigError::Parse {
                    path: "merged settings".into(),
                    source: Box::new(e),
                })?;
        settings.validate()?;
        Ok(settings)
    }

    /// Refuses settings the binary must not start with. `load_from` applies it.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !matches!(self.log.format.as_str(), "pretty" | "json") {
            return Err(ConfigError::Invalid(format!(
                "log.format must be \"pretty\" or \"json\", not {:?}",
                self.log.format
            )));
        }
        if self.auth.access_token_minutes <= 0 || self.auth.refresh_token_days <= 0 {
            return Err(ConfigError::Invalid(
                "token lifetimes must be positive".into(),
            ));
        }
        let scheduler = &self.scheduler;
        if scheduler.batch_size == 0
            || scheduler.concurrency == 0
            || scheduler.lease_seconds <= 0
            || scheduler.lease_renew_ms == 0
            || scheduler.lease_renew_ms >= scheduler.lease_seconds.unsigned_abs() * 1000
            || scheduler.max_attempts <= 0
            || scheduler.backoff_base_seconds < 0
            || scheduler.backoff_max_seconds < scheduler.backoff_base_seconds
        {
            return Err(ConfigError::Invalid(
                "scheduler: batch_size, concurrency, lease_seconds and max_attempts must be positive, lease_renew_ms shorter than the lease, backoff_max_seconds ≥ backoff_base_seconds".into(),
            ));
        }
        // An HMAC-SHA256 key shorter than its output is guessable offline from any token.
        let secret_len = self.auth.jwt_secret.len();
        if secret_len > 0 && secret_len < MIN_JWT_SECRET_BYTES {
            return Err(ConfigError::Invalid(format!(
                "auth.jwt_secret is {secret_len} bytes long; it must be at least \
                 {MIN_JWT_SECRET_BYTES} (or empty, to generate one)"
            )));
        }
        self.media.validate()?;
        let billing = &self.billing;
        if !billing.stripe_secret_key.is_empty() {
            if billing.stripe_webhook_secret.is_empty() {
                return Err(ConfigError::Invalid(
                    "billing.stripe_secret_key is set but billing.stripe_webhook_secret is \
                     empty: Stripe events would be accepted unsigned. Set the webhook signing \
                     secret too"
                        .into(),
                ));
            }
            if billing.stripe_pro_price_id.is_empty()
                || billing.stripe_enterprise_price_id.is_empty()
            {
                return Err(ConfigError::Invalid(
                    "billing.stripe_secret_key is set but a price id is empty: set \
                     billing.stripe_pro_price_id and billing.stripe_enterprise_price_id to the \
                     Stripe prices of the Pro and Enterprise plans"
                        .into(),
                ));
            }
            if reqwest::Url::parse(&billing.stripe_api_url).is_err() {
                return Err(ConfigError::Invalid(format!(
                    "billing.stripe_api_url is not a URL: {:?}",
                    billing.stripe_api_url
                )));
            }
            let origin_only = reqwest::Url::parse(&billing.stripe_checkout_origin)
                .ok()
                .filter(|url| {
                    url.has_host()
                        && url.path() == "/"
                        && url.query().is_none()
                        && url.username().is_empty()
                });
            if origin_only.is_none() {
                return Err(ConfigError::Invalid(format!(
                    "billing.stripe_checkout_origin must be the scheme and host of Stripe's \
                     checkout page, like \"https://checkout.stripe.com\": {:?}",
                    billing.stripe_checkout_origin
                )));
            }
        }
        if billing.grace_period_days < 0 || billing.stripe_timeout_seconds == 0 {
            return Err(ConfigError::Invalid(
                "billing.grace_period_days must be 0 or more and billing.stripe_timeout_seconds \
                 positive"
                    .into(),
            ));
        }
        let limits = &self.rate_limits;
        if limits.failed_sign_ins <= 0
            || limits.failed_sign_in_window_minutes <= 0
            || limits.auth_per_address_per_minute == 0
        {
            return Err(ConfigError::Invalid(
                "rate_limits: failed_sign_ins, failed_sign_in_window_minutes and \
                 auth_per_address_per_minute must be positive"
                    .into(),
            ));
        }
        let retention = &self.retention;
        if retention.event_log_days <= 0
            || retention.webhook_event_days <= 0
            || retention.spent_token_days < 0
        {
            return Err(ConfigError::Invalid(
                "retention: event_log_days and webhook_event_days must be positive, \
                 spent_token_days ≥ 0"
                    .into(),
            ));
        }
        if self.backup.every_hours > 0 && self.backup.keep == 0 {
            return Err(ConfigError::Invalid(
                "backup.keep must be ≥ 1 when backup.every_hours is set".into(),
            ));
        }
        self.captions.validate()?;
        if self.database.max_connections == 0 {
            return Err(ConfigError::Invalid(
                "database.max_connections must be ≥ 1".into(),
            ));
        }
        Ok(())
    }

    /// The database to connect to: the configured URL, or a SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        if self.database.url.is_empty() {
            let path = self.database.data_dir.join("postpilot.db");
            format!("sqlite://{}?mode=rwc", path.display())
        } else {
            self.database.url.clone()
        }
    }

    /// The database's file when it is SQLite.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        let url = self.database_url();
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))?;
        let path = rest.split('?').next().unwrap_or(rest);
        (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
    }

    /// Cookies get the Secure flag unless the app is served over plain http.
    pub fn secure_cookies(&self) -> bool {
        !self.server.public_url.starts_with("http://")
    }
}

fn parse(origin: &str, text: &str) -> Result<toml::Table, ConfigError> {
    text.parse::<toml::Table>()
        .map_err(|source| ConfigError::Parse {
            path: origin.to_string(),
            source: Box::new(source),
        })
}

fn merge(base: &mut toml::Table, overlay: toml::Table) {
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(base_table)), toml::Value::Table(overlay_table)) => {
                merge(base_table, overlay_table)
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Overrides each `section.key` from `POSTPILOT_SECTION_KEY`, parsed as the type the key has.
fn apply_env(
    merged: &mut toml::Table,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    for (section, table) in merged.iter_mut() {
        let Some(table) = table.as_table_mut() else {
            continue;
        };
        for (key, value) in table.iter_mut() {
            let var = format!("POSTPILOT_{}_{}", section, key).to_uppercase();
            let Some(raw) = env(&var) else { continue };
            *value = typed_like(value, &raw).map_err(|message| ConfigError::Env {
                var: var.clone(),
                message,
            })?;
        }
    }
    if let Some(url) = env("DATABASE_URL").filter(|u| !u.is_empty()) {
        if let Some(db) = merged.get_mut("database").and_then(|v| v.as_table_mut()) {
            db.insert("url".into(), toml::Value::String(url));
        }
    }
    Ok(())
}

fn typed_like(current: &toml::Value, raw: &str) -> Result<toml::Value, String> {
    Ok(match current {
        toml::Value::Integer(_) => toml::Value::Integer(
            raw.trim()
                .parse()
                .map_err(|_| format!("expected a whole number, got {raw:?}"))?,
        ),
        toml::Value::Boolean(_) => toml::Value::Boolean(match raw.trim() {
            "1" | "true" | "yes" | "on" => true,
            "0" | "false" | "no" | "off" => false,
            _ => return Err(format!("expected true or false, got {raw:?}")),
        }),
        toml::Value::Float(_) => toml::Value::Float(
            raw.trim()
                .parse()
                .map_err(|_| format!("expected a number, got {raw:?}"))?,
        ),
        _ => toml::Value::String(raw.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn defaults_come_from_the_shipped_file() {
        let s = Settings::load_from(None, env(&[])).unwrap();
        assert_eq!(s.server.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(s.auth.access_token_minutes, 15);
        assert_eq!(s.auth.refresh_token_days, 7);
        assert!(s.database_url().starts_with("sqlite://data/postpilot.db"));
        assert!(!s.secure_cookies());
    }

    #[test]
    fn environment_overrides_keep_their_types() {
        let s = Settings::load_from(
            None,
            env(&[
                ("POSTPILOT_SERVER_ADDR", "0.0.0.0:8080"),
                ("POSTPILOT_AUTH_ACCESS_TOKEN_MINUTES", "5"),
                ("POSTPILOT_SCHEDULER_ENABLED", "false"),
                ("POSTPILOT_SERVER_PUBLIC_URL", "https://postpilot.example"),
                ("DATABASE_URL", "postgres://localhost/pp"),
            ]),
        )
        .unwrap();
        assert_eq!(s.server.addr.port(), 8080);
        assert_eq!(s.auth.access_token_minutes, 5);
        assert!(!s.scheduler.enabled);
        assert!(s.secure_cookies());
        assert_eq!(s.database_url(), "postgres://localhost/pp");
    }

    #[test]
    fn bad_values_are_named_in_the_error() {
        let err = Settings::load_from(None, env(&[("POSTPILOT_AUTH_REFRESH_TOKEN_DAYS", "week")]))
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("POSTPILOT_AUTH_REFRESH_TOKEN_DAYS"),
            "{err}"
        );
        let err = Settings::load_from(None, env(&[("POSTPILOT_LOG_FORMAT", "xml")])).unwrap_err();
        assert!(err.to_string().contains("log.format"), "{err}");
    }

    #[test]
    fn the_secret_never_prints() {
        let s = Settings::load_from(
            None,
            env(&[(
                "POSTPILOT_AUTH_JWT_SECRET",
                "hunter2hunter2hunter2hunter2hunter2",
            )]),
        )
        .unwrap();
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn scheduled_backups_are_daily_by_default_and_must_keep_one() {
        let s = Settings::load_from(None, |_| None).unwrap();
        assert_eq!((s.backup.every_hours, s.backup.keep), (24, 7));
        let err = Settings::load_from(None, env(&[("POSTPILOT_BACKUP_KEEP", "0")])).unwrap_err();
        assert!(err.to_string().contains("backup.keep"), "{err}");
        let off = env(&[
            ("POSTPILOT_BACKUP_KEEP", "0"),
            ("POSTPILOT_BACKUP_EVERY_HOURS", "0"),
        ]);
        assert!(Settings::load_from(None, off).is_ok());
    }

    #[test]
    fn the_sqlite_file_is_read_from_the_database_url() {
        let s =
            Settings::load_from(None, env(&[("POSTPILOT_DATABASE_DATA_DIR", "/srv/pp")])).unwrap();
        assert_eq!(s.sqlite_file(), Some(PathBuf::from("/srv/pp/postpilot.db")));
        let pg = Settings::load_from(None, env(&[("DATABASE_URL", "postgres://u@h/db")])).unwrap();
        assert_eq!(pg.sqlite_file(), None);
    }

    #[test]
    fn a_short_jwt_secret_refuses_to_start() {
        let short = "s".repeat(MIN_JWT_SECRET_BYTES - 1);
        let err =
            Settings::load_from(None, env(&[("POSTPILOT_AUTH_JWT_SECRET", &short)])).unwrap_err();
        assert!(err.to_string().contains("auth.jwt_secret"), "{err}");
        assert!(err.to_string().contains("at least 32"), "{err}");
        assert!(!err.to_string().contains(&short), "never the secret: {err}");
        let exact = "x".repeat(MIN_JWT_SECRET_BYTES);
        assert!(Settings::load_from(None, env(&[("POSTPILOT_AUTH_JWT_SECRET", &exact)])).is_ok());
    }

    #[test]
    fn a_stripe_key_needs_its_webhook_secret_and_both_prices() {
        let err = Settings::load_from(
            None,
            env(&[("POSTPILOT_BILLING_STRIPE_SECRET_KEY", "sk_live_123")]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("stripe_webhook_secret"), "{err}");
        let key_and_secret = [
            ("POSTPILOT_BILLING_STRIPE_SECRET_KEY", "sk_live_123"),
            ("POSTPILOT_BILLING_STRIPE_WEBHOOK_SECRET", "whsec_123"),
        ];
        let err = Settings::load_from(None, env(&key_and_secret)).unwrap_err();
        assert!(err.to_string().contains("stripe_pro_price_id"), "{err}");
        assert!(!err.to_string().contains("sk_live_123"), "{err}");
        let mut complete = key_and_secret.to_vec();
        complete.push(("POSTPILOT_BILLING_STRIPE_PRO_PRICE_ID", "price_pro"));
        complete.push(("POSTPILOT_BILLING_STRIPE_ENTERPRISE_PRICE_ID", "price_ent"));
        let live = Settings::load_from(None, env(&complete)).unwrap();
        assert!(live.billing.stripe_live());
        assert!(!format!("{:?}", live.billing).contains("sk_live_123"));
        assert_eq!(
            live.billing.checkout_origin().as_deref(),
            Some("https://checkout.stripe.com")
        );
        let mut custom = complete.clone();
        custom.push((
            "POSTPILOT_BILLING_STRIPE_CHECKOUT_ORIGIN",
            "https://pay.example.com/c/pay",
        ));
        let err = Settings::load_from(None, env(&custom)).unwrap_err();
        assert!(err.to_string().contains("stripe_checkout_origin"), "{err}");
        complete.push(("POSTPILOT_BILLING_STRIPE_API_URL", "not a url"));
        let err = Settings::load_from(None, env(&complete)).unwrap_err();
        assert!(err.to_string().contains("stripe_api_url"), "{err}");
        let mock = Settings::load_from(
            None,
            env(&[("POSTPILOT_BILLING_STRIPE_WEBHOOK_SECRET", "whsec_123")]),
        )
        .unwrap();
        assert!(!mock.billing.stripe_live());
        assert_eq!(mock.billing.checkout_origin(), None);
        assert_eq!(mock.billing.grace_period_days, 7);
    }

    #[test]
    fn an_ai_caption_provider_needs_a_key_and_a_model_and_never_prints_the_key() {
        let builtin = Settings::load_from(None, env(&[])).unwrap();
        assert_eq!(builtin.captions.provider, "builtin");
        assert!(!builtin.captions.uses_ai());

        let err = Settings::load_from(None, env(&[("POSTPILOT_CAPTIONS_PROVIDER", "anthropic")]))
            .unwrap_err();
        assert!(err.to_string().contains("captions.api_key"), "{err}");
        let err = Settings::load_from(
            None,
            env(&[
                ("POSTPILOT_CAPTIONS_PROVIDER", "openai"),
                ("POSTPILOT_CAPTIONS_API_KEY", "sk-secret-123"),
            ]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("captions.model"), "{err}");
        assert!(!err.to_string().contains("sk-secret-123"), "{err}");
        let err = Settings::load_from(None, env(&[("POSTPILOT_CAPTIONS_PROVIDER", "gemini")]))
            .unwrap_err();
        assert!(err.to_string().contains("captions.provider"), "{err}");

        let anthropic = Settings::load_from(
            None,
            env(&[
                ("POSTPILOT_CAPTIONS_PROVIDER", "anthropic"),
                ("POSTPILOT_CAPTIONS_API_KEY", "sk-ant-secret-123"),
                ("POSTPILOT_CAPTIONS_MODEL", "claude-sonnet-4-5"),
                ("POSTPILOT_CAPTIONS_INPUT_PRICE_PER_MILLION", "3"),
            ]),
        )
        .unwrap();
        assert_eq!(anthropic.captions.api_base(), "https://api.anthropic.com");
        assert_eq!(anthropic.captions.input_price_per_million, 3.0);
        assert!(!format!("{anthropic:?}").contains("sk-ant-secret-123"));

        let local = Settings::load_from(
            None,
            env(&[
                ("POSTPILOT_CAPTIONS_PROVIDER", "openai"),
                ("POSTPILOT_CAPTIONS_API_KEY", "k"),
                ("POSTPILOT_CAPTIONS_MODEL", "m"),
                ("POSTPILOT_CAPTIONS_BASE_URL", "http://localhost:11434/v1/"),
            ]),
        )
        .unwrap();
        assert_eq!(local.captions.api_base(), "http://localhost:11434/v1");
        let err = Settings::load_from(
            None,
            env(&[
                ("POSTPILOT_CAPTIONS_PROVIDER", "openai"),
                ("POSTPILOT_CAPTIONS_API_KEY", "k"),
                ("POSTPILOT_CAPTIONS_MODEL", "m"),
                ("POSTPILOT_CAPTIONS_TIMEOUT_SECONDS", "0"),
            ]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("timeout_seconds"), "{err}");
    }
}
