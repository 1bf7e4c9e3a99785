//! In-app notifications: what the system tells a user (customers returned to the lead pool,
//! later alerts). Each user sees and clears only their own.
pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub use service::{notify, unread_badge, unread_count};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationView {
    pub id: i64,
    /// What it says, put into words by `i18n` `notifications.text`.
    pub notice: crate::domain::events::Notice,
    pub link: String,
    /// The company's calendar day it was sent.
    pub created_on: NaiveDate,
    pub read: bool,
}
