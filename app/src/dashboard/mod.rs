//! The dashboard by role: a rep's day (follow-ups due, own targets, own alerts and sales), a
//! manager's week (team targets, alerts, this month's leaderboard, the funnel) and a director's
//! month (company targets, the sales trend, ABC). One server call gathers what the role shows,
//! each part through the same scoped services as its full page.
pub mod page;
#[cfg(feature = "ssr")]
pub mod service;

use crate::analytics::{AbcClassRow, AlertsView, FunnelReport, RepPerformance};
use crate::customers::Agenda;
use crate::domain::visibility::Role;
use crate::error::AppError;
use crate::targets::ProgressReport;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use page::DashboardPage;

pub use crate::analytics::MonthFigures;

/// The ABC classes of the last twelve months, for the director's month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbcSummary {
    pub total_fen: i64,
    pub classes: Vec<AbcClassRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardView {
    pub role: Role,
    /// This year's sales target of the viewer's own part of the company (None without one).
    pub progress: Option<ProgressReport>,
    /// Reps and managers: next steps overdue and due today.
    pub agenda: Option<Agenda>,
    /// The first page of alerts the viewer sees.
    pub alerts: AlertsView,
    /// Managers and above: this month's ranking by sales.
    pub leaderboard: Option<RepPerformance>,
    /// Managers: the last twelve months' funnel of the first pipeline.
    pub funnel: Option<FunnelReport>,
    /// Directors and administrators.
    pub abc: Option<AbcSummary>,
    /// The last twelve months, oldest first, within what the viewer sees.
    pub trend: Vec<MonthFigures>,
}

#[server(endpoint = "dashboard")]
pub async fn load_dashboard() -> Result<DashboardView, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::dashboard(&state.db, state.part()?, &actor, crate::clock::today()).await
}
