//! Follow-up histories. A file is checked against a read snapshot, so checking years of
//! follow-ups never takes SQLite's only writer; a commit then stores them all in one transaction
//! through `customers::insert_follow_ups`, a few statements per customer. A follow-up already
//! stored (same customer, author, day, kind and summary) is not stored twice.
use super::bulk::{still_there, KEYS_PER_LOOKUP};
use super::related::{iso_date, row_customer, Customers, Users};
use super::service::{choice_code, Outcome, Run};
use crate::auth::scope::across_owners;
use crate::customers::{check_follow_up, FollowUpForm, PastFollowUp};
use crate::domain::customer::{FollowUpKind, Intent};
use crate::domain::forms::{ErrorCode, FieldError};
use crate::domain::import::{parse_import_date, SeenKeys};
use crate::entities::{customer, follow_up};
use crate::error::AppResult;
use crate::i18n::texts;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashSet;

/// An intent as typed: its code, its label ("意向高", "High"), or the one character spreadsheets
/// use ("高", "中", "低", "无"); empty is none.
fn intent_code(raw: &str) -> String {
    match raw.trim() {
        "" | "无" => Intent::None.as_str().into(),
        "高" => Intent::High.as_str().into(),
        "中" => Intent::Medium.as_str().into(),
        "低" => Intent::Low.as_str().into(),
        raw => choice_code(raw, Intent::ALL, Intent::as_str, |l, i| {
            texts(l).customers.intents[i.index()]
        }),
    }
}

/// When a follow-up imported with only a date happened: 10:00 Beijing time that day.
fn imported_time(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(2, 0, 0).unwrap_or_default().and_utc()
}

/// What makes a follow-up the same one again.
fn same_key(
    customer_id: i64,
    author_id: i64,
    kind: &str,
    summary: &str,
    at: DateTime<Utc>,
) -> String {
    format!("{customer_id}\u{1f}{author_id}\u{1f}{at}\u{1f}{kind}\u{1f}{summary}")
}

/// The follow-ups a checked file adds, in file order, with their lines.
pub(super) struct NewFollowUps {
    rows: Vec<(u64, PastFollowUp)>,
    /// The newest follow-up stored when the check began: any later one is someone else's,
    /// written meanwhile, and may be one of these.
    stored_up_to: i64,
}

