//! Imports of records that belong to a customer or an order: contacts, follow-up records,
//! opportunities and payments received. Each row passes the checks of the form that creates such
//! a record (contacts and payments go through the form's own service, inside a savepoint of the
//! import's transaction), and finds its stored record first, so importing a file twice never
//! duplicates anything.
use super::service::{choice_code, Outcome, Run};
use super::table::Row;
use crate::auth::scope::across_owners;
use crate::auth::Actor;
use crate::customers::ContactForm;
use crate::customers::{find_owned_for, save_contact};
use crate::db::WriteTxn;
use crate::domain::customer::{company_name_key, BuyingRole};
use crate::domain::events::CustomerEvent;
use crate::domain::format::Locale;
use crate::domain::forms::{self, ErrorCode, FieldError};
use crate::domain::import::{parse_import_date, parse_yes_no, Mapping, SeenKeys};
use crate::domain::visibility::{Role, Scope};
use crate::entities::{
    contact, customer, department, lost_reason, opportunity, payment, pipeline_stage, product,
    sales_order, stage_history, team, user,
};
use crate::error::{AppError, AppResult};
use crate::i18n::texts;
use crate::org::{insert_user_with_hash, NewUser};
use crate::pipeline::PaymentForm;
use crate::pipeline::{
    chosen_pipeline, publish, record_on_customer, record_payment, stages_of, top_position,
};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait,
};
use std::collections::HashMap;

/// The people a file may name (as owner or author), by lower-case username.
pub(super) struct Users(HashMap<String, user::Model>);

impl Users {
    pub(super) async fn load(db: &impl ConnectionTrait) -> AppResult<Users> {
        Ok(Users(
            across_owners::<user::Entity>()
                .all(db)
                .await?
                .into_iter()
                .map(|u| (u.username.to_lowercase(), u))
                .collect(),
        ))
    }

    /// The user a cell names: None when empty; an error for an unknown name or someone outside
    /// the importer's teams.
    pub(super) fn named(
        &self,
        scope: &Scope,
        raw: &str,
    ) -> Result<Option<&user::Model>, ErrorCode> {
        let name = raw.trim().to_lowercase();
        if name.is_empty() {
            return Ok(None);
        }
        let found = self.0.get(&name).ok_or(ErrorCode::UnknownReference)?;
        if scope.allows(found.id, found.team_id) {
            Ok(Some(found))
        } else {
            Err(ErrorCode::NotVisible)
        }
    }

    pub(super) fn team_of(&self, user_id: i64) -> Option<i64> {
        self.0
            .values()
            .find(|u| u.id == user_id)
            .and_then(|u| u.team_id)
    }
}

/// Customers named by rows, looked up once per distinct cell.
#[derive(Default)]
pub(super) struct Customers(HashMap<String, Result<customer::Model, ErrorCode>>);

impl Customers {
    /// The customer a cell names by external id or by name, if the importer may add to it.
    async fn named(
        &mut self,
        db: &impl ConnectionTrait,
        actor: &Actor,
        raw: &str,
    ) -> AppResult<Result<customer::Model, ErrorCode>> {
        if let Some(known) = self.0.get(raw) {
            return Ok(known.clone());
        }
        let by_id = across_owners::<customer::Entity>()
            .filter(customer::Column::ExternalId.eq(raw))
            .one(db)
            .await?;
        let found = match by_id {
            Some(found) => Some(found),
            None => {
                across_owners::<customer::Entity>()
                    .filter(customer::Column::NameKey.eq(company_name_key(raw)))
                    .one(db)
                    .await?
            }
        };
        let result = match found {
            None => Err(ErrorCode::UnknownReference),
            Some(found) => match find_owned_for(db, actor, found.id).await {
                Ok(customer) => Ok(customer),
                Err(AppError::NotFound | AppError::Forbidden) => Err(ErrorCode::NotVisible),
                Err(other) => return Err(other),
            },
        };
        self.0.insert(raw.to_string(), result.clone());
        Ok(result)
    }
}

