//! SeaORM entities (server only).
pub mod contact;
pub mod customer;
pub mod customer_event;
pub mod department;
pub mod follow_up;
pub mod login_attempt;
pub mod notification;
pub mod saved_filter;
pub mod session;
pub mod team;
pub mod user;
