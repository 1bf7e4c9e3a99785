//! Reports as data: `GET /api/v1/reports/{name}` with the page's filters as query parameters,
//! JSON by default, CSV with `format=csv` (or `Accept: text/csv`, or `{name}.csv`). Same
//! visibility and the same service as the page, so the numbers cannot differ. Money is a decimal
//! string in yuan and shares have four decimals, so nothing is lost to floating point.
use super::customers_page::group_label;
use super::service::{self, AbcReport, ReportFilter};
use super::MonthFigures;
use super::{
    CompositionLine, CustomerComposition, FunnelLine, FunnelReport, ProductReport, ProductRow,
    RepPerformance, ReportQuery,
};
use crate::domain::abc::AbcRule;
use crate::domain::alerts::Alert;
use crate::domain::format::{share_text, tenths_text};
use crate::domain::forms::money_input_value;
use crate::domain::performance::Activity;
use crate::domain::product::ProductFigures;
use crate::error::AppError;
use crate::exports::{Cell, ExportTable};
use crate::i18n::Texts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{json, Value};

/// The rule as the page states it, in the reader's language.
pub fn rule_text(
    texts: &Texts,
    report_rule: AbcRule,
    basis: crate::domain::abc::AbcBasis,
) -> String {
    (texts.analytics.rule)(
        texts.analytics.bases[basis.index()],
        &AbcRule::percent_text(report_rule.a_bp),
        &AbcRule::percent_text(report_rule.b_bp),
    )
}

#[derive(Serialize)]
struct AbcClassJson<'a> {
    class: &'static str,
    customers: u64,
    value: String,
    share: &'a str,
}

#[derive(Serialize)]
struct AbcCustomerJson<'a> {
    rank: u64,
    customer_id: i64,
    external_id: &'a Option<String>,
    name: &'a str,
    value: String,
    share: &'a str,
    cumulative_share: &'a str,
    class: &'static str,
}

/// Serialised straight from typed rows: the report can hold every customer of a large company,
/// and an intermediate JSON tree would cost more than the query.
#[derive(Serialize)]
struct AbcJson<'a> {
    rule: String,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    basis: &'static str,
    total: String,
    classes: Vec<AbcClassJson<'a>>,
    customers: Vec<AbcCustomerJson<'a>>,
}

pub fn abc_json(report: &AbcReport, texts: &Texts) -> Response {
    axum::Json(AbcJson {
        rule: rule_text(texts, report.rule, report.basis),
        from: report.from,
        to: report.to,
        basis: report.basis.as_str(),
        total: money_input_value(report.total_fen),
        classes: report
            .classes
            .iter()
            .map(|c| AbcClassJson {
                class: c.class.as_str(),
                customers: c.customers,
                value: money_input_value(c.value_fen),
                share: &c.share,
            })
            .collect(),
        customers: report
            .customers
            .iter()
            .map(|c| AbcCustomerJson {
                rank: c.rank,
                customer_id: c.customer_id,
                external_id: &c.external_id,
                name: &c.name,
                value: money_input_value(c.value_fen),
                share: &c.share,
                cumulative_share: &c.cumulative_share,
                class: c.class.as_str(),
            })
            .collect(),
    })
    .into_response()
}

/// One row per customer; the header names are the JSON's keys.
pub fn abc_table(report: &AbcReport) -> ExportTable {
    ExportTable {
        sheet: "abc".into(),
        headers: [
            "rank",
            "customer_id",
            "external_id",
            "name",
            "value",
            "share",
            "cumulative_share",
            "class",
        ]
        .map(String::from)
        .to_vec(),
        rows: report
            .customers
            .iter()
            .map(|c| {
                vec![
                    Cell::Number(c.rank as i64),
                    Cell::Number(c.customer_id),
                    Cell::Text(c.external_id.clone().unwrap_or_default()),
                    Cell::Text(c.name.clone()),
                    Cell::Money(c.value_fen),
                    Cell::Text(c.share.clone()),
                    Cell::Text(c.cumulative_share.clone()),
                    Cell::Text(c.class.as_str().into()),
                ]
            })
            .collect(),
    }
}

