//! Server state handed to every server function through context.
use crate::error::{AppError, AppResult};
use leptos::prelude::*;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct Settings {
    /// `JINGXI_ENV=production`: demo accounts are refused.
    pub production: bool,
    /// Mark cookies `Secure` (the site is served over https).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a known proxy).
    pub trust_proxy: bool,
    /// How many customers a rep may hold (claims from the pool stop there).
    pub max_customers_per_rep: u32,
    /// Days without a follow-up by the owner after which a customer returns to the pool.
    pub pool_return_days: u32,
    /// Run the hourly jobs (lead-pool return, ABC classes, alerts) from start-up on. Integration
    /// tests turn them off: a job starting while a test seeds its data would change what the test
    /// counts (they call the jobs' functions directly instead).
    pub scheduled_jobs: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            production: false,
            secure_cookies: false,
            trust_proxy: false,
            max_customers_per_rep: 300,
            pool_return_days: 30,
            scheduled_jobs: true,
        }
    }
}

#[derive(Debug, Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    /// Deal changes for open boards (see `pipeline::live`).
    pub live: crate::pipeline::live::Feed,
    /// Company-wide analysis figures kept for an hour.
    pub company: crate::analytics::customers::CompanyFigures,
    /// Analyses kept until the data under them changes.
    pub analyses: crate::analytics::service::KeptAnalyses,
}

pub fn app_state() -> AppResult<AppState> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the server function context");
        AppError::Internal
    })
}
