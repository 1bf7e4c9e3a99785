//! Sign-in, sessions, the current user and the visibility rules applied to queries.
pub mod api;
#[cfg(feature = "ssr")]
pub mod badges;
#[cfg(feature = "ssr")]
pub mod directory;
pub mod page;
#[cfg(feature = "ssr")]
pub mod scope;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod session_store;

// What other modules use: the signed-in actor and the password rules.
#[cfg(feature = "ssr")]
pub use badges::{Badge, BadgeCounter, BadgeCounters};
#[cfg(feature = "ssr")]
pub use directory::{names_of, team_names, visible_people, visible_teams};
#[cfg(feature = "ssr")]
pub use service::{
    auth_session, current_actor, hash_password, load_actor, password_matches, Actor, AuthSession,
    Backend, NO_PASSWORD,
};

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

/// A person as shown to anyone allowed to see them (dashboard, pickers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonRow {
    pub id: i64,
    pub display_name: String,
    pub role: Role,
    pub team_name: Option<String>,
}
