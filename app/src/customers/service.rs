//! Customer queries and changes. Every read of customers goes through `visible` (or the explicit
//! pool / across-owners views); every change records a timeline event in the same transaction.
use super::*;
use crate::auth::scope::{across_owners, in_pool, visible};
use crate::auth::service::Actor;
use crate::db::update_versioned;
use crate::domain::customer::{self as rules, FollowUpKind, Intent, LadderStage};
use crate::domain::forms::{self, Checks, ErrorCode, FieldError};
use crate::domain::visibility::Role;
use crate::entities::{contact, customer, customer_event, follow_up, user};
use crate::error::{AppError, AppResult};
use crate::org::service::names_of;
use crate::state::Settings;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
};
use std::collections::HashMap;

const MANAGERS: [Role; 3] = [Role::Admin, Role::Director, Role::Manager];

async fn record_event(db: &impl ConnectionTrait, customer_id: i64, actor_id: Option<i64>, kind: &str, detail: String) -> AppResult<()> {
    customer_event::ActiveModel {
        customer_id: Set(customer_id),
        actor_id: Set(actor_id),
        kind: Set(kind.to_string()),
        detail: Set(detail),
        at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Moves a customer to `owner` (None: the lead pool), restarting the ownership clock and bumping
/// the version. Callers add the row filter.
fn change_owner(owner: Option<i64>, now: chrono::DateTime<chrono::Utc>) -> sea_orm::UpdateMany<customer::Entity> {
    customer::Entity::update_many()
        .col_expr(customer::Column::OwnerId, Expr::value(owner))
        .col_expr(customer::Column::OwnedSince, Expr::value(owner.map(|_| now)))
        .col_expr(customer::Column::Version, Expr::col(customer::Column::Version).add(1))
}

fn search_condition(q: &str) -> Option<Condition> {
    let q = q.trim();
    if q.is_empty() {
        return None;
    }
    let contacts = Query::select()
        .column(contact::Column::CustomerId)
        .from(contact::Entity)
        .cond_where(Condition::any().add(contact::Column::Name.contains(q)).add(contact::Column::Phone.contains(q)))
        .to_owned();
    let mut any = Condition::any()
        .add(customer::Column::Name.contains(q))
        .add(customer::Column::ShortName.contains(q))
        .add(customer::Column::Id.in_subquery(contacts));
    let digits = rules::phone_key(q);
    if digits.len() >= 4 {
        any = any.add(customer::Column::PhoneKey.contains(&digits));
    }
    Some(any)
}

pub async fn list(db: &impl ConnectionTrait, actor: &Actor, filter: &CustomerFilter) -> AppResult<CustomerPage> {
    let mut select = if filter.view == "pool" { in_pool::<customer::Entity>() } else { visible::<customer::Entity>(&actor.scope()) };
    if let Some(condition) = search_condition(&filter.q) {
        select = select.filter(condition);
    }
    if let Some(stage) = LadderStage::parse(&filter.stage) {
        select = select.filter(customer::Column::LadderStage.eq(stage.as_str()));
    }
    let total = select.clone().count(db).await?;
    let rows = select
        .order_by_desc(customer::Column::UpdatedAt)
        .order_by_desc(customer::Column::Id)
        .offset(filter.page * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .all(db)
        .await?;
    let owners = names_of(db, rows.iter().filter_map(|c| c.owner_id)).await?;
    Ok(CustomerPage {
        total,
        page: filter.page,
        rows: rows
            .into_iter()
            .map(|c| CustomerRow {
                id: c.id,
                stage: stage_of(&c),
                owner_name: c.owner_id.and_then(|id| owners.get(&id).cloned()),
                name: c.name,
                city: c.city,
                phone: c.phone,
                last_follow_up_at: c.last_follow_up_at,
            })
            .collect(),
    })
}

fn stage_of(c: &customer::Model) -> LadderStage {
    LadderStage::parse(&c.ladder_stage).unwrap_or(LadderStage::Target)
}

/// A customer the actor may see (or one in the pool); anything else is `NotFound`, so guessing
/// ids reveals nothing.
async fn find_for(db: &impl ConnectionTrait, actor: &Actor, id: i64) -> AppResult<customer::Model> {
    if let Some(found) = visible::<customer::Entity>(&actor.scope()).filter(customer::Column::Id.eq(id)).one(db).await? {
        return Ok(found);
    }
    in_pool::<customer::Entity>().filter(customer::Column::Id.eq(id)).one(db).await?.ok_or(AppError::NotFound)
}

/// Only the owner's side may change a customer: pool customers must be claimed first.
async fn find_owned_for(db: &impl ConnectionTrait, actor: &Actor, id: i64) -> AppResult<customer::Model> {
    let found = find_for(db, actor, id).await?;
    if found.owner_id.is_none() && actor.role() != Role::Admin {
        return Err(AppError::Forbidden);
    }
    Ok(found)
}

pub async fn detail(db: &impl ConnectionTrait, actor: &Actor, id: i64) -> AppResult<CustomerDetail> {
    let c = find_for(db, actor, id).await?;
    let contacts = contact::Entity::find()
        .filter(contact::Column::CustomerId.eq(id))
        .order_by_desc(contact::Column::IsPrimary)
        .order_by_asc(contact::Column::Id)
        .all(db)
        .await?;
    // The whole history stays with the customer, whoever wrote it.
    let follow_ups = across_owners::<follow_up::Entity>()
        .filter(follow_up::Column::CustomerId.eq(id))
        .order_by_desc(follow_up::Column::HappenedAt)
        .limit(200)
        .all(db)
        .await?;
    let events = customer_event::Entity::find()
        .filter(customer_event::Column::CustomerId.eq(id))
        .order_by_desc(customer_event::Column::At)
        .limit(200)
        .all(db)
        .await?;
    let people = names_of(
        db,
        follow_ups.iter().map(|f| f.author_id).chain(events.iter().filter_map(|e| e.actor_id)).chain(c.owner_id),
    )
    .await?;
    let mut timeline: Vec<TimelineEntry> = follow_ups
        .into_iter()
        .map(|f| TimelineEntry {
            at: f.happened_at,
            actor_name: people.get(&f.author_id).cloned(),
            kind: TimelineKind::FollowUp {
                kind: FollowUpKind::parse(&f.kind).unwrap_or(FollowUpKind::Other),
                intent: Intent::parse(&f.intent).unwrap_or(Intent::None),
                next_date: f.next_date,
                next_action: f.next_action,
            },
            text: f.summary,
        })
        .chain(events.into_iter().map(|e| TimelineEntry {
            at: e.at,
            actor_name: e.actor_id.and_then(|id| people.get(&id).cloned()),
            kind: TimelineKind::Event { kind: e.kind },
            text: e.detail,
        }))
        .collect();
    timeline.sort_by(|a, b| b.at.cmp(&a.at));
    let address = [c.province.as_str(), c.city.as_str(), c.district.as_str(), c.street.as_str()].concat();
    Ok(CustomerDetail {
        id: c.id,
        version: c.version,
        stage: stage_of(&c),
        owner_name: c.owner_id.and_then(|id| people.get(&id).cloned()),
        owner_id: c.owner_id,
        name: c.name,
        short_name: c.short_name,
        phone: c.phone,
        tax_id: c.tax_id,
        address,
        industry: c.industry,
        source: c.source,
        notes: c.notes,
        contacts: contacts
            .into_iter()
            .map(|p| ContactView { id: p.id, name: p.name, title: p.title, phone: p.phone, is_primary: p.is_primary })
            .collect(),
        timeline,
    })
}

struct CheckedCustomer {
    name: String,
    short_name: String,
    phone: String,
    tax_id: String,
    province: String,
    city: String,
    street: String,
    industry: String,
    source: String,
    stage: LadderStage,
    notes: String,
}

fn check_customer(form: &CustomerForm) -> Result<CheckedCustomer, Vec<FieldError>> {
    let mut checks = Checks::default();
    let mut text = |field: &str, raw: &str, max: usize| checks.check(field, forms::parse_optional_text(raw, max)).unwrap_or_default();
    let short_name = text("short_name", &form.short_name, 50);
    let phone = text("phone", &form.phone, 40);
    let tax_id = text("tax_id", &form.tax_id, 30);
    let province = text("province", &form.province, 20);
    let city = text("city", &form.city, 20);
    let street = text("street", &form.street, 100);
    let industry = text("industry", &form.industry, 40);
    let source = text("source", &form.source, 20);
    let notes = text("notes", &form.notes, 2000);
    let name = checks.check("name", forms::parse_name(&form.name).and_then(|n| if n.chars().count() < 2 { Err(ErrorCode::TooShort { min: 2 }) } else { Ok(n) }));
    let stage = if form.stage.trim().is_empty() { Some(LadderStage::Target) } else { checks.check("stage", forms::parse_choice(&form.stage, LadderStage::parse)) };
    checks.check("contact_name", forms::parse_optional_text(&form.contact_name, 50));
    checks.into_result()?;
    Ok(CheckedCustomer {
        name: name.unwrap_or_default(),
        stage: stage.unwrap_or(LadderStage::Target),
        short_name,
        phone,
        tax_id,
        province,
        city,
        street,
        industry,
        source,
        notes,
    })
}

/// Names of existing customers that look like this one (same normalised name, phone or tax id).
async fn likely_duplicates(db: &impl ConnectionTrait, checked: &CheckedCustomer, except: Option<i64>) -> AppResult<Vec<String>> {
    let mut any = Condition::any().add(customer::Column::NameKey.eq(rules::company_name_key(&checked.name)));
    let phone = rules::phone_key(&checked.phone);
    if phone.len() >= 7 {
        any = any.add(customer::Column::PhoneKey.eq(phone));
    }
    let tax = rules::tax_id_key(&checked.tax_id);
    if !tax.is_empty() {
        any = any.add(customer::Column::TaxKey.eq(tax));
    }
    let mut select = across_owners::<customer::Entity>().filter(any);
    if let Some(id) = except {
        select = select.filter(customer::Column::Id.ne(id));
    }
    Ok(select.limit(5).all(db).await?.into_iter().map(|c| c.name).collect())
}

pub async fn save(db: &(impl ConnectionTrait + TransactionTrait), actor: &Actor, form: CustomerForm) -> AppResult<i64> {
    let id = forms::parse_optional_id(&form.id).map_err(|_| AppError::NotFound)?;
    let existing = match id {
        Some(id) => Some(find_owned_for(db, actor, id).await?),
        None => None,
    };
    let checked = check_customer(&form).map_err(AppError::Validation)?;
    if form.confirm_duplicate != "yes" {
        let names = likely_duplicates(db, &checked, id).await?;
        if !names.is_empty() {
            return Err(AppError::field("name", ErrorCode::PossibleDuplicate { names }));
        }
    }
    let now = chrono::Utc::now();
    let mut row = customer::ActiveModel {
        name_key: Set(rules::company_name_key(&checked.name)),
        phone_key: Set(rules::phone_key(&checked.phone)),
        tax_key: Set(rules::tax_id_key(&checked.tax_id)),
        name: Set(checked.name.clone()),
        short_name: Set(checked.short_name),
        phone: Set(checked.phone),
        tax_id: Set(checked.tax_id),
        province: Set(checked.province),
        city: Set(checked.city),
        street: Set(checked.street),
        industry: Set(checked.industry),
        source: Set(checked.source),
        ladder_stage: Set(checked.stage.as_str().to_string()),
        notes: Set(checked.notes),
        updated_at: Set(now),
        ..Default::default()
    };
    let txn = db.begin().await?;
    let id = match existing {
        None => {
            row.owner_id = Set(Some(actor.user.id));
            row.owned_since = Set(Some(now));
            row.created_at = Set(now);
            row.version = Set(1);
            let created = row.insert(&txn).await?;
            record_event(&txn, created.id, Some(actor.user.id), "created", String::new()).await?;
            let contact_name = form.contact_name.trim();
            if !contact_name.is_empty() {
                contact::ActiveModel {
                    customer_id: Set(created.id),
                    name: Set(contact_name.to_string()),
                    phone: Set(form.contact_phone.trim().chars().take(40).collect()),
                    is_primary: Set(true),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
            }
            created.id
        }
        Some(before) => {
            let version = form.version.trim().parse().map_err(|_| AppError::Conflict)?;
            update_versioned::<customer::Entity>(&txn, row, (customer::Column::Id, before.id), (customer::Column::Version, version), "name").await?;
            let before_stage = stage_of(&before);
            if before_stage != checked.stage {
                record_event(&txn, before.id, Some(actor.user.id), "stage", format!("{}→{}", before_stage.as_str(), checked.stage.as_str())).await?;
            } else {
                record_event(&txn, before.id, Some(actor.user.id), "updated", String::new()).await?;
            }
            before.id
        }
    };
    txn.commit().await?;
    Ok(id)
}

pub async fn log_follow_up(db: &(impl ConnectionTrait + TransactionTrait), actor: &Actor, form: FollowUpForm) -> AppResult<i64> {
    let customer_id: i64 = form.customer_id.trim().parse().map_err(|_| AppError::NotFound)?;
    let customer = find_owned_for(db, actor, customer_id).await?;
    let mut checks = Checks::default();
    let kind = checks.check("kind", forms::parse_choice(&form.kind, FollowUpKind::parse));
    let summary = checks.check("summary", forms::parse_optional_text(&form.summary, 2000).and_then(|s| if s.is_empty() { Err(ErrorCode::Required) } else { Ok(s) }));
    let intent = checks.check("intent", forms::parse_choice(&form.intent, Intent::parse));
    let next_date = checks.check("next_date", forms::parse_optional_date(&form.next_date)).flatten();
    let next_action = checks.check("next_action", forms::parse_optional_text(&form.next_action, 200)).unwrap_or_default();
    checks.into_result().map_err(AppError::Validation)?;
    let now = chrono::Utc::now();
    let txn = db.begin().await?;
    // A new follow-up settles the author's earlier open next steps on this customer.
    follow_up::Entity::update_many()
        .col_expr(follow_up::Column::NextDone, Expr::value(true))
        .filter(follow_up::Column::CustomerId.eq(customer_id))
        .filter(follow_up::Column::AuthorId.eq(actor.user.id))
        .filter(follow_up::Column::NextDone.eq(false))
        .exec(&txn)
        .await?;
    let created = follow_up::ActiveModel {
        customer_id: Set(customer_id),
        author_id: Set(actor.user.id),
        kind: Set(kind.unwrap_or(FollowUpKind::Other).as_str().to_string()),
        contact_id: Set(None),
        summary: Set(summary.unwrap_or_default()),
        intent: Set(intent.unwrap_or(Intent::None).as_str().to_string()),
        next_done: Set(next_date.is_none()),
        next_date: Set(next_date),
        next_action: Set(next_action),
        happened_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut touch = customer::Entity::update_many().col_expr(customer::Column::UpdatedAt, Expr::value(now));
    if customer.owner_id == Some(actor.user.id) {
        touch = touch.col_expr(customer::Column::LastFollowUpAt, Expr::value(now));
    }
    touch.filter(customer::Column::Id.eq(customer_id)).exec(&txn).await?;
    txn.commit().await?;
    Ok(created.id)
}

pub async fn agenda(db: &impl ConnectionTrait, actor: &Actor, today: chrono::NaiveDate) -> AppResult<Agenda> {
    let horizon = today + chrono::Duration::days(7);
    let mut select = visible::<follow_up::Entity>(&actor.scope())
        .filter(follow_up::Column::NextDone.eq(false))
        .filter(follow_up::Column::NextDate.lte(horizon));
    if actor.role() == Role::Rep {
        select = select.filter(follow_up::Column::AuthorId.eq(actor.user.id));
    }
    let items = select.order_by_asc(follow_up::Column::NextDate).limit(500).all(db).await?;
    let customer_names: HashMap<i64, String> = across_owners::<customer::Entity>()
        .filter(customer::Column::Id.is_in(items.iter().map(|f| f.customer_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let authors = names_of(db, items.iter().map(|f| f.author_id)).await?;
    let mut agenda = Agenda::default();
    for f in items {
        let Some(next_date) = f.next_date else { continue };
        let item = AgendaItem {
            follow_up_id: f.id,
            customer_id: f.customer_id,
            customer_name: customer_names.get(&f.customer_id).cloned().unwrap_or_default(),
            next_date,
            next_action: f.next_action,
            author_name: authors.get(&f.author_id).cloned().unwrap_or_default(),
        };
        match next_date.cmp(&today) {
            std::cmp::Ordering::Less => agenda.overdue.push(item),
            std::cmp::Ordering::Equal => agenda.today.push(item),
            std::cmp::Ordering::Greater => agenda.upcoming.push(item),
        }
    }
    Ok(agenda)
}

pub async fn claim(db: &(impl ConnectionTrait + TransactionTrait), actor: &Actor, settings: &Settings, id: i64) -> AppResult<()> {
    if actor.role() == Role::Rep {
        let held = visible::<customer::Entity>(&actor.scope()).count(db).await?;
        if held >= u64::from(settings.max_customers_per_rep) {
            return Err(AppError::field("claim", ErrorCode::CustomerCap { max: settings.max_customers_per_rep }));
        }
    }
    let now = chrono::Utc::now();
    let txn = db.begin().await?;
    let taken = change_owner(Some(actor.user.id), now)
        .col_expr(customer::Column::UpdatedAt, Expr::value(now))
        .filter(customer::Column::Id.eq(id))
        .filter(customer::Column::OwnerId.is_null())
        .exec(&txn)
        .await?;
    if taken.rows_affected == 0 {
        // Someone claimed it first, or it is not in the pool.
        return Err(AppError::Conflict);
    }
    record_event(&txn, id, Some(actor.user.id), "claimed", actor.user.display_name.clone()).await?;
    txn.commit().await?;
    Ok(())
}

/// Moves customers to other reps (assignment from the pool, handover when someone leaves),
/// spreading them round-robin over `to_user_ids`. All or nothing.
pub async fn reassign(db: &(impl ConnectionTrait + TransactionTrait), actor: &Actor, customer_ids: &[i64], to_user_ids: &[i64]) -> AppResult<u64> {
    actor.require(&MANAGERS)?;
    if to_user_ids.is_empty() {
        return Err(AppError::field("to", ErrorCode::Required));
    }
    let targets = visible::<user::Entity>(&actor.scope())
        .filter(user::Column::Id.is_in(to_user_ids.iter().copied()))
        .filter(user::Column::Active.eq(true))
        .all(db)
        .await?;
    if targets.len() != to_user_ids.len() {
        return Err(AppError::field("to", ErrorCode::UnknownChoice));
    }
    let names: HashMap<i64, String> = targets.into_iter().map(|u| (u.id, u.display_name)).collect();
    let txn = db.begin().await?;
    let now = chrono::Utc::now();
    let mut moved = 0;
    for (index, &customer_id) in customer_ids.iter().enumerate() {
        let customer = find_for(&txn, actor, customer_id).await?;
        let to = to_user_ids[index % to_user_ids.len()];
        if customer.owner_id == Some(to) {
            continue;
        }
        change_owner(Some(to), now)
            .col_expr(customer::Column::UpdatedAt, Expr::value(now))
            .filter(customer::Column::Id.eq(customer_id))
            .exec(&txn)
            .await?;
        let from = match customer.owner_id {
            Some(id) => names_of(&txn, [id]).await?.remove(&id).unwrap_or_default(),
            None => String::new(),
        };
        record_event(&txn, customer_id, Some(actor.user.id), "owner", format!("{from}→{}", names[&to])).await?;
        moved += 1;
    }
    txn.commit().await?;
    Ok(moved)
}

/// Hands every customer of `from_user_id` over to `to_user_ids` (a rep leaving).
pub async fn handover_all(db: &(impl ConnectionTrait + TransactionTrait), actor: &Actor, from_user_id: i64, to_user_ids: &[i64]) -> AppResult<u64> {
    actor.require(&MANAGERS)?;
    let ids: Vec<i64> = visible::<customer::Entity>(&actor.scope())
        .filter(customer::Column::OwnerId.eq(from_user_id))
        .order_by_asc(customer::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    reassign(db, actor, &ids, to_user_ids).await
}

/// The scheduled job: customers whose owner logged no follow-up for `days` days go back to the
/// pool. `now` comes from the caller so tests control the clock.
pub async fn return_neglected_to_pool(db: &(impl ConnectionTrait + TransactionTrait), now: chrono::DateTime<chrono::Utc>, days: u32) -> AppResult<u64> {
    let cutoff = now - chrono::Duration::days(i64::from(days));
    let txn = db.begin().await?;
    let due = across_owners::<customer::Entity>()
        .filter(customer::Column::OwnerId.is_not_null())
        .filter(Condition::any().add(customer::Column::OwnedSince.is_null()).add(customer::Column::OwnedSince.lte(cutoff)))
        .filter(Condition::any().add(customer::Column::LastFollowUpAt.is_null()).add(customer::Column::LastFollowUpAt.lte(cutoff)))
        .all(&txn)
        .await?;
    let owners = names_of(&txn, due.iter().filter_map(|c| c.owner_id)).await?;
    for c in &due {
        debug_assert!(rules::pool_return_due(c.last_follow_up_at, c.owned_since.unwrap_or(c.created_at), now, days));
        change_owner(None, now)
            .filter(customer::Column::Id.eq(c.id))
            .exec(&txn)
            .await?;
        let owner = c.owner_id.and_then(|id| owners.get(&id).cloned()).unwrap_or_default();
        record_event(&txn, c.id, None, "pool", owner).await?;
    }
    txn.commit().await?;
    Ok(due.len() as u64)
}
