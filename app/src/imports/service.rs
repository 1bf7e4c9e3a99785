//! Imports of mapped tables (customers with a primary contact, products). One function serves the
//! dry run and the commit: both run every row inside one write transaction, so a dry run reports
//! exactly what the commit would do; only a commit without any row error is committed.
use super::table::{Row, Table};
use super::{related, staging, ImportReport};
use crate::auth::scope::across_owners;
use crate::auth::Actor;
use crate::customers::CustomerForm;
use crate::customers::{
    check_customer, customer_columns, may_edit, record_event, refresh_search_text,
};
use crate::domain::customer::{self as rules, LadderStage, ProfileField, Source};
use crate::domain::events::CustomerEvent;
use crate::domain::format::Locale;
use crate::domain::forms::{ErrorCode, FieldError};
use crate::domain::import::{check_product, ImportKind, Mapping, MatchBy, RowError, SeenKeys};
use crate::domain::visibility::Role;
use crate::entities::{contact, customer, product, user};
use crate::error::{AppError, AppResult};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionSession,
    TransactionTrait,
};
use std::collections::{BTreeMap, HashMap};

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
            commit_customers(db, actor, table, request, &mut outcome, progress).await?;
        } else {
            check_customers(db, actor, table, request, &mut outcome, progress).await?;
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
async fn record_commit(
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

const PROFILE_IMPORTS: [ProfileField; 4] = [
    ProfileField::LegalRep,
    ProfileField::Founded,
    ProfileField::Employees,
    ProfileField::RevenueBand,
];

fn customer_form(mapping: &Mapping, row: &Row) -> CustomerForm {
    let value = |field: &str| mapping.value(row, field).to_string();
    let source = value("source");
    let stage = value("stage");
    CustomerForm {
        name: value("name"),
        short_name: value("short_name"),
        phone: value("phone"),
        tax_id: value("tax_id"),
        province: value("province"),
        city: value("city"),
        district: value("district"),
        street: value("street"),
        website: value("website"),
        industry: value("industry"),
        source: if source.is_empty() {
            source
        } else {
            choice_code(&source, Source::ALL, Source::as_str, |l, s| {
                crate::i18n::texts(l).customers.sources[s.index()]
            })
        },
        stage: if stage.is_empty() {
            stage
        } else {
            choice_code(&stage, LadderStage::ALL, LadderStage::as_str, |l, s| {
                crate::i18n::texts(l).customers.stages[s.index()]
            })
        },
        tags: value("tags"),
        notes: value("notes"),
        contact_name: value("contact_name"),
        contact_phone: value("contact_phone"),
        profile: PROFILE_IMPORTS
            .iter()
            .map(|f| (f.as_str().to_string(), value(f.as_str())))
            .filter(|(_, v)| !v.is_empty())
            .collect(),
        ..Default::default()
    }
}

/// Columns an update leaves alone because the file does not have them.
fn unmapped_customer_columns(mapping: &Mapping) -> Vec<customer::Column> {
    use customer::Column as C;
    let groups: [(&str, &[C]); 15] = [
        ("name", &[C::Name, C::NameKey, C::NameInitials]),
        ("short_name", &[C::ShortName]),
        ("phone", &[C::Phone, C::PhoneKey]),
        ("tax_id", &[C::TaxId, C::TaxKey]),
        ("province", &[C::Province]),
        ("city", &[C::City]),
        ("district", &[C::District]),
        ("street", &[C::Street]),
        ("website", &[C::Website]),
        ("industry", &[C::Industry]),
        ("source", &[C::Source]),
        ("stage", &[C::LadderStage]),
        ("tags", &[C::Tags]),
        ("notes", &[C::Notes]),
        ("profile", &[C::Profile]),
    ];
    let profile_mapped = PROFILE_IMPORTS
        .iter()
        .any(|f| mapping.columns.contains_key(f.as_str()));
    groups
        .iter()
        .filter(|(field, _)| {
            if *field == "profile" {
                !profile_mapped
            } else {
                !mapping.columns.contains_key(*field)
            }
        })
        .flat_map(|(_, columns)| columns.iter().copied())
        .collect()
}

/// The existing customer a row's key names.
async fn find_customer(
    db: &impl ConnectionTrait,
    by: MatchBy,
    key: &str,
) -> AppResult<Option<customer::Model>> {
    let column = match by {
        MatchBy::ExternalId => customer::Column::ExternalId,
        MatchBy::Name => customer::Column::NameKey,
        MatchBy::Phone => customer::Column::PhoneKey,
    };
    Ok(across_owners::<customer::Entity>()
        .filter(column.eq(key))
        .one(db)
        .await?)
}

/// How a pass over customer rows writes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Writes {
    /// Checks only: a dry run, or the rest of a file once a row has failed.
    Nothing,
    /// New customers are staged under this batch, unseen until it is published; rows that change
    /// a stored customer wait for the publishing transaction (a change would be seen at once).
    Staged(i64),
    /// Everything, seen at once: the publishing transaction's changes of stored customers.
    All,
}

/// What every row of a customer import is checked and written with.
struct CustomerImport<'a> {
    actor: &'a Actor,
    table: &'a Table,
    request: &'a ImportRequest,
    users: HashMap<String, user::Model>,
    /// Columns an update leaves alone because the file does not have them.
    keep: Vec<customer::Column>,
    profile_mapped: bool,
    seen: SeenKeys,
    now: chrono::DateTime<chrono::Utc>,
    /// Rows that change a stored customer, for the publishing transaction.
    deferred: Vec<usize>,
    /// New customers staged so far.
    staged: u64,
}

