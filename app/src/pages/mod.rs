//! One module per page.

#[cfg(feature = "ssr")]
pub mod accounts;
#[cfg(feature = "ssr")]
pub mod analytics;
pub mod auth;
pub mod calendar;
#[cfg(feature = "ssr")]
pub mod charts;
pub mod compose;
#[cfg(feature = "ssr")]
pub mod dashboard;
#[cfg(feature = "ssr")]
pub mod marketing;
pub mod not_found;
pub mod posts;
#[cfg(feature = "ssr")]
pub mod queue;
#[cfg(feature = "ssr")]
pub mod server_kit;
pub mod server_rendered;
pub mod templates;
