//! `/account`: everyone changes their own password and signs out their other sessions.
pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod service;
