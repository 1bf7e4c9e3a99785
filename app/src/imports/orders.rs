//! Sales-order imports, one row per order line. The file is checked against a read snapshot, so
//! checking a large one (UCI Online Retail has 541,909 lines) never takes SQLite's only writer;
//! a commit then writes every new order, its lines and its timeline entry in multi-row inserts
//! inside one transaction, which holds the writer for seconds rather than for the whole file.
//! All or nothing as before. An order already imported (its number as external id) is left
//! alone: orders are what was sold, and imports never rewrite them.
use super::bulk::{still_there, KEYS_PER_LOOKUP};
use super::presets::line_row;
use super::related::{record_key, row_customer, Customers, Users};
use super::service::{choice_code, Outcome, Run};
use crate::auth::scope::across_owners;
use crate::auth::Actor;
use crate::domain::events::CustomerEvent;
use crate::domain::forms::{self, ErrorCode};
use crate::domain::import::{line_fen, parse_import_date};
use crate::domain::pipeline::DeliveryStatus;
use crate::entities::{customer, opportunity, product, sales_order};
use crate::error::AppResult;
use crate::i18n::texts;
use crate::pipeline::OrderColumns;
use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;

/// An order as its lines in the file describe it.
pub(super) struct OrderDraft {
    number: String,
    first_line: u64,
    customer_id: i64,
    owner_id: i64,
    on: NaiveDate,
    opportunity_id: Option<i64>,
    delivery: DeliveryStatus,
    /// (product id, quantity, unit price in millionths, unit cost in fen)
    lines: Vec<(i64, i64, i64, i64)>,
}

impl OrderDraft {
    fn amount_fen(&self) -> i64 {
        self.lines
            .iter()
            .map(|&(_, quantity, micros, _)| line_fen(quantity, micros))
            .sum()
    }

    fn cost_fen(&self) -> i64 {
        self.lines
            .iter()
            .map(|&(_, quantity, _, unit_cost)| quantity * unit_cost)
            .sum()
    }
}

/// The orders a checked file adds (those not imported before).
pub(super) struct NewOrders(Vec<OrderDraft>);

