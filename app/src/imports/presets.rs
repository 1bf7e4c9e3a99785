//! Presets for two public data sets (see the README's "Import presets" for what each maps where):
//! - `maven-crm`: Maven Analytics' "CRM + Sales + Opportunities" (sales teams, products, accounts,
//!   8,800 opportunities);
//! - `online-retail`: UCI "Online Retail" (541,909 invoice lines).
//!
//! Like a mapped import, a preset runs every row in one write transaction and commits only when no
//! row failed; records that a previous run imported (same external id or code) are left as they
//! are, so running a preset twice creates nothing new. Rows are written in multi-row inserts.
use crate::auth::scope::across_owners;
use crate::customers::name_initials;
use crate::domain::customer::{company_name_key, phone_key, search_text, LadderStage};
use crate::domain::forms::{parse_username, ErrorCode};
use crate::domain::import::{line_fen, parse_import_date, parse_micros, RowError, MICROS};
use crate::domain::pipeline::{DeliveryStatus, POSITION_STEP};
use crate::domain::visibility::Role;
use crate::entities::{
    customer, customer_event, department, opportunity, opportunity_line, order_line, pipeline,
    pipeline_stage, product, sales_order, stage_history, team, user,
};
use crate::error::AppResult;
use crate::imports::table::for_each_csv_record;
use crate::pipeline::OrderColumns;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionSession, TransactionTrait,
};
use std::collections::{BTreeMap, HashMap, HashSet};

/// What a preset did, per kind of record, and the rows it refused (with their file).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PresetReport {
    pub created: Vec<(&'static str, u64)>,
    /// Records already imported by an earlier run, left unchanged.
    pub already_there: u64,
    pub errors: Vec<(String, RowError)>,
    pub error_count: u64,
    pub committed: bool,
}

impl PresetReport {
    fn error(&mut self, file: &str, line: u64, field: &str, code: ErrorCode) {
        self.error_count += 1;
        if self.errors.len() < super::service::REPORTED_ERRORS {
            self.errors.push((
                file.to_string(),
                RowError {
                    line,
                    field: field.to_string(),
                    code,
                },
            ));
        }
    }

    fn count(&mut self, what: &'static str, n: usize) {
        self.created.push((what, n as u64));
    }
}

/// Called with a phase name, rows done and rows in all.
pub type Progress<'a> = &'a (dyn Fn(&str, u64, u64) + Send + Sync);

/// A table of a preset's file with its columns found by header name.
struct Columns {
    file: String,
    index: HashMap<String, usize>,
}

impl Columns {
    fn cell<'a>(&self, record: &'a csv::StringRecord, name: &str) -> &'a str {
        self.index
            .get(name)
            .and_then(|&i| record.get(i))
            .map(str::trim)
            .unwrap_or("")
    }
}

/// Reads a preset's CSV text: the header must name every `required` column (else one error at
/// line 1 per missing column); `visit` gets each data row.
fn read_preset_csv(
    file: &str,
    text: &str,
    required: &[&str],
    report: &mut PresetReport,
    mut visit: impl FnMut(&Columns, u64, &csv::StringRecord, &mut PresetReport),
) -> AppResult<()> {
    let mut columns: Option<Columns> = None;
    let mut missing = false;
    let result = for_each_csv_record(text, |line, record| match &columns {
        None => {
            let index: HashMap<String, usize> = record
                .iter()
                .enumerate()
                .map(|(i, h)| (h.trim().trim_start_matches('\u{feff}').to_string(), i))
                .collect();
            for name in required.iter().filter(|name| !index.contains_key(**name)) {
                report.error(file, line, name, ErrorCode::Required);
                missing = true;
            }
            columns = Some(Columns {
                file: file.to_string(),
                index,
            });
        }
        Some(_) if missing => {}
        Some(found) => {
            if record.iter().all(|c| c.trim().is_empty()) {
                return;
            }
            if record.len() < found.index.len() {
                report.error(file, line, "", ErrorCode::RowCutOff);
                return;
            }
            visit(found, line, record, report);
        }
    });
    if result.is_err() || columns.is_none() {
        report.error(file, 1, "", ErrorCode::NotReadable);
    }
    Ok(())
}

