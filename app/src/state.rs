//! Server state handed to every server function through context.
use crate::error::{AppError, AppResult};
use leptos::prelude::*;
use sea_orm::DatabaseConnection;
use std::any::{Any, TypeId};
use std::collections::HashMap;
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

/// What every server function can reach: the database, the settings, and the parts features
/// registered at start-up (their caches, the live board feed, badge counters). The state names no
/// feature: each part is found by its type, so the arrows point from features to here.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    parts: Arc<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("settings", &self.settings)
            .field("parts", &self.parts.len())
            .finish_non_exhaustive()
    }
}

impl AppState {
    pub fn new(db: DatabaseConnection, settings: Settings) -> Self {
        AppState {
            db,
            settings: Arc::new(settings),
            parts: Arc::default(),
        }
    }

    /// Registers a part (one per type; a second of the same type replaces the first).
    pub fn with<T: Any + Send + Sync>(mut self, part: T) -> Self {
        Arc::make_mut(&mut self.parts).insert(TypeId::of::<T>(), Arc::new(part));
        self
    }

    /// A registered part. Missing is a wiring fault of the server, logged and answered `Internal`.
    pub fn part<T: Any + Send + Sync>(&self) -> AppResult<&T> {
        self.parts
            .get(&TypeId::of::<T>())
            .and_then(|part| part.downcast_ref::<T>())
            .ok_or_else(|| {
                tracing::error!(
                    part = std::any::type_name::<T>(),
                    "state part not registered"
                );
                AppError::Internal
            })
    }
}

pub fn app_state() -> AppResult<AppState> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the server function context");
        AppError::Internal
    })
}