/// Checks every row and groups the lines into orders; only reads. Row errors go to `outcome`;
/// orders imported before count as unchanged.
pub(super) async fn check_orders<C: ConnectionTrait>(
    run: &Run<'_, C>,
    outcome: &mut Outcome,
) -> AppResult<NewOrders> {
    let Run {
        txn: db,
        actor,
        table,
        request,
        ..
    } = *run;
    let mapping = &request.mapping;
    let scope = actor.scope();
    let users = Users::load(db).await?;
    let products: HashMap<String, product::Model> = product::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.code.clone(), p))
        .collect();
    let mut customers = Customers::default();
    let mut deals: HashMap<String, Result<i64, ErrorCode>> = HashMap::new();
    let mut drafts: Vec<OrderDraft> = Vec::new();
    let mut draft_of: HashMap<String, usize> = HashMap::new();
    for (done, row) in table.rows.iter().enumerate() {
        if !run.start_row(done, row, outcome) {
            continue;
        }
        let customer = row_customer(&mut customers, db, actor, mapping, row, outcome).await?;
        let mut checks = forms::Checks::default();
        let value = |field: &str| mapping.value(row, field);
        let number = checks.check("order", record_key(value("order")));
        let on = checks.check(
            "ordered_on",
            parse_import_date(value("ordered_on")).and_then(|d| d.ok_or(ErrorCode::Required)),
        );
        let product = checks.check(
            "product",
            products
                .get(value("product"))
                .ok_or(ErrorCode::UnknownReference),
        );
        let quantity = checks.check(
            "quantity",
            value("quantity")
                .parse::<i64>()
                .ok()
                .filter(|q| *q > 0)
                .ok_or(ErrorCode::InvalidAmount),
        );
        let unit_micros = checks.check(
            "unit_price",
            crate::domain::import::parse_micros(value("unit_price")).and_then(|m| {
                if m >= 0 {
                    Ok(m)
                } else {
                    Err(ErrorCode::InvalidAmount)
                }
            }),
        );
        let owner = checks.check("owner", users.named(&scope, value("owner")));
        let delivery = checks.check(
            "delivery",
            match value("delivery") {
                "" => Ok(DeliveryStatus::Delivered),
                raw => forms::parse_choice(
                    &choice_code(raw, DeliveryStatus::ALL, DeliveryStatus::as_str, |l, d| {
                        (texts(l).pipeline.delivery)(d.as_str())
                    }),
                    DeliveryStatus::parse,
                ),
            },
        );
        let opportunity = match value("opportunity") {
            "" => None,
            key => {
                if !deals.contains_key(key) {
                    let found = across_owners::<opportunity::Entity>()
                        .filter(opportunity::Column::ExternalId.eq(key))
                        .one(db)
                        .await?;
                    let result = match found {
                        None => Err(ErrorCode::UnknownReference),
                        Some(deal)
                            if !scope.allows(deal.owner_id, users.team_of(deal.owner_id)) =>
                        {
                            Err(ErrorCode::NotVisible)
                        }
                        Some(deal) => Ok(deal.id),
                    };
                    deals.insert(key.to_string(), result);
                }
                checks.check("opportunity", deals[key].clone())
            }
        };
        if let Err(errors) = checks.into_result() {
            outcome.row_errors(row.line, errors);
            continue;
        }
        let (
            Some(customer),
            Some(number),
            Some(on),
            Some(product),
            Some(quantity),
            Some(unit_micros),
            Some(owner),
            Some(delivery),
        ) = (
            customer,
            number,
            on,
            product,
            quantity,
            unit_micros,
            owner,
            delivery,
        )
        else {
            continue;
        };
        let owner_id = owner
            .map(|u| u.id)
            .or(customer.owner_id)
            .unwrap_or(actor.user.id);
        let line = (product.id, quantity, unit_micros, product.cost_price_fen);
        match draft_of.get(&number) {
            Some(&index) => {
                let draft = &mut drafts[index];
                let differs = [
                    ("customer", draft.customer_id != customer.id),
                    ("ordered_on", draft.on != on),
                    ("owner", draft.owner_id != owner_id),
                ];
                match differs.iter().find(|(_, differs)| *differs) {
                    Some((field, _)) => outcome.row_error(
                        row.line,
                        field,
                        ErrorCode::DiffersWithinOrder {
                            line: draft.first_line,
                        },
                    ),
                    None => draft.lines.push(line),
                }
            }
            None => {
                draft_of.insert(number.clone(), drafts.len());
                drafts.push(OrderDraft {
                    number,
                    first_line: row.line,
                    customer_id: customer.id,
                    owner_id,
                    on,
                    opportunity_id: opportunity,
                    delivery,
                    lines: vec![line],
                });
            }
        }
    }
    run.finished();
    let stored = stored_orders(db, &drafts).await?;
    let mut new = Vec::with_capacity(drafts.len());
    for draft in drafts {
        match stored.get(draft.number.as_str()) {
            Some(Stored::Imported) => outcome.report.unchanged += 1,
            // Another order already has this number: payments name orders by it.
            Some(Stored::Taken) => outcome.row_error(draft.first_line, "order", ErrorCode::Taken),
            None => {
                outcome.report.created += 1;
                new.push(draft);
            }
        }
    }
    Ok(NewOrders(new))
}

/// How a draft's number is already stored.
enum Stored {
    /// As the external id of an order: this file (or its twin) was imported before.
    Imported,
    /// As another order's number.
    Taken,
}

/// The drafts' numbers that stored orders already use, as external id or as number.
async fn stored_orders(
    db: &impl ConnectionTrait,
    drafts: &[OrderDraft],
) -> AppResult<HashMap<String, Stored>> {
    let mut stored = HashMap::new();
    for chunk in drafts.chunks(KEYS_PER_LOOKUP) {
        let numbers: Vec<&str> = chunk.iter().map(|d| d.number.as_str()).collect();
        let found: Vec<(String, Option<String>)> = across_owners::<sales_order::Entity>()
            .select_only()
            .column(sales_order::Column::Number)
            .column(sales_order::Column::ExternalId)
            .filter(
                sea_orm::Condition::any()
                    .add(sales_order::Column::ExternalId.is_in(numbers.clone()))
                    .add(sales_order::Column::Number.is_in(numbers)),
            )
            .into_tuple()
            .all(db)
            .await?;
        for (number, external_id) in found {
            if let Some(external_id) = external_id {
                stored.insert(external_id, Stored::Imported);
            }
            stored.entry(number).or_insert(Stored::Taken);
        }
    }
    Ok(stored)
}

