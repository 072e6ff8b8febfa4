//! One module per page.

pub mod auth;
pub mod calendar;
pub mod compose;
pub mod dashboard;
pub mod landing;
pub mod not_found;
pub mod posts;