/// A date cell as spreadsheets write it, in the ISO form the forms read (or as typed when it is
/// no date, so the form reports it at its field).
pub(super) fn iso_date(raw: &str) -> String {
    match parse_import_date(raw) {
        Ok(Some(day)) => day.to_string(),
        _ => raw.trim().to_string(),
    }
}

/// A refusal from a form's service becomes the row's errors; `reference` is the field that
/// names the record the service could not reach.
fn refused(outcome: &mut Outcome, line: u64, reference: &str, error: AppError) -> AppResult<()> {
    match error {
        AppError::Validation(errors) => outcome.row_errors(line, errors),
        AppError::NotFound | AppError::Forbidden => {
            outcome.row_error(line, reference, ErrorCode::NotVisible)
        }
        AppError::Conflict => outcome.row_error(line, reference, ErrorCode::Stale),
        other => return Err(other),
    }
    Ok(())
}

/// Rows of this many kinds check their customer cell the same way.
pub(super) async fn row_customer(
    customers: &mut Customers,
    db: &impl ConnectionTrait,
    actor: &Actor,
    mapping: &Mapping,
    row: &Row,
    outcome: &mut Outcome,
) -> AppResult<Option<customer::Model>> {
    Ok(
        match customers
            .named(db, actor, mapping.value(row, "customer"))
            .await?
        {
            Ok(customer) => Some(customer),
            Err(code) => {
                outcome.row_error(row.line, "customer", code);
                None
            }
        },
    )
}

pub(super) async fn import_contacts<T: ConnectionTrait + TransactionTrait + Send + Sync>(
    run: &Run<'_, WriteTxn<T>>,
    outcome: &mut Outcome,
) -> AppResult<()> {
    let Run {
        txn,
        actor,
        table,
        request,
        ..
    } = *run;
    let mapping = &request.mapping;
    let mut customers = Customers::default();
    let mut seen = SeenKeys::default();
    for (done, row) in table.rows.iter().enumerate() {
        if !run.start_row(done, row, outcome) {
            continue;
        }
        let Some(customer) =
            row_customer(&mut customers, txn, actor, mapping, row, outcome).await?
        else {
            continue;
        };
        let name = mapping.value(row, "contact_name");
        if let Err(code) = seen.check(
            &format!("{}\u{1f}{}", customer.id, name.to_lowercase()),
            row.line,
        ) {
            outcome.row_error(row.line, "contact_name", code);
            continue;
        }
        let primary = match parse_yes_no(mapping.value(row, "primary")) {
            Ok(primary) => primary,
            Err(code) => {
                outcome.row_error(row.line, "primary", code);
                continue;
            }
        };
        let stored = contact::Entity::find()
            .filter(contact::Column::CustomerId.eq(customer.id))
            .filter(contact::Column::Name.eq(name))
            .one(txn)
            .await?;
        // A column the file does not have keeps what is stored.
        let cell =
            |field: &str, kept: Option<&str>| match (mapping.columns.contains_key(field), kept) {
                (false, Some(kept)) => kept.to_string(),
                _ => mapping.value(row, field).to_string(),
            };
        let role = mapping.value(row, "buying_role");
        let form = ContactForm {
            customer_id: customer.id.to_string(),
            id: stored
                .as_ref()
                .map(|c| c.id.to_string())
                .unwrap_or_default(),
            name: name.to_string(),
            title: cell("title", stored.as_ref().map(|c| c.title.as_str())),
            phone: cell("contact_phone", stored.as_ref().map(|c| c.phone.as_str())),
            email: cell("email", stored.as_ref().map(|c| c.email.as_str())),
            wechat: cell("wechat", stored.as_ref().map(|c| c.wechat.as_str())),
            birthday: if mapping.columns.contains_key("birthday") {
                iso_date(mapping.value(row, "birthday"))
            } else {
                stored
                    .as_ref()
                    .and_then(|c| c.birthday)
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            },
            interests: cell("interests", stored.as_ref().map(|c| c.interests.as_str())),
            buying_role: match (mapping.columns.contains_key("buying_role"), &stored) {
                (false, Some(stored)) => stored.buying_role.clone(),
                _ if role.is_empty() => String::new(),
                _ => choice_code(role, BuyingRole::ALL, BuyingRole::as_str, |l, r| {
                    texts(l).customers.buying_roles[r.index()]
                }),
            },
            is_primary: if primary
                || (!mapping.columns.contains_key("primary")
                    && stored.as_ref().is_some_and(|c| c.is_primary))
            {
                "on".into()
            } else {
                String::new()
            },
        };
        match txn.nest(|db| save_contact(db, actor, form)).await {
            Ok(_) if stored.is_some() => outcome.report.updated += 1,
            Ok(_) => outcome.report.created += 1,
            Err(error) => refused(outcome, row.line, "customer", error)?,
        }
    }
    run.finished();
    Ok(())
}

