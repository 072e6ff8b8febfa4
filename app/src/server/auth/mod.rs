//! Authentication plumbing: password hashing, JWTs, API-key material, browser-session cookies
//! and the session middleware. The rules (who may log in, rotation, scopes) live in
//! `services::auth` and `services::api_keys`.

pub mod cookies;
pub mod headers;
pub mod password;
pub mod rate_limit;
pub mod secrets;
pub mod session;
pub mod tokens;
pub mod vault;
