//! The field-work report's rows (`/api/v1/reports/field`, its CSV and the export file): one list of
//! named figures serves the JSON and the CSV, so the two cannot disagree.
use super::Efficiency;
use crate::domain::fieldwork::FieldFigures;
use crate::domain::format::{share_text, tenths_text};
use crate::domain::forms::money_input_value;
use crate::exports::{Cell, ExportTable};
use serde::Serialize;
use serde_json::{json, Value};

/// Field work figures under their report names: one list serves the JSON and the CSV.
fn field_cells(f: &FieldFigures) -> Vec<(&'static str, Cell)> {
    vec![
        ("days", Cell::Number(f.days)),
        ("visits", Cell::Number(f.visits)),
        (
            "visits_per_day",
            Cell::optional(f.visits_per_day_tenths(), tenths_text),
        ),
        ("planned_visits", Cell::Number(f.planned_visits)),
        ("planned_done", Cell::Number(f.planned_done)),
        (
            "plan_completion",
            Cell::optional(f.plan_completion_bp(), share_text),
        ),
        ("cost", Cell::Money(f.cost_fen)),
        (
            "cost_per_visit",
            Cell::optional(f.cost_per_visit_fen(), money_input_value),
        ),
        ("orders", Cell::Number(f.orders)),
        (
            "orders_per_visit",
            Cell::optional(f.orders_per_visit_bp(), share_text),
        ),
        ("sales", Cell::Money(f.sales_fen)),
        (
            "sales_per_visit",
            Cell::optional(f.sales_per_visit_fen(), money_input_value),
        ),
        ("new_customers", Cell::Number(f.new_customers)),
        (
            "new_customers_per_visit",
            Cell::optional(f.new_customers_per_visit_bp(), share_text),
        ),
    ]
}

fn field_json_of(f: &FieldFigures) -> serde_json::Map<String, Value> {
    Cell::json_object(field_cells(f))
}

#[derive(Serialize)]
struct FieldRowJson<'a> {
    user_id: i64,
    name: &'a str,
    team: Option<&'a str>,
    #[serde(flatten)]
    figures: serde_json::Map<String, Value>,
}

#[derive(Serialize)]
struct RollUpJson {
    first: chrono::NaiveDate,
    last: chrono::NaiveDate,
    #[serde(flatten)]
    figures: serde_json::Map<String, Value>,
}

pub fn field_json(report: &Efficiency) -> Value {
    json!({
        "from": report.from,
        "to": report.to,
        "rows": report.rows.iter().map(|row| FieldRowJson { user_id: row.user_id, name: &row.name, team: row.team_name.as_deref(), figures: field_json_of(&row.figures) }).collect::<Vec<_>>(),
        "total": field_json_of(&report.total),
        "roll_up_by": if report.monthly { "month" } else { "week" },
        "roll_up": report.roll_up.iter().map(|r| RollUpJson { first: r.first, last: r.last, figures: field_json_of(&r.figures) }).collect::<Vec<_>>(),
    })
}

/// One row per person, then the total; the header names are the JSON's keys.
pub fn field_table(report: &Efficiency) -> ExportTable {
    let mut headers: Vec<String> = ["user_id", "name", "team"].map(String::from).to_vec();
    headers.extend(
        field_cells(&FieldFigures::default())
            .into_iter()
            .map(|(key, _)| key.to_string()),
    );
    let line = |user: Cell, name: String, team: String, figures: &FieldFigures| {
        let mut cells = vec![user, Cell::Text(name), Cell::Text(team)];
        cells.extend(field_cells(figures).into_iter().map(|(_, cell)| cell));
        cells
    };
    let mut rows: Vec<Vec<Cell>> = report
        .rows
        .iter()
        .map(|row| {
            line(
                Cell::Number(row.user_id),
                row.name.clone(),
                row.team_name.clone().unwrap_or_default(),
                &row.figures,
            )
        })
        .collect();
    rows.push(line(
        Cell::Text(String::new()),
        "total".into(),
        String::new(),
        &report.total,
    ));
    ExportTable {
        sheet: "field".into(),
        headers,
        rows,
    }
}
