//! Translations. Each locale is one file (`zh_cn.rs`, `en.rs`) filling the same [`Texts`] struct,
//! so a missing translation is a compile error rather than a blank on screen.
mod en;
mod zh_cn;

use crate::domain::format::Locale;
use crate::domain::forms::ErrorCode;
use crate::domain::visibility::Role;
use crate::error::AppError;
use leptos::prelude::*;

pub const LOCALE_COOKIE: &str = "jx_locale";

pub struct Texts {
    pub app_name: &'static str,
    pub tagline: &'static str,
    pub loading: &'static str,
    /// A list's pager.
    pub previous_page: &'static str,
    pub next_page: &'static str,
    pub language: &'static str,
    pub nav_dashboard: &'static str,
    pub nav_customers: &'static str,
    pub nav_pipeline: &'static str,
    pub nav_targets: &'static str,
    pub nav_analytics: &'static str,
    pub nav_fieldwork: &'static str,
    pub nav_settings: &'static str,
    pub logout: &'static str,
    pub my_account: &'static str,
    pub role_admin: &'static str,
    pub role_director: &'static str,
    pub role_manager: &'static str,
    pub role_rep: &'static str,
    pub login_title: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub sign_in: &'static str,
    pub first_run_title: &'static str,
    pub first_run_body: &'static str,
    pub welcome: fn(&str) -> String,
    pub no_team: &'static str,
    pub dashboard_empty_title: &'static str,
    pub dashboard_empty_body: &'static str,
    pub people_you_see: &'static str,
    pub people_you_see_hint: &'static str,
    pub settings_title: &'static str,
    pub time_zone: &'static str,
    pub time_zone_hint: &'static str,
    pub users: &'static str,
    pub teams: &'static str,
    pub departments: &'static str,
    pub new_user: &'static str,
    pub edit_user: &'static str,
    pub display_name: &'static str,
    pub role: &'static str,
    pub team: &'static str,
    pub department: &'static str,
    pub manager: &'static str,
    pub members: &'static str,
    pub status: &'static str,
    pub actions: &'static str,
    pub active: &'static str,
    pub inactive: &'static str,
    pub deactivate: &'static str,
    /// Who takes over a deactivated person's customers.
    pub successor: &'static str,
    pub successor_pool: &'static str,
    pub reactivate: &'static str,
    pub edit: &'static str,
    pub save: &'static str,
    pub saved: &'static str,
    pub cancel: &'static str,
    pub none_option: &'static str,
    pub new_password_hint: &'static str,
    pub new_team: &'static str,
    pub edit_team: &'static str,
    pub team_name: &'static str,
    pub new_department: &'static str,
    pub department_name: &'static str,
    pub forbidden_title: &'static str,
    pub forbidden_body: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub back_to_dashboard: &'static str,
    pub err_required: &'static str,
    pub err_too_short: fn(usize) -> String,
    pub err_too_long: fn(usize) -> String,
    pub err_username_characters: &'static str,
    pub err_taken: &'static str,
    pub err_unknown_choice: &'static str,
    pub err_bad_credentials: &'static str,
    pub err_stale: &'static str,
    pub err_own_account: &'static str,
    pub err_unauthorized: &'static str,
    pub err_forbidden: &'static str,
    pub err_not_found: &'static str,
    pub err_conflict: &'static str,
    pub err_rate_limited: fn(i64) -> String,
    pub err_internal: &'static str,
    pub err_transport: &'static str,
    pub err_form: &'static str,
    pub err_possible_duplicate: fn(&str) -> String,
    pub err_invalid_date: &'static str,
    pub err_customer_cap: fn(u32) -> String,
    pub err_successor_required: fn(u64) -> String,
    pub err_invalid_email: &'static str,
    pub err_same_record: &'static str,
    pub err_invalid_amount: &'static str,
    pub err_out_of_range: fn(i64, i64) -> String,
    pub err_overpaid: fn(&str) -> String,
    pub err_stage_in_use: fn(u64) -> String,
    pub err_stage_has_history: fn(u64) -> String,
    pub err_won_deal_has_order: &'static str,
    pub err_price_differs: fn(&str, &str) -> String,
    pub err_deal_closed: &'static str,
    pub err_quote_not_accepted: &'static str,
    pub err_last_one: &'static str,
    pub err_mapped_twice: &'static str,
    pub err_duplicate_in_file: fn(u64) -> String,
    pub err_differs_within_order: fn(u64) -> String,
    pub err_target_below_locked: fn(&str) -> String,
    pub err_target_locks_exceed: &'static str,
    pub err_target_no_reps: &'static str,
    pub err_row_cut_off: &'static str,
    pub err_unknown_reference: &'static str,
    pub err_not_visible: &'static str,
    pub err_not_readable: &'static str,
    pub err_bad_request: &'static str,
    pub err_period_too_long: fn(u32) -> String,
    pub err_table_too_large: fn(u64, u64) -> String,
    pub err_end_before_start: &'static str,
    pub err_threshold_order: &'static str,
    pub err_past_day: &'static str,
    pub err_future_day: &'static str,
    pub err_sheet_locked: &'static str,
    pub err_own_sheet: &'static str,
    pub err_invalid_location: &'static str,
    pub err_invalid_time: &'static str,
    pub customers: CustomerTexts,
    pub notifications: NotificationTexts,
    pub pipeline: PipelineTexts,
    pub forecast: ForecastTexts,
    pub targets: TargetTexts,
    pub analytics: AnalyticsTexts,
    pub alerts: AlertTexts,
    pub dashboard: DashboardTexts,
    pub field: FieldTexts,
    pub customer_analysis: CustomerAnalysisTexts,
    pub product_analysis: ProductAnalysisTexts,
    pub quotes: QuoteTexts,
    pub sales_settings: SalesSettingsTexts,
    pub ladder: LadderTexts,
    pub imports: ImportTexts,
}

