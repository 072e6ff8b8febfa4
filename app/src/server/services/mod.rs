//! Services: every business rule, one module per domain. They take the database connection
//! and the acting user, and return domain types or `AppError`. REST handlers and server
//! functions only parse input, call them and map the result.

pub mod account;
pub mod accounts;
pub mod admin;
pub mod analytics;
pub mod api_keys;
pub mod auth;
pub mod best_times;
pub mod billing;
pub mod event_log;
pub mod home;
pub mod local_time;
pub mod media;
pub mod oauth;
pub mod paging;
pub mod post_import;
pub mod post_reads;
pub mod posts;
pub mod product_import;
pub mod queue;
pub mod retention;
pub mod templates;
pub mod usage;
pub mod users;
pub mod webhooks;