/// One person's (or the total's) figures under their report names: one list serves the JSON and
/// the CSV, so the two cannot disagree.
fn activity_cells(a: &Activity) -> Vec<(&'static str, Cell)> {
    vec![
        ("sales", Cell::Money(a.sales_fen)),
        ("gross_profit", Cell::Money(a.gross_profit_fen)),
        ("payments", Cell::Money(a.payments_fen)),
        ("orders", Cell::Number(a.orders)),
        ("new_customers", Cell::Number(a.new_customers)),
        ("prospects", Cell::Number(a.prospects)),
        ("follow_ups", Cell::Number(a.follow_ups)),
        ("visits", Cell::Number(a.visits)),
        ("quotes", Cell::Number(a.quotes)),
        ("won", Cell::Number(a.won)),
        ("lost", Cell::Number(a.lost)),
        ("won_value", Cell::Money(a.won_value_fen)),
        ("win_rate", Cell::optional(a.win_rate_bp(), share_text)),
        (
            "average_deal",
            Cell::optional(a.average_deal_fen(), money_input_value),
        ),
        (
            "sales_cycle_days",
            Cell::optional(a.sales_cycle_tenths(), tenths_text),
        ),
    ]
}

/// The figures under the same names as the CSV's columns (`activity_cells`).
fn activity_json(a: &Activity) -> serde_json::Map<String, Value> {
    Cell::json_object(activity_cells(a))
}

#[derive(Serialize)]
struct RepsJson<'a> {
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    rank_by: &'static str,
    rows: Vec<RepRowJson<'a>>,
    total: serde_json::Map<String, Value>,
}

#[derive(Serialize)]
struct RepRowJson<'a> {
    rank: u32,
    user_id: i64,
    name: &'a str,
    team: Option<&'a str>,
    #[serde(flatten)]
    figures: serde_json::Map<String, Value>,
}

pub fn reps_json(report: &RepPerformance) -> Value {
    json!(RepsJson {
        from: report.from,
        to: report.to,
        rank_by: report.rank_by.as_str(),
        rows: report
            .rows
            .iter()
            .map(|row| RepRowJson {
                rank: row.rank,
                user_id: row.user_id,
                name: &row.name,
                team: row.team_name.as_deref(),
                figures: activity_json(&row.activity)
            })
            .collect(),
        total: activity_json(&report.total),
    })
}

/// One row per person in leaderboard order, then the total; the header names are the JSON's keys.
pub fn reps_table(report: &RepPerformance) -> ExportTable {
    let mut headers: Vec<String> = ["rank", "user_id", "name", "team"]
        .map(String::from)
        .to_vec();
    headers.extend(
        activity_cells(&Activity::default())
            .into_iter()
            .map(|(key, _)| key.to_string()),
    );
    let mut rows: Vec<Vec<Cell>> = report
        .rows
        .iter()
        .map(|row| {
            let mut cells = vec![
                Cell::Number(row.rank as i64),
                Cell::Number(row.user_id),
                Cell::Text(row.name.clone()),
                Cell::Text(row.team_name.clone().unwrap_or_default()),
            ];
            cells.extend(
                activity_cells(&row.activity)
                    .into_iter()
                    .map(|(_, cell)| cell),
            );
            cells
        })
        .collect();
    let mut total = vec![
        Cell::Text(String::new()),
        Cell::Text(String::new()),
        Cell::Text("total".into()),
        Cell::Text(String::new()),
    ];
    total.extend(
        activity_cells(&report.total)
            .into_iter()
            .map(|(_, cell)| cell),
    );
    rows.push(total);
    ExportTable {
        sheet: "reps".into(),
        headers,
        rows,
    }
}

#[derive(Serialize)]
struct FunnelLineJson<'a> {
    user_id: Option<i64>,
    name: &'a str,
    team: Option<&'a str>,
    deals: u64,
    won: u64,
    steps: Vec<FunnelStepJson<'a>>,
    furthest_behind: Option<BehindJson<'a>>,
}

#[derive(Serialize)]
struct FunnelStepJson<'a> {
    stage: &'a str,
    reached: u64,
    advanced: u64,
    conversion: Option<String>,
    average_days: Option<String>,
}

#[derive(Serialize)]
struct BehindJson<'a> {
    stage: Option<&'a str>,
    gap: String,
}

