//! After-the-fact analysis. ABC: which customers bring most of the value in a period, on a page
//! with a Pareto chart and as a report (`/api/v1/reports/abc`, JSON or CSV) with the same numbers.
use crate::domain::abc::{AbcBasis, AbcClass, AbcRule};
use crate::domain::performance::{Activity, RankBy};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod alerts;
pub mod alerts_page;
#[cfg(feature = "ssr")]
pub mod customers;
pub mod customers_page;
#[cfg(feature = "ssr")]
pub mod funnel;
pub mod funnel_page;
#[cfg(feature = "ssr")]
pub mod kept;
pub mod page;
#[cfg(feature = "ssr")]
pub mod performance;
#[cfg(feature = "ssr")]
pub mod products;
pub mod products_page;
#[cfg(feature = "ssr")]
pub mod reports;
pub mod reps_page;
#[cfg(feature = "ssr")]
pub mod sales_trend;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub use alerts::{alerts, open_alerts_badge};
#[cfg(feature = "ssr")]
pub use customers::CompanyFigures;
#[cfg(feature = "ssr")]
pub use funnel::funnel;
#[cfg(feature = "ssr")]
pub use performance::rep_performance;
#[cfg(feature = "ssr")]
pub use sales_trend::{monthly_figures, sales_trend};
#[cfg(feature = "ssr")]
pub use service::KeptAnalyses;
#[cfg(feature = "ssr")]
pub use service::{abc, refresh_customer_classes};

/// A report's filters as they arrive in a URL (`from=2026-01-01&team=3&basis=gross_profit`);
/// the service checks them and names the field of a bad one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportQuery {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub rep: String,
    #[serde(default)]
    pub industry: String,
    /// Province.
    #[serde(default)]
    pub region: String,
    /// `sales` (default) or `gross_profit`.
    #[serde(default)]
    pub basis: String,
    /// The A and B thresholds in percent (default 80 and 95).
    #[serde(default)]
    pub a: String,
    #[serde(default)]
    pub b: String,
    /// The class whose cards the page lists (default A) and the page of them.
    #[serde(default)]
    pub class: String,
    #[serde(default)]
    pub page: String,
    /// What the leaderboard ranks by (`domain::performance::RankBy`, default sales).
    #[serde(default)]
    pub sort: String,
    /// The funnel's pipeline (default: the first active one).
    #[serde(default)]
    pub pipeline: String,
    /// The kind of alert listed (`domain::alerts::AlertKind`, default all).
    #[serde(default)]
    pub kind: String,
    /// What the customer composition groups by (`domain::customer_value::Dimension`, default industry).
    #[serde(default)]
    pub by: String,
}

impl ReportQuery {
    pub const KEYS: [&'static str; 15] = [
        "from", "to", "team", "rep", "industry", "region", "basis", "a", "b", "class", "page",
        "sort", "pipeline", "kind", "by",
    ];

    fn field_mut(&mut self, key: &str) -> Option<&mut String> {
        Some(match key {
            "from" => &mut self.from,
            "to" => &mut self.to,
            "team" => &mut self.team,
            "rep" => &mut self.rep,
            "industry" => &mut self.industry,
            "region" => &mut self.region,
            "basis" => &mut self.basis,
            "a" => &mut self.a,
            "b" => &mut self.b,
            "class" => &mut self.class,
            "page" => &mut self.page,
            "sort" => &mut self.sort,
            "pipeline" => &mut self.pipeline,
            "kind" => &mut self.kind,
            "by" => &mut self.by,
            _ => return None,
        })
    }

    pub fn from_pairs<K: AsRef<str>, V: AsRef<str>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> ReportQuery {
        let mut query = ReportQuery::default();
        for (key, value) in pairs {
            if let Some(field) = query.field_mut(key.as_ref()) {
                *field = value.as_ref().trim().to_string();
            }
        }
        query
    }