fn customer_row(
    external_id: String,
    name: &str,
    owner: Option<i64>,
    stage: LadderStage,
    now: DateTime<Utc>,
) -> customer::ActiveModel {
    let initials = name_initials(name);
    customer::ActiveModel {
        name: Set(name.to_string()),
        name_key: Set(company_name_key(name)),
        short_name: Set(String::new()),
        phone: Set(String::new()),
        phone_key: Set(phone_key("")),
        tax_id: Set(String::new()),
        tax_key: Set(String::new()),
        province: Set(String::new()),
        city: Set(String::new()),
        district: Set(String::new()),
        street: Set(String::new()),
        website: Set(String::new()),
        industry: Set(String::new()),
        source: Set(String::new()),
        ladder_stage: Set(stage.as_str().to_string()),
        owner_id: Set(owner),
        owned_since: Set(owner.map(|_| now)),
        last_follow_up_at: Set(None),
        notes: Set(String::new()),
        profile: Set("{}".to_string()),
        tags: Set(String::new()),
        search_text: Set(search_text(name, "", &initials, "", &[])),
        name_initials: Set(initials),
        first_order_on: Set(None),
        external_id: Set(Some(external_id)),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

fn created_event(
    customer_id: i64,
    actor: Option<i64>,
    at: DateTime<Utc>,
) -> customer_event::ActiveModel {
    customer_event::ActiveModel {
        customer_id: Set(customer_id),
        actor_id: Set(actor),
        kind: Set("created".into()),
        detail: Set(String::new()),
        at: Set(at),
        ..Default::default()
    }
}

/// Reloads the imported customers' ids after an insert and gives each new one its "created" event.
async fn with_created_events(
    db: &impl ConnectionTrait,
    before: HashMap<String, i64>,
    prefix: &str,
    now: DateTime<Utc>,
) -> AppResult<HashMap<String, i64>> {
    let after = customer_ids(db, prefix).await?;
    let events = after
        .iter()
        .filter(|(key, _)| !before.contains_key(*key))
        .map(|(_, &id)| created_event(id, None, now))
        .collect();
    crate::db::insert_in_chunks(db, events, 5).await?;
    Ok(after)
}

/// Ids of the records whose external id starts with `prefix`.
async fn customer_ids(db: &impl ConnectionTrait, prefix: &str) -> AppResult<HashMap<String, i64>> {
    let rows: Vec<(i64, Option<String>)> = across_owners::<customer::Entity>()
        .select_only()
        .column(customer::Column::Id)
        .column(customer::Column::ExternalId)
        .filter(customer::Column::ExternalId.starts_with(prefix))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, key)| key.map(|k| (k, id)))
        .collect())
}

async fn order_ids(db: &impl ConnectionTrait, prefix: &str) -> AppResult<HashMap<String, i64>> {
    let rows: Vec<(i64, Option<String>)> = across_owners::<sales_order::Entity>()
        .select_only()
        .column(sales_order::Column::Id)
        .column(sales_order::Column::ExternalId)
        .filter(sales_order::Column::ExternalId.starts_with(prefix))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, key)| key.map(|k| (k, id)))
        .collect())
}

async fn product_ids(db: &impl ConnectionTrait) -> AppResult<HashMap<String, i64>> {
    let rows: Vec<(i64, String)> = product::Entity::find()
        .select_only()
        .column(product::Column::Id)
        .column(product::Column::Code)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(id, code)| (code, id)).collect())
}

fn product_row(
    code: &str,
    name: &str,
    category: &str,
    list_price_fen: i64,
    now: DateTime<Utc>,
) -> product::ActiveModel {
    product::ActiveModel {
        code: Set(code.to_string()),
        name: Set(name.chars().take(100).collect()),
        category: Set(category.chars().take(40).collect()),
        unit: Set(String::new()),
        list_price_fen: Set(list_price_fen),
        cost_price_fen: Set(0),
        active: Set(true),
        version: Set(1),
        created_at: Set(now),
        ..Default::default()
    }
}

#[allow(clippy::too_many_arguments)]
fn order_row(
    number: String,
    external_id: String,
    customer_id: i64,
    opportunity_id: Option<i64>,
    owner_id: i64,
    on: NaiveDate,
    amount_fen: i64,
    now: DateTime<Utc>,
) -> sales_order::ActiveModel {
    OrderColumns {
        number,
        external_id: Some(external_id),
        customer_id,
        opportunity_id,
        owner_id,
        on,
        amount_fen,
        cost_fen: 0,
        delivery: DeliveryStatus::Delivered,
    }
    .into_active_model(now)
}

