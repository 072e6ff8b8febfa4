//! The UI kit every page is built from (buttons, fields, cards, badges, tables, URL tabs and
//! pagination, dialogs, menus, toasts, skeletons, error panels), plus the dashboard shell.

pub mod button;
pub mod display;
pub mod feedback;
pub mod forms;
pub mod icon;
pub mod overlay;
pub mod shell;
pub mod upload;
pub mod url_state;