pub(super) async fn import_payments<T: ConnectionTrait + TransactionTrait + Send + Sync>(
    run: &Run<'_, WriteTxn<T>>,
    outcome: &mut Outcome,
) -> AppResult<()> {
    let Run {
        txn,
        actor,
        table,
        request,
        ..
    } = *run;
    let mapping = &request.mapping;
    let scope = actor.scope();
    let users = Users::load(txn).await?;
    let mut seen = SeenKeys::default();
    for (done, row) in table.rows.iter().enumerate() {
        if !run.start_row(done, row, outcome) {
            continue;
        }
        let number = mapping.value(row, "order");
        let mut order = across_owners::<sales_order::Entity>()
            .filter(sales_order::Column::Number.eq(number))
            .one(txn)
            .await?;
        if order.is_none() {
            order = across_owners::<sales_order::Entity>()
                .filter(sales_order::Column::ExternalId.eq(number))
                .one(txn)
                .await?;
        }
        let order = match order {
            None => Err(ErrorCode::UnknownReference),
            Some(order) if !scope.allows(order.owner_id, users.team_of(order.owner_id)) => {
                Err(ErrorCode::NotVisible)
            }
            Some(order) => Ok(order),
        };
        let order = match order {
            Ok(order) => order,
            Err(code) => {
                outcome.row_error(row.line, "order", code);
                continue;
            }
        };
        let form = PaymentForm {
            order_id: order.id,
            order_version: order.version,
            amount: mapping.value(row, "amount").to_string(),
            received_on: iso_date(mapping.value(row, "received_on")),
            method: mapping.value(row, "method").to_string(),
            note: mapping.value(row, "note").to_string(),
        };
        let key = [
            number,
            &form.amount,
            &form.received_on,
            &form.method,
            &form.note,
        ]
        .join("\u{1f}");
        if let Err(code) = seen.check(&key, row.line) {
            outcome.row_error(row.line, "amount", code);
            continue;
        }
        if let (Ok(amount), Ok(Some(day))) = (
            forms::parse_money(&form.amount),
            forms::parse_optional_date(&form.received_on),
        ) {
            let stored = across_owners::<payment::Entity>()
                .filter(payment::Column::OrderId.eq(order.id))
                .filter(payment::Column::AmountFen.eq(amount))
                .filter(payment::Column::ReceivedOn.eq(day))
                .filter(payment::Column::Method.eq(form.method.as_str()))
                .filter(payment::Column::Note.eq(form.note.as_str()))
                .one(txn)
                .await?;
            if stored.is_some() {
                outcome.report.unchanged += 1;
                continue;
            }
        }
        match txn.nest(|db| record_payment(db, actor, &form)).await {
            Ok(_) => outcome.report.created += 1,
            Err(error) => refused(outcome, row.line, "order", error)?,
        }
    }
    run.finished();
    Ok(())
}

/// An opportunity row, checked.
struct DealRow {
    external_id: String,
    title: String,
    owner_id: i64,
    amount_fen: i64,
    stage: pipeline_stage::Model,
    close_on: Option<NaiveDate>,
    source: String,
    next_step: String,
    competitor: String,
    lost_reason_id: Option<i64>,
}

struct DealContext {
    pipeline_id: i64,
    stages: Vec<pipeline_stage::Model>,
    lost_reasons: Vec<lost_reason::Model>,
}