/// An order line priced exactly in millionths (rounded to the fen once per line); the cost is the
/// catalogue's unit cost times the quantity.
pub(super) fn line_row(
    order_id: i64,
    product_id: i64,
    quantity: i64,
    unit_micros: i64,
    unit_cost_fen: i64,
) -> order_line::ActiveModel {
    order_line::ActiveModel {
        order_id: Set(order_id),
        product_id: Set(product_id),
        quantity: Set(quantity),
        unit_price_fen: Set(line_fen(1, unit_micros)),
        unit_cost_fen: Set(unit_cost_fen),
        amount_fen: Set(line_fen(quantity, unit_micros)),
        cost_fen: Set(quantity * unit_cost_fen),
        ..Default::default()
    }
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

async fn finish<T: TransactionSession>(
    txn: T,
    mut report: PresetReport,
    commit: bool,
) -> AppResult<PresetReport> {
    if commit && report.error_count == 0 {
        txn.commit().await?;
        report.committed = true;
    }
    Ok(report)
}

// ---------------------------------------------------------------- online-retail

const RETAIL: &str = "online-retail:";
/// Stock codes of the data set that are charges, fees and adjustments rather than goods.
const RETAIL_NON_PRODUCTS: [&str; 11] = [
    "POST",
    "DOT",
    "M",
    "C2",
    "BANK CHARGES",
    "AMAZONFEE",
    "D",
    "CRUK",
    "PADS",
    "B",
    "S",
];
const RETAIL_GUEST: &str = "guest";

struct RetailLine {
    stock_code: String,
    quantity: i64,
    unit_micros: i64,
}

struct RetailInvoice {
    customer: String,
    on: NaiveDate,
    lines: Vec<RetailLine>,
}

/// Imports UCI Online Retail: one customer per CustomerID (rows without one go to a single guest
/// customer, so sales totals match the source), one product per StockCode, one sales order per
/// InvoiceNo with its lines. Cancellations ("C…" invoices) become orders with negative quantities
/// and amounts, which net against the sales they cancel. Unit prices keep six decimals; line
/// amounts are rounded to fen. Orders belong to `owner_id` (the data set has no sales reps).
pub async fn import_online_retail(
    db: &(impl ConnectionTrait + TransactionTrait),
    text: &str,
    owner_id: i64,
    commit: bool,
    progress: Progress<'_>,
) -> AppResult<PresetReport> {
    let now = crate::clock::now();
    let mut report = PresetReport::default();
    let file = "online_retail.csv";
    let mut invoices: Vec<(String, RetailInvoice)> = Vec::new();
    let mut invoice_index: HashMap<String, usize> = HashMap::new();
    let mut customers: BTreeMap<String, (String, Option<NaiveDate>)> = BTreeMap::new();
    let mut products: HashMap<String, (String, i64)> = HashMap::new();
    let required = [
        "InvoiceNo",
        "StockCode",
        "Description",
        "Quantity",
        "InvoiceDate",
        "UnitPrice",
        "CustomerID",
        "Country",
    ];
    let mut rows = 0u64;
    read_preset_csv(
        file,
        text,
        &required,
        &mut report,
        |c, line, record, report| {
            rows += 1;
            if rows.is_multiple_of(50_000) {
                progress("read", rows, 0);
            }
            let invoice = c.cell(record, "InvoiceNo");
            let stock_code = c.cell(record, "StockCode");
            let quantity =
                c.cell(record, "Quantity")
                    .parse::<i64>()
                    .map_err(|_| ErrorCode::OutOfRange {
                        min: i64::MIN,
                        max: i64::MAX,
                    });
            let day = parse_import_date(c.cell(record, "InvoiceDate"))
                .and_then(|d| d.ok_or(ErrorCode::Required));
            let unit_micros = parse_micros(c.cell(record, "UnitPrice"));
            // "17850.0" in this export; the id is the integer.
            let raw_customer = c.cell(record, "CustomerID");
            let customer_id = raw_customer.strip_suffix(".0").unwrap_or(raw_customer);
            let mut ok = true;
            for (field, failed) in [
                (
                    "InvoiceNo",
                    (invoice.is_empty() || invoice.len() > 20).then_some(ErrorCode::Required),
                ),
                (
                    "StockCode",
                    (stock_code.is_empty() || stock_code.chars().count() > 40)
                        .then_some(ErrorCode::Required),
                ),
                ("Quantity", quantity.clone().err()),
                ("InvoiceDate", day.clone().err()),
                ("UnitPrice", unit_micros.clone().err()),
                (
                    "CustomerID",
                    (!customer_id.bytes().all(|b| b.is_ascii_digit()))
                        .then_some(ErrorCode::UnknownReference),
                ),
            ] {
                if let Some(code) = failed {
                    report.error(&c.file, line, field, code);
                    ok = false;
                }
            }
            let (Ok(quantity), Ok(day), Ok(unit_micros), true) = (quantity, day, unit_micros, ok)
            else {
                return;
            };
            let customer_key = if customer_id.is_empty() {
                RETAIL_GUEST.to_string()
            } else {
                customer_id.to_string()
            };
            let entry = customers
                .entry(customer_key.clone())
                .or_insert_with(|| (c.cell(record, "Country").to_string(), None));
            if !invoice.starts_with('C') {
                entry.1 = Some(entry.1.map_or(day, |first| first.min(day)));
            }
            let description = c.cell(record, "Description");
            let product = products
                .entry(stock_code.to_string())
                .or_insert_with(|| (String::new(), 0));
            if product.0.is_empty() && !description.is_empty() {
                product.0 = description.to_string();
            }
            if unit_micros > 0 {
                product.1 = line_fen(1, unit_micros);
            }
            let index = *invoice_index.entry(invoice.to_string()).or_insert_with(|| {
                invoices.push((
                    invoice.to_string(),
                    RetailInvoice {
                        customer: customer_key.clone(),
                        on: day,
                        lines: Vec::new(),
                    },
                ));
                invoices.len() - 1
            });
            invoices[index].1.lines.push(RetailLine {
                stock_code: stock_code.to_string(),
                quantity,
                unit_micros,
            });
        },
    )?;
    progress("read", rows, rows);
    if report.error_count > 0 {
        return Ok(report);
    }

    let txn = crate::db::begin_write(db).await?;
    let mut customer_ids = customer_ids(&txn, RETAIL).await?;
    let new_customers: Vec<customer::ActiveModel> = customers
        .iter()
        .filter(|(key, _)| !customer_ids.contains_key(&format!("{RETAIL}{key}")))
        .map(|(key, (country, first_order))| {
            let name = if key == RETAIL_GUEST {
                "Online Retail guest (no CustomerID)".to_string()
            } else {
                format!("Online Retail customer {key}")
            };
            let mut row = customer_row(
                format!("{RETAIL}{key}"),
                &name,
                Some(owner_id),
                if first_order.is_some() {
                    LadderStage::Customer
                } else {
                    LadderStage::Prospect
                },
                now,
            );
            row.province = Set(country.chars().take(20).collect());
            row.source = Set("web".into());
            row.first_order_on = Set(*first_order);
            row
        })
        .collect();
    report.already_there += (customers.len() - new_customers.len()) as u64;
    report.count("customers", new_customers.len());
    crate::db::insert_in_chunks(&txn, new_customers, 26).await?;
    customer_ids = with_created_events(&txn, customer_ids, RETAIL, now).await?;
    progress("customers", 1, 1);

    let mut product_ids = product_ids(&txn).await?;
    let new_products: Vec<product::ActiveModel> = products
        .iter()
        .filter(|(code, _)| !product_ids.contains_key(*code))
        .map(|(code, (name, price))| {
            let category = if RETAIL_NON_PRODUCTS.contains(&code.as_str()) {
                "fees"
            } else {
                ""
            };
            product_row(
                code,
                if name.is_empty() { code } else { name },
                category,
                *price,
                now,
            )
        })
        .collect();
    report.already_there += (products.len() - new_products.len()) as u64;
    report.count("products", new_products.len());
    crate::db::insert_in_chunks(&txn, new_products, 9).await?;
    product_ids = self::product_ids(&txn).await?;
    progress("products", 1, 1);

    let existing_orders = order_ids(&txn, RETAIL).await?;
    let new_invoices: Vec<&(String, RetailInvoice)> = invoices
        .iter()
        .filter(|(number, _)| !existing_orders.contains_key(&format!("{RETAIL}{number}")))
        .collect();
    report.already_there += (invoices.len() - new_invoices.len()) as u64;
    let orders: Vec<sales_order::ActiveModel> = new_invoices
        .iter()
        .map(|(number, invoice)| {
            let amount = invoice
                .lines
                .iter()
                .map(|l| line_fen(l.quantity, l.unit_micros))
                .sum();
            let customer_id = customer_ids[&format!("{RETAIL}{}", invoice.customer)];
            order_row(
                format!("OR-{number}"),
                format!("{RETAIL}{number}"),
                customer_id,
                None,
                owner_id,
                invoice.on,
                amount,
                now,
            )
        })
        .collect();
    report.count("sales orders", orders.len());
    crate::db::insert_in_chunks(&txn, orders, 13).await?;
    progress("orders", 1, 1);
    let order_ids = order_ids(&txn, RETAIL).await?;
    let total_lines: usize = new_invoices.iter().map(|(_, i)| i.lines.len()).sum();
    let mut lines = Vec::with_capacity(total_lines);
    for (number, invoice) in &new_invoices {
        let order_id = order_ids[&format!("{RETAIL}{number}")];
        for line in &invoice.lines {
            lines.push(line_row(
                order_id,
                product_ids[&line.stock_code],
                line.quantity,
                line.unit_micros,
                0,
            ));
        }
    }
    report.count("order lines", lines.len());
    let mut written = 0;
    let mut lines = lines.into_iter().peekable();
    while lines.peek().is_some() {
        let batch: Vec<_> = lines.by_ref().take(50_000).collect();
        written += batch.len() as u64;
        crate::db::insert_in_chunks(&txn, batch, 7).await?;
        progress("order lines", written, total_lines as u64);
    }
    finish(txn, report, commit).await
}

// ---------------------------------------------------------------- maven-crm

const MAVEN: &str = "maven-crm:";
const MAVEN_NO_ACCOUNT: &str = "(no account)";

/// The four tables of the Maven CRM data set, as text.
pub struct MavenFiles {
    pub sales_teams: String,
    pub products: String,
    pub accounts: String,
    pub sales_pipeline: String,
}

impl MavenFiles {
    pub const NAMES: [&'static str; 4] = [
        "sales_teams.csv",
        "products.csv",
        "accounts.csv",
        "sales_pipeline.csv",
    ];
}

/// "GTX Pro" and the pipeline's "GTXPro" are one product: codes are names without spaces, upper case.
fn maven_product_code(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// "Mei-Mei Johns" → "mei-mei.johns".
fn maven_username(name: &str) -> Result<String, ErrorCode> {
    let joined: String = name
        .trim()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(".");
    parse_username(&joined)
}

struct MavenDeal {
    line: u64,
    id: String,
    agent: String,
    product_code: String,
    account: String,
    stage: String,
    engaged: Option<NaiveDate>,
    closed: Option<NaiveDate>,
    close_cents: Option<i64>,
}

/// Imports the Maven CRM data set: regional offices → departments, each manager → a manager user
/// leading a team, agents → rep users in their manager's team (imported users cannot sign in
/// until an administrator sets their password), products (list price from products.csv), accounts
/// → customers owned by the agent with most deals there, opportunities in the default pipeline
/// (Prospecting → lead, Engaging → first visit, Won, Lost; amounts in USD as published), and a
/// sales order for each won deal. Deals without an account belong to one "(no account)" customer
/// in the lead pool.
pub async fn import_maven_crm(
    db: &(impl ConnectionTrait + TransactionTrait),
    files: &MavenFiles,
    commit: bool,
    progress: Progress<'_>,
) -> AppResult<PresetReport> {
    let now = crate::clock::now();
    let mut report = PresetReport::default();

    let mut teams: Vec<(String, String, String, u64)> = Vec::new();
    read_preset_csv(
        "sales_teams.csv",
        &files.sales_teams,
        &["sales_agent", "manager", "regional_office"],
        &mut report,
        |c, line, r, report| {
            let (agent, manager, office) = (
                c.cell(r, "sales_agent"),
                c.cell(r, "manager"),
                c.cell(r, "regional_office"),
            );
            for (field, value) in [("sales_agent", agent), ("manager", manager)] {
                if let Err(code) = maven_username(value) {
                    report.error(&c.file, line, field, code);
                }
            }
            teams.push((
                agent.to_string(),
                manager.to_string(),
                office.to_string(),
                line,
            ));
        },
    )?;
    let mut products: Vec<(String, String, String, i64)> = Vec::new();
    read_preset_csv(
        "products.csv",
        &files.products,
        &["product", "series", "sales_price"],
        &mut report,
        |c, line, r, report| match parse_micros(c.cell(r, "sales_price")) {
            Ok(price) => products.push((
                maven_product_code(c.cell(r, "product")),
                c.cell(r, "product").to_string(),
                c.cell(r, "series").to_string(),
                line_fen(1, price),
            )),
            Err(code) => report.error(&c.file, line, "sales_price", code),
        },
    )?;
    let mut accounts: Vec<(String, BTreeMap<&'static str, String>)> = Vec::new();
    let account_columns = [
        "account",
        "sector",
        "year_established",
        "revenue",
        "employees",
        "office_location",
        "subsidiary_of",
    ];
    read_preset_csv(
        "accounts.csv",
        &files.accounts,
        &account_columns,
        &mut report,
        |c, line, r, report| {
            let name = c.cell(r, "account");
            if name.chars().count() < 2 {
                report.error(&c.file, line, "account", ErrorCode::Required);
                return;
            }
            accounts.push((
                name.to_string(),
                account_columns
                    .iter()
                    .map(|&k| (k, c.cell(r, k).to_string()))
                    .collect(),
            ));
        },
    )?;
    let mut deals: Vec<MavenDeal> = Vec::new();
    let pipeline_columns = [
        "opportunity_id",
        "sales_agent",
        "product",
        "account",
        "deal_stage",
        "engage_date",
        "close_date",
        "close_value",
    ];
    read_preset_csv(
        "sales_pipeline.csv",
        &files.sales_pipeline,
        &pipeline_columns,
        &mut report,
        |c, line, r, report| {
            let engaged = parse_import_date(c.cell(r, "engage_date"));
            let closed = parse_import_date(c.cell(r, "close_date"));
            let value = c.cell(r, "close_value");
            let close_cents = if value.is_empty() {
                Ok(None)
            } else {
                parse_micros(value).map(|v| Some(line_fen(1, v)))
            };
            for (field, failed) in [
                ("engage_date", engaged.clone().err()),
                ("close_date", closed.clone().err()),
                ("close_value", close_cents.clone().err()),
            ] {
                if let Some(code) = failed {
                    report.error(&c.file, line, field, code);
                }
            }
            let (Ok(engaged), Ok(closed), Ok(close_cents)) = (engaged, closed, close_cents) else {
                return;
            };
            deals.push(MavenDeal {
                line,
                id: c.cell(r, "opportunity_id").to_string(),
                agent: c.cell(r, "sales_agent").to_string(),
                product_code: maven_product_code(c.cell(r, "product")),
                account: c.cell(r, "account").to_string(),
                stage: c.cell(r, "deal_stage").to_string(),
                engaged,
                closed,
                close_cents,
            });
        },
    )?;
    progress("read", 1, 1);

    let txn = crate::db::begin_write(db).await?;
    // Departments, managers with their teams, agents.
    let mut departments: HashMap<String, i64> = department::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|d| (d.name, d.id))
        .collect();
    for (_, _, office, _) in &teams {
        if !office.is_empty() && !departments.contains_key(office) {
            let created = department::ActiveModel {
                name: Set(office.clone()),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            departments.insert(office.clone(), created.id);
            report.count("departments", 1);
        }
    }
    let mut users: HashMap<String, user::Model> = across_owners::<user::Entity>()
        .all(&txn)
        .await?
        .into_iter()
        .map(|u| (u.username.clone(), u))
        .collect();
    let mut team_of_manager: HashMap<String, i64> = HashMap::new();
    let (mut new_users, mut new_teams) = (0, 0);
    let new_user = |username: String,
                    name: &str,
                    role: Role,
                    team_id: Option<i64>,
                    department_id: Option<i64>| user::ActiveModel {
        username: Set(username),
        display_name: Set(name.to_string()),
        password_hash: Set(crate::auth::NO_PASSWORD.to_string()),
        role: Set(role.as_str().to_string()),
        team_id: Set(team_id),
        department_id: Set(department_id),
        locale: Set("en".to_string()),
        active: Set(true),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    for (_, manager, office, _) in &teams {
        let Ok(username) = maven_username(manager) else {
            continue;
        };
        if team_of_manager.contains_key(manager) {
            continue;
        }
        let department_id = departments.get(office).copied();
        let manager_user = match users.get(&username) {
            Some(found) => found.clone(),
            None => {
                new_users += 1;
                let created = new_user(
                    username.clone(),
                    manager,
                    Role::Manager,
                    None,
                    department_id,
                )
                .insert(&txn)
                .await?;
                users.insert(username.clone(), created.clone());
                created
            }
        };
        let team_id = match manager_user.team_id {
            Some(team_id) => team_id,
            None => {
                new_teams += 1;
                let team_name: String = format!("{office} · {manager}").chars().take(50).collect();
                let created = team::ActiveModel {
                    name: Set(team_name),
                    department_id: Set(department_id),
                    manager_id: Set(Some(manager_user.id)),
                    active: Set(true),
                    version: Set(1),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                user::Entity::update_many()
                    .col_expr(user::Column::TeamId, Expr::value(created.id))
                    .filter(user::Column::Id.eq(manager_user.id))
                    .exec(&txn)
                    .await?;
                created.id
            }
        };
        team_of_manager.insert(manager.clone(), team_id);
    }
    for (agent, manager, office, _) in &teams {
        let Ok(username) = maven_username(agent) else {
            continue;
        };
        if let std::collections::hash_map::Entry::Vacant(slot) = users.entry(username.clone()) {
            new_users += 1;
            let created = new_user(
                username,
                agent,
                Role::Rep,
                team_of_manager.get(manager).copied(),
                departments.get(office).copied(),
            )
            .insert(&txn)
            .await?;
            slot.insert(created);
        } else {
            report.already_there += 1;
        }
    }
    report.count("users", new_users);
    report.count("teams", new_teams);
    let agent_id = |name: &str| {
        maven_username(name)
            .ok()
            .and_then(|u| users.get(&u))
            .map(|u| u.id)
    };
    progress("users", 1, 1);

    // Products.
    let mut product_ids = product_ids(&txn).await?;
    let mut product_prices: HashMap<String, i64> = HashMap::new();
    let new_products: Vec<_> = products
        .iter()
        .inspect(|(code, _, _, price)| {
            product_prices.insert(code.clone(), *price);
        })
        .filter(|(code, ..)| !product_ids.contains_key(code))
        .map(|(code, name, series, price)| product_row(code, name, series, *price, now))
        .collect();
    report.already_there += (products.len() - new_products.len()) as u64;
    report.count("products", new_products.len());
    crate::db::insert_in_chunks(&txn, new_products, 9).await?;
    product_ids = self::product_ids(&txn).await?;

    // Deals are checked against the people, products and accounts above.
    let account_names: HashSet<&str> = accounts.iter().map(|(name, _)| name.as_str()).collect();
    let mut seen = crate::domain::import::SeenKeys::default();
    for deal in &deals {
        let checks = [
            (
                "opportunity_id",
                seen.check(&deal.id, deal.line).err().or_else(|| {
                    (deal.id.is_empty() || deal.id.len() > 40).then_some(ErrorCode::Required)
                }),
            ),
            (
                "sales_agent",
                agent_id(&deal.agent)
                    .is_none()
                    .then_some(ErrorCode::UnknownReference),
            ),
            (
                "product",
                (!product_ids.contains_key(&deal.product_code))
                    .then_some(ErrorCode::UnknownReference),
            ),
            (
                "account",
                (!deal.account.is_empty() && !account_names.contains(deal.account.as_str()))
                    .then_some(ErrorCode::UnknownReference),
            ),
            (
                "deal_stage",
                (!["Prospecting", "Engaging", "Won", "Lost"].contains(&deal.stage.as_str()))
                    .then_some(ErrorCode::UnknownChoice),
            ),
            (
                "close_date",
                (matches!(deal.stage.as_str(), "Won" | "Lost") && deal.closed.is_none())
                    .then_some(ErrorCode::Required),
            ),
        ];
        for (field, failed) in checks {
            if let Some(code) = failed {
                report.error("sales_pipeline.csv", deal.line, field, code);
            }
        }
    }
    if report.error_count > 0 {
        return Ok(report);
    }

    // Accounts → customers, owned by the agent with most deals there.
    let mut deal_counts: HashMap<&str, BTreeMap<&str, usize>> = HashMap::new();
    let mut first_won: HashMap<&str, NaiveDate> = HashMap::new();
    for deal in &deals {
        *deal_counts
            .entry(deal.account.as_str())
            .or_default()
            .entry(deal.agent.as_str())
            .or_default() += 1;
        if let (Some(closed), "Won") = (deal.closed, deal.stage.as_str()) {
            let first = first_won.entry(deal.account.as_str()).or_insert(closed);
            *first = (*first).min(closed);
        }
    }
    let owner_of = |account: &str| {
        deal_counts
            .get(account)
            .and_then(|counts| {
                counts
                    .iter()
                    .max_by_key(|(name, n)| (**n, std::cmp::Reverse(**name)))
            })
            .and_then(|(agent, _)| agent_id(agent))
    };
    let mut customer_ids = customer_ids(&txn, MAVEN).await?;
    let mut new_customers = Vec::new();
    for (name, fields) in &accounts {
        if customer_ids.contains_key(&format!("{MAVEN}{name}")) {
            report.already_there += 1;
            continue;
        }
        let won = first_won.get(name.as_str()).copied();
        let mut row = customer_row(
            format!("{MAVEN}{name}"),
            name,
            owner_of(name),
            if won.is_some() {
                LadderStage::Customer
            } else {
                LadderStage::Prospect
            },
            now,
        );
        // The data set's one typo, corrected so industry filters group it with the rest.
        row.industry = Set(fields["sector"]
            .replace("technolgy", "technology")
            .chars()
            .take(40)
            .collect());
        row.province = Set(fields["office_location"].chars().take(20).collect());
        row.first_order_on = Set(won);
        let profile: BTreeMap<&str, String> = [
            ("founded", fields["year_established"].clone()),
            ("employees", fields["employees"].clone()),
            (
                "revenue_band",
                if fields["revenue"].is_empty() {
                    String::new()
                } else {
                    format!("{} M USD", fields["revenue"])
                },
            ),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
        row.profile = Set(serde_json::to_string(&profile).unwrap_or_else(|_| "{}".into()));
        if !fields["subsidiary_of"].is_empty() {
            row.notes = Set(format!("Subsidiary of {}", fields["subsidiary_of"]));
        }
        new_customers.push(row);
    }
    if deals.iter().any(|d| d.account.is_empty())
        && !customer_ids.contains_key(&format!("{MAVEN}{MAVEN_NO_ACCOUNT}"))
    {
        new_customers.push(customer_row(
            format!("{MAVEN}{MAVEN_NO_ACCOUNT}"),
            "(No account recorded)",
            None,
            LadderStage::Target,
            now,
        ));
    }
    report.count("customers", new_customers.len());
    crate::db::insert_in_chunks(&txn, new_customers, 26).await?;
    customer_ids = with_created_events(&txn, customer_ids, MAVEN, now).await?;
    progress("customers", 1, 1);

    // Opportunities in the default pipeline.
    let pipeline = pipeline::Entity::find()
        .filter(pipeline::Column::Active.eq(true))
        .order_by_asc(pipeline::Column::Position)
        .order_by_asc(pipeline::Column::Id)
        .one(&txn)
        .await?
        .ok_or(crate::error::AppError::NotFound)?;
    let stages = pipeline_stage::Entity::find()
        .filter(pipeline_stage::Column::PipelineId.eq(pipeline.id))
        .order_by_asc(pipeline_stage::Column::Position)
        .all(&txn)
        .await?;
    let open: Vec<&pipeline_stage::Model> = stages.iter().filter(|s| !s.won && !s.lost).collect();
    let by_key = |key: &str, fallback: Option<&pipeline_stage::Model>| {
        stages
            .iter()
            .find(|s| s.key == key)
            .or(fallback)
            .map(|s| s.id)
    };
    let stage_ids: HashMap<&str, Option<i64>> = [
        ("Prospecting", by_key("lead", open.first().copied())),
        (
            "Engaging",
            by_key("first_visit", open.get(1).or(open.first()).copied()),
        ),
        ("Won", stages.iter().find(|s| s.won).map(|s| s.id)),
        ("Lost", stages.iter().find(|s| s.lost).map(|s| s.id)),
    ]
    .into_iter()
    .collect();
    let existing_deals: HashSet<String> = across_owners::<opportunity::Entity>()
        .select_only()
        .column(opportunity::Column::ExternalId)
        .filter(opportunity::Column::ExternalId.starts_with(MAVEN))
        .into_tuple::<Option<String>>()
        .all(&txn)
        .await?
        .into_iter()
        .flatten()
        .collect();
    let new_deals: Vec<&MavenDeal> = deals
        .iter()
        .filter(|d| !existing_deals.contains(&format!("{MAVEN}{}", d.id)))
        .collect();
    report.already_there += (deals.len() - new_deals.len()) as u64;
    // New cards go below each column's last one: positions are unique per stage.
    let mut next_position: HashMap<i64, i64> = HashMap::new();
    for stage in &stages {
        let last: Option<i64> = across_owners::<opportunity::Entity>()
            .select_only()
            .expr(sea_orm::sea_query::Func::max(
                sea_orm::sea_query::Expr::col(opportunity::Column::Position),
            ))
            .filter(opportunity::Column::StageId.eq(stage.id))
            .into_tuple::<Option<i64>>()
            .one(&txn)
            .await?
            .flatten();
        next_position.insert(stage.id, last.unwrap_or(0));
    }
    let mut rows = Vec::with_capacity(new_deals.len());
    for deal in &new_deals {
        let Some(stage_id) = stage_ids[deal.stage.as_str()] else {
            continue;
        };
        let position = next_position.entry(stage_id).or_insert(0);
        *position += POSITION_STEP;
        let account_key = if deal.account.is_empty() {
            MAVEN_NO_ACCOUNT
        } else {
            deal.account.as_str()
        };
        let list_price = product_prices.get(&deal.product_code).copied().unwrap_or(0);
        let won = deal.stage == "Won";
        let entered = deal.closed.or(deal.engaged).map(midnight).unwrap_or(now);
        let product_name = products
            .iter()
            .find(|p| p.0 == deal.product_code)
            .map(|p| p.1.as_str())
            .unwrap_or("");
        rows.push(opportunity::ActiveModel {
            pipeline_id: Set(pipeline.id),
            stage_id: Set(stage_id),
            customer_id: Set(customer_ids[&format!("{MAVEN}{account_key}")]),
            contact_id: Set(None),
            owner_id: Set(agent_id(&deal.agent).unwrap_or_default()),
            title: Set(format!(
                "{product_name} · {}",
                if deal.account.is_empty() {
                    deal.id.as_str()
                } else {
                    deal.account.as_str()
                }
            )
            .chars()
            .take(100)
            .collect()),
            amount_fen: Set(if won {
                deal.close_cents.unwrap_or(list_price)
            } else {
                list_price
            }),
            currency: Set("USD".into()),
            expected_close_on: Set(deal.closed),
            source: Set(String::new()),
            next_step: Set(String::new()),
            competitor: Set(String::new()),
            position: Set(*position),
            stage_entered_at: Set(entered),
            won_amount_fen: Set(if won { deal.close_cents } else { None }),
            closed_on: Set(if matches!(deal.stage.as_str(), "Won" | "Lost") {
                deal.closed
            } else {
                None
            }),
            lost_reason_id: Set(None),
            lost_note: Set(String::new()),
            external_id: Set(Some(format!("{MAVEN}{}", deal.id))),
            version: Set(1),
            created_at: Set(deal.engaged.map(midnight).unwrap_or(entered)),
            updated_at: Set(entered),
            ..Default::default()
        });
    }
    report.count("opportunities", rows.len());
    crate::db::insert_in_chunks(&txn, rows, 23).await?;
    let deal_ids: HashMap<String, (i64, i64)> = across_owners::<opportunity::Entity>()
        .select_only()
        .column(opportunity::Column::ExternalId)
        .column(opportunity::Column::Id)
        .column(opportunity::Column::StageId)
        .filter(opportunity::Column::ExternalId.starts_with(MAVEN))
        .into_tuple::<(Option<String>, i64, i64)>()
        .all(&txn)
        .await?
        .into_iter()
        .filter_map(|(key, id, stage)| key.map(|k| (k, (id, stage))))
        .collect();
    let mut history = Vec::new();
    let mut deal_lines = Vec::new();
    let mut orders = Vec::new();
    for deal in &new_deals {
        let Some(&(deal_id, stage_id)) = deal_ids.get(&format!("{MAVEN}{}", deal.id)) else {
            continue;
        };
        let owner = agent_id(&deal.agent).unwrap_or_default();
        let product_id = product_ids[&deal.product_code];
        let price = product_prices.get(&deal.product_code).copied().unwrap_or(0);
        history.push(stage_history::ActiveModel {
            opportunity_id: Set(deal_id),
            from_stage_id: Set(None),
            to_stage_id: Set(stage_id),
            actor_id: Set(Some(owner)),
            at: Set(deal.closed.or(deal.engaged).map(midnight).unwrap_or(now)),
            ..Default::default()
        });
        deal_lines.push(opportunity_line::ActiveModel {
            opportunity_id: Set(deal_id),
            product_id: Set(product_id),
            quantity: Set(1),
            unit_price_fen: Set(price),
            ..Default::default()
        });
        if let ("Won", Some(closed), Some(cents)) =
            (deal.stage.as_str(), deal.closed, deal.close_cents)
        {
            let account_key = if deal.account.is_empty() {
                MAVEN_NO_ACCOUNT
            } else {
                deal.account.as_str()
            };
            orders.push((
                product_id,
                cents,
                order_row(
                    format!("MV-{}", deal.id),
                    format!("{MAVEN}{}", deal.id),
                    customer_ids[&format!("{MAVEN}{account_key}")],
                    Some(deal_id),
                    owner,
                    closed,
                    cents,
                    now,
                ),
            ));
        }
    }
    crate::db::insert_in_chunks(&txn, history, 5).await?;
    crate::db::insert_in_chunks(&txn, deal_lines, 4).await?;
    report.count("sales orders", orders.len());
    let order_lines: Vec<(String, i64, i64)> = orders
        .iter()
        .map(|(product_id, cents, row)| {
            (
                row.external_id.clone().unwrap().unwrap_or_default(),
                *product_id,
                *cents,
            )
        })
        .collect();
    crate::db::insert_in_chunks(
        &txn,
        orders.into_iter().map(|(_, _, row)| row).collect(),
        13,
    )
    .await?;
    let order_ids = order_ids(&txn, MAVEN).await?;
    let lines: Vec<_> = order_lines
        .into_iter()
        .map(|(key, product_id, cents)| {
            line_row(order_ids[&key], product_id, 1, cents * (MICROS / 100), 0)
        })
        .collect();
    crate::db::insert_in_chunks(&txn, lines, 7).await?;
    progress("opportunities", 1, 1);
    finish(txn, report, commit).await
}
