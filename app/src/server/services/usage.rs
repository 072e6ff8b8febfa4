//! Usage of the plan's limits in the current period (the calendar month, UTC).

use chrono::{DateTime, Datelike, TimeZone, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use super::{accounts, posts};
use crate::error::AppError;
use crate::model::{Allowance, Usage, Used};
use crate::server::entities::{api_key, caption_generation, user};

/// The calendar month (UTC) containing `now`: [start, end).
pub fn current_period(now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let first = |year: i32, month: u32| {
        Utc.with_ymd_and_hms(year, month, 1, 0, 0, 0)
            .single()
            .expect("the first of a month at midnight UTC exists")
    };
    let start = first(now.year(), now.month());
    let end = if now.month() == 12 {
        first(now.year() + 1, 1)
    } else {
        first(now.year(), now.month() + 1)
    };
    (start, end)
}

/// AI captions the owner generated this period: what `ai_captions` limits.
pub async fn captions_this_month(db: &impl ConnectionTrait, owner: Uuid) -> Result<u64, AppError> {
    let (start, _) = current_period(Utc::now());
    Ok(caption_generation::Entity::find()
        .filter(caption_generation::Column::UserId.eq(owner))
        .filter(caption_generation::Column::CreatedAt.gte(start))
        .count(db)
        .await?)
}

pub async fn usage(db: &impl ConnectionTrait, owner: &user::Model) -> Result<Usage, AppError> {
    let limits = owner.plan.limits();
    let (period_start, period_end) = current_period(Utc::now());
    let active_keys = api_key::Entity::find()
        .filter(api_key::Column::UserId.eq(owner.id))
        .filter(api_key::Column::IsActive.eq(true))
        .count(db);
    let (active_keys, posts, accounts, captions) = futures::try_join!(
        async { active_keys.await.map_err(AppError::from) },
        posts::created_this_month(db, owner.id),
        accounts::connected_count(db, owner.id),
        captions_this_month(db, owner.id),
    )?;
    Ok(Usage {
        plan: owner.plan,
        period_start,
        period_end,
        posts: Allowance {
            used: posts as i64,
            limit: limits.max_items,
        },
        accounts: Allowance {
            used: accounts as i64,
            limit: limits.max_secondary,
        },
        ai_captions: Allowance {
            used: captions as i64,
            limit: limits.ai_captions,
        },
        api_keys: Used {
            used: active_keys as i64,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_calendar_months() {
        let (start, end) = current_period("2026-11-23T14:00:00Z".parse().unwrap());
        assert_eq!(start.to_rfc3339(), "2026-11-01T00:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-12-01T00:00:00+00:00");
        let (start, end) = current_period("2026-12-31T23:59:59Z".parse().unwrap());
        assert_eq!(start.to_rfc3339(), "2026-12-01T00:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2027-01-01T00:00:00+00:00");
    }
}