/// Whether a cell names a stage or lost reason: by its own name, its key, or (for the built-in
/// ones, which have no name of their own) its label in any language.
fn names(
    raw: &str,
    name: &str,
    key: &str,
    label: fn(&crate::i18n::Texts, &str) -> &'static str,
) -> bool {
    let raw = raw.trim();
    if !name.is_empty() {
        return name.eq_ignore_ascii_case(raw);
    }
    key.eq_ignore_ascii_case(raw)
        || Locale::ALL
            .iter()
            .any(|&locale| label(texts(locale), key).eq_ignore_ascii_case(raw))
}

impl DealContext {
    /// A stage by name; empty is the first open stage.
    fn stage(&self, raw: &str) -> Result<pipeline_stage::Model, ErrorCode> {
        let found = if raw.trim().is_empty() {
            self.stages.iter().find(|s| !s.won && !s.lost)
        } else {
            self.stages
                .iter()
                .find(|s| names(raw, &s.name, &s.key, |t, key| (t.pipeline.stage_name)(key)))
        };
        found.cloned().ok_or(ErrorCode::UnknownChoice)
    }

    fn lost_reason(&self, raw: &str) -> Result<Option<i64>, ErrorCode> {
        if raw.trim().is_empty() {
            return Ok(None);
        }
        self.lost_reasons
            .iter()
            .find(|r| {
                names(raw, &r.name, &r.key, |t, key| {
                    (t.pipeline.lost_reason_name)(key)
                })
            })
            .map(|r| Some(r.id))
            .ok_or(ErrorCode::UnknownChoice)
    }
}

/// The key a second import finds a record again by (an external id, an order number).
pub(super) fn record_key(raw: &str) -> Result<String, ErrorCode> {
    match raw {
        "" => Err(ErrorCode::Required),
        key if key.chars().count() > 60 => Err(ErrorCode::TooLong { max: 60 }),
        key => Ok(key.to_string()),
    }
}

fn check_deal(
    context: &DealContext,
    users: &Users,
    actor: &Actor,
    mapping: &Mapping,
    row: &Row,
) -> Result<DealRow, Vec<FieldError>> {
    let mut checks = forms::Checks::default();
    let value = |field: &str| mapping.value(row, field);
    let external_id = checks.check("external_id", record_key(value("external_id")));
    let title = checks.check(
        "title",
        forms::parse_name(value("title")).and_then(|t| {
            if t.chars().count() > 100 {
                Err(ErrorCode::TooLong { max: 100 })
            } else {
                Ok(t)
            }
        }),
    );
    let owner = checks.check("owner", users.named(&actor.scope(), value("owner")));
    let amount = checks.check(
        "amount",
        if value("amount").is_empty() {
            Ok(0)
        } else {
            forms::parse_money(value("amount")).and_then(|fen| {
                if fen >= 0 {
                    Ok(fen)
                } else {
                    Err(ErrorCode::InvalidAmount)
                }
            })
        },
    );
    let stage = checks.check("deal_stage", context.stage(value("deal_stage")));
    let close_on = checks.check("close_on", parse_import_date(value("close_on")));
    let mut text = |field: &str, max: usize| {
        checks
            .check(field, forms::parse_optional_text(value(field), max))
            .unwrap_or_default()
    };
    let (source, next_step, competitor) = (
        text("source", 20),
        text("next_step", 200),
        text("competitor", 100),
    );
    let lost_reason_id = checks.check("lost_reason", context.lost_reason(value("lost_reason")));
    if let (Some(stage), Some(None)) = (&stage, close_on) {
        // A closed deal says when it closed.
        if stage.won || stage.lost {
            checks.check::<()>("close_on", Err(ErrorCode::Required));
        }
    }
    checks.into_result()?;
    let stage = stage.ok_or_else(Vec::new)?;
    Ok(DealRow {
        external_id: external_id.unwrap_or_default(),
        title: title.unwrap_or_default(),
        owner_id: owner.flatten().map_or(actor.user.id, |u| u.id),
        amount_fen: amount.unwrap_or_default(),
        lost_reason_id: if stage.lost {
            lost_reason_id.flatten()
        } else {
            None
        },
        stage,
        close_on: close_on.flatten(),
        source,
        next_step,
        competitor,
    })
}