    /// The filters as a query string, empty ones left out (links keep the page's filters).
    pub fn query_string(&self) -> String {
        let mut copy = self.clone();
        Self::KEYS
            .iter()
            .filter_map(|key| {
                let value = copy.field_mut(key).map(|v| v.clone()).unwrap_or_default();
                (!value.is_empty())
                    .then(|| format!("{key}={}", crate::ui::query::urlencode(&value)))
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The same filters with one value changed.
    pub fn with(&self, key: &str, value: &str) -> ReportQuery {
        let mut copy = self.clone();
        if let Some(field) = copy.field_mut(key) {
            *field = value.to_string();
        }
        copy
    }
}

/// One class's line in the summary: money and shares also as decimal strings, as the report API
/// serves them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbcClassRow {
    pub class: AbcClass,
    pub customers: u64,
    pub value_fen: i64,
    /// Of the total, four decimals ("0.7993").
    pub share: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbcCustomer {
    pub rank: u64,
    pub customer_id: i64,
    pub external_id: Option<String>,
    pub name: String,
    pub value_fen: i64,
    pub share: String,
    pub cumulative_share: String,
    pub class: AbcClass,
}

/// The ABC analysis of a period as the page shows it: the summary, the top customers for the
/// Pareto chart and one page of one class's cards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbcView {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub basis: AbcBasis,
    pub rule: AbcRule,
    pub total_fen: i64,
    pub classes: Vec<AbcClassRow>,
    /// The highest-ranked customers (at most `CHART_CUSTOMERS`).
    pub top: Vec<AbcCustomer>,
    pub class: AbcClass,
    pub cards: Vec<AbcCustomer>,
    pub page: u64,
    pub pages: u64,
}

/// How many customers the Pareto chart draws (the report and the CSV hold every one).
pub const CHART_CUSTOMERS: usize = 100;
/// Cards per page.
pub const CARDS_PER_PAGE: usize = 60;

#[server(endpoint = "analytics/abc")]
pub async fn load_abc(#[server(default)] query: ReportQuery) -> Result<AbcView, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    let report = service::abc(
        &state.db,
        state.part()?,
        &actor,
        &query,
        crate::clock::today(),
    )
    .await?;
    Ok(service::abc_view(&report, &query))
}

/// One person's line on the leaderboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepPerformanceRow {
    pub rank: u32,
    pub user_id: i64,
    pub name: String,
    pub team_name: Option<String>,
    pub activity: Activity,
}

/// Rep performance in a period: everyone the viewer sees (within the filters) who sells or did
/// something, ranked, and the sum of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepPerformance {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub rank_by: RankBy,
    pub rows: Vec<RepPerformanceRow>,
    pub total: Activity,
}

#[server(endpoint = "analytics/reps")]
pub async fn load_rep_performance(
    #[server(default)] query: ReportQuery,
) -> Result<RepPerformance, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    performance::rep_performance(&state.db, &actor, &query, crate::clock::today()).await
}

/// One line of the funnel: the whole selection, or one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunnelLine {
    /// None for the whole selection.
    pub user_id: Option<i64>,
    pub name: String,
    pub team_name: Option<String>,
    pub deals: u64,
    pub won: u64,
    /// One per open stage.
    pub steps: Vec<crate::domain::funnel::Step>,
    /// A person's stage furthest below their team's conversion: (stage index, gap in basis points).
    pub behind: Option<(usize, i64)>,
}

/// The funnel of the deals created in a period in one pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunnelReport {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub pipelines: Vec<crate::pipeline::Choice>,
    pub pipeline_id: i64,
    /// The open stages in funnel order.
    pub stages: Vec<crate::pipeline::StageView>,
    pub total: FunnelLine,
    pub people: Vec<FunnelLine>,
}

#[server(endpoint = "analytics/funnel")]
pub async fn load_funnel(#[server(default)] query: ReportQuery) -> Result<FunnelReport, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    funnel::funnel(&state.db, &actor, &query, crate::clock::today()).await
}

