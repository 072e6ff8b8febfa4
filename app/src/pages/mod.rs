//! One module per page.

pub mod auth;
pub mod dashboard;
pub mod landing;
pub mod not_found;