pub(super) async fn import_opportunities<T: ConnectionTrait + TransactionTrait + Send + Sync>(
    run: &Run<'_, WriteTxn<T>>,
    outcome: &mut Outcome,
) -> AppResult<()> {
    let Run {
        txn,
        actor,
        table,
        request,
        ..
    } = *run;
    let mapping = &request.mapping;
    let scope = actor.scope();
    let users = Users::load(txn).await?;
    let (_, pipeline_id) = chosen_pipeline(txn, None).await?;
    let context = DealContext {
        pipeline_id,
        stages: stages_of(txn, pipeline_id).await?,
        lost_reasons: lost_reason::Entity::find().all(txn).await?,
    };
    let mut customers = Customers::default();
    let mut seen = SeenKeys::default();
    let now = crate::clock::now();
    for (done, row) in table.rows.iter().enumerate() {
        if !run.start_row(done, row, outcome) {
            continue;
        }
        let customer = row_customer(&mut customers, txn, actor, mapping, row, outcome).await?;
        let deal = match check_deal(&context, &users, actor, mapping, row) {
            Ok(deal) => deal,
            Err(errors) => {
                outcome.row_errors(row.line, errors);
                continue;
            }
        };
        let Some(customer) = customer else { continue };
        if let Err(code) = seen.check(&deal.external_id, row.line) {
            outcome.row_error(row.line, "external_id", code);
            continue;
        }
        let stored = across_owners::<opportunity::Entity>()
            .filter(opportunity::Column::ExternalId.eq(deal.external_id.as_str()))
            .one(txn)
            .await?;
        if let Some(stored) = &stored {
            if !scope.allows(stored.owner_id, users.team_of(stored.owner_id)) {
                outcome.row_error(row.line, "external_id", ErrorCode::NotVisible);
                continue;
            }
        }
        save_imported_deal(
            txn,
            actor,
            &context,
            customer.id,
            deal,
            stored.as_ref(),
            now,
        )
        .await?;
        if stored.is_some() {
            outcome.report.updated += 1;
        } else {
            outcome.report.created += 1;
        }
    }
    run.finished();
    Ok(())
}