/// Importing files: upload, column mapping, dry run and commit.
pub struct ImportTexts {
    pub export_csv: &'static str,
    pub export_xlsx: &'static str,
    pub title: &'static str,
    pub tab: &'static str,
    pub link: &'static str,
    pub upload_hint: &'static str,
    pub file: &'static str,
    pub upload: &'static str,
    pub upload_empty: &'static str,
    pub upload_too_large: &'static str,
    pub kind: &'static str,
    /// Per `ImportKind`.
    pub kinds: [&'static str; 9],
    pub match_by: &'static str,
    /// Shown instead of the match choice for records without a key of their own.
    pub identical_rows: &'static str,
    pub unchanged: fn(u64) -> String,
    /// Per `MatchBy`.
    pub match_choices: [&'static str; 3],
    pub file_summary: fn(&str, &str, u64) -> String,
    pub column: &'static str,
    pub maps_to: &'static str,
    pub not_imported: &'static str,
    pub dry_run: &'static str,
    pub commit: &'static str,
    pub running: &'static str,
    /// Rows, would create, would update.
    pub dry_run_result: fn(u64, u64, u64) -> String,
    pub committed: fn(u64, u64) -> String,
    pub errors_found: fn(u64) -> String,
    pub nothing_written: &'static str,
    pub line: &'static str,
    pub field: &'static str,
    pub problem: &'static str,
    pub another_file: &'static str,
    /// The label of an import field key (`domain::import` field keys).
    pub field_label: fn(&str) -> &'static str,
}

/// Ladder promotion suggestions, their rules, and new/old customers.
pub struct LadderTexts {
    pub suggestions: &'static str,
    /// VIP threshold (money), dormant after months, new-customer months.
    pub rules_statement: fn(&str, u32, u32) -> String,
    pub no_suggestions: &'static str,
    pub confirm: &'static str,
    pub confirm_all: fn(usize) -> String,
    pub confirmed: fn(u64) -> String,
    pub more_waiting: fn(u64) -> String,
    pub reason_first_order: fn(&str) -> String,
    pub reason_sales: fn(&str) -> String,
    pub reason_no_order: fn(&str) -> String,
    pub rules: &'static str,
    pub vip_threshold: &'static str,
    pub dormant_after_months: &'static str,
    pub new_customer_months: &'static str,
    pub new_customer: &'static str,
    pub old_customer: &'static str,
    pub stage_reason: &'static str,
}

/// The administrators' sales settings: stages and products.
pub struct SalesSettingsTexts {
    pub pipelines: &'static str,
    pub new_pipeline: &'static str,
    pub new_pipeline_hint: &'static str,
    pub move_up: &'static str,
    pub move_down: &'static str,
    pub lost_reasons: &'static str,
    pub lost_reasons_hint: &'static str,
    pub new_lost_reason: &'static str,
    pub lost_deals: &'static str,
    pub title: &'static str,
    pub link: &'static str,
    pub stages: &'static str,
    pub stages_hint: &'static str,
    pub probability: &'static str,
    pub stale_after: &'static str,
    pub deals: &'static str,
    pub delete: &'static str,
    pub new_stage: &'static str,
    pub products: &'static str,
    pub code: &'static str,
    pub category: &'static str,
    pub unit: &'static str,
    pub list_price: &'static str,
    pub cost_price: &'static str,
    pub active: &'static str,
}

/// Quotes and contracts. Status tables follow `QuoteStatus::ALL` and `ContractStatus::ALL`.
pub struct QuoteTexts {
    pub title: &'static str,
    pub customer_title: &'static str,
    pub none: &'static str,
    pub new_quote: &'static str,
    pub editor_title: &'static str,
    pub accepted_prices: &'static str,
    pub discount: &'static str,
    pub more_lines: &'static str,
    pub valid_until: &'static str,
    pub confirm_prices: &'static str,
    pub created_on: &'static str,
    pub total: &'static str,
    pub edit: &'static str,
    pub revise: &'static str,
    pub print: &'static str,
    pub revisions: &'static str,
    pub contract: &'static str,
    pub make_contract: &'static str,
    pub signed_on: &'static str,
    pub starts_on: &'static str,
    pub ends_on: &'static str,
    pub term: &'static str,
    pub sheet_title: fn(&str) -> String,
    pub status: [&'static str; 5],
    pub to_status: [&'static str; 5],
    pub contract_status: [&'static str; 4],
    pub contract_to_status: [&'static str; 4],
}

/// The targets page: the breakdown grid and progress.
pub struct AnalyticsTexts {
    pub abc_title: &'static str,
    pub abc_subtitle: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub basis: &'static str,
    /// By `AbcBasis` index: sales, gross profit.
    pub bases: [&'static str; 2],
    /// (basis, A threshold, B threshold) → the rule in words.
    pub rule: fn(&str, &str, &str) -> String,
    pub total: &'static str,
    pub pareto: &'static str,
    pub pareto_hint: fn(usize) -> String,
    pub customer: &'static str,
    pub share: &'static str,
    pub cumulative_share: &'static str,
    pub class: &'static str,
    pub class_name: fn(&str) -> String,
    /// The badge on customer lists and files.
    pub badge_title: fn(&str) -> String,
    pub class_customers: fn(&str) -> String,
    pub customers_count: fn(u64) -> String,
    pub empty_title: &'static str,
    pub empty_body: &'static str,
    /// Tabs between the analysis pages.
    pub tab_abc: &'static str,
    pub tab_reps: &'static str,
    pub reps_title: &'static str,
    pub reps_subtitle: &'static str,
    pub rank_by: &'static str,
    /// Per `RankBy`: column headings and leaderboard orders.
    pub rank_by_names: [&'static str; 11],
    pub rank: &'static str,
    pub person: &'static str,
    pub sales_cycle: &'static str,
    pub days: fn(&str) -> String,
    /// How each figure is counted, stated on the page.
    pub reps_definitions: &'static str,
    pub team_total: &'static str,
    pub reps_empty_title: &'static str,
    pub reps_empty_body: &'static str,
    pub leaderboard: &'static str,
    pub left_company: &'static str,
    pub tab_funnel: &'static str,
    pub funnel_title: &'static str,
    pub funnel_subtitle: &'static str,
    pub funnel_rule: &'static str,
    pub pipeline: &'static str,
    pub stage: &'static str,
    pub reached: &'static str,
    pub conversion: &'static str,
    pub average_days: &'static str,
    pub won_step: &'static str,
    pub deals: &'static str,
    pub by_person: &'static str,
    /// (stage, gap in percentage points) → where a rep falls furthest behind their team.
    pub behind_at: fn(&str, &str) -> String,
    pub not_behind: &'static str,
    pub behind_column: &'static str,
    pub funnel_empty_title: &'static str,
    pub funnel_empty_body: &'static str,
}

/// The dashboard by role.
pub struct DashboardTexts {
    pub rep_day: &'static str,
    pub manager_week: &'static str,
    pub director_month: &'static str,
    pub see_all: &'static str,
    pub targets: &'static str,
    pub follow_ups_due: &'static str,
    pub leaderboard_month: &'static str,
    pub trend: &'static str,
    pub month: &'static str,
    pub sales: &'static str,
    pub gross_profit: &'static str,
    pub orders: &'static str,
}

/// Alerts: who or what needs a manager's attention, and why.
/// Product analysis: ranking, margin, turnover, cross ratio and contribution; month-end stock;
/// a customer's product mix.
pub struct ProductAnalysisTexts {
    pub tab: &'static str,
    pub title: &'static str,
    pub subtitle: &'static str,
    pub definitions: &'static str,
    pub product: &'static str,
    pub category: &'static str,
    pub quantity: &'static str,
    pub sales: &'static str,
    pub share: &'static str,
    pub cumulative_share: &'static str,
    pub class: &'static str,
    pub gross_margin: &'static str,
    pub margin: &'static str,
    pub average_inventory: &'static str,
    pub turnover: &'static str,
    pub cross_ratio: &'static str,
    pub contribution: &'static str,
    pub times: fn(&str) -> String,
    pub products: &'static str,
    pub ranking: &'static str,
    pub chart_hint: fn(usize, usize, usize) -> String,
    pub empty_title: &'static str,
    pub empty_body: &'static str,
    pub stock_title: &'static str,
    pub stock_hint: &'static str,
    pub month: &'static str,
    pub stock_value: &'static str,
    pub stock_value_hint: &'static str,
    pub save_stock: &'static str,
    pub stock_saved: &'static str,
    pub no_stock: &'static str,
    pub import_stock: &'static str,
    pub mix_title: &'static str,
    pub lapsed_title: &'static str,
    pub last_bought: &'static str,
    pub no_mix: &'static str,
    pub no_lapsed: &'static str,
}

/// Customer analysis: the composition page and the trend and worth on a customer's file.
pub struct CustomerAnalysisTexts {
    pub tab: &'static str,
    pub title: &'static str,
    pub subtitle: &'static str,
    pub group_by: &'static str,
    /// By `domain::customer_value::Dimension`.
    pub dimensions: [&'static str; 5],
    /// By `domain::customer_value::CustomerAge`.
    pub ages: [&'static str; 3],
    /// By `domain::customer_value::PurchaseSize`.
    pub sizes: [&'static str; 5],
    pub unspecified: &'static str,
    pub others: &'static str,
    pub group: &'static str,
    pub customers: &'static str,
    pub buyers: &'static str,
    pub sales: &'static str,
    pub share: &'static str,
    pub gross_profit: &'static str,
    pub margin: &'static str,
    pub composition: &'static str,
    pub retention: &'static str,
    /// Earlier buyers, of them bought again.
    pub retention_detail: fn(i64, i64) -> String,
    pub remaining_years: &'static str,
    pub years: fn(&str) -> String,
    pub average_yearly_gp: &'static str,
    pub lifetime_value: &'static str,
    pub value_title: &'static str,
    /// Start and end of the two twelve-month windows.
    pub value_formula: fn(&str, &str) -> String,
    pub definitions: &'static str,
    pub empty_title: &'static str,
    pub empty_body: &'static str,
    pub trend_title: &'static str,
    pub last_12: &'static str,
    pub change: &'static str,
    pub monthly_sales: &'static str,
    pub month: &'static str,
    pub year: &'static str,
    pub company_share: &'static str,
    /// The customer's province.
    pub region_share: fn(&str) -> String,
    pub no_region: &'static str,
    pub first_order: &'static str,
    /// The company's retention, as a percent text.
    pub customer_formula: fn(&str) -> String,
    pub no_orders: &'static str,
}

pub struct FieldTexts {
    pub fig_actual: &'static str,
    pub fig_against: &'static str,
    pub no_candidates: &'static str,
    pub roll_up_weekly: &'static str,
    pub roll_up_monthly: &'static str,
    pub period: &'static str,
    pub tab_day: &'static str,
    pub tab_team: &'static str,
    pub tab_efficiency: &'static str,
    pub previous_day: &'static str,
    pub next_day: &'static str,
    pub day: &'static str,
    pub show: &'static str,
    pub title: &'static str,
    pub subtitle: &'static str,
    pub comment: &'static str,
    pub approve: &'static str,
    pub send_back: &'static str,
    pub late: &'static str,
    pub plan: &'static str,
    pub area: &'static str,
    pub no_plan_title: &'static str,
    pub no_plan_body: &'static str,
    pub remove: &'static str,
    pub use_suggested: &'static str,
    pub suggested_hint: &'static str,
    pub submit_plan: &'static str,
    pub share_location: &'static str,
    pub check_in: &'static str,
    pub add_visits: &'static str,
    pub search_placeholder: &'static str,
    pub from_pool: &'static str,
    pub search: &'static str,
    pub candidates_hint: &'static str,
    pub candidates_found: &'static str,
    pub pool: &'static str,
    pub purpose: &'static str,
    pub time_slot: &'static str,
    pub add: &'static str,
    pub visits: &'static str,
    pub no_visits: &'static str,
    pub planned: &'static str,
    pub unplanned: &'static str,
    pub located: &'static str,
    pub no_result: &'static str,
    pub claim_to_log: &'static str,
    pub fig_planned_done: &'static str,
    pub fig_visits: &'static str,
    pub fig_follow_ups: &'static str,
    pub fig_complaints: &'static str,
    pub fig_orders: &'static str,
    pub fig_sales_today: &'static str,
    pub fig_sales_month: &'static str,
    pub fig_payments_today: &'static str,
    pub fig_payments_month: &'static str,
    pub fig_cost: &'static str,
    pub report: &'static str,
    pub against_hint: &'static str,
    pub attendance: &'static str,
    pub complaints: &'static str,
    pub competitors: &'static str,
    pub feedback: &'static str,
    pub lessons: &'static str,
    pub save_draft: &'static str,
    pub submit_report: &'static str,
    pub expenses: &'static str,
    pub no_expenses: &'static str,
    pub expense_kind: &'static str,
    pub amount: &'static str,
    pub for_visit: &'static str,
    pub whole_day: &'static str,
    pub note: &'static str,
    pub team_title: &'static str,
    pub team_subtitle: &'static str,
    pub plans_waiting: &'static str,
    pub plans_missing: &'static str,
    pub reports_waiting: &'static str,
    pub reports_late: &'static str,
    pub team_empty_title: &'static str,
    pub team_empty_body: &'static str,
    pub missing: &'static str,
    pub open_day: &'static str,
    pub rules: &'static str,
    pub report_due: &'static str,
    pub efficiency_title: &'static str,
    pub efficiency_subtitle: &'static str,
    pub efficiency_rules: &'static str,
    pub person: &'static str,
    pub total: &'static str,
    /// Per `SheetStatus`.
    pub statuses: [&'static str; 4],
    /// Per `VisitPurpose`.
    pub purposes: [&'static str; 7],
    /// Per `Attendance`.
    pub attendances: [&'static str; 3],
    /// Per `ExpenseKind`.
    pub expense_kinds: [&'static str; 5],
    pub efficiency_columns: [&'static str; 10],
    /// (who, when).
    pub reviewed_by: fn(&str, &str) -> String,
    pub submitted_at: fn(&str) -> String,
    pub checked_in_at: fn(&str) -> String,
    /// The prefilled summary of a visit with this purpose.
    pub visit_summary: fn(&str) -> String,
    pub due_hint: fn(&str) -> String,
    pub planned_visits: fn(i64) -> String,
    pub visits_done: fn(i64) -> String,
}

pub struct AlertTexts {
    pub tab: &'static str,
    pub title: &'static str,
    pub subtitle: &'static str,
    /// Per `AlertKind`.
    pub kinds: [&'static str; 4],
    pub all_kinds: &'static str,
    /// (usual month, last 30 days) → the numbers behind a rep's drop.
    pub rep_drop: fn(&str, &str) -> String,
    /// (usual interval in days, days since, last order date).
    pub customer_overdue: fn(i64, i64, &str) -> String,
    /// (usual quarter, last 90 days).
    pub customer_drop: fn(&str, &str) -> String,
    /// (days in stage, the stage's limit).
    pub stale_deal: fn(i64, i64) -> String,
    /// (rep drop %, customer drop %, overdue multiple) → the rules in words.
    pub rules_text: fn(u32, u32, u32) -> String,
    pub owner: &'static str,
    pub raised: fn(&str) -> String,
    pub log_follow_up: &'static str,
    pub open_deal: &'static str,
    pub open_performance: &'static str,
    pub assign_task: &'static str,
    pub task_note: &'static str,
    pub task_placeholder: &'static str,
    pub send_task: &'static str,
    /// (who, when, note).
    pub task_done: fn(&str, &str, &str) -> String,
    pub empty_title: &'static str,
    pub empty_body: &'static str,
    pub rules: &'static str,
    pub rep_drop_percent: &'static str,
    pub customer_drop_percent: &'static str,
    pub overdue_multiple: &'static str,
    pub badge: fn(u64) -> String,
    pub shown: fn(u64, u64) -> String,
}

pub struct TargetTexts {
    pub year: &'static str,
    pub metric: &'static str,
    /// Per `Metric`.
    pub metrics: [&'static str; 7],
    pub status: fn(&str) -> &'static str,
    pub publish: &'static str,
    pub company: &'static str,
    pub organisation: &'static str,
    pub grid_hint: &'static str,
    pub rep_hint: &'static str,
    pub empty: &'static str,
    pub split: &'static str,
    /// Per `SplitMethod`.
    pub split_methods: [&'static str; 3],
    pub lock: &'static str,
    pub unlock: &'static str,
    pub saved: &'static str,
    pub progress: &'static str,
    pub target: &'static str,
    pub actual: &'static str,
    pub achievement: &'static str,
    pub elapsed: &'static str,
    pub projection: &'static str,
    pub gap: &'static str,
    pub weighted_pipeline: &'static str,
    pub pipeline_needed: &'static str,
    pub deals_needed: fn(i64, bool) -> String,
    pub deals_unknown: &'static str,
    pub pipeline_covers: &'static str,
    /// Per light: on course, close, behind, not started.
    pub lights: [&'static str; 4],
    pub by_member: &'static str,
    pub by_week: &'static str,
    pub week: &'static str,
    pub drill_month: &'static str,
    pub up: &'static str,
    pub history: &'static str,
    pub changed_at: &'static str,
    pub changed_by: &'static str,
    pub period_column: &'static str,
    pub was: &'static str,
    pub now_set: &'static str,
    /// Opens the table that holds a chart's figures.
    pub table: &'static str,
    pub burn_up: &'static str,
    pub month: &'static str,
    pub cumulative_target: &'static str,
    pub cumulative_actual: &'static str,
    pub forecast: &'static str,
}

/// The sales forecast page.
pub struct ForecastTexts {
    pub title: &'static str,
    pub period: &'static str,
    pub won: &'static str,
    pub weighted: &'static str,
    pub weighted_hint: &'static str,
    pub historical: &'static str,
    pub historical_hint: &'static str,
    pub best_case: &'static str,
    pub best_case_hint: &'static str,
    pub by_stage: &'static str,
    pub by_stage_hint: &'static str,
    pub stage: &'static str,
    pub configured: &'static str,
    pub measured: &'static str,
    pub open_deals: &'static str,
    pub open_amount: &'static str,
    pub weighted_amount: &'static str,
    pub by_person: &'static str,
    pub person: &'static str,
    pub not_measured: &'static str,
    pub nothing_expected: &'static str,
    pub won_deals: fn(u32) -> String,
    pub measured_of: fn(u32, u32) -> String,
    pub overdue: fn(u32, &str) -> String,
}

/// Customer pages. Label tables follow the order of the domain enums' `ALL`.
pub struct CustomerTexts {
    pub stages: [&'static str; 7],
    pub follow_up_kinds: [&'static str; 11],
    pub intents: [&'static str; 4],
    pub new_customer: &'static str,
    pub edit_customer: &'static str,
    pub search: &'static str,
    pub search_placeholder: &'static str,
    pub all_stages: &'static str,
    pub mine: &'static str,
    pub pool: &'static str,
    pub follow_ups: &'static str,
    pub name: &'static str,
    pub short_name: &'static str,
    pub phone: &'static str,
    pub tax_id: &'static str,
    pub province: &'static str,
    pub city: &'static str,
    pub street: &'static str,
    pub address: &'static str,
    pub industry: &'static str,
    pub source: &'static str,
    pub stage: &'static str,
    pub notes: &'static str,
    pub contact_name: &'static str,
    pub contact_phone: &'static str,
    pub owner: &'static str,
    pub no_owner: &'static str,
    pub last_follow_up: &'static str,
    pub never: &'static str,
    pub total: fn(u64) -> String,
    pub empty_title: &'static str,
    pub empty_body: &'static str,
    pub pool_empty: &'static str,
    pub claim: &'static str,
    pub contacts: &'static str,
    pub no_contacts: &'static str,
    pub timeline: &'static str,
    pub no_timeline: &'static str,
    pub log_follow_up: &'static str,
    pub kind: &'static str,
    pub summary: &'static str,
    pub intent: &'static str,
    pub next_date: &'static str,
    pub next_action: &'static str,
    pub save_anyway: &'static str,
    pub overdue: &'static str,
    pub due_today: &'static str,
    pub upcoming: &'static str,
    pub nothing_due: &'static str,
    /// Timeline events: created, updated, stage, owner, claimed, pool, contact, contact_removed, merged.
    pub event: fn(&crate::domain::events::CustomerEvent) -> String,
    /// A ladder stage change, given the stages (and reason) in words.
    pub stage_event: fn(&str) -> String,
    pub profile_fields: [&'static str; 13],
    pub profile_sections: [&'static str; 3],
    pub sources: [&'static str; 7],
    pub buying_roles: [&'static str; 5],
    pub sorts: [&'static str; 4],
    pub district: &'static str,
    pub website: &'static str,
    pub tags: &'static str,
    pub tags_hint: &'static str,
    pub first_order_on: &'static str,
    pub created_on: &'static str,
    pub basic_data: &'static str,
    pub contact_title: &'static str,
    pub email: &'static str,
    pub wechat: &'static str,
    pub birthday: &'static str,
    pub interests: &'static str,
    pub buying_role: &'static str,
    pub primary_contact: &'static str,
    pub add_contact: &'static str,
    pub delete_contact: &'static str,
    pub filters: &'static str,
    pub all_owners: &'static str,
    pub all_teams: &'static str,
    pub all_industries: &'static str,
    pub all_provinces: &'static str,
    pub tag: &'static str,
    pub quiet_days: &'static str,
    pub quiet_any: &'static str,
    pub quiet_for: fn(u32) -> String,
    pub sort: &'static str,
    pub apply: &'static str,
    pub clear_filters: &'static str,
    pub saved_filters: &'static str,
    pub save_filter: &'static str,
    pub filter_name: &'static str,
    pub delete_filter: &'static str,
    pub ladder: &'static str,
    pub ladder_hint: &'static str,
    pub rep: &'static str,
    pub all: &'static str,
    pub select_customer: &'static str,
    pub assign_to: &'static str,
    pub assign_selected: &'static str,
    pub moved: fn(u64) -> String,
    pub handover: &'static str,
    pub handover_hint: &'static str,
    pub handover_from: &'static str,
    pub handover_to: &'static str,
    pub handover_submit: &'static str,
    pub merge: &'static str,
    pub merge_hint: &'static str,
    pub merge_with: &'static str,
    pub merge_submit: &'static str,
    pub merge_moves: fn(&crate::domain::customer::RecordCounts) -> String,
    pub reload_changes: &'static str,
    pub stage_change: fn(&str, &str) -> String,
}

/// The deal board, deals, orders and payments.
pub struct PipelineTexts {
    pub title: &'static str,
    pub default_pipeline: &'static str,
    pub new_deal: &'static str,
    pub all_owners: &'static str,
    pub all_teams: &'static str,
    pub close_month: &'static str,
    pub min_amount: &'static str,
    pub max_amount: &'static str,
    pub search: &'static str,
    pub apply: &'static str,
    pub clear: &'static str,
    pub weighted: &'static str,
    pub load_more: &'static str,
    pub empty_column: &'static str,
    pub overdue: &'static str,
    pub stale: &'static str,
    pub move_to: &'static str,
    pub move_title: &'static str,
    pub cancel: &'static str,
    pub confirm: &'static str,
    pub won_title: &'static str,
    pub won_amount: &'static str,
    pub won_on: &'static str,
    pub lost_title: &'static str,
    pub lost_reason: &'static str,
    pub lost_note: &'static str,
    pub move_refused: &'static str,
    pub conflict: &'static str,
    pub keyboard_help: &'static str,
    pub live_off: &'static str,
    pub deal: &'static str,
    pub deal_title: &'static str,
    pub customer: &'static str,
    pub customer_id: &'static str,
    pub amount: &'static str,
    pub expected_close: &'static str,
    pub owner: &'static str,
    pub stage: &'static str,
    pub next_step: &'static str,
    pub competitor: &'static str,
    pub source: &'static str,
    pub save: &'static str,
    pub history: &'static str,
    pub created_in: &'static str,
    pub orders: &'static str,
    pub no_orders: &'static str,
    pub order_number: &'static str,
    pub ordered_on: &'static str,
    pub cost: &'static str,
    pub gross_profit: &'static str,
    pub paid: &'static str,
    pub balance: &'static str,
    pub payments: &'static str,
    pub record_payment: &'static str,
    pub payment_amount: &'static str,
    pub received_on: &'static str,
    pub method: &'static str,
    pub note: &'static str,
    pub product: &'static str,
    pub quantity: &'static str,
    pub unit_price: &'static str,
    pub line_amount: &'static str,
    pub deals_of_customer: &'static str,
    pub no_deals: &'static str,
    pub open_deal: &'static str,
    pub closed_on: &'static str,
    pub board_link: &'static str,
    pub payment_saved: &'static str,
    pub view_switch: &'static str,
    pub board_view: &'static str,
    pub table_view: &'static str,
    pub days_in_stage_header: &'static str,
    pub stage_name: fn(&str) -> &'static str,
    pub lost_reason_name: fn(&str) -> &'static str,
    pub deals_count: fn(u64) -> String,
    pub days_in_stage: fn(i64) -> String,
    pub moved: fn(&str, &str) -> String,
    pub picked_up: fn(&str) -> String,
    pub delivery: fn(&str) -> &'static str,
}

/// In-app notifications.
pub struct NotificationTexts {
    pub title: &'static str,
    pub empty: &'static str,
    pub mark_read: &'static str,
    /// The link of a notice that is not about the lead pool.
    pub open: &'static str,
    pub unread: fn(u64) -> String,
    pub text: fn(&crate::domain::events::Notice) -> String,
}

pub fn texts(locale: Locale) -> &'static Texts {
    match locale {
        Locale::ZhCn => &zh_cn::TEXTS,
        Locale::En => &en::TEXTS,
    }
}

impl Texts {
    pub fn role(&self, role: Role) -> &'static str {
        match role {
            Role::Admin => self.role_admin,
            Role::Director => self.role_director,
            Role::Manager => self.role_manager,
            Role::Rep => self.role_rep,
        }
    }

    pub fn field_error(&self, code: &ErrorCode) -> String {
        match code {
            ErrorCode::Required => self.err_required.to_string(),
            ErrorCode::TooShort { min } => (self.err_too_short)(*min),
            ErrorCode::TooLong { max } => (self.err_too_long)(*max),
            ErrorCode::UsernameCharacters => self.err_username_characters.to_string(),
            ErrorCode::Taken => self.err_taken.to_string(),
            ErrorCode::UnknownChoice => self.err_unknown_choice.to_string(),
            ErrorCode::BadCredentials => self.err_bad_credentials.to_string(),
            ErrorCode::Stale => self.err_stale.to_string(),
            ErrorCode::OwnAccount => self.err_own_account.to_string(),
            ErrorCode::PossibleDuplicate { names } => {
                (self.err_possible_duplicate)(&names.join("、"))
            }
            ErrorCode::InvalidDate => self.err_invalid_date.to_string(),
            ErrorCode::CustomerCap { max } => (self.err_customer_cap)(*max),
            ErrorCode::SuccessorRequired { customers } => (self.err_successor_required)(*customers),
            ErrorCode::InvalidEmail => self.err_invalid_email.to_string(),
            ErrorCode::SameRecord => self.err_same_record.to_string(),
            ErrorCode::InvalidAmount => self.err_invalid_amount.to_string(),
            ErrorCode::OutOfRange { min, max } => (self.err_out_of_range)(*min, *max),
            ErrorCode::Overpaid { balance_fen } => {
                (self.err_overpaid)(&crate::domain::format::format_money(*balance_fen))
            }
            ErrorCode::StageInUse { deals } => (self.err_stage_in_use)(*deals),
            ErrorCode::StageHasHistory { moves } => (self.err_stage_has_history)(*moves),
            ErrorCode::WonDealHasOrder => self.err_won_deal_has_order.to_string(),
            ErrorCode::PriceDiffersFromAccepted {
                accepted_fen,
                quote,
            } => {
                (self.err_price_differs)(&crate::domain::format::format_money(*accepted_fen), quote)
            }
            ErrorCode::DealClosed => self.err_deal_closed.to_string(),
            ErrorCode::QuoteNotAccepted => self.err_quote_not_accepted.to_string(),
            ErrorCode::LastOne => self.err_last_one.to_string(),
            ErrorCode::MappedTwice => self.err_mapped_twice.to_string(),
            ErrorCode::DuplicateInFile { line } => (self.err_duplicate_in_file)(*line),
            ErrorCode::DiffersWithinOrder { line } => (self.err_differs_within_order)(*line),
            ErrorCode::TargetBelowLocked { floor } => (self.err_target_below_locked)(floor),
            ErrorCode::TargetLocksExceed => self.err_target_locks_exceed.to_string(),
            ErrorCode::TargetNoReps => self.err_target_no_reps.to_string(),
            ErrorCode::RowCutOff => self.err_row_cut_off.to_string(),
            ErrorCode::UnknownReference => self.err_unknown_reference.to_string(),
            ErrorCode::NotVisible => self.err_not_visible.to_string(),
            ErrorCode::NotReadable => self.err_not_readable.to_string(),
            ErrorCode::TableTooLarge {
                max_rows,
                max_columns,
            } => (self.err_table_too_large)(*max_rows, *max_columns),
            ErrorCode::EndBeforeStart => self.err_end_before_start.to_string(),
            ErrorCode::PeriodTooLong { max_years } => (self.err_period_too_long)(*max_years),
            ErrorCode::ThresholdOrder => self.err_threshold_order.to_string(),
            ErrorCode::PastDay => self.err_past_day.to_string(),
            ErrorCode::FutureDay => self.err_future_day.to_string(),
            ErrorCode::SheetLocked => self.err_sheet_locked.to_string(),
            ErrorCode::OwnSheet => self.err_own_sheet.to_string(),
            ErrorCode::InvalidLocation => self.err_invalid_location.to_string(),
            ErrorCode::InvalidTime => self.err_invalid_time.to_string(),
        }
    }

    /// The message for an error as a whole (field errors are shown at their fields instead).
    pub fn error(&self, error: &AppError) -> String {
        match error {
            AppError::Unauthorized => self.err_unauthorized.to_string(),
            AppError::Forbidden => self.err_forbidden.to_string(),
            AppError::NotFound => self.err_not_found.to_string(),
            AppError::Validation(_) => self.err_form.to_string(),
            AppError::Conflict => self.err_conflict.to_string(),
            AppError::RateLimited {
                retry_after_minutes,
            } => (self.err_rate_limited)(*retry_after_minutes),
            AppError::Internal => self.err_internal.to_string(),
            AppError::Transport => self.err_transport.to_string(),
            AppError::BadRequest => self.err_bad_request.to_string(),
        }
    }
}

/// The current locale, shared by every component through context.
#[derive(Clone, Copy)]
pub struct I18n {
    pub locale: RwSignal<Locale>,
}

impl I18n {
    /// Tracked read: views that call it re-render when the language changes.
    pub fn t(&self) -> &'static Texts {
        texts(self.locale.get())
    }
}

pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

pub fn provide_i18n() -> I18n {
    let i18n = I18n {
        locale: RwSignal::new(initial_locale()),
    };
    provide_context(i18n);
    i18n
}

/// The locale the server rendered with: the cookie, else the browser's `Accept-Language`.
#[cfg(feature = "ssr")]
pub fn request_locale() -> Locale {
    use_context::<http::request::Parts>()
        .map(|parts| locale_of_headers(&parts.headers))
        .unwrap_or_default()
}

/// A request's locale from its headers (the `jx_locale` cookie, else `Accept-Language`).
#[cfg(feature = "ssr")]
pub fn locale_of_headers(headers: &http::HeaderMap) -> Locale {
    let cookie = headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|header| header.split(';'))
        .find_map(|pair| {
            pair.trim()
                .strip_prefix(LOCALE_COOKIE)?
                .strip_prefix('=')
                .map(Locale::from_tag)
        });
    cookie.unwrap_or_else(|| {
        headers
            .get(http::header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
            .map(Locale::from_accept_language)
            .unwrap_or_default()
    })
}

#[cfg(feature = "ssr")]
fn initial_locale() -> Locale {
    request_locale()
}

/// In the browser, `<html lang>` holds what the server rendered, so hydration starts identical.
#[cfg(not(feature = "ssr"))]
fn initial_locale() -> Locale {
    document()
        .document_element()
        .and_then(|root| root.get_attribute("lang"))
        .map(|tag| Locale::from_tag(&tag))
        .unwrap_or_default()
}

/// A translated text as a view child. One `Signal<String>` type serves every text, so the
/// reactive-text code is compiled into the wasm bundle once instead of once per closure.
pub fn tr(text: fn(&Texts) -> &'static str) -> Signal<String> {
    let i18n = use_i18n();
    Signal::derive(move || text(i18n.t()).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_return_notifications_say_how_many_and_mark_a_shortened_list() {
        use crate::domain::events::Notice;
        let zh = texts(Locale::ZhCn).notifications.text;
        assert_eq!(
            zh(&Notice::pool_return(30, &["甲公司", "乙公司"])),
            "2 家客户超过 30 天没有你的跟进，已退回公海：甲公司、乙公司"
        );
        let twelve: Vec<String> = (0..12).map(|i| format!("公司{i}")).collect();
        let twelve: Vec<&str> = twelve.iter().map(String::as_str).collect();
        assert!(zh(&Notice::pool_return(30, &twelve)).ends_with("公司9 等"));
        let en = (texts(Locale::En).notifications.text)(&Notice::pool_return(45, &twelve));
        assert!(
            en.contains("12 customers had no follow-up from you for 45 days")
                && en.ends_with("and others")
        );
        assert_eq!(
            zh(&Notice::Other {
                kind: "something_new".into(),
                body: "plain text".into()
            }),
            "plain text",
            "unknown kinds show their body"
        );
        let task = Notice::Task {
            who: "王芳".into(),
            note: "A|B 两家".into(),
        };
        assert_eq!(zh(&task), "王芳 给你布置了任务：A|B 两家");
    }
}
