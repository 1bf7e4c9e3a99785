//! Pure business rules: no leptos, sea-orm, tokio or axum, so they build for wasm32 and test fast.
pub mod customer;
pub mod format;
pub mod forms;
pub mod throttle;
pub mod visibility;
