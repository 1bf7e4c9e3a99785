//! Field work (外勤): a rep's day on paper and in the field. In the morning the visit plan (which
//! customers, when, why, in which order) goes to the manager for approval; at each customer one
//! tap checks in and opens the visit's follow-up; in the evening the daily report, its figures
//! filled in from check-ins, follow-ups, orders, payments and targets, goes to the manager for
//! sign-off. Managers see their team's day on a phone; the efficiency report sums it up.
pub mod page;
#[cfg(feature = "ssr")]
pub mod report;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub use service::{efficiency, new_sheet};

use crate::analytics::ReportQuery;
use crate::domain::customer::Intent;
use crate::domain::fieldwork::{
    Attendance, ExpenseKind, FieldFigures, FieldRules, SheetStatus, VisitPurpose,
};
use crate::error::AppError;
use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use page::{EfficiencyPage, FieldDayPage, TeamDayPage};

/// Where a plan or report stands and who signed it off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetState {
    /// None until the rep writes anything.
    pub id: Option<i64>,
    pub status: SheetStatus,
    pub version: i32,
    /// Local time, `2026-11-23 18:42`.
    pub submitted_at: Option<String>,
    /// Reports only: submitted after the due time, or still missing once it passed.
    pub late: bool,
    pub reviewer_name: Option<String>,
    pub reviewed_at: Option<String>,
    pub review_comment: String,
}

impl SheetState {
    pub fn blank() -> Self {
        SheetState {
            id: None,
            status: SheetStatus::Draft,
            version: 0,
            submitted_at: None,
            late: false,
            reviewer_name: None,
            reviewed_at: None,
            review_comment: String::new(),
        }
    }

    /// Whether the rep may still change it.
    pub fn editable(&self) -> bool {
        matches!(self.status, SheetStatus::Draft | SheetStatus::SentBack)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopView {
    pub id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub district: String,
    pub time_slot: String,
    pub purpose: VisitPurpose,
    pub note: String,
    /// Local time of the check-in, `09:41`.
    pub checked_in_at: Option<String>,
}

/// A check-in of the day and the follow-up the rep logged for that customer that day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitView {
    pub id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    /// Local time, `09:41`.
    pub at: String,
    pub planned: bool,
    pub located: bool,
    /// The customer is in the lead pool (planned from it, or returned since): the rep claims it
    /// before logging what the visit achieved.
    pub in_pool: bool,
    pub result: Option<(String, Intent)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportFields {
    pub attendance: Option<Attendance>,
    pub complaints: String,
    pub competitors: String,
    pub feedback: String,
    pub lessons: String,
}

/// The report's figures, filled in from what was recorded (never typed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayFigures {
    pub planned: i64,
    pub planned_done: i64,
    pub visits: i64,
    pub follow_ups: i64,
    /// Follow-ups of kind complaint handling.
    pub complaints_handled: i64,
    pub orders: i64,
    pub sales_fen: i64,
    pub payments_fen: i64,
    pub cost_fen: i64,
    /// The day's share of the month's sales target (working days).
    pub day_sales_target_fen: Option<i64>,
    pub month_sales_fen: i64,
    pub month_sales_target_fen: Option<i64>,
    pub month_payments_fen: i64,
    pub month_payments_target_fen: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpenseView {
    pub id: i64,
    pub kind: ExpenseKind,
    pub amount_fen: i64,
    pub customer_name: Option<String>,
    pub note: String,
}

/// A customer the rep could add to the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub id: i64,
    pub name: String,
    pub place: String,
    pub in_pool: bool,
}

/// One person's day: plan, visits, report and costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDay {
    pub day: NaiveDate,
    pub today: NaiveDate,
    pub owner_id: i64,
    pub owner_name: String,
    /// The viewer's own day: they plan, check in and report.
    pub mine: bool,
    /// The viewer leads the owner: they approve or send back.
    pub can_review: bool,
    pub plan: SheetState,
    pub area: String,
    pub stops: Vec<StopView>,
    /// Stop ids in the order Jingxi suggests (empty when the plan already follows it).
    pub suggested: Vec<i64>,
    pub visits: Vec<VisitView>,
    pub report: SheetState,
    pub report_fields: ReportFields,
    pub figures: DayFigures,
    pub expenses: Vec<ExpenseView>,
    pub candidates: Vec<Candidate>,
    /// The search the candidates answer (empty: the rep's customers seen least recently).
    pub search: String,
    pub due_time: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamDayRow {
    pub user_id: i64,
    pub name: String,
    pub team_name: Option<String>,
    pub plan: SheetState,
    pub planned: i64,
    pub visits: i64,
    pub report: SheetState,
}

/// A manager's morning and evening view: every person they lead, with their plan and report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamDay {
    pub day: NaiveDate,
    pub today: NaiveDate,
    pub rows: Vec<TeamDayRow>,
    pub rules: FieldRules,
    pub rules_version: i32,
    pub can_edit_rules: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EfficiencyRow {
    pub user_id: i64,
    pub name: String,
    pub team_name: Option<String>,
    pub figures: FieldFigures,
}

/// The people's totals over one week or month of the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollUpRow {
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub figures: FieldFigures,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Efficiency {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub rows: Vec<EfficiencyRow>,
    pub total: FieldFigures,
    /// Months for directors and administrators, weeks for everyone else.
    pub monthly: bool,
    pub roll_up: Vec<RollUpRow>,
}

#[server(endpoint = "fieldwork/day")]
pub async fn load_field_day(
    #[server(default)] day: String,
    #[server(default)] rep: String,
    #[server(default)] q: String,
    #[server(default)] pool: bool,
) -> Result<FieldDay, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::field_day(
        &state.db,
        &actor,
        &day,
        &rep,
        &q,
        pool,
        crate::clock::today(),
        crate::clock::local_now(),
    )
    .await
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct VisitForm {
    pub day: String,
    pub customer_id: String,
    pub time_slot: String,
    pub purpose: String,
    pub note: String,
}

#[server(endpoint = "fieldwork/add_visit")]
pub async fn add_visit(form: VisitForm) -> Result<(), AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::add_visit(&state.db, &actor, &form, crate::clock::today()).await
}

