//! Pagination of every list: 1-based pages up to `MAX_PAGE`, 1–100 items each (default 20).

use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, QuerySelect, QueryTrait, Select};

use crate::error::AppError;
use crate::model::Page;

pub const DEFAULT_PER_PAGE: u64 = 20;
pub const MAX_PER_PAGE: u64 = 100;
/// The last page anyone may ask for: far past any real list (100 million rows at 100 a
/// page), and its offset fits every database's integer.
pub const MAX_PAGE: u64 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u64,
    pub per_page: u64,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

impl PageRequest {
    pub fn new(page: Option<u64>, per_page: Option<u64>) -> Result<Self, AppError> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        if !(1..=MAX_PAGE).contains(&page) {
            return Err(AppError::validation(
                "page",
                format!("page must be between 1 and {MAX_PAGE}"),
            ));
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(AppError::validation(
                "per_page",
                format!("per_page must be between 1 and {MAX_PER_PAGE}"),
            ));
        }
        Ok(PageRequest { page, per_page })
    }

    /// Runs `select` for this page, with the total count, mapping each row.
    pub async fn fetch<E, T>(
        self,
        db: &impl ConnectionTrait,
        select: Select<E>,
        map: impl Fn(E::Model) -> T,
    ) -> Result<Page<T>, AppError>
    where
        E: EntityTrait,
        E::Model: Sync,
    {
        // Counting needs no order: without it the database counts straight off the index.
        let mut counting = select.clone();
        QueryTrait::query(&mut counting).clear_order_by();
        let page = select
            .offset((self.page - 1) * self.per_page)
            .limit(self.per_page);
        let (total, rows) = futures::try_join!(counting.count(db), page.all(db))?;
        Ok(Page {
            items: rows.into_iter().map(map).collect(),
            total,
            page: self.page,
            per_page: self.per_page,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_enforced() {
        assert_eq!(
            PageRequest::new(None, None).unwrap(),
            PageRequest::default()
        );
        assert_eq!(PageRequest::new(Some(3), Some(100)).unwrap().per_page, 100);
        assert_eq!(PageRequest::new(Some(0), None).unwrap_err().status(), 422);
        assert!(PageRequest::new(Some(MAX_PAGE), Some(MAX_PER_PAGE)).is_ok());
        assert_eq!(
            PageRequest::new(Some(MAX_PAGE + 1), None)
                .unwrap_err()
                .field(),
            Some("page")
        );
        assert_eq!(PageRequest::new(None, Some(0)).unwrap_err().status(), 422);
        assert_eq!(
            PageRequest::new(None, Some(101)).unwrap_err().field(),
            Some("per_page")
        );
    }
}