/// Writes one imported opportunity: a new one enters its stage at the top of the column; a
/// stored one that changes stage moves there with a stage-history row, like a move on the board.
async fn save_imported_deal(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    context: &DealContext,
    customer_id: i64,
    deal: DealRow,
    stored: Option<&opportunity::Model>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let closed = deal.stage.won || deal.stage.lost;
    let mut columns = opportunity::ActiveModel {
        customer_id: Set(customer_id),
        owner_id: Set(deal.owner_id),
        title: Set(deal.title.clone()),
        amount_fen: Set(deal.amount_fen),
        expected_close_on: Set(deal.close_on),
        source: Set(deal.source),
        next_step: Set(deal.next_step),
        competitor: Set(deal.competitor),
        won_amount_fen: Set(deal.stage.won.then_some(deal.amount_fen)),
        closed_on: Set(if closed { deal.close_on } else { None }),
        lost_reason_id: Set(deal.lost_reason_id),
        updated_at: Set(now),
        ..Default::default()
    };
    let moved = stored.is_none_or(|s| s.stage_id != deal.stage.id);
    if moved {
        columns.stage_id = Set(deal.stage.id);
        columns.position = Set(top_position(txn, deal.stage.id).await?);
        columns.stage_entered_at = Set(now);
    }
    let id = match stored {
        Some(stored) => {
            columns.id = Set(stored.id);
            columns.version = Set(stored.version + 1);
            columns.update(txn).await?;
            publish(txn, stored.id, stored.owner_id, now).await?;
            stored.id
        }
        None => {
            columns.pipeline_id = Set(context.pipeline_id);
            columns.contact_id = Set(None);
            columns.currency = Set("CNY".into());
            columns.lost_note = Set(String::new());
            columns.external_id = Set(Some(deal.external_id).filter(|e| !e.is_empty()));
            columns.version = Set(1);
            columns.created_at = Set(now);
            let created = columns.insert(txn).await?;
            record_on_customer(
                txn,
                customer_id,
                actor,
                CustomerEvent::DealCreated(deal.title),
            )
            .await?;
            created.id
        }
    };
    if moved {
        stage_history::ActiveModel {
            opportunity_id: Set(id),
            from_stage_id: Set(stored.map(|s| s.stage_id)),
            to_stage_id: Set(deal.stage.id),
            actor_id: Set(Some(actor.user.id)),
            at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    publish(txn, id, deal.owner_id, now).await?;
    Ok(())
}

/// People, by username: new ones cannot sign in until an administrator sets their password;
/// teams and departments named in the file are created when they do not exist yet.
pub(super) async fn import_users<T: ConnectionTrait + TransactionTrait + Send + Sync>(
    run: &Run<'_, WriteTxn<T>>,
    outcome: &mut Outcome,
) -> AppResult<()> {
    let Run {
        txn,
        actor,
        table,
        request,
        ..
    } = *run;
    let mapping = &request.mapping;
    let users = Users::load(txn).await?;
    let mut teams: HashMap<String, i64> = team::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|t| (t.name, t.id))
        .collect();
    let mut departments: HashMap<String, i64> = department::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|d| (d.name, d.id))
        .collect();
    let mut seen = SeenKeys::default();
    let now = crate::clock::now();
    for (done, row) in table.rows.iter().enumerate() {
        if !run.start_row(done, row, outcome) {
            continue;
        }
        let value = |field: &str| mapping.value(row, field);
        let mut checks = forms::Checks::default();
        let username = checks.check("username", forms::parse_username(value("username")));
        let display_name = checks.check("display_name", forms::parse_name(value("display_name")));
        let role = checks.check(
            "role",
            match value("role") {
                "" => Ok(None),
                raw => forms::parse_role(&choice_code(raw, Role::ALL, Role::as_str, |l, r| {
                    texts(l).role(r)
                }))
                .map(Some),
            },
        );
        let mut name_of = |field: &str| {
            checks.check(
                field,
                if value(field).is_empty() {
                    Ok(None)
                } else {
                    forms::parse_name(value(field)).map(Some)
                },
            )
        };
        let (team_name, department_name) = (name_of("team"), name_of("department"));
        let stored = username
            .as_ref()
            .and_then(|u| users.0.get(&u.to_lowercase()));
        if stored.is_some_and(|u| u.id == actor.user.id)
            && role.flatten().is_some_and(|r| r != Role::Admin)
        {
            checks.check::<()>("role", Err(ErrorCode::OwnAccount));
        }
        if let Some(username) = &username {
            if let Err(code) = seen.check(&username.to_lowercase(), row.line) {
                checks.check::<()>("username", Err(code));
            }
        }
        if let Err(errors) = checks.into_result() {
            outcome.row_errors(row.line, errors);
            continue;
        }
        let (Some(username), Some(display_name)) = (username, display_name) else {
            continue;
        };
        let department_id = match department_name.flatten() {
            None => None,
            Some(name) => Some(match departments.get(&name) {
                Some(&id) => id,
                None => {
                    let created = department::ActiveModel {
                        name: Set(name.clone()),
                        created_at: Set(now),
                        ..Default::default()
                    }
                    .insert(txn)
                    .await?;
                    departments.insert(name, created.id);
                    created.id
                }
            }),
        };
        let team_id = match team_name.flatten() {
            None => None,
            Some(name) => Some(match teams.get(&name) {
                Some(&id) => id,
                None => {
                    let created = team::ActiveModel {
                        name: Set(name.clone()),
                        department_id: Set(department_id),
                        manager_id: Set(None),
                        active: Set(true),
                        version: Set(1),
                        created_at: Set(now),
                        ..Default::default()
                    }
                    .insert(txn)
                    .await?;
                    teams.insert(name, created.id);
                    created.id
                }
            }),
        };
        let keep_unmapped = |field: &str, value: Option<i64>, stored: Option<i64>| {
            if mapping.columns.contains_key(field) {
                value
            } else {
                stored
            }
        };
        let role = role.flatten();
        let user = match stored {
            Some(stored) => {
                let changes = user::ActiveModel {
                    display_name: Set(display_name),
                    role: Set(role.map_or(stored.role.clone(), |r| r.as_str().to_string())),
                    team_id: Set(keep_unmapped("team", team_id, stored.team_id)),
                    department_id: Set(keep_unmapped(
                        "department",
                        department_id,
                        stored.department_id,
                    )),
                    updated_at: Set(now),
                    ..Default::default()
                };
                crate::db::update_versioned::<user::Entity>(
                    txn,
                    changes,
                    (user::Column::Id, stored.id),
                    (user::Column::Version, stored.version),
                    "username",
                )
                .await?;
                outcome.report.updated += 1;
                stored.id
            }
            None => {
                let new = NewUser {
                    username,
                    display_name,
                    role: role.unwrap_or(Role::Rep),
                    team_id,
                    department_id,
                    password: String::new(),
                };
                let created =
                    insert_user_with_hash(txn, new, crate::auth::NO_PASSWORD.to_string()).await?;
                outcome.report.created += 1;
                created.id
            }
        };
        // A manager named with a team leads it, unless someone already does.
        if let (Some(team_id), Some(Role::Manager)) = (team_id, role) {
            team::Entity::update_many()
                .col_expr(
                    team::Column::ManagerId,
                    sea_orm::sea_query::Expr::value(user),
                )
                .filter(team::Column::Id.eq(team_id))
                .filter(team::Column::ManagerId.is_null())
                .exec(txn)
                .await?;
        }
    }
    run.finished();
    Ok(())
}

