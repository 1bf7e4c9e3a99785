//! SeaORM entities (server only).
pub mod department;
pub mod login_attempt;
pub mod session;
pub mod team;
pub mod user;