/// What a manager asked the responsible person to do about an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertTask {
    pub note: String,
    pub by_name: String,
    /// The company's calendar day it was asked.
    pub on: chrono::NaiveDate,
}

/// One alert with the figures behind it and where to act on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertView {
    pub id: i64,
    pub alert: crate::domain::alerts::Alert,
    /// The rep, customer or deal it is about.
    pub subject_id: i64,
    pub subject_name: String,
    /// The customer a follow-up would be logged for (the deal's customer for a stale deal).
    pub customer_id: Option<i64>,
    /// A stale deal's customer, named beside the deal.
    pub customer_name: Option<String>,
    pub owner_id: i64,
    pub owner_name: String,
    /// The company's calendar day it was raised.
    pub raised_on: chrono::NaiveDate,
    pub task: Option<AlertTask>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertsView {
    pub kind: Option<crate::domain::alerts::AlertKind>,
    /// Alerts per kind within the team and rep filters.
    pub counts: Vec<(crate::domain::alerts::AlertKind, u64)>,
    pub alerts: Vec<AlertView>,
    /// Alerts of the listed kind (all pages).
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
    pub rules: crate::domain::alerts::AlertRules,
    pub rules_version: i32,
    pub can_edit_rules: bool,
    pub can_assign: bool,
}

#[server(endpoint = "analytics/alerts")]
pub async fn load_alerts(#[server(default)] query: ReportQuery) -> Result<AlertsView, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    alerts::alerts(&state.db, &actor, &query, crate::clock::today(), true).await
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaskForm {
    pub alert_id: String,
    pub note: String,
}

#[server(endpoint = "analytics/alert_task")]
pub async fn assign_alert_task(form: TaskForm) -> Result<AlertTask, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    alerts::assign_task(&state.db, &actor, &form).await
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlertRulesForm {
    pub version: String,
    pub rep_drop_percent: String,
    pub customer_drop_percent: String,
    pub overdue_multiple: String,
}

/// Saves the thresholds and applies them at once, so the list shows what they flag.
#[server(endpoint = "analytics/alert_rules")]
pub async fn save_alert_rules(form: AlertRulesForm) -> Result<(), AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    alerts::save_rules(&state.db, &actor, &form).await?;
    alerts::refresh_alerts(&state.db, crate::clock::now(), crate::clock::today()).await?;
    Ok(())
}

/// One group of the customer composition: its key (the industry or province as written, or a
/// `domain::customer_value` key), its customers, how many of them bought in the period, and their
/// sales and gross profit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompositionLine {
    pub key: String,
    pub customers: i64,
    pub buyers: i64,
    pub sales_fen: i64,
    pub gross_profit_fen: i64,
}

/// Retention and lifetime value over the twelve months ending `window_to` against the twelve
/// before (`domain::customer_value` states the formula).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerValue {
    pub window_from: chrono::NaiveDate,
    pub window_to: chrono::NaiveDate,
    /// Customers who bought in the earlier twelve months, and of them those who bought again.
    pub earlier_buyers: i64,
    pub kept: i64,
    pub retention_bp: Option<i64>,
    pub remaining_tenths: Option<i64>,
    /// Gross profit of the later twelve months per customer who bought in them.
    pub average_yearly_gp_fen: Option<i64>,
    pub lifetime_value_fen: Option<i64>,
}

/// The viewer's customers grouped by one dimension, largest sales first, with the sum of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerComposition {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub dimension: crate::domain::customer_value::Dimension,
    pub lines: Vec<CompositionLine>,
    pub total: CompositionLine,
    pub value: CustomerValue,
}

#[server(endpoint = "analytics/customers")]
pub async fn load_customer_composition(
    #[server(default)] query: ReportQuery,
) -> Result<CustomerComposition, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    customers::composition(
        &state.db,
        state.part()?,
        &actor,
        &query,
        crate::clock::today(),
    )
    .await
}

