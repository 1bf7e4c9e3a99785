//! In-app notifications: what the system tells a user (customers returned to the lead pool,
//! later alerts). Each user sees and clears only their own.
pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod service;

pub use crate::customers::NotificationView;
