//! Request pace limits kept in this instance's memory (`governor`, GCRA): per client address
//! on the endpoints that sign in or create credentials, and per API key by the owner's plan.
//! The per-account lock after failed sign-ins is in the database instead (`services::auth`),
//! because it must hold across instances.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use uuid::Uuid;

use crate::error::AppError;
use crate::model::PlanTier;
use crate::server::config::RateLimitSettings;

/// Above this many tracked keys, ones whose allowance has fully come back are forgotten, so
/// a flood of distinct addresses cannot grow memory without bound.
const PRUNE_ABOVE: usize = 10_000;

pub struct RateLimits {
    per_address: DefaultKeyedRateLimiter<IpAddr>,
    per_key: HashMap<PlanTier, DefaultKeyedRateLimiter<Uuid>>,
}

impl RateLimits {
    pub fn new(settings: &RateLimitSettings) -> Self {
        let per_key = PlanTier::ALL
            .into_iter()
            .map(|tier| {
                let quota = per_minute(tier.limits().api_requests_per_minute);
                (tier, RateLimiter::keyed(quota))
            })
            .collect();
        RateLimits {
            per_address: RateLimiter::keyed(per_minute(settings.auth_per_address_per_minute)),
            per_key,
        }
    }

    /// One request from `address` to a sign-in or credential endpoint.
    pub fn client_address(&self, address: IpAddr) -> Result<(), AppError> {
        check(
            &self.per_address,
            &address,
            "Too many requests from your address. Please wait a moment and try again.",
        )
    }

    /// One request with the API key `key` of an owner on `plan`.
    pub fn api_key(&self, key: Uuid, plan: PlanTier) -> Result<(), AppError> {
        let Some(limiter) = self.per_key.get(&plan) else {
            return Ok(());
        };
        check(
            limiter,
            &key,
            &format!(
                "This API key is over its {} requests per minute. Slow down and retry later.",
                plan.limits().api_requests_per_minute
            ),
        )
    }
}

fn per_minute(count: u32) -> Quota {
    // Config validation and the plan table keep these positive; 1 is a safe floor anyway.
    Quota::per_minute(NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN))
}

fn check<K: Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
    message: &str,
) -> Result<(), AppError> {
    let result = limiter.check_key(key);
    if limiter.len() > PRUNE_ABOVE {
        limiter.retain_recent();
    }
    result.map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        AppError::RateLimited {
            message: message.to_string(),
            // Whole seconds, rounded up: retrying at the advertised time must succeed.
            retry_after_seconds: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(per_minute: u32) -> RateLimitSettings {
        RateLimitSettings {
            failed_sign_ins: 10,
            failed_sign_in_window_minutes: 15,
            auth_per_address_per_minute: per_minute,
            trust_forwarded_for: false,
        }
    }

    #[test]
    fn an_address_gets_its_allowance_then_429_with_a_retry_time() {
        let limits = RateLimits::new(&settings(3));
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        for _ in 0..3 {
            limits.client_address(a).unwrap();
        }
        match limits.client_address(a) {
            Err(AppError::RateLimited {
                retry_after_seconds,
                ..
            }) => assert!(
                (1..=20).contains(&retry_after_seconds),
                "{retry_after_seconds}"
            ),
            other => panic!("expected 429, got {other:?}"),
        }
        limits
            .client_address(b)
            .expect("other addresses are not affected");
    }

    #[test]
    fn api_keys_get_their_plans_pace() {
        let limits = RateLimits::new(&settings(3));
        let key = Uuid::new_v4();
        let free = PlanTier::Free.limits().api_requests_per_minute;
        for _ in 0..free {
            limits.api_key(key, PlanTier::Free).unwrap();
        }
        assert!(limits.api_key(key, PlanTier::Free).is_err());
        limits
            .api_key(key, PlanTier::Pro)
            .expect("a plan's own budget: an upgrade is not held back");
    }
}
