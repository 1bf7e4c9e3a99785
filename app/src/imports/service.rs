//! Imports of mapped tables: who may import what, and how each kind is run. Customers are staged
//! (`customers`); orders and follow-ups are checked against a read snapshot and written in one
//! short transaction; the other kinds (and products, here) run every row inside one write
//! transaction, so a dry run reports exactly what the commit would do. Only a commit without any
//! row error is committed.
use super::table::{Row, Table};
use super::{related, ImportReport};
use crate::auth::Actor;
use crate::domain::format::Locale;
use crate::domain::forms::{ErrorCode, FieldError};
use crate::domain::import::{check_product, ImportKind, Mapping, MatchBy, RowError, SeenKeys};
use crate::domain::visibility::Role;
use crate::entities::product;
use crate::error::{AppError, AppResult};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionSession,
    TransactionTrait,
};

/// The most row errors a report carries (it counts all of them).
pub const REPORTED_ERRORS: usize = 500;

#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub kind: ImportKind,
    pub mapping: Mapping,
    pub match_by: MatchBy,
    /// Named in the history of changed customers ("导入 customers.csv").
    pub file_name: String,
}

/// Who may import what: customers by anyone who leads people (within their teams), the product
/// catalogue by administrators.
pub fn may_import(actor: &Actor, kind: ImportKind) -> AppResult<()> {
    match kind {
        ImportKind::Customers
        | ImportKind::Contacts
        | ImportKind::FollowUps
        | ImportKind::Opportunities
        | ImportKind::Payments
        | ImportKind::Orders => actor.require(&[Role::Admin, Role::Director, Role::Manager]),
        ImportKind::Products | ImportKind::Users => actor.require(&[Role::Admin]),
        ImportKind::Inventory => actor.require(&[Role::Admin, Role::Director]),
    }
}

/// The match field must be mapped, or no row could find its record.
pub fn check_match(request: &ImportRequest) -> AppResult<()> {
    let Some(field) = request.kind.match_field(request.match_by) else {
        return Ok(());
    };
    if request.mapping.columns.contains_key(field) {
        Ok(())
    } else {
        Err(AppError::Validation(vec![FieldError::new(
            "match_by",
            ErrorCode::Required,
        )]))
    }
}

/// Called as rows are processed with (rows done, rows in all).
pub(super) type ProgressFn<'a> = &'a (dyn Fn(u64, u64) + Send + Sync);

/// What every kind's import works with: `txn` is the import's write transaction, or a read
/// snapshot for the kinds that are checked before they take the writer's turn.
pub(super) struct Run<'a, C> {
    pub txn: &'a C,
    pub actor: &'a Actor,
    pub table: &'a Table,
    pub request: &'a ImportRequest,
    pub progress: ProgressFn<'a>,
}

impl<C> Run<'_, C> {
    /// Before each row: see [`start_row`].
    pub(super) fn start_row(&self, done: usize, row: &Row, outcome: &mut Outcome) -> bool {
        start_row(
            done,
            row,
            self.table.rows.len() as u64,
            &self.request.mapping,
            outcome,
            self.progress,
        )
    }

    pub(super) fn finished(&self) {
        let total = self.table.rows.len() as u64;
        (self.progress)(total, total);
    }
}

impl<C> Clone for Run<'_, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C> Copy for Run<'_, C> {}

#[derive(Default)]
pub(super) struct Outcome {
    pub(super) report: ImportReport,
}

impl Outcome {
    pub(super) fn row_errors(&mut self, line: u64, errors: Vec<FieldError>) {
        for error in errors {
            self.report.error_count += 1;
            if self.report.errors.len() < REPORTED_ERRORS {
                self.report.errors.push(RowError {
                    line,
                    field: error.field,
                    code: error.code,
                });
            }
        }
    }

    pub(super) fn row_error(&mut self, line: u64, field: &str, code: ErrorCode) {
        self.row_errors(line, vec![FieldError::new(field, code)]);
    }
}

