//! Shared UI pieces: the dashboard shell, icons and form controls.

pub mod forms;
pub mod icon;
pub mod shell;
