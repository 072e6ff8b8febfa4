//! The PostPilot server: configuration, the HTTP application (REST API, pages, assets) and the
//! command line. The business rules live in `app::server::services`.
#![recursion_limit = "256"]

pub mod admin_console;
pub mod api;
pub mod billing_portal;
pub mod cli;
pub mod downloads;
pub mod media;
pub mod oauth;
pub mod page_compression;
pub mod site;
pub mod startup;
pub mod static_pages;
pub mod telemetry;

#[cfg(test)]
mod vendored;