impl<'a> CustomerImport<'a> {
    async fn new(
        db: &impl ConnectionTrait,
        actor: &'a Actor,
        table: &'a Table,
        request: &'a ImportRequest,
    ) -> AppResult<Self> {
        let users = across_owners::<user::Entity>()
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.username.clone(), u))
            .collect();
        Ok(Self {
            actor,
            table,
            request,
            users,
            keep: unmapped_customer_columns(&request.mapping),
            profile_mapped: PROFILE_IMPORTS
                .iter()
                .any(|f| request.mapping.columns.contains_key(f.as_str())),
            seen: SeenKeys::default(),
            now: crate::clock::now(),
            deferred: Vec::new(),
            staged: 0,
        })
    }

    fn team_of(&self, user_id: i64) -> Option<i64> {
        self.users
            .values()
            .find(|u| u.id == user_id)
            .and_then(|u| u.team_id)
    }

    /// Checks row `index` and writes it as `writes` says.
    async fn row(
        &mut self,
        txn: &impl ConnectionTrait,
        index: usize,
        writes: Writes,
        outcome: &mut Outcome,
        progress: ProgressFn<'_>,
    ) -> AppResult<()> {
        let (actor, request) = (self.actor, self.request);
        let mapping = &request.mapping;
        let row = &self.table.rows[index];
        if !start_row(
            index,
            row,
            self.table.rows.len() as u64,
            mapping,
            outcome,
            progress,
        ) {
            return Ok(());
        }
        let scope = actor.scope();
        let form = customer_form(mapping, row);
        let checked = check_customer(&form);
        let external_id = mapping.value(row, "external_id");
        let mut errors = match &checked {
            Ok(_) => Vec::new(),
            Err(errors) => errors.clone(),
        };
        if external_id.chars().count() > 60 {
            errors.push(FieldError::new(
                "external_id",
                ErrorCode::TooLong { max: 60 },
            ));
        }
        let owner_name = mapping.value(row, "owner").to_lowercase();
        let owner = match self.users.get(&owner_name) {
            _ if owner_name.is_empty() => None,
            None => {
                errors.push(FieldError::new("owner", ErrorCode::UnknownReference));
                None
            }
            Some(u) if !scope.allows(u.id, u.team_id) => {
                errors.push(FieldError::new("owner", ErrorCode::NotVisible));
                None
            }
            Some(u) => Some(u.id),
        };
        let key = match request.match_by {
            MatchBy::ExternalId => external_id.to_string(),
            MatchBy::Name => rules::company_name_key(&form.name),
            MatchBy::Phone => rules::phone_key(&form.phone),
        };
        let match_field = request.kind.match_field(request.match_by).unwrap_or("name");
        if let Err(code) = self.seen.check(&key, row.line) {
            errors.push(FieldError::new(match_field, code));
        }
        let existing = if key.is_empty() {
            None
        } else {
            find_customer(txn, request.match_by, &key).await?
        };
        if let Some(found) = &existing {
            let allowed = may_edit(actor, found)
                && found
                    .owner_id
                    .is_none_or(|owner| scope.allows(owner, self.team_of(owner)));
            if !allowed {
                errors.push(FieldError::new(match_field, ErrorCode::NotVisible));
            }
        }
        let checked = match checked {
            Ok(checked) if errors.is_empty() => checked,
            _ => {
                outcome.row_errors(row.line, errors);
                return Ok(());
            }
        };
        if outcome.report.error_count > 0 {
            // The import will not be committed: keep checking rows, but stop writing them.
            return Ok(());
        }
        let batch = match (writes, &existing) {
            (Writes::Nothing, Some(_)) => {
                outcome.report.updated += 1;
                return Ok(());
            }
            (Writes::Nothing, None) => {
                outcome.report.created += 1;
                return Ok(());
            }
            (Writes::Staged(_), Some(_)) => {
                outcome.report.updated += 1;
                self.deferred.push(index);
                return Ok(());
            }
            (Writes::Staged(batch), None) => Some(batch),
            (Writes::All, _) => None,
        };
        let now = self.now;
        let mut columns = customer_columns(&checked, now);
        if !external_id.is_empty() {
            columns.external_id = Set(Some(external_id.to_string()));
        }
        let id = match existing {
            Some(found) => {
                for column in &self.keep {
                    columns.not_set(*column);
                }
                if self.profile_mapped {
                    columns.profile = Set(merged_profile(&found.profile, &form.profile));
                }
                if let Some(owner) = owner.filter(|o| found.owner_id != Some(*o)) {
                    columns.owner_id = Set(Some(owner));
                    columns.owned_since = Set(Some(now));
                }
                columns.id = Set(found.id);
                columns.version = Set(found.version + 1);
                let before = LadderStage::parse(&found.ladder_stage).unwrap_or(LadderStage::Target);
                let updated = columns.update(txn).await?;
                let after = LadderStage::parse(&updated.ladder_stage).unwrap_or(before);
                if after != before {
                    let reason = Some(rules::LadderReason::Note(format!(
                        "导入 {}",
                        request.file_name
                    )));
                    record_event(
                        txn,
                        found.id,
                        Some(actor.user.id),
                        CustomerEvent::Stage(rules::StageChange {
                            from: before,
                            to: after,
                            reason,
                        }),
                    )
                    .await?;
                } else {
                    record_event(txn, found.id, Some(actor.user.id), CustomerEvent::Updated)
                        .await?;
                }
                outcome.report.updated += 1;
                found.id
            }
            None => {
                columns.owner_id = Set(Some(owner.unwrap_or(actor.user.id)));
                columns.owned_since = Set(Some(now));
                columns.created_at = Set(now);
                columns.version = Set(1);
                columns.import_batch = Set(batch);
                let created = columns
                    .insert(txn)
                    .await
                    .map_err(|e| crate::db::taken_or_internal(e, match_field))?;
                record_event(txn, created.id, Some(actor.user.id), CustomerEvent::Created).await?;
                if !form.contact_name.is_empty() {
                    contact::ActiveModel {
                        customer_id: Set(created.id),
                        name: Set(form.contact_name.clone()),
                        phone: Set(form.contact_phone.clone()),
                        is_primary: Set(true),
                        created_at: Set(now),
                        ..Default::default()
                    }
                    .insert(txn)
                    .await?;
                }
                if batch.is_some() {
                    self.staged += 1;
                }
                outcome.report.created += 1;
                created.id
            }
        };
        refresh_search_text(txn, id).await
    }
}