fn funnel_line_json<'a>(line: &'a FunnelLine, stage_keys: &'a [String]) -> FunnelLineJson<'a> {
    FunnelLineJson {
        user_id: line.user_id,
        name: &line.name,
        team: line.team_name.as_deref(),
        deals: line.deals,
        won: line.won,
        steps: line
            .steps
            .iter()
            .zip(stage_keys)
            .map(|(step, stage)| FunnelStepJson {
                stage,
                reached: step.reached,
                advanced: step.advanced,
                conversion: step.conversion_bp.map(share_text),
                average_days: step.average_days_tenths.map(tenths_text),
            })
            .collect(),
        furthest_behind: line.behind.map(|(index, gap)| BehindJson {
            stage: stage_keys.get(index).map(String::as_str),
            gap: share_text(gap),
        }),
    }
}

/// Stages by their name in the reader's language.
fn stage_names(report: &FunnelReport, texts: &Texts) -> Vec<String> {
    report
        .stages
        .iter()
        .map(|s| crate::pipeline::board::stage_label(texts, s))
        .collect()
}

pub fn funnel_json(report: &FunnelReport, texts: &Texts) -> Value {
    let stages = stage_names(report, texts);
    json!({
        "from": report.from,
        "to": report.to,
        "pipeline_id": report.pipeline_id,
        "stages": stages,
        "total": funnel_line_json(&report.total, &stages),
        "people": report.people.iter().map(|line| funnel_line_json(line, &stages)).collect::<Vec<_>>(),
    })
}

