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

const MB: i64 = 1024 * 1024;
const GB: i64 = 1024 * MB;

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
    /// Bytes of photos and videos the media library keeps.
    pub storage_bytes: i64,
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
                storage_bytes: 500 * MB,
                api_access: false,
                api_requests_per_minute: 60,
                trial_days: 0,
                features: &[
                    "10 posts per month",
                    "1 social account",
                    "5 AI captions per month",
                    "500 MB media storage",
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
                storage_bytes: 10 * GB,
                api_access: true,
                api_requests_per_minute: 600,
                trial_days: 14,
                features: &[
                    "200 posts per month",
                    "10 social accounts",
                    "Unlimited AI captions",
                    "10 GB media storage",
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
                storage_bytes: 100 * GB,
                api_access: true,
                api_requests_per_minute: 3000,
                trial_days: 14,
                features: &[
                    "Unlimited posts",
                    "Unlimited social accounts",
                    "Unlimited AI captions",
                    "100 GB media storage",
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

/// A monthly price as people write it: "$29", or "$29.50" when there are cents.
pub fn price_label(cents: i64) -> String {
    if cents % 100 == 0 {
        format!("${}", cents / 100)
    } else {
        format!("${}", decimal_price(cents))
    }
}

/// A price as a decimal amount ("29.00"), as schema.org offers and payment APIs spell it.
pub fn decimal_price(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// A plan limit as people write it: "Unlimited", "10" or "3,000".
pub fn limit_label(limit: i64) -> String {
    if limit == UNLIMITED {
        return "Unlimited".into();
    }
    let digits = limit.to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
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
        let gb = 1024 * 1024 * 1024;
        assert_eq!(free.storage_bytes, 500 * 1024 * 1024);
        assert_eq!((pro.storage_bytes, ent.storage_bytes), (10 * gb, 100 * gb));
    }

    #[test]
    fn prices_and_limits_read_as_people_write_them() {
        assert_eq!(price_label(0), "$0");
        assert_eq!(price_label(2900), "$29");
        assert_eq!(price_label(2950), "$29.50");
        assert_eq!(decimal_price(2900), "29.00");
        assert_eq!(decimal_price(5), "0.05");
        assert_eq!(limit_label(UNLIMITED), "Unlimited");
        assert_eq!(limit_label(10), "10");
        assert_eq!(limit_label(1000), "1,000");
        assert_eq!(limit_label(1_234_567), "1,234,567");
    }

    /// The feature lines are what the pricing cards show: their figures must be the limits
    /// billing enforces.
    #[test]
    fn feature_lines_state_the_plan_limits() {
        for plan in all_plans() {
            let has = |line: &str| plan.features.iter().any(|f| f.eq_ignore_ascii_case(line));
            let count = |limit: i64, one: &str, many: &str| match limit {
                1 => format!("1 {one}"),
                n => format!("{} {many}", limit_label(n)),
            };
            let posts = count(plan.max_items, "post per month", "posts per month");
            let accounts = count(plan.max_secondary, "social account", "social accounts");
            let captions = count(
                plan.ai_captions,
                "AI caption per month",
                "AI captions per month",
            );
            let captions =
                captions.replace("Unlimited AI captions per month", "Unlimited AI captions");
            let posts = posts.replace("Unlimited posts per month", "Unlimited posts");
            let storage = format!(
                "{} media storage",
                crate::model::byte_size_label(plan.storage_bytes)
            );
            for line in [posts, accounts, captions, storage] {
                assert!(
                    has(&line),
                    "{}: no {line:?} in {:?}",
                    plan.name,
                    plan.features
                );
            }
            assert_eq!(has("REST API access"), plan.api_access, "{}", plan.name);
        }
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