/// A dry run of a customer file. It only reads (its own repeated keys are found in memory), so it
/// does not take the writer's turn: on SQLite everyone else keeps signing in, logging follow-ups
/// and moving cards while a large file is checked.
async fn check_customers(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    table: &Table,
    request: &ImportRequest,
    outcome: &mut Outcome,
    progress: ProgressFn<'_>,
) -> AppResult<()> {
    let snapshot = db.begin().await?;
    let mut import = CustomerImport::new(&snapshot, actor, table, request).await?;
    for index in 0..table.rows.len() {
        import
            .row(&snapshot, index, Writes::Nothing, outcome, progress)
            .await?;
    }
    let total = table.rows.len() as u64;
    progress(total, total);
    Ok(())
}

/// Commits a customer file: new customers are staged in chunks of [`staging::CHUNK_TIME`], then
/// one transaction applies the changes to stored customers and publishes the batch. A row error,
/// a failure or a lost batch leaves nothing behind.
async fn commit_customers(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    table: &Table,
    request: &ImportRequest,
    outcome: &mut Outcome,
    progress: ProgressFn<'_>,
) -> AppResult<()> {
    let now = crate::clock::now();
    staging::sweep(db, now, false).await?;
    let batch = staging::start(db, actor, now).await?;
    let published = stage_and_publish(db, batch, actor, table, request, outcome, progress).await;
    if !matches!(published, Ok(true)) {
        // A row error (the report says which) or a failure: nothing of the file stays. Should the
        // discard itself fail, the batch goes stale and the sweep removes it.
        if let Err(error) = staging::discard(db, batch).await {
            tracing::warn!(%error, batch, "could not discard an unpublished import; the sweep will");
        }
    }
    published.map(|_| ())
}

