//! Black-box tests: the real application on a random port, over HTTP, with a fresh database
//! per test: a SQLite file, or a new PostgreSQL database when TEST_DATABASE_URL is set.
// The fakes write Stripe's and Meta's large objects with `json!`.
#![recursion_limit = "256"]

mod account_pages;
mod accounts;
mod admin;
mod admin_console;
mod analytics;
mod analytics_page;
mod api_keys;
mod assets;
mod auth;
mod backups;
mod billing;
mod cli;
mod concurrency;
mod crash;
mod fake_llm;
mod fake_platform;
mod fake_stripe;
mod health;
mod helpers;
mod home_and_accounts_pages;
mod llm_captions;
mod marketing;
mod media;
mod media_fixtures;
mod oauth;
mod openapi;
mod pages;
mod post_reads;
mod post_tools;
mod posts;
mod product_import;
mod publishing;
mod queue;
mod queue_page;
mod scheduling_pages;
mod security;
mod stripe_billing;
mod templates;
mod upgrades;
mod webhooks;