/// One row per line and stage: the selection's total first, then each person.
pub fn funnel_table(report: &FunnelReport, texts: &Texts) -> ExportTable {
    let stages = stage_names(report, texts);
    let rows = std::iter::once(&report.total)
        .chain(&report.people)
        .flat_map(|line| {
            let stages = &stages;
            line.steps.iter().zip(stages).map(move |(step, stage)| {
                vec![
                    line.user_id.map_or(Cell::Text(String::new()), Cell::Number),
                    Cell::Text(if line.user_id.is_some() {
                        line.name.clone()
                    } else {
                        "total".into()
                    }),
                    Cell::Text(stage.clone()),
                    Cell::Number(step.reached as i64),
                    Cell::Number(step.advanced as i64),
                    Cell::optional(step.conversion_bp, share_text),
                    Cell::optional(step.average_days_tenths, tenths_text),
                ]
            })
        })
        .collect();
    ExportTable {
        sheet: "funnel".into(),
        headers: [
            "user_id",
            "name",
            "stage",
            "reached",
            "advanced",
            "conversion",
            "average_days",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

/// One group's figures under their report names: one list serves the JSON and the CSV.
fn composition_cells(line: &CompositionLine, total_sales_fen: i64) -> Vec<(&'static str, Cell)> {
    let share =
        |part: i64, whole: i64| Cell::optional(crate::domain::share_bp(part, whole), share_text);
    vec![
        ("customers", Cell::Number(line.customers)),
        ("buyers", Cell::Number(line.buyers)),
        ("sales", Cell::Money(line.sales_fen)),
        ("share", share(line.sales_fen, total_sales_fen)),
        ("gross_profit", Cell::Money(line.gross_profit_fen)),
        ("margin", share(line.gross_profit_fen, line.sales_fen)),
    ]
}

fn composition_line_json(
    line: &CompositionLine,
    label: String,
    total_sales_fen: i64,
) -> serde_json::Map<String, Value> {
    let mut map = serde_json::Map::new();
    map.insert("key".into(), Value::String(line.key.clone()));
    map.insert("label".into(), Value::String(label));
    map.extend(
        composition_cells(line, total_sales_fen)
            .into_iter()
            .map(|(key, cell)| (key.to_string(), Cell::into_json(cell))),
    );
    map
}

pub fn customers_json(report: &CustomerComposition, texts: &Texts) -> Value {
    let total_sales = report.total.sales_fen;
    let value = &report.value;
    json!({
        "from": report.from,
        "to": report.to,
        "by": report.dimension.as_str(),
        "groups": report.lines.iter().map(|line| composition_line_json(line, group_label(texts, report.dimension, &line.key), total_sales)).collect::<Vec<_>>(),
        "total": composition_line_json(&report.total, "total".into(), total_sales),
        "value": {
            "formula": (texts.customer_analysis.value_formula)(&value.window_from.to_string(), &value.window_to.to_string()),
            "earlier_buyers": value.earlier_buyers,
            "kept": value.kept,
            "retention": value.retention_bp.map(share_text),
            "remaining_years": value.remaining_tenths.map(tenths_text),
            "average_yearly_gross_profit": value.average_yearly_gp_fen.map(money_input_value),
            "lifetime_value": value.lifetime_value_fen.map(money_input_value),
        },
    })
}

/// One row per group, then the total; the header names are the JSON's keys.
pub fn customers_table(report: &CustomerComposition, texts: &Texts) -> ExportTable {
    let mut headers: Vec<String> = ["key", "label"].map(String::from).to_vec();
    headers.extend(
        composition_cells(&CompositionLine::default(), 0)
            .into_iter()
            .map(|(key, _)| key.to_string()),
    );
    let total_sales = report.total.sales_fen;
    let line = |line: &CompositionLine, label: String| {
        let mut cells = vec![Cell::Text(line.key.clone()), Cell::Text(label)];
        cells.extend(
            composition_cells(line, total_sales)
                .into_iter()
                .map(|(_, cell)| cell),
        );
        cells
    };
    let mut rows: Vec<Vec<Cell>> = report
        .lines
        .iter()
        .map(|l| line(l, group_label(texts, report.dimension, &l.key)))
        .collect();
    rows.push(line(&report.total, "total".into()));
    ExportTable {
        sheet: format!("composition-{}", report.dimension.as_str()),
        headers,
        rows,
    }
}

/// One product's figures under their report names: one list serves the JSON and the CSV.
fn product_cells(f: &ProductFigures, total_sales_fen: i64) -> Vec<(&'static str, Cell)> {
    vec![
        ("quantity", Cell::Number(f.quantity)),
        ("sales", Cell::Money(f.sales_fen)),
        (
            "share",
            Cell::optional(
                crate::domain::share_bp(f.sales_fen, total_sales_fen),
                share_text,
            ),
        ),
        ("cost", Cell::Money(f.cost_fen)),
        ("gross_margin", Cell::Money(f.gross_margin_fen())),
        ("margin", Cell::optional(f.margin_bp(), share_text)),
        (
            "average_inventory",
            Cell::optional(f.average_inventory_fen, money_input_value),
        ),
        (
            "turnover",
            Cell::optional(f.turnover_hundredths(), |t| {
                crate::domain::format::fixed_point(t, 2)
            }),
        ),
        (
            "cross_ratio",
            Cell::optional(f.cross_ratio_bp(), share_text),
        ),
        (
            "contribution",
            Cell::optional(f.contribution_bp(total_sales_fen), share_text),
        ),
    ]
}

fn product_row_cells(row: &ProductRow, total_sales_fen: i64) -> Vec<(&'static str, Cell)> {
    let mut cells = vec![
        ("rank", Cell::Number(row.rank as i64)),
        ("product_id", Cell::Number(row.product_id)),
        ("code", Cell::Text(row.code.clone())),
        ("name", Cell::Text(row.name.clone())),
        ("category", Cell::Text(row.category.clone())),
    ];
    cells.extend(product_cells(&row.figures, total_sales_fen));
    cells.push((
        "cumulative_share",
        Cell::optional(
            crate::domain::share_bp(row.cumulative_fen, total_sales_fen),
            share_text,
        ),
    ));
    cells.push(("class", Cell::Text(row.class.as_str().to_string())));
    cells
}

pub fn products_json(report: &ProductReport, texts: &Texts) -> Value {
    let as_map = |cells: Vec<(&'static str, Cell)>| {
        cells
            .into_iter()
            .map(|(key, cell)| (key.to_string(), Cell::into_json(cell)))
            .collect::<serde_json::Map<String, Value>>()
    };
    json!({
        "from": report.from,
        "to": report.to,
        "rule": texts.product_analysis.definitions,
        "products": report.rows.iter().map(|row| as_map(product_row_cells(row, report.total_sales_fen))).collect::<Vec<_>>(),
        "total": as_map(product_cells(&report.total, report.total_sales_fen)),
    })
}

/// One row per product in ranking order; the header names are the JSON's keys.
pub fn products_table(report: &ProductReport) -> ExportTable {
    let blank = ProductRow {
        rank: 0,
        product_id: 0,
        code: String::new(),
        name: String::new(),
        category: String::new(),
        figures: ProductFigures::default(),
        cumulative_fen: 0,
        class: crate::domain::abc::AbcClass::C,
    };
    let headers = product_row_cells(&blank, 0)
        .into_iter()
        .map(|(key, _)| key.to_string())
        .collect();
    let rows = report
        .rows
        .iter()
        .map(|row| {
            product_row_cells(row, report.total_sales_fen)
                .into_iter()
                .map(|(_, cell)| cell)
                .collect()
        })
        .collect();
    ExportTable {
        sheet: "products".into(),
        headers,
        rows,
    }
}

/// Sales per month of the period's orders that pass the filters, under the viewer's visibility.
pub async fn monthly(
    db: &sea_orm::DatabaseConnection,
    actor: &crate::auth::Actor,
    query: &ReportQuery,
    today: chrono::NaiveDate,
) -> Result<(ReportFilter, Vec<MonthFigures>), AppError> {
    let mut checks = crate::domain::forms::Checks::default();
    let filter = service::report_filter(query, today, &mut checks);
    checks.into_result().map_err(AppError::Validation)?;
    let filter = filter.ok_or_else(|| AppError::internal("checks passed without values"))?;
    let orders = service::narrowed_orders(
        crate::auth::scope::visible::<crate::entities::sales_order::Entity>(&actor.scope()),
        &filter,
    );
    let months = super::monthly_figures(db, orders, filter.from, filter.to).await?;
    Ok((filter, months))
}

fn month_cells(m: &MonthFigures) -> Vec<(&'static str, Cell)> {
    vec![
        ("month", Cell::Text(m.month.format("%Y-%m").to_string())),
        ("sales", Cell::Money(m.sales_fen)),
        ("gross_profit", Cell::Money(m.gross_profit_fen)),
        ("orders", Cell::Number(m.orders)),
    ]
}

pub fn monthly_json(filter: &ReportFilter, months: &[MonthFigures]) -> Value {
    let as_map = |m: &MonthFigures| {
        month_cells(m)
            .into_iter()
            .map(|(key, cell)| (key.to_string(), Cell::into_json(cell)))
            .collect::<serde_json::Map<String, Value>>()
    };
    let total = months.iter().fold(
        MonthFigures {
            month: filter.from,
            sales_fen: 0,
            gross_profit_fen: 0,
            orders: 0,
        },
        |sum, m| MonthFigures {
            sales_fen: sum.sales_fen + m.sales_fen,
            gross_profit_fen: sum.gross_profit_fen + m.gross_profit_fen,
            orders: sum.orders + m.orders,
            ..sum
        },
    );
    let mut total = as_map(&total);
    total.remove("month");
    json!({ "from": filter.from, "to": filter.to, "months": months.iter().map(as_map).collect::<Vec<_>>(), "total": total })
}

pub fn monthly_table(months: &[MonthFigures]) -> ExportTable {
    let blank = MonthFigures {
        month: chrono::NaiveDate::MIN,
        sales_fen: 0,
        gross_profit_fen: 0,
        orders: 0,
    };
    let headers = month_cells(&blank)
        .into_iter()
        .map(|(key, _)| key.to_string())
        .collect();
    ExportTable {
        sheet: "monthly".into(),
        headers,
        rows: months
            .iter()
            .map(|m| month_cells(m).into_iter().map(|(_, cell)| cell).collect())
            .collect(),
    }
}

/// An alert's figures under their report names (empty where the kind has none): one list serves
/// the JSON and the CSV.
fn alert_cells(alert: &Alert) -> Vec<(&'static str, Cell)> {
    let (mut usual, mut recent, mut interval, mut since, mut last, mut in_stage, mut limit) =
        (None, None, None, None, None, None, None);
    match *alert {
        Alert::RepDrop {
            usual_monthly_fen,
            recent_fen,
        } => (usual, recent) = (Some(usual_monthly_fen), Some(recent_fen)),
        Alert::CustomerDrop {
            usual_quarterly_fen,
            recent_fen,
        } => (usual, recent) = (Some(usual_quarterly_fen), Some(recent_fen)),
        Alert::CustomerOverdue {
            usual_interval_days,
            days_since,
            last_order_on,
        } => {
            (interval, since, last) = (
                Some(usual_interval_days),
                Some(days_since),
                Some(last_order_on),
            )
        }
        Alert::StaleDeal {
            days_in_stage,
            stale_after_days,
        } => (in_stage, limit) = (Some(days_in_stage), Some(stale_after_days)),
    }
    let number = |value: Option<i64>| value.map_or(Cell::Text(String::new()), Cell::Number);
    vec![
        (
            "usual_sales",
            usual.map_or(Cell::Text(String::new()), Cell::Money),
        ),
        (
            "recent_sales",
            recent.map_or(Cell::Text(String::new()), Cell::Money),
        ),
        ("usual_interval_days", number(interval)),
        ("days_since_last_order", number(since)),
        ("last_order_on", Cell::Date(last)),
        ("days_in_stage", number(in_stage)),
        ("stale_after_days", number(limit)),
    ]
}

/// The columns before an alert's figures, and after them its sentence and task.
const ALERT_HEADS: [&str; 8] = [
    "id",
    "kind",
    "subject_id",
    "subject",
    "customer_id",
    "owner_id",
    "owner",
    "raised_on",
];
const ALERT_TAILS: [&str; 3] = ["text", "task", "task_by"];

fn alert_row(
    row: &super::AlertView,
    texts: &Texts,
    locale: crate::domain::format::Locale,
) -> (Vec<Cell>, Vec<(&'static str, Cell)>, Vec<Cell>) {
    let heads = vec![
        Cell::Number(row.id),
        Cell::Text(row.alert.kind().as_str().into()),
        Cell::Number(row.subject_id),
        Cell::Text(row.subject_name.clone()),
        row.customer_id
            .map_or(Cell::Text(String::new()), Cell::Number),
        Cell::Number(row.owner_id),
        Cell::Text(row.owner_name.clone()),
        Cell::Date(Some(row.raised_on)),
    ];
    let tails = vec![
        Cell::Text(super::alerts_page::alert_text(texts, &row.alert, locale)),
        Cell::Text(
            row.task
                .as_ref()
                .map(|t| t.note.clone())
                .unwrap_or_default(),
        ),
        Cell::Text(
            row.task
                .as_ref()
                .map(|t| t.by_name.clone())
                .unwrap_or_default(),
        ),
    ];
    (heads, alert_cells(&row.alert), tails)
}

pub fn alerts_table(
    view: &super::AlertsView,
    texts: &Texts,
    locale: crate::domain::format::Locale,
) -> ExportTable {
    let mut headers: Vec<String> = ALERT_HEADS.map(String::from).to_vec();
    headers.extend(
        alert_cells(&Alert::StaleDeal {
            days_in_stage: 0,
            stale_after_days: 0,
        })
        .into_iter()
        .map(|(key, _)| key.to_string()),
    );
    headers.extend(ALERT_TAILS.map(String::from));
    let rows = view
        .alerts
        .iter()
        .map(|row| {
            let (mut cells, figures, tails) = alert_row(row, texts, locale);
            cells.extend(figures.into_iter().map(|(_, cell)| cell));
            cells.extend(tails);
            cells
        })
        .collect();
    ExportTable {
        sheet: "alerts".into(),
        headers,
        rows,
    }
}

/// The same columns as the CSV, one object per alert, with the counts per kind.
pub fn alerts_json(
    view: &super::AlertsView,
    texts: &Texts,
    locale: crate::domain::format::Locale,
) -> Value {
    let alerts: Vec<serde_json::Map<String, Value>> = view
        .alerts
        .iter()
        .map(|row| {
            let (heads, figures, tails) = alert_row(row, texts, locale);
            let keys = ALERT_HEADS
                .into_iter()
                .zip(heads)
                .chain(figures)
                .chain(ALERT_TAILS.into_iter().zip(tails));
            keys.map(|(key, cell)| (key.to_string(), Cell::into_json(cell)))
                .collect()
        })
        .collect();
    json!({
        "counts": view.counts.iter().map(|(kind, n)| (kind.as_str().to_string(), json!(n))).collect::<serde_json::Map<String, Value>>(),
        "rules": view.rules,
        "alerts": alerts,
    })
}