/// Month-end stock, one row per product and month: a month already on record is overwritten (the
/// dry run shows how many), a product named twice for one month in the file is refused.
pub(super) async fn import_inventory<T: ConnectionTrait + TransactionTrait + Send + Sync>(
    run: &Run<'_, WriteTxn<T>>,
    outcome: &mut Outcome,
) -> AppResult<()> {
    let Run {
        txn,
        actor,
        table,
        request,
        ..
    } = *run;
    let mapping = &request.mapping;
    let products: HashMap<String, product::Model> = product::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|p| (p.code.clone(), p))
        .collect();
    let mut seen = SeenKeys::default();
    for (done, row) in table.rows.iter().enumerate() {
        if !run.start_row(done, row, outcome) {
            continue;
        }
        let mut checks = forms::Checks::default();
        let value = |field: &str| mapping.value(row, field);
        let product = checks.check(
            "product",
            products
                .get(value("product"))
                .ok_or(ErrorCode::UnknownReference),
        );
        let month = checks.check("month", crate::domain::product::parse_month(value("month")));
        let quantity = checks.check(
            "quantity",
            forms::parse_whole_number(value("quantity"), 0, 1_000_000_000_000),
        );
        let stock = match (product, quantity) {
            (Some(product), Some(quantity)) => checks.check(
                "value",
                crate::analytics::products::stock_value(
                    value("value"),
                    quantity,
                    product.cost_price_fen,
                ),
            ),
            _ => None,
        };
        if let Err(errors) = checks.into_result() {
            outcome.row_errors(row.line, errors);
            continue;
        }
        let (Some(product), Some(month), Some(quantity), Some(stock)) =
            (product, month, quantity, stock)
        else {
            continue;
        };
        if let Err(code) = seen.check(&format!("{}|{month}", product.code), row.line) {
            outcome.row_error(row.line, "month", code);
            continue;
        }
        if outcome.report.error_count > 0 {
            continue;
        }
        if crate::analytics::products::store_snapshot(
            txn, actor, product.id, month, quantity, stock, None,
        )
        .await?
        {
            outcome.report.created += 1;
        } else {
            outcome.report.updated += 1;
        }
    }
    run.finished();
    Ok(())
}