/// Stages the rows and publishes them; false when a row had an error (nothing published).
async fn stage_and_publish(
    db: &(impl ConnectionTrait + TransactionTrait),
    batch: i64,
    actor: &Actor,
    table: &Table,
    request: &ImportRequest,
    outcome: &mut Outcome,
    progress: ProgressFn<'_>,
) -> AppResult<bool> {
    let total = table.rows.len();
    let mut import = CustomerImport::new(db, actor, table, request).await?;
    let mut next = 0;
    while next < total && outcome.report.error_count == 0 {
        let txn = crate::db::begin_write(db).await?;
        let started = std::time::Instant::now();
        while next < total
            && outcome.report.error_count == 0
            && started.elapsed() < staging::CHUNK_TIME
        {
            import
                .row(&txn, next, Writes::Staged(batch), outcome, progress)
                .await?;
            next += 1;
        }
        staging::end_chunk(txn, batch).await?;
    }
    if next < total {
        // A row failed: the rest is only checked, outside the writer's turn, for the report.
        let snapshot = db.begin().await?;
        for index in next..total {
            import
                .row(&snapshot, index, Writes::Nothing, outcome, progress)
                .await?;
        }
    }
    progress(total as u64, total as u64);
    if outcome.report.error_count > 0 {
        return Ok(false);
    }
    // The publishing transaction: changes to stored customers (checked again: someone may have
    // changed or removed one meanwhile), then the staged ones become visible, all at once.
    let txn = crate::db::begin_write(db).await?;
    let deferred = std::mem::take(&mut import.deferred);
    import.seen = SeenKeys::default();
    let mut applied = Outcome::default();
    for &index in &deferred {
        import
            .row(&txn, index, Writes::All, &mut applied, &|_, _| ())
            .await?;
    }
    if applied.report.error_count > 0 {
        outcome.report.error_count = applied.report.error_count;
        outcome.report.errors = applied.report.errors;
        return Ok(false);
    }
    outcome.report.updated =
        outcome.report.updated - deferred.len() as u64 + applied.report.updated;
    outcome.report.created += applied.report.created;
    staging::publish(&txn, batch, import.staged).await?;
    record_commit(&txn, actor, table, request, &outcome.report).await?;
    txn.commit().await?;
    outcome.report.committed = true;
    Ok(true)
}

/// The stored profile with the imported values laid over it (empty imported values keep the old).
fn merged_profile(stored: &str, imported: &BTreeMap<String, String>) -> String {
    let mut profile: BTreeMap<String, String> = serde_json::from_str(stored).unwrap_or_default();
    profile.extend(
        imported
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    serde_json::to_string(&profile).unwrap_or_else(|_| "{}".into())
}

/// Reports progress every hundred rows; a row cut off before the mapped columns is an error and
/// is not checked further.
fn start_row(
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
