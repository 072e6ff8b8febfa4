//! Publishing: the engine that gets every scheduled post out on time exactly once, the
//! `Publisher` adapters that speak each platform's API, and the background jobs that run them.
//!
//! - `adapter`: the `Publisher` trait and how failures are classified.
//! - `meta`, `tiktok`: the real platform APIs; `sandbox`: accounts without a real token.
//! - `engine`: the state machine of one post (claim → attempt → outcome) and the tick.
//! - `leases`: claims and leases on the database's clock, renewal, checkpoints.
//! - `outcomes`: the outcome writes (posted, retrying, deferred, failed) under the lease.
//! - `journal`: the event-log entries of a batch; `accounts`: the one account lookup.
//! - `tokens`: the one token-renewal rule (engine and token job); `metrics`: the metrics job.
//! - `jobs`: the tokio-cron-scheduler jobs `serve` starts; `health`: each instance's last tick
//!   and the queue's state, for the admin's system page.

mod accounts;
pub mod adapter;
pub mod engine;
pub mod health;
pub mod jobs;
mod journal;
mod leases;
pub(crate) use leases::waiting;
pub mod meta;
mod metrics;
mod outcomes;
pub mod sandbox;
pub mod tiktok;
mod tokens;

use std::sync::Arc;
use std::time::Duration;

use adapter::Publisher;
pub use engine::{Engine, TickReport};

use crate::model::Platform;
use crate::server::config::PlatformSettings;
use crate::server::entities::social_account;

/// One publisher per platform, plus the sandbox for accounts connected without a token.
pub struct Platforms {
    instagram: Arc<dyn Publisher>,
    facebook: Arc<dyn Publisher>,
    tiktok: Arc<dyn Publisher>,
    sandbox: Arc<dyn Publisher>,
}

impl Platforms {
    /// The real APIs at the configured addresses.
    pub fn from_settings(settings: &PlatformSettings) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(settings.request_timeout_seconds.max(1)))
            .user_agent(concat!("PostPilot/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client builds with static settings");
        let graph = meta::Graph::new(http.clone(), settings);
        Platforms::new(
            Arc::new(meta::InstagramPublisher(graph.clone())),
            Arc::new(meta::FacebookPublisher(graph)),
            Arc::new(tiktok::TiktokPublisher::new(http, settings)),
        )
    }

    pub fn new(
        instagram: Arc<dyn Publisher>,
        facebook: Arc<dyn Publisher>,
        tiktok: Arc<dyn Publisher>,
    ) -> Self {
        Platforms {
            instagram,
            facebook,
            tiktok,
            sandbox: Arc::new(sandbox::SandboxPublisher),
        }
    }

    /// The account's platform, or the sandbox when it was connected without a real token.
    pub fn for_account(&self, account: &social_account::Model) -> Arc<dyn Publisher> {
        if account.access_token_enc.is_none() {
            return self.sandbox.clone();
        }
        match account.platform {
            Platform::Instagram => self.instagram.clone(),
            Platform::Facebook => self.facebook.clone(),
            Platform::Tiktok => self.tiktok.clone(),
        }
    }
}
