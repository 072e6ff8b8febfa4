//! The sandbox platform: accounts connected without a real token publish here, instantly and
//! for free, so the product works end to end out of the box. Ids and metrics are derived from
//! the post id, so they are stable across retries and restarts.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use super::adapter::{
    AccountAuth, Metrics, OutgoingPost, PublishError, Publisher, Started, TokenGrant,
};

pub struct SandboxPublisher;

fn seed(bytes: &[u8]) -> u64 {
    let digest = Sha256::digest(bytes);
    u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"))
}

#[async_trait]
impl Publisher for SandboxPublisher {
    /// Nothing leaves the process: publishing again yields the same id.
    fn has_side_effects(&self) -> bool {
        false
    }

    async fn start(
        &self,
        auth: &AccountAuth,
        post: &OutgoingPost,
    ) -> Result<Started, PublishError> {
        Ok(Started::Published {
            external_post_id: format!("sandbox_{}_{}", auth.platform, post.post_id.simple()),
        })
    }

    async fn finish(
        &self,
        _auth: &AccountAuth,
        _post: &OutgoingPost,
        publish_ref: &str,
    ) -> Result<String, PublishError> {
        Ok(publish_ref.to_string())
    }

    /// Plausible numbers that grow with the post's age and level off after about a week.
    async fn metrics(
        &self,
        _auth: &AccountAuth,
        external_post_id: &str,
        posted_at: DateTime<Utc>,
    ) -> Result<Metrics, PublishError> {
        Ok(sandbox_metrics(external_post_id, Utc::now() - posted_at))
    }

    async fn refresh_token(&self, auth: &AccountAuth) -> Result<TokenGrant, PublishError> {
        Ok(TokenGrant {
            access_token: format!("sandbox-{}", seed(auth.account_id.as_bytes())),
            refresh_token: auth.refresh_token.clone(),
            expires_at: Some(Utc::now() + Duration::days(60)),
        })
    }
}

pub fn sandbox_metrics(external_post_id: &str, age: Duration) -> Metrics {
    let s = seed(external_post_id.as_bytes());
    let audience = 400 + (s % 4600) as i64; // the post's eventual reach: 400–5000
    let hours = age.num_minutes().max(0) as f64 / 60.0;
    let grown = 1.0 - (-hours / 36.0).exp(); // most of it within two days
    let reach = (audience as f64 * grown).round() as i64;
    let rate = |shift: u32, per_mille: u64| reach * (((s >> shift) % per_mille) as i64 + 5) / 1000;
    Metrics {
        impressions: reach + reach * ((s >> 8) % 60) as i64 / 100,
        reach,
        likes: rate(16, 80),
        comments: rate(24, 12),
        shares: rate(32, 10),
        clicks: rate(40, 25),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_deterministic_and_grow() {
        let early = sandbox_metrics("sandbox_instagram_1", Duration::hours(2));
        let later = sandbox_metrics("sandbox_instagram_1", Duration::hours(48));
        assert_eq!(
            early,
            sandbox_metrics("sandbox_instagram_1", Duration::hours(2))
        );
        assert!(later.reach > early.reach && early.reach > 0);
        assert!(later.impressions >= later.reach);
        assert!(later.likes > 0 && later.likes < later.reach);
        assert_eq!(sandbox_metrics("x", Duration::zero()).reach, 0);
    }
}