/// A customer's sales in one calendar year beside the company's and its region's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearShare {
    pub year: i32,
    pub sales_fen: i64,
    pub company_fen: i64,
    pub region_fen: i64,
}

/// One customer's trend and worth, for their file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerTrend {
    pub customer_id: i64,
    /// The customer's province, the region its shares are of.
    pub region: String,
    /// ("2026-11", sales) for the last 24 months, oldest first.
    pub months: Vec<(String, i64)>,
    /// This year and the two before, newest first.
    pub years: Vec<YearShare>,
    pub last_12_fen: i64,
    pub previous_12_fen: i64,
    pub change_bp: Option<i64>,
    pub gross_profit_fen: i64,
    pub first_order_on: Option<chrono::NaiveDate>,
    pub average_yearly_gp_fen: Option<i64>,
    pub lifetime_value_fen: Option<i64>,
    pub value: CustomerValue,
    /// Products bought in the last twelve months, most sales first.
    pub products: Vec<CustomerProduct>,
    /// Products bought before the last twelve months but not in them, last bought first.
    pub lapsed: Vec<CustomerProduct>,
}

/// A product in one customer's mix: sales in the last twelve months (for a lapsed product: ever).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerProduct {
    pub product_id: i64,
    pub code: String,
    pub name: String,
    pub sales_fen: i64,
    pub last_bought_on: Option<chrono::NaiveDate>,
}

/// A product's line in the product analysis, ranked by sales.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRow {
    pub rank: u64,
    pub product_id: i64,
    pub code: String,
    pub name: String,
    pub category: String,
    pub figures: crate::domain::product::ProductFigures,
    /// Sales of this product and every one ranked above it.
    pub cumulative_fen: i64,
    pub class: AbcClass,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductReport {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub rows: Vec<ProductRow>,
    /// The sum of every product (average inventory: of the products with stock on record).
    pub total: crate::domain::product::ProductFigures,
    pub total_sales_fen: i64,
    /// Whether the viewer enters month-end stock (administrators and directors).
    pub may_enter_stock: bool,
}

#[server(endpoint = "analytics/products")]
pub async fn load_product_report(
    #[server(default)] query: ReportQuery,
) -> Result<ProductReport, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    products::products(&state.db, &actor, &query, crate::clock::today()).await
}

/// One product's stock at a month's end, as the form sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryForm {
    /// Product code.
    pub product: String,
    /// "2026-11" or any day of the month.
    pub month: String,
    pub quantity: String,
    /// Money at cost; empty: the quantity at the product's cost price.
    #[serde(default)]
    pub value: String,
    /// The stored month's version (0 for a month not yet entered).
    pub version: String,
}

/// Month-end stock on record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryRow {
    pub product_id: i64,
    pub product: String,
    pub month: chrono::NaiveDate,
    pub quantity: i64,
    pub value_fen: i64,
    pub version: i32,
}

#[server(endpoint = "analytics/save_inventory")]
pub async fn save_inventory(form: InventoryForm) -> Result<(), AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    products::save_inventory(&state.db, &actor, &form).await
}

#[server(endpoint = "analytics/recent_stock")]
/// None for those who do not enter stock.
pub async fn load_recent_stock() -> Result<Option<Vec<InventoryRow>>, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    products::recent_stock(&state.db, &actor, crate::clock::today()).await
}

#[server(endpoint = "analytics/customer_trend")]
pub async fn load_customer_trend(customer_id: i64) -> Result<CustomerTrend, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    customers::trend(
        &state.db,
        state.part()?,
        &actor,
        customer_id,
        crate::clock::today(),
    )
    .await
}

/// Sales, gross profit and orders of one calendar month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthFigures {
    /// First day of the month.
    pub month: chrono::NaiveDate,
    pub sales_fen: i64,
    pub gross_profit_fen: i64,
    pub orders: i64,
}