/// Writes the checked orders inside the caller's write transaction. A customer or deal removed
/// since the check, or an order number used meanwhile, becomes a row error instead (the caller
/// then commits nothing).
pub(super) async fn write_orders(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    NewOrders(drafts): NewOrders,
    outcome: &mut Outcome,
) -> AppResult<()> {
    let stored = stored_orders(txn, &drafts).await?;
    let customers = still_there::<customer::Entity>(
        txn,
        drafts.iter().map(|d| d.customer_id).collect(),
        customer::Column::Id,
    )
    .await?;
    let deals = still_there::<opportunity::Entity>(
        txn,
        drafts.iter().filter_map(|d| d.opportunity_id).collect(),
        opportunity::Column::Id,
    )
    .await?;
    for draft in &drafts {
        if stored.contains_key(draft.number.as_str()) {
            outcome.row_error(draft.first_line, "order", ErrorCode::Stale);
        } else if !customers.contains(&draft.customer_id) {
            outcome.row_error(draft.first_line, "customer", ErrorCode::Stale);
        } else if draft.opportunity_id.is_some_and(|id| !deals.contains(&id)) {
            outcome.row_error(draft.first_line, "opportunity", ErrorCode::Stale);
        }
    }
    if outcome.report.error_count > 0 {
        return Ok(());
    }
    let now = crate::clock::now();
    let orders = drafts
        .iter()
        .map(|draft| {
            OrderColumns {
                number: draft.number.clone(),
                external_id: Some(draft.number.clone()),
                customer_id: draft.customer_id,
                opportunity_id: draft.opportunity_id,
                owner_id: draft.owner_id,
                on: draft.on,
                amount_fen: draft.amount_fen(),
                cost_fen: draft.cost_fen(),
                delivery: draft.delivery,
            }
            .into_active_model(now)
        })
        .collect();
    crate::db::insert_in_chunks(txn, orders, 13).await?;
    let ids = order_ids(txn, &drafts).await?;
    let mut lines = Vec::new();
    let mut events = Vec::with_capacity(drafts.len());
    for draft in &drafts {
        let order_id = *ids
            .get(draft.number.as_str())
            .ok_or(crate::error::AppError::Internal)?;
        for &(product_id, quantity, micros, unit_cost) in &draft.lines {
            lines.push(line_row(order_id, product_id, quantity, micros, unit_cost));
        }
        let event = CustomerEvent::Order {
            number: draft.number.clone(),
            amount_fen: draft.amount_fen(),
        };
        events.push(crate::customers::event_row(
            draft.customer_id,
            Some(actor.user.id),
            &event,
            now,
        ));
    }
    crate::db::insert_in_chunks(txn, lines, 7).await?;
    crate::db::insert_in_chunks(txn, events, 5).await?;
    Ok(())
}

/// The ids of the orders just inserted, by number.
async fn order_ids(
    db: &impl ConnectionTrait,
    drafts: &[OrderDraft],
) -> AppResult<HashMap<String, i64>> {
    let mut ids = HashMap::with_capacity(drafts.len());
    for chunk in drafts.chunks(KEYS_PER_LOOKUP) {
        let rows: Vec<(i64, String)> = across_owners::<sales_order::Entity>()
            .select_only()
            .column(sales_order::Column::Id)
            .column(sales_order::Column::Number)
            .filter(sales_order::Column::ExternalId.is_in(chunk.iter().map(|d| d.number.as_str())))
            .into_tuple()
            .all(db)
            .await?;
        ids.extend(rows.into_iter().map(|(id, number)| (number, id)));
    }
    Ok(ids)
}