/// Checks every row; only reads. Row errors go to `outcome`; follow-ups stored before count as
/// unchanged.
pub(super) async fn check_follow_ups<C: ConnectionTrait>(
    run: &Run<'_, C>,
    outcome: &mut Outcome,
) -> AppResult<NewFollowUps> {
    let Run {
        txn: db,
        actor,
        table,
        request,
        ..
    } = *run;
    let mapping = &request.mapping;
    let scope = actor.scope();
    let stored_up_to = newest_follow_up(db).await?;
    let users = Users::load(db).await?;
    let mut customers = Customers::default();
    let mut seen = SeenKeys::default();
    let today = crate::clock::today();
    let mut rows = Vec::new();
    for (done, row) in table.rows.iter().enumerate() {
        if !run.start_row(done, row, outcome) {
            continue;
        }
        let mut errors = Vec::new();
        let customer = row_customer(&mut customers, db, actor, mapping, row, outcome).await?;
        let author = users
            .named(&scope, mapping.value(row, "author"))
            .map_err(|code| errors.push(FieldError::new("author", code)))
            .ok()
            .flatten()
            .map_or(actor.user.id, |u| u.id);
        let day = match parse_import_date(mapping.value(row, "happened_on")) {
            Ok(day) if day.is_some_and(|d| d > today) => {
                errors.push(FieldError::new("happened_on", ErrorCode::InvalidDate));
                today
            }
            Ok(day) => day.unwrap_or(today),
            Err(code) => {
                errors.push(FieldError::new("happened_on", code));
                today
            }
        };
        let form = FollowUpForm {
            customer_id: String::new(),
            kind: choice_code(
                mapping.value(row, "kind"),
                FollowUpKind::ALL,
                FollowUpKind::as_str,
                |l, k| texts(l).customers.follow_up_kinds[k.index()],
            ),
            summary: mapping.value(row, "summary").to_string(),
            intent: intent_code(mapping.value(row, "intent")),
            next_date: iso_date(mapping.value(row, "next_date")),
            next_action: mapping.value(row, "next_action").to_string(),
        };
        let checked = check_follow_up(&form).map_err(|mut found| errors.append(&mut found));
        let (Some(customer), Ok(checked), true) = (customer, checked, errors.is_empty()) else {
            outcome.row_errors(row.line, errors);
            continue;
        };
        let happened_at = imported_time(day);
        let key = same_key(
            customer.id,
            author,
            checked.kind.as_str(),
            &checked.summary,
            happened_at,
        );
        if let Err(code) = seen.check(&key, row.line) {
            outcome.row_error(row.line, "summary", code);
            continue;
        }
        let stored = across_owners::<follow_up::Entity>()
            .select_only()
            .column(follow_up::Column::Id)
            .filter(follow_up::Column::CustomerId.eq(customer.id))
            .filter(follow_up::Column::AuthorId.eq(author))
            .filter(follow_up::Column::Kind.eq(checked.kind.as_str()))
            .filter(follow_up::Column::Summary.eq(checked.summary.as_str()))
            .filter(follow_up::Column::HappenedAt.eq(happened_at))
            .into_tuple::<i64>()
            .one(db)
            .await?;
        if stored.is_some() {
            outcome.report.unchanged += 1;
            continue;
        }
        outcome.report.created += 1;
        rows.push((
            row.line,
            PastFollowUp {
                customer_id: customer.id,
                owner_id: customer.owner_id,
                author_id: author,
                checked,
                happened_at,
            },
        ));
    }
    run.finished();
    Ok(NewFollowUps { rows, stored_up_to })
}

async fn newest_follow_up(db: &impl ConnectionTrait) -> AppResult<i64> {
    Ok(across_owners::<follow_up::Entity>()
        .select_only()
        .column(follow_up::Column::Id)
        .order_by_desc(follow_up::Column::Id)
        .into_tuple::<i64>()
        .one(db)
        .await?
        .unwrap_or(0))
}

/// Stores the checked follow-ups inside the caller's write transaction. A customer removed since
/// the check, or the same follow-up stored meanwhile, becomes a row error instead (the caller then
/// commits nothing).
pub(super) async fn write_follow_ups(
    txn: &impl ConnectionTrait,
    new: NewFollowUps,
    outcome: &mut Outcome,
) -> AppResult<()> {
    let customer_ids: HashSet<i64> = new.rows.iter().map(|(_, f)| f.customer_id).collect();
    let ids: Vec<i64> = customer_ids.iter().copied().collect();
    let mut written_meanwhile = HashSet::new();
    for chunk in ids.chunks(KEYS_PER_LOOKUP) {
        let found: Vec<follow_up::Model> = across_owners::<follow_up::Entity>()
            .filter(follow_up::Column::Id.gt(new.stored_up_to))
            .filter(follow_up::Column::CustomerId.is_in(chunk.iter().copied()))
            .all(txn)
            .await?;
        written_meanwhile.extend(found.into_iter().map(|f| {
            same_key(
                f.customer_id,
                f.author_id,
                &f.kind,
                &f.summary,
                f.happened_at,
            )
        }));
    }
    let present = still_there::<customer::Entity>(txn, customer_ids, customer::Column::Id).await?;
    for (line, f) in &new.rows {
        if !present.contains(&f.customer_id) {
            outcome.row_error(*line, "customer", ErrorCode::Stale);
        } else if written_meanwhile.contains(&same_key(
            f.customer_id,
            f.author_id,
            f.checked.kind.as_str(),
            &f.checked.summary,
            f.happened_at,
        )) {
            outcome.row_error(*line, "summary", ErrorCode::Stale);
        }
    }
    if outcome.report.error_count > 0 {
        return Ok(());
    }
    crate::customers::insert_follow_ups(txn, new.rows.into_iter().map(|(_, f)| f).collect()).await
}
