//! The organisation: departments, teams and users, administered in Settings.
pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub use service::{export_users, insert_user, insert_user_with_hash, load_company_zone, NewUser};

pub use crate::auth::PersonRow;
use crate::domain::visibility::Role;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DepartmentRow {
    pub id: i64,
    pub name: String,
    pub team_count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamRow {
    pub id: i64,
    pub name: String,
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    pub manager_id: Option<i64>,
    pub manager_name: Option<String>,
    pub member_count: u64,
    pub active: bool,
    pub version: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub team_id: Option<i64>,
    pub team_name: Option<String>,
    pub department_id: Option<i64>,
    pub active: bool,
    pub version: i32,
    /// Customers this person owns.
    #[serde(default)]
    pub customers: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgOverview {
    pub departments: Vec<DepartmentRow>,
    pub teams: Vec<TeamRow>,
    pub users: Vec<UserRow>,
}

/// The user form as submitted: text, parsed on the server into checked values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserForm {
    /// Empty for a new user.
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub team_id: String,
    #[serde(default)]
    pub department_id: String,
    /// Required for a new user; empty keeps the current password.
    #[serde(default)]
    pub password: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TeamForm {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub department_id: String,
    #[serde(default)]
    pub manager_id: String,
}
