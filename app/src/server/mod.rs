//! Server-only code: settings, database, auth, services and the demo data. Nothing here is
//! compiled for the browser.

pub mod auth;
pub mod backup;
pub mod captions;
pub mod config;
pub mod csv;
pub mod db;
pub mod demo;
pub mod email;
pub mod engagement;
pub mod entities;
pub mod media;
pub mod oauth;
pub mod ops_metrics;
pub mod publishing;
pub mod services;
pub mod site_assets;
pub mod state;
pub mod stripe;

pub use state::AppState;