#[server(endpoint = "fieldwork/remove_visit")]
pub async fn remove_visit(stop_id: i64) -> Result<(), AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::remove_visit(&state.db, &actor, stop_id).await
}

/// Puts the plan's visits in the suggested order.
#[server(endpoint = "fieldwork/reorder")]
pub async fn use_suggested_order(day: String, version: i32) -> Result<(), AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::use_suggested_order(&state.db, &actor, &day, version, crate::clock::today()).await
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanForm {
    pub day: String,
    pub version: String,
    pub area: String,
}

#[server(endpoint = "fieldwork/submit_plan")]
pub async fn submit_plan(form: PlanForm) -> Result<(), AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::submit_plan(&state.db, &actor, &form, crate::clock::today()).await
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportForm {
    pub day: String,
    pub version: String,
    pub attendance: String,
    pub complaints: String,
    pub competitors: String,
    pub feedback: String,
    pub lessons: String,
    /// `save` keeps a draft, `submit` sends it to the manager.
    pub intent: String,
}

#[server(endpoint = "fieldwork/save_report")]
pub async fn save_report(form: ReportForm) -> Result<SheetStatus, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::save_report(&state.db, &actor, &form, crate::clock::today()).await
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReviewForm {
    pub sheet_id: String,
    pub version: String,
    /// `approve` or `send_back`.
    pub action: String,
    pub comment: String,
}

#[server(endpoint = "fieldwork/review")]
pub async fn review_sheet(form: ReviewForm) -> Result<SheetStatus, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::review(&state.db, &actor, &form).await
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CheckInForm {
    pub customer_id: String,
    pub stop_id: String,
    /// Degrees as the browser gave them; empty when the rep keeps the location to themselves.
    pub latitude: String,
    pub longitude: String,
}

#[server(endpoint = "fieldwork/check_in")]
pub async fn check_in(form: CheckInForm) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::check_in(&state.db, &actor, &form, crate::clock::now()).await
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExpenseForm {
    pub day: String,
    pub customer_id: String,
    pub kind: String,
    pub amount: String,
    pub note: String,
}

#[server(endpoint = "fieldwork/add_expense")]
pub async fn add_expense(form: ExpenseForm) -> Result<(), AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::add_expense(&state.db, &actor, &form, crate::clock::today()).await
}

#[server(endpoint = "fieldwork/team")]
pub async fn load_team_day(#[server(default)] day: String) -> Result<TeamDay, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::team_day(
        &state.db,
        &actor,
        &day,
        crate::clock::today(),
        crate::clock::local_now(),
    )
    .await
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FieldRulesForm {
    pub version: String,
    pub report_due: String,
}

#[server(endpoint = "fieldwork/rules")]
pub async fn save_field_rules(form: FieldRulesForm) -> Result<(), AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::save_rules(&state.db, &actor, &form).await
}

#[server(endpoint = "fieldwork/efficiency")]
pub async fn load_efficiency(
    #[server(default)] query: ReportQuery,
) -> Result<Efficiency, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::efficiency(&state.db, &actor, &query, crate::clock::today()).await
}
