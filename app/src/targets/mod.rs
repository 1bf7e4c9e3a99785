//! Targets (事前): a plan per year and metric broken down from the company to each rep and from
//! the year to each month and week, with the progress of any cell against its actual figures.
pub mod charts;
pub mod page;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub use service::{month_targets, progress, seed_demo_targets};

use crate::domain::targets::{Metric, Progress};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanView {
    pub year: i32,
    pub metric: Metric,
    /// `draft`, `published`, or `new` before anything was set.
    pub status: String,
    pub version: i32,
}

/// One row of the breakdown grid: the company, a department, a team or a rep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridRow {
    /// `company`, `department:3`, `team:5` or `user:12`.
    pub node: String,
    pub label: String,
    pub depth: u8,
    /// Whether the viewer may change this row's months, quarters and halves.
    pub editable: bool,
    /// Whether the viewer may change its year (which moves its siblings' years).
    pub year_editable: bool,
    /// January to December.
    pub months: Vec<i64>,
    /// Per month: locked (reps), or all its reps' cells locked (other rows).
    pub locked: Vec<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetGrid {
    pub plan: PlanView,
    pub rows: Vec<GridRow>,
    pub can_publish: bool,
}

/// A cell's progress: the period's target against what was done, and what it takes to close the gap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodProgress {
    /// `2026`, `2026-Q4`, `2026-11`, `2026-W47`.
    pub period: String,
    pub first_day: chrono::NaiveDate,
    pub last_day: chrono::NaiveDate,
    pub progress: Progress,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildProgress {
    pub node: String,
    pub label: String,
    pub progress: Progress,
}

/// Cumulative target, actual and run-rate forecast per month of the year (the burn-up chart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BurnUp {
    pub target: Vec<i64>,
    /// Up to the current month.
    pub actual: Vec<i64>,
    /// From the current month to December, at the year's pace so far.
    pub forecast: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressReport {
    pub node: String,
    pub label: String,
    pub metric: Metric,
    /// Year, then the quarter, month and week that hold the day looked at.
    pub periods: Vec<PeriodProgress>,
    /// The weeks of the month shown, each whole (without the pipeline per week).
    pub weeks: Vec<PeriodProgress>,
    /// The node's children (teams, reps) for `child_period`.
    pub child_period: String,
    pub children: Vec<ChildProgress>,
    /// The node one level up, to drill back to (None at the top the viewer may see).
    pub parent: Option<String>,
    pub burn_up: BurnUp,
}

/// A change to a published plan, as the history lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetChange {
    /// Local time, `2026-11-23 09:41`.
    pub at: String,
    pub who: String,
    pub node: String,
    /// The row's name (the company row has none: the page names it).
    pub label: String,
    pub period: String,
    pub old_amount: i64,
    pub new_amount: i64,
}

/// `year` 0 is this year.
#[server(endpoint = "targets/grid")]
pub async fn load_target_grid(year: i32, metric: String) -> Result<TargetGrid, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::grid(
        &state.db,
        &actor,
        service::year_or_this(year),
        service::metric(&metric)?,
    )
    .await
}

/// Sets the target of `node` for `period` (`2026`, `2026-H1`, `2026-Q1`, `2026-03`) to `amount`
/// (yuan for money metrics, as typed); the plan must still have `version`.
#[server(endpoint = "targets/set")]
pub async fn set_target(
    year: i32,
    metric: String,
    node: String,
    period: String,
    amount: String,
    version: i32,
) -> Result<i32, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    let change = service::Change {
        year,
        metric: service::metric(&metric)?,
        version,
    };
    service::set(&state.db, &actor, &change, &node, &period, &amount).await
}

#[server(endpoint = "targets/lock")]
pub async fn lock_target(
    year: i32,
    metric: String,
    user_id: i64,
    month: u8,
    locked: bool,
    version: i32,
) -> Result<i32, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    let change = service::Change {
        year,
        metric: service::metric(&metric)?,
        version,
    };
    service::lock(&state.db, &actor, &change, user_id, month, locked).await
}

#[server(endpoint = "targets/split")]
pub async fn split_target(
    year: i32,
    metric: String,
    node: String,
    period: String,
    method: String,
    version: i32,
) -> Result<i32, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    let change = service::Change {
        year,
        metric: service::metric(&metric)?,
        version,
    };
    service::split(&state.db, &actor, &change, &node, &period, &method).await
}

#[server(endpoint = "targets/publish")]
pub async fn publish_targets(year: i32, metric: String, version: i32) -> Result<i32, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    let change = service::Change {
        year,
        metric: service::metric(&metric)?,
        version,
    };
    service::publish(&state.db, &actor, &change).await
}

/// Who changed which published target when, newest first (the rows the viewer sees).
#[server(endpoint = "targets/history")]
pub async fn load_target_history(year: i32, metric: String) -> Result<Vec<TargetChange>, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::history(
        &state.db,
        &actor,
        service::year_or_this(year),
        service::metric(&metric)?,
    )
    .await
}

/// Progress of `node` (empty: the viewer's own top node) in `year` (0: this year) as of today,
/// drilled into `month` (1–12; 0: this month).
#[server(endpoint = "targets/progress")]
pub async fn load_target_progress(
    year: i32,
    metric: String,
    #[server(default)] node: String,
    #[server(default)] month: u8,
) -> Result<ProgressReport, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    let month = (month != 0).then_some(month);
    service::progress(
        &state.db,
        &actor,
        service::year_or_this(year),
        service::metric(&metric)?,
        &node,
        crate::clock::today(),
        month,
    )
    .await
}
