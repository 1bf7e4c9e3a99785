//! Customer imports, each with its primary contact. A dry run only reads. A commit stages new
//! customers in short chunks (see `staging`) and applies the changes to stored customers in the
//! one transaction that publishes the batch, so a large file neither holds SQLite's writer for
//! long nor shows anyone half of itself.
use super::staging;
use super::table::{Row, Table};
use crate::auth::scope::across_owners;
use crate::auth::Actor;
use crate::customers::CustomerForm;
use crate::customers::{
    check_customer, customer_columns, may_edit, record_event, refresh_search_text,
};
use crate::domain::customer::{self as rules, LadderStage, ProfileField, Source};
use crate::domain::events::CustomerEvent;
use crate::domain::forms::{ErrorCode, FieldError};
use crate::domain::import::{Mapping, MatchBy, SeenKeys};
use crate::entities::{contact, customer, user};
use crate::error::AppResult;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, QueryFilter, TransactionSession,
    TransactionTrait,
};
use std::collections::{BTreeMap, HashMap};

use super::service::{choice_code, record_commit, start_row, ImportRequest, Outcome, ProgressFn};

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
pub(super) async fn check_customers(
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
pub(super) async fn commit_customers(
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
