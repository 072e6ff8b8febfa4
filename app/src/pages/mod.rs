//! One module per page.

pub mod auth;
pub mod calendar;
pub mod compose;
pub mod dashboard;
#[cfg(feature = "ssr")]
pub mod marketing;
pub mod not_found;
pub mod posts;
pub mod server_rendered;
