//! Pagination: a request for one page and the page that comes back.

use serde::{Deserialize, Serialize};

/// Largest page size any list accepts.
pub const MAX_PAGE_SIZE: u32 = 200;

/// Which page of a list to return (1-based).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::IntoParams, utoipa::ToSchema,
)]
pub struct PageRequest {
    /// 1-based page number.
    #[serde(default = "one")]
    pub page: u32,
    /// Items per page, 1..=200.
    #[serde(default = "fifty")]
    pub per_page: u32,
}

fn one() -> u32 {
    1
}
fn fifty() -> u32 {
    50
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            page: 1,
            per_page: 50,
        }
    }
}

impl PageRequest {
    /// Clamps to valid bounds (page ≥ 1, 1 ≤ per_page ≤ [`MAX_PAGE_SIZE`]).
    pub fn clamped(self) -> Self {
        Self {
            page: self.page.max(1),
            per_page: self.per_page.clamp(1, MAX_PAGE_SIZE),
        }
    }
    /// Checks the bounds (1 ≤ page ≤ 1,000,000, 1 ≤ per_page ≤ [`MAX_PAGE_SIZE`]): 422
    /// `page.page.invalid` / `page.per_page.invalid`. The API checks; pages clamp.
    pub fn checked(self) -> crate::Result<Self> {
        crate::contract::check_page(self.page, self.per_page)
    }
    /// Rows to skip.
    pub fn offset(self) -> u64 {
        let p = self.clamped();
        u64::from(p.page - 1) * u64::from(p.per_page)
    }
    /// Rows to take.
    pub fn limit(self) -> u64 {
        u64::from(self.clamped().per_page)
    }
}

/// One page of results with the total count.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// 1-based page number.
    pub page: u32,
    /// Page size used.
    pub per_page: u32,
    /// Total items across all pages.
    pub total: u64,
}

impl<T> Page<T> {
    /// Number of pages (at least 1).
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(u64::from(self.per_page.max(1))).max(1)
    }
    /// Maps the items, keeping the paging.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            page: self.page,
            per_page: self.per_page,
            total: self.total,
        }
    }
}
