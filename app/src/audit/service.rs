//! Appending to the audit log (inside the caller's transaction, so a change and its entry commit
//! together) and reading it back for administrators.
use super::{Action, AuditEntry, AuditPerson, AuditQuery, Subject, SUBJECT_KINDS};
use crate::auth::Actor;
use crate::domain::visibility::Role;
use crate::entities::audit_log;
use crate::error::AppResult;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

/// Records `action` on `subject` by `actor`, with the values before and after.
pub async fn record(
    db: &impl ConnectionTrait,
    actor: &Actor,
    action: Action,
    subject: Subject,
    before: serde_json::Value,
    after: serde_json::Value,
) -> AppResult<()> {
    audit_log::ActiveModel {
        at: Set(crate::clock::now()),
        actor_id: Set(Some(actor.user.id)),
        actor_name: Set(actor.user.display_name.clone()),
        address: Set(actor.address.clone().unwrap_or_default()),
        action: Set(action.as_str().to_string()),
        subject_kind: Set(subject.kind().to_string()),
        subject_id: Set(subject.id()),
        before: Set(before.to_string()),
        after: Set(match &subject {
            Subject::Import(name) | Subject::Export(name) | Subject::Setting(name) => {
                serde_json::json!({ "name": name, "values": after }).to_string()
            }
            _ => after.to_string(),
        }),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The most entries one search returns (newest first).
pub const SEARCH_LIMIT: u64 = 500;

/// Administrators only.
pub async fn search(
    db: &impl ConnectionTrait,
    actor: &Actor,
    query: &AuditQuery,
) -> AppResult<Vec<AuditEntry>> {
    use crate::domain::forms::{parse_optional_date, Checks, ErrorCode};
    actor.require(&[Role::Admin])?;
    let mut checks = Checks::default();
    let id = |raw: &str| -> Result<Option<i64>, ErrorCode> {
        if raw.trim().is_empty() {
            Ok(None)
        } else {
            raw.trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| ErrorCode::UnknownChoice)
        }
    };
    let person = checks.check("actor", id(&query.actor)).flatten();
    let record = checks.check("record", id(&query.record)).flatten();
    let kind = checks.check(
        "kind",
        if query.kind.is_empty() || SUBJECT_KINDS.contains(&query.kind.as_str()) {
            Ok(query.kind.clone())
        } else {
            Err(ErrorCode::UnknownChoice)
        },
    );
    let from = checks
        .check("from", parse_optional_date(&query.from))
        .flatten();
    let to = checks.check("to", parse_optional_date(&query.to)).flatten();
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            checks.0.push(crate::domain::forms::FieldError::new(
                "to",
                ErrorCode::EndBeforeStart,
            ));
        }
    }
    checks
        .into_result()
        .map_err(crate::error::AppError::Validation)?;
    let mut select = audit_log::Entity::find();
    if let Some(id) = person {
        select = select.filter(audit_log::Column::ActorId.eq(id));
    }
    if let Some(kind) = kind.filter(|k| !k.is_empty()) {
        select = select.filter(audit_log::Column::SubjectKind.eq(kind));
    }
    if let Some(id) = record {
        select = select.filter(audit_log::Column::SubjectId.eq(id));
    }
    if let Some(from) = from {
        select = select.filter(audit_log::Column::At.gte(crate::clock::start_of_day(from)));
    }
    if let Some(to) = to.and_then(|d| d.succ_opt()) {
        select = select.filter(audit_log::Column::At.lt(crate::clock::start_of_day(to)));
    }
    let rows = select
        .order_by_desc(audit_log::Column::Id)
        .limit(SEARCH_LIMIT)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| AuditEntry {
            id: r.id,
            at: r.at,
            local_at: crate::clock::local_time(r.at),
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            address: r.address,
            action: r.action,
            subject_kind: r.subject_kind,
            subject_id: r.subject_id,
            before: r.before,
            after: r.after,
        })
        .collect())
}

/// Administrators only: every user, active ones first, each group by name.
pub async fn people(db: &impl ConnectionTrait, actor: &Actor) -> AppResult<Vec<AuditPerson>> {
    use crate::entities::user;
    actor.require(&[Role::Admin])?;
    // An administrator's scope is everyone, people who have left included.
    let mut people: Vec<AuditPerson> = crate::auth::scope::visible::<user::Entity>(&actor.scope())
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|u| AuditPerson {
            id: u.id,
            name: u.display_name,
            active: u.active,
        })
        .collect();
    people.sort_by(|a, b| b.active.cmp(&a.active).then_with(|| a.name.cmp(&b.name)));
    Ok(people)
}

/// The search as a table for export (the entries on screen, newest first).
pub async fn export(
    db: &impl ConnectionTrait,
    actor: &Actor,
    query: &AuditQuery,
    locale: crate::domain::format::Locale,
) -> AppResult<crate::exports::ExportTable> {
    use crate::exports::Cell;
    let entries = search(db, actor, query).await?;
    let t = super::texts::texts(locale);
    Ok(crate::exports::ExportTable {
        sheet: t.title.to_string(),
        headers: [
            t.at, t.actor, t.address, t.action, t.record, t.before, t.after,
        ]
        .iter()
        .map(|h| h.to_string())
        .collect(),
        rows: entries
            .into_iter()
            .map(|e| {
                vec![
                    Cell::Text(e.local_at.format("%Y-%m-%d %H:%M:%S").to_string()),
                    Cell::Text(e.actor_name),
                    Cell::Text(e.address),
                    Cell::Text(t.action_label(&e.action).to_string()),
                    Cell::Text(format!(
                        "{} {}",
                        t.kind_label(&e.subject_kind),
                        e.subject_id.map(|id| id.to_string()).unwrap_or_default()
                    )),
                    Cell::Text(e.before),
                    Cell::Text(e.after),
                ]
            })
            .collect(),
    })
}
