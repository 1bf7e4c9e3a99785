//! Data out: lists exported as CSV (UTF-8 with a byte-order mark, so Excel opens Chinese text
//! correctly) or XLSX, with the same filters and visibility as the list on screen. The file's
//! headers are in the user's language.
use crate::error::{AppError, AppResult};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// The most rows one export holds (a larger list is cut here; the file says so in its last row).
pub const EXPORT_LIMIT: u64 = 200_000;

/// One cell of an exported table: text, a whole number, money (fen, written as yuan) or a date.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(i64),
    Money(i64),
    Date(Option<chrono::NaiveDate>),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportTable {
    pub sheet: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Cell {
    /// A figure that may be missing (no visits, no closed deals): empty text then.
    pub fn optional(value: Option<i64>, text: fn(i64) -> String) -> Cell {
        Cell::Text(value.map(text).unwrap_or_default())
    }

    /// The cell in a JSON report: money as a decimal string in yuan, nothing as `null`.
    pub fn into_json(self) -> serde_json::Value {
        match self {
            Cell::Text(text) if text.is_empty() => serde_json::Value::Null,
            Cell::Text(text) => serde_json::Value::String(text),
            Cell::Number(n) => serde_json::json!(n),
            Cell::Money(fen) => {
                serde_json::Value::String(crate::domain::forms::money_input_value(fen))
            }
            Cell::Date(day) => serde_json::json!(day),
        }
    }

    /// Named cells as one JSON object (a report's row).
    pub fn json_object(
        cells: Vec<(&'static str, Cell)>,
    ) -> serde_json::Map<String, serde_json::Value> {
        cells
            .into_iter()
            .map(|(key, cell)| (key.to_string(), cell.into_json()))
            .collect()
    }

    fn text(&self) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Number(n) => n.to_string(),
            Cell::Money(fen) => crate::domain::forms::money_input_value(*fen),
            Cell::Date(day) => day
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
        }
    }
}

/// A cell that starts like a formula would be run by a spreadsheet (`=HYPERLINK(…)` in a customer
/// name): such text is written with a leading apostrophe.
fn spreadsheet_safe(text: String) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text
    }
}

pub fn to_csv(table: &ExportTable) -> AppResult<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    writer
        .write_record(&table.headers)
        .map_err(AppError::internal)?;
    for row in &table.rows {
        writer
            .write_record(row.iter().map(|cell| match cell {
                Cell::Text(text) => spreadsheet_safe(text.clone()),
                other => other.text(),
            }))
            .map_err(AppError::internal)?;
    }
    writer.into_inner().map_err(AppError::internal)
}

pub fn to_xlsx(table: &ExportTable) -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet
        .set_name(table.sheet.chars().take(31).collect::<String>())
        .map_err(AppError::internal)?;
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (column, header) in table.headers.iter().enumerate() {
        sheet
            .write_string_with_format(0, column as u16, header, &bold)
            .map_err(AppError::internal)?;
    }
    for (index, row) in table.rows.iter().enumerate() {
        let r = index as u32 + 1;
        for (column, cell) in row.iter().enumerate() {
            let c = column as u16;
            let written = match cell {
                // Strings are never formulas in XLSX, so no escaping is needed here.
                Cell::Text(text) => sheet.write_string(r, c, text).map(|_| ()),
                Cell::Number(n) => sheet.write_number(r, c, *n as f64).map(|_| ()),
                Cell::Money(fen) => sheet
                    .write_number_with_format(r, c, *fen as f64 / 100.0, &money)
                    .map(|_| ()),
                Cell::Date(Some(day)) => {
                    sheet.write_date_with_format(r, c, *day, &date).map(|_| ())
                }
                Cell::Date(None) => Ok(()),
            };
            written.map_err(AppError::internal)?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(AppError::internal)?;
    sheet.autofit();
    workbook.save_to_buffer().map_err(AppError::internal)
}

/// Every list that can be exported, by the name in its URL (`/api/export/{list}.csv`). A list
/// is served only when it is named here, so the role matrix (`server/tests/roles.rs`), which
/// needs a row for each, cannot miss a new one.
/// The decoded pairs of a raw query string.
pub fn url_pairs(query: &str) -> Vec<(String, String)> {
    use crate::ui::query::urldecode;
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (urldecode(k), urldecode(v))
        })
        .collect()
}

/// A failed download or API request as its HTTP status with one JSON body for every route:
/// `error` (the kind), `message` (in the reader's language) and, for invalid input, `fields`.
/// Details of a fault stay in the log, found by the body's `request_id`.
pub fn error_response(error: AppError) -> Response {
    error_response_in(error, crate::domain::format::Locale::default())
}

pub fn error_response_in(error: AppError, locale: crate::domain::format::Locale) -> Response {
    let texts = crate::i18n::texts(locale);
    let status =
        StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut body = serde_json::json!({ "error": error.kind(), "message": texts.error(&error) });
    if let AppError::Validation(fields) = &error {
        body["fields"] = fields
            .iter()
            .map(|e| serde_json::json!({ "field": e.field, "message": texts.field_error(&e.code) }))
            .collect();
    }
    if status.is_server_error() {
        let request_id = format!("{:x}", chrono::Utc::now().timestamp_micros());
        tracing::error!(%error, %request_id, "request failed");
        body["request_id"] = request_id.into();
    }
    (status, axum::Json(body)).into_response()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A table with the awkward cases (a comma, quotes, a formula, negative money, no date); the
    /// importer's tests read it back (`imports::table`).
    pub(crate) fn table() -> ExportTable {
        ExportTable {
            sheet: "客户".into(),
            headers: vec!["名称".into(), "金额".into(), "日期".into(), "数量".into()],
            rows: vec![
                vec![
                    Cell::Text("北京华通, \"总部\"".into()),
                    Cell::Money(123_456),
                    Cell::Date(chrono::NaiveDate::from_ymd_opt(2026, 11, 23)),
                    Cell::Number(3),
                ],
                vec![
                    Cell::Text("=HYPERLINK(\"x\")".into()),
                    Cell::Money(-5),
                    Cell::Date(None),
                    Cell::Number(0),
                ],
            ],
        }
    }

    #[test]
    fn csv_has_a_bom_quotes_and_no_formulas() {
        let bytes = to_csv(&table()).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert_eq!(text, "名称,金额,日期,数量\n\"北京华通, \"\"总部\"\"\",1234.56,2026-11-23,3\n\"'=HYPERLINK(\"\"x\"\")\",-0.05,,0\n");
    }

    #[test]
    fn query_strings_decode() {
        assert_eq!(
            url_pairs("q=%E5%8D%8E%E9%80%9A&stage=vip&x"),
            [
                ("q".to_string(), "华通".to_string()),
                ("stage".into(), "vip".into()),
                ("x".into(), String::new())
            ]
        );
    }
}
