//! The engagement-rate formula, one place for the analytics service and the metrics entity's
//! view (an entity may not call a service, so the formula lives below both).

/// (likes + comments + shares + clicks) / impressions × 100, rounded to 2 decimals; 0 without
/// impressions.
pub fn engagement_rate(interactions: i64, impressions: i64) -> f64 {
    if impressions <= 0 {
        return 0.0;
    }
    round2(interactions as f64 / impressions as f64 * 100.0)
}

/// Rounded to 2 decimals, as every rate is shown.
pub fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engagement_rate_is_a_rounded_percentage() {
        assert_eq!(engagement_rate(0, 0), 0.0);
        assert_eq!(engagement_rate(5, 0), 0.0);
        assert_eq!(engagement_rate(50, 1000), 5.0);
        assert_eq!(engagement_rate(1, 3), 33.33);
        assert_eq!(engagement_rate(2, 3), 66.67);
    }
}