/// Runs an import; `progress(done, total)` is called as rows are processed. Nothing is written
/// unless `commit` is set and no row has an error.
pub async fn run(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    table: &Table,
    request: &ImportRequest,
    commit: bool,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> AppResult<ImportReport> {
    may_import(actor, request.kind)?;
    check_match(request)?;
    let mut outcome = Outcome::default();
    outcome.report.rows = table.rows.len() as u64;
    if request.kind == ImportKind::Customers {
        if commit {
            super::customers::commit_customers(db, actor, table, request, &mut outcome, progress)
                .await?;
        } else {
            super::customers::check_customers(db, actor, table, request, &mut outcome, progress)
                .await?;
        }
        return Ok(outcome.report);
    }
    if checked_before_writing(request.kind) {
        check_then_write(db, actor, table, request, commit, &mut outcome, progress).await?;
        return Ok(outcome.report);
    }
    let txn = crate::db::begin_write(db).await?;
    let run = Run {
        txn: &txn,
        actor,
        table,
        request,
        progress,
    };
    match request.kind {
        ImportKind::Customers | ImportKind::Orders | ImportKind::FollowUps => {
            tracing::error!(kind = request.kind.as_str(), "imported above, not here");
            return Err(AppError::Internal);
        }
        ImportKind::Products => {
            import_products(&txn, table, request, &mut outcome, progress).await?
        }
        ImportKind::Contacts => related::import_contacts(&run, &mut outcome).await?,
        ImportKind::Opportunities => related::import_opportunities(&run, &mut outcome).await?,
        ImportKind::Payments => related::import_payments(&run, &mut outcome).await?,
        ImportKind::Users => related::import_users(&run, &mut outcome).await?,
        ImportKind::Inventory => related::import_inventory(&run, &mut outcome).await?,
    }
    if commit && outcome.report.error_count == 0 {
        record_commit(&txn, actor, table, request, &outcome.report).await?;
        txn.commit().await?;
        outcome.report.committed = true;
    }
    Ok(outcome.report)
}

/// Kinds whose files are checked against a read snapshot and then written in one short
/// transaction (see [`check_then_write`]); the others are checked and written row by row
/// inside the writer's turn, because later rows build on what earlier ones wrote.
fn checked_before_writing(kind: ImportKind) -> bool {
    matches!(kind, ImportKind::Orders | ImportKind::FollowUps)
}

/// A file checked without writing, ready to be written.
enum Checked {
    Orders(super::orders::NewOrders),
    FollowUps(super::follow_ups::NewFollowUps),
}

/// Checks a file against a read snapshot (on SQLite others keep writing meanwhile), then, on
/// commit and when no row has an error, writes it in one transaction that holds the writer's
/// turn only for the writes.
async fn check_then_write(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    table: &Table,
    request: &ImportRequest,
    commit: bool,
    outcome: &mut Outcome,
    progress: ProgressFn<'_>,
) -> AppResult<()> {
    let snapshot = db.begin().await?;
    let run = Run {
        txn: &snapshot,
        actor,
        table,
        request,
        progress,
    };
    let checked = match request.kind {
        ImportKind::Orders => Checked::Orders(super::orders::check_orders(&run, outcome).await?),
        ImportKind::FollowUps => {
            Checked::FollowUps(super::follow_ups::check_follow_ups(&run, outcome).await?)
        }
        other => {
            tracing::error!(kind = other.as_str(), "not a kind checked before writing");
            return Err(AppError::Internal);
        }
    };
    snapshot.rollback().await?;
    if !commit || outcome.report.error_count > 0 {
        return Ok(());
    }
    let txn = crate::db::begin_write(db).await?;
    match checked {
        Checked::Orders(orders) => {
            super::orders::write_orders(&txn, actor, orders, outcome).await?
        }
        Checked::FollowUps(follow_ups) => {
            super::follow_ups::write_follow_ups(&txn, follow_ups, outcome).await?
        }
    }
    if outcome.report.error_count == 0 {
        record_commit(&txn, actor, table, request, &outcome.report).await?;
        txn.commit().await?;
        outcome.report.committed = true;
    }
    Ok(())
}

/// The audit row of a committed import, written in its committing transaction.
pub(super) async fn record_commit(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    table: &Table,
    request: &ImportRequest,
    r: &ImportReport,
) -> AppResult<()> {
    let after = serde_json::json!({ "kind": request.kind.as_str(), "rows": r.rows, "created": r.created, "updated": r.updated, "unchanged": r.unchanged, "encoding": table.encoding });
    crate::audit::record(
        txn,
        actor,
        crate::audit::Action::ImportCommitted,
        crate::audit::Subject::Import(request.kind.as_str().to_string()),
        serde_json::json!({}),
        after,
    )
    .await
}

/// A choice typed as its code or its label in any language ("展会", "Exhibition", "exhibition").
pub(super) fn choice_code<T: Copy>(
    raw: &str,
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(Locale, T) -> &'static str,
) -> String {
    let raw = raw.trim();
    all.iter()
        .find(|&&choice| code(choice).eq_ignore_ascii_case(raw) || Locale::ALL.iter().any(|&locale| label(locale, choice).eq_ignore_ascii_case(raw)))
        .map(|&choice| code(choice).to_string())
        // Unknown text stays as typed, so the form check reports it at its field.
        .unwrap_or_else(|| raw.to_string())
}

/// Reports progress every hundred rows; a row cut off before the mapped columns is an error and
/// is not checked further.
pub(super) fn start_row(
    done: usize,
    row: &Row,
    total: u64,
    mapping: &Mapping,
    outcome: &mut Outcome,
    progress: ProgressFn<'_>,
) -> bool {
    if done.is_multiple_of(100) {
        progress(done as u64, total);
    }
    if mapping.cut_off(row) {
        outcome.row_error(row.line, &widest_field(mapping), ErrorCode::RowCutOff);
        return false;
    }
    true
}

/// The field of the last column a row needs (where a cut-off row is reported).
fn widest_field(mapping: &Mapping) -> String {
    mapping
        .columns
        .iter()
        .max_by_key(|(_, &column)| column)
        .map(|(field, _)| field.clone())
        .unwrap_or_default()
}

async fn import_products(
    txn: &impl ConnectionTrait,
    table: &Table,
    request: &ImportRequest,
    outcome: &mut Outcome,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> AppResult<()> {
    let mapping = &request.mapping;
    let mut seen = SeenKeys::default();
    let now = crate::clock::now();
    let total = table.rows.len() as u64;
    for (done, row) in table.rows.iter().enumerate() {
        if !start_row(done, row, total, mapping, outcome, progress) {
            continue;
        }
        let checked = match check_product(mapping, row) {
            Ok(checked) => checked,
            Err(errors) => {
                outcome.row_errors(row.line, errors);
                continue;
            }
        };
        if let Err(code) = seen.check(&checked.code, row.line) {
            outcome.row_error(row.line, "code", code);
            continue;
        }
        if outcome.report.error_count > 0 {
            continue;
        }
        let set_if_mapped = |field: &str, value: String| {
            if mapping.columns.contains_key(field) {
                Set(value)
            } else {
                NotSet
            }
        };
        let price = |fen: Option<i64>| fen.map_or(NotSet, Set);
        let mut columns = product::ActiveModel {
            name: Set(checked.name),
            category: set_if_mapped("category", checked.category),
            unit: set_if_mapped("unit", checked.unit),
            list_price_fen: price(checked.list_price_fen),
            cost_price_fen: price(checked.cost_price_fen),
            ..Default::default()
        };
        match product::Entity::find()
            .filter(product::Column::Code.eq(&checked.code))
            .one(txn)
            .await?
        {
            Some(found) => {
                columns.id = Set(found.id);
                columns.version = Set(found.version + 1);
                columns.update(txn).await?;
                outcome.report.updated += 1;
            }
            None => {
                columns.code = Set(checked.code);
                for (value, default) in [(&mut columns.category, ""), (&mut columns.unit, "")] {
                    if value.is_not_set() {
                        *value = Set(default.to_string());
                    }
                }
                for value in [&mut columns.list_price_fen, &mut columns.cost_price_fen] {
                    if value.is_not_set() {
                        *value = Set(0);
                    }
                }
                columns.active = Set(true);
                columns.version = Set(1);
                columns.created_at = Set(now);
                columns.insert(txn).await?;
                outcome.report.created += 1;
            }
        }
    }
    progress(total, total);
    Ok(())
}
