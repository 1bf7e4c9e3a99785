//! Sign-in, sessions, the current user and the visibility rules applied to queries.
pub mod account_page;
pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod scope;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod session_store;

use crate::domain::visibility::Role;
use serde::{Deserialize, Serialize};

/// What the browser knows about the signed-in user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub team_name: Option<String>,
    pub unread_notifications: u64,
    /// Alerts the user sees that nobody has assigned a task for (the badge on Analytics).
    pub open_alerts: u64,
}
