//! One module per page.

pub mod auth;
pub mod calendar;
pub mod compose;
pub mod dashboard;
#[cfg(feature = "ssr")]
pub mod marketing;
pub mod not_found;
pub mod posts;
#[cfg(not(feature = "ssr"))]
pub mod server_rendered;
