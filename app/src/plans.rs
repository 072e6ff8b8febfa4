//! The plan table: what each tier costs and allows. Every limit check, the pricing page and the
//! billing API read it from here.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(
    feature = "ssr",
    derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum, utoipa::ToSchema)
)]
#[cfg_attr(
    feature = "ssr",
    sea_orm(
        rs_type = "String",
        db_type = "String(sea_orm::sea_query::StringLen::N(20))"
    )
)]
#[serde(rename_all = "lowercase")]
pub enum PlanTier {
    #[default]
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "free"))]
    Free,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "pro"))]
    Pro,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "enterprise"))]
    Enterprise,
}

/// `-1` means unlimited, as in the API.
pub const UNLIMITED: i64 = -1;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PlanLimits {
    pub tier: PlanTier,
    pub name: &'static str,
    pub price_monthly_cents: i64,
    /// Posts created per calendar month (UTC).
    pub max_items: i64,
    /// Connected social accounts.
    pub max_secondary: i64,
    /// AI captions generated per calendar month.
    pub ai_captions: i64,
    pub api_access: bool,
    /// Requests per minute one API key may make (429 with `Retry-After` beyond). Free has
    /// no API keys of its own; this is the pace of the key provisioning gives the platform.
    pub api_requests_per_minute: u32,
    pub trial_days: i64,
    #[cfg_attr(feature = "ssr", schema(value_type = Vec<String>))]
    pub features: &'static [&'static str],
}

impl PlanTier {
    pub const ALL: [PlanTier; 3] = [PlanTier::Free, PlanTier::Pro, PlanTier::Enterprise];

    pub fn as_str(self) -> &'static str {
        match self {
            PlanTier::Free => "free",
            PlanTier::Pro => "pro",
            PlanTier::Enterprise => "enterprise",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        PlanTier::ALL
            .into_iter()
            .find(|tier| tier.as_str() == value)
    }

    pub fn limits(self) -> PlanLimits {
        match self {
            PlanTier::Free => PlanLimits {
                tier: self,
                name: "Free",
                price_monthly_cents: 0,
                max_items: 10,
                max_secondary: 1,
                ai_captions: 5,
                api_access: false,
                api_requests_per_minute: 60,
                trial_days: 0,
                features: &[
                    "10 posts per month",
                    "1 social account",
                    "5 AI captions per month",
                    "Content calendar",
                ],
            },
            PlanTier::Pro => PlanLimits {
                tier: self,
                name: "Pro",
                price_monthly_cents: 2900,
                max_items: 200,
                max_secondary: 10,
                ai_captions: UNLIMITED,
                api_access: true,
                api_requests_per_minute: 600,
                trial_days: 14,
                features: &[
                    "200 posts per month",
                    "10 social accounts",
                    "Unlimited AI captions",
                    "Engagement analytics",
                    "REST API access",
                ],
            },
            PlanTier::Enterprise => PlanLimits {
                tier: self,
                name: "Enterprise",
                price_monthly_cents: 9900,
                max_items: UNLIMITED,
                max_secondary: UNLIMITED,
                ai_captions: UNLIMITED,
                api_access: true,
                api_requests_per_minute: 3000,
                trial_days: 14,
                features: &[
                    "Unlimited posts",
                    "Unlimited social accounts",
                    "Unlimited AI captions",
                    "Engagement analytics",
                    "REST API access",
                    "Priority support",
                ],
            },
        }
    }
}

impl std::fmt::Display for PlanTier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every plan, in price order: what the billing API lists and the pricing pages show.
pub fn all_plans() -> Vec<PlanLimits> {
    PlanTier::ALL.into_iter().map(PlanTier::limits).collect()
}

/// Whether `used` more of something is still within `limit`.
pub fn within_limit(used: i64, limit: i64) -> bool {
    limit == UNLIMITED || used < limit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_match_the_pricing_contract() {
        let free = PlanTier::Free.limits();
        assert_eq!(
            (free.max_items, free.max_secondary, free.ai_captions),
            (10, 1, 5)
        );
        assert!(!free.api_access);
        let pro = PlanTier::Pro.limits();
        assert_eq!(
            (pro.price_monthly_cents, pro.max_items, pro.max_secondary),
            (2900, 200, 10)
        );
        assert_eq!(pro.trial_days, 14);
        let ent = PlanTier::Enterprise.limits();
        assert_eq!((ent.price_monthly_cents, ent.max_items), (9900, UNLIMITED));
    }

    #[test]
    fn limits_are_exclusive_and_unlimited_is_unbounded() {
        assert!(within_limit(9, 10));
        assert!(!within_limit(10, 10));
        assert!(within_limit(1_000_000, UNLIMITED));
        assert_eq!(PlanTier::parse("pro"), Some(PlanTier::Pro));
        assert_eq!(PlanTier::parse("gold"), None);
    }
}
