//! Product analysis on the server: per product, the period's order lines summed in one grouped
//! query (the viewer's visible orders, narrowed by the report's filters) and the month-end stock
//! snapshots averaged in another; ranked by sales with the ABC rule. Month-end stock is entered
//! or imported by administrators and directors, with a version check.
use super::service::{narrowed_orders, report_filter};
use super::{CustomerProduct, InventoryForm, InventoryRow, ProductReport, ProductRow, ReportQuery};
use crate::auth::scope::visible;
use crate::auth::Actor;
use crate::db::sum_as_bigint;
use crate::domain::abc::{self, AbcRule};
use crate::domain::forms::{self, Checks, ErrorCode};
use crate::domain::product::{average_inventory, parse_month, ProductFigures};
use crate::domain::visibility::Role;
use crate::entities::{inventory_snapshot, order_line, product, sales_order};
use crate::error::{AppError, AppResult};
use chrono::{Datelike, Months, NaiveDate};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Set, TransactionSession, TransactionTrait,
};
use std::collections::HashMap;

/// Order lines joined to their order (for its date, customer and owner).
fn lines_with_orders() -> sea_orm::Select<order_line::Entity> {
    order_line::Entity::find().join(
        JoinType::InnerJoin,
        order_line::Entity::belongs_to(sales_order::Entity)
            .from(order_line::Column::OrderId)
            .to(sales_order::Column::Id)
            .into(),
    )
}

pub async fn products(
    db: &impl ConnectionTrait,
    actor: &Actor,
    query: &ReportQuery,
    today: NaiveDate,
) -> AppResult<ProductReport> {
    let mut checks = Checks::default();
    let filter = report_filter(query, today, &mut checks);
    checks.into_result().map_err(AppError::Validation)?;
    let filter = filter.ok_or_else(|| AppError::internal("checks passed without values"))?;

    let orders = narrowed_orders(visible::<sales_order::Entity>(&actor.scope()), &filter)
        .select_only()
        .column(sales_order::Column::Id)
        .into_query();
    let sums: Vec<(i64, Option<i64>, Option<i64>, Option<i64>)> = order_line::Entity::find()
        .select_only()
        .column(order_line::Column::ProductId)
        .column_as(
            sum_as_bigint(Expr::col(order_line::Column::Quantity)),
            "quantity",
        )
        .column_as(
            sum_as_bigint(Expr::col(order_line::Column::AmountFen)),
            "sales",
        )
        .column_as(
            sum_as_bigint(Expr::col(order_line::Column::CostFen)),
            "cost",
        )
        .filter(order_line::Column::OrderId.in_subquery(orders))
        .group_by(order_line::Column::ProductId)
        .into_tuple()
        .all(db)
        .await?;
    // Month-end stock of the months the period touches.
    let first_month = filter.from.with_day(1).unwrap_or(filter.from);
    let stock: HashMap<i64, (i64, i64)> = inventory_snapshot::Entity::find()
        .select_only()
        .column(inventory_snapshot::Column::ProductId)
        .column_as(
            sum_as_bigint(Expr::col(inventory_snapshot::Column::ValueFen)),
            "value",
        )
        .column_as(Expr::col(inventory_snapshot::Column::Id).count(), "months")
        .filter(inventory_snapshot::Column::Month.between(first_month, filter.to))
        .group_by(inventory_snapshot::Column::ProductId)
        .into_tuple::<(i64, Option<i64>, i64)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, value, months)| (id, (value.unwrap_or(0), months)))
        .collect();

    let figures: HashMap<i64, ProductFigures> = sums
        .into_iter()
        .map(|(id, quantity, sales, cost)| {
            let (value, months) = stock.get(&id).copied().unwrap_or_default();
            (
                id,
                ProductFigures {
                    quantity: quantity.unwrap_or(0),
                    sales_fen: sales.unwrap_or(0),
                    cost_fen: cost.unwrap_or(0),
                    average_inventory_fen: average_inventory(value, months),
                },
            )
        })
        .collect();
    let named: HashMap<i64, product::Model> = product::Entity::find()
        .filter(product::Column::Id.is_in(figures.keys().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let ranking = abc::classify(
        figures.iter().map(|(id, f)| (*id, f.sales_fen)),
        AbcRule::default(),
    );
    let total_sales = ranking.total;
    let rows = ranking
        .ranked
        .iter()
        .enumerate()
        .map(|(index, ranked)| {
            let product = named.get(&ranked.id);
            ProductRow {
                rank: index as u64 + 1,
                product_id: ranked.id,
                code: product.map(|p| p.code.clone()).unwrap_or_default(),
                name: product.map(|p| p.name.clone()).unwrap_or_default(),
                category: product.map(|p| p.category.clone()).unwrap_or_default(),
                figures: figures[&ranked.id],
                cumulative_fen: ranked.cumulative,
                class: ranked.class,
            }
        })
        .collect();
    let total = figures
        .values()
        .fold(ProductFigures::default(), |sum, f| ProductFigures {
            quantity: sum.quantity + f.quantity,
            sales_fen: sum.sales_fen + f.sales_fen,
            cost_fen: sum.cost_fen + f.cost_fen,
            average_inventory_fen: match (sum.average_inventory_fen, f.average_inventory_fen) {
                (None, None) => None,
                (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
            },
        });
    Ok(ProductReport {
        from: filter.from,
        to: filter.to,
        rows,
        total,
        total_sales_fen: total_sales,
        may_enter_stock: may_enter_stock(actor),
    })
}

fn may_enter_stock(actor: &Actor) -> bool {
    matches!(actor.role(), Role::Admin | Role::Director)
}

/// Writes one product's month-end stock: a new month, or a stored one still at `version` (the
/// version the user saw; an import passes none and overwrites, as its dry run showed).
pub async fn store_snapshot(
    db: &impl ConnectionTrait,
    actor: &Actor,
    product_id: i64,
    month: NaiveDate,
    quantity: i64,
    value_fen: i64,
    version: Option<i32>,
) -> AppResult<bool> {
    let found = inventory_snapshot::Entity::find()
        .filter(inventory_snapshot::Column::ProductId.eq(product_id))
        .filter(inventory_snapshot::Column::Month.eq(month))
        .one(db)
        .await?;
    let now = crate::clock::now();
    match found {
        None if version.is_some_and(|v| v != 0) => Err(AppError::Conflict),
        None => {
            inventory_snapshot::ActiveModel {
                product_id: Set(product_id),
                month: Set(month),
                quantity: Set(quantity),
                value_fen: Set(value_fen),
                version: Set(1),
                updated_by: Set(Some(actor.user.id)),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
            Ok(true)
        }
        Some(stored) => {
            let expected = version.unwrap_or(stored.version);
            let changes = inventory_snapshot::ActiveModel {
                quantity: Set(quantity),
                value_fen: Set(value_fen),
                updated_by: Set(Some(actor.user.id)),
                updated_at: Set(now),
                ..Default::default()
            };
            crate::db::update_versioned::<inventory_snapshot::Entity>(
                db,
                changes,
                (inventory_snapshot::Column::Id, stored.id),
                (inventory_snapshot::Column::Version, expected),
                "version",
            )
            .await?;
            Ok(false)
        }
    }
}

/// A stock value as entered: money, or nothing for the quantity at the product's cost price.
pub fn stock_value(raw: &str, quantity: i64, cost_price_fen: i64) -> Result<i64, ErrorCode> {
    match forms::parse_optional_money(raw)? {
        Some(fen) if fen < 0 => Err(ErrorCode::InvalidAmount),
        Some(fen) => Ok(fen),
        None => quantity
            .checked_mul(cost_price_fen)
            .ok_or(ErrorCode::InvalidAmount),
    }
}

pub async fn save_inventory(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    form: &InventoryForm,
) -> AppResult<()> {
    if !may_enter_stock(actor) {
        return Err(AppError::Forbidden);
    }
    let mut checks = Checks::default();
    let code = checks.check("product", forms::parse_required_text(&form.product, 40));
    let month = checks.check("month", parse_month(&form.month));
    let quantity = checks.check(
        "quantity",
        forms::parse_whole_number(&form.quantity, 0, 1_000_000_000_000),
    );
    checks.into_result().map_err(AppError::Validation)?;
    let (Some(code), Some(month), Some(quantity)) = (code, month, quantity) else {
        return Err(AppError::internal("checks passed without values"));
    };
    let product = product::Entity::find()
        .filter(product::Column::Code.eq(code))
        .one(db)
        .await?
        .ok_or_else(|| AppError::field("product", ErrorCode::UnknownReference))?;
    let value = stock_value(&form.value, quantity, product.cost_price_fen)
        .map_err(|code| AppError::field("value", code))?;
    let version = form
        .version
        .trim()
        .parse::<i32>()
        .map_err(|_| AppError::field("version", ErrorCode::Required))?;
    let txn = crate::db::begin_write(db).await?;
    store_snapshot(
        &txn,
        actor,
        product.id,
        month,
        quantity,
        value,
        Some(version),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The month-end stock on record for the twelve months up to `today`'s, newest first.
pub async fn recent_stock(
    db: &impl ConnectionTrait,
    actor: &Actor,
    today: NaiveDate,
) -> AppResult<Option<Vec<InventoryRow>>> {
    if !may_enter_stock(actor) {
        return Ok(None);
    }
    let this_month = today.with_day(1).unwrap_or(today);
    let from = this_month
        .checked_sub_months(Months::new(11))
        .unwrap_or(this_month);
    let rows: Vec<inventory_snapshot::Model> = inventory_snapshot::Entity::find()
        .filter(inventory_snapshot::Column::Month.between(from, this_month))
        .order_by_desc(inventory_snapshot::Column::Month)
        .order_by_asc(inventory_snapshot::Column::ProductId)
        .limit(200)
        .all(db)
        .await?;
    let names: HashMap<i64, product::Model> = product::Entity::find()
        .filter(product::Column::Id.is_in(rows.iter().map(|s| s.product_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    Ok(Some(
        rows.into_iter()
            .map(|s| InventoryRow {
                product_id: s.product_id,
                product: names
                    .get(&s.product_id)
                    .map(|p| format!("{} {}", p.code, p.name))
                    .unwrap_or_default(),
                month: s.month,
                quantity: s.quantity,
                value_fen: s.value_fen,
                version: s.version,
            })
            .collect(),
    ))
}

/// One customer's products: what they bought in the twelve months to `today` with each one's
/// share, and what they bought before but not in those months (last bought first).
pub async fn customer_products(
    db: &impl ConnectionTrait,
    customer_id: i64,
    today: NaiveDate,
) -> AppResult<(Vec<CustomerProduct>, Vec<CustomerProduct>)> {
    let recent_from =
        today.checked_sub_months(Months::new(12)).unwrap_or(today) + chrono::Duration::days(1);
    let ordered_on = || Expr::col((sales_order::Entity, sales_order::Column::OrderedOn));
    let rows: Vec<(i64, Option<i64>, Option<i64>, Option<NaiveDate>)> = lines_with_orders()
        .select_only()
        .column(order_line::Column::ProductId)
        .column_as(
            sum_as_bigint(
                Expr::case(
                    ordered_on().gte(recent_from),
                    Expr::col((order_line::Entity, order_line::Column::AmountFen)),
                )
                .finally(0),
            ),
            "recent",
        )
        .column_as(
            sum_as_bigint(Expr::col((
                order_line::Entity,
                order_line::Column::AmountFen,
            ))),
            "ever",
        )
        .column_as(ordered_on().max(), "last")
        .filter(sales_order::Column::CustomerId.eq(customer_id))
        .filter(sales_order::Column::OrderedOn.lte(today))
        .group_by(order_line::Column::ProductId)
        .into_tuple()
        .all(db)
        .await?;
    let names: HashMap<i64, product::Model> = product::Entity::find()
        .filter(product::Column::Id.is_in(rows.iter().map(|r| r.0)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let named = |id: i64, sales_fen: i64, last: Option<NaiveDate>| CustomerProduct {
        product_id: id,
        name: names.get(&id).map(|p| p.name.clone()).unwrap_or_default(),
        code: names.get(&id).map(|p| p.code.clone()).unwrap_or_default(),
        sales_fen,
        last_bought_on: last,
    };
    let mut mix: Vec<CustomerProduct> = rows
        .iter()
        .filter(|r| r.1.unwrap_or(0) > 0)
        .map(|r| named(r.0, r.1.unwrap_or(0), r.3))
        .collect();
    mix.sort_by(|a, b| {
        b.sales_fen
            .cmp(&a.sales_fen)
            .then(a.product_id.cmp(&b.product_id))
    });
    let mut lapsed: Vec<CustomerProduct> = rows
        .iter()
        .filter(|r| r.1.unwrap_or(0) == 0 && r.3.is_some_and(|last| last < recent_from))
        .map(|r| named(r.0, r.2.unwrap_or(0), r.3))
        .collect();
    lapsed.sort_by(|a, b| {
        b.last_bought_on
            .cmp(&a.last_bought_on)
            .then(a.product_id.cmp(&b.product_id))
    });
    Ok((mix, lapsed))
}

/// Demo month-end stock for the twelve months before `today`'s: each product sold holds about six
/// weeks of what it sold that month (at cost), at least ten pieces.
pub async fn seed_demo_stock(
    db: &(impl ConnectionTrait + TransactionTrait),
    today: NaiveDate,
) -> AppResult<usize> {
    let this_month = today.with_day(1).unwrap_or(today);
    let from = this_month
        .checked_sub_months(Months::new(12))
        .unwrap_or(this_month);
    let sold: Vec<(i64, NaiveDate, Option<i64>)> = lines_with_orders()
        .select_only()
        .column(order_line::Column::ProductId)
        .column(sales_order::Column::OrderedOn)
        .column_as(
            sum_as_bigint(Expr::col((order_line::Entity, order_line::Column::CostFen))),
            "cost",
        )
        .filter(
            sales_order::Column::OrderedOn.between(from, this_month - chrono::Duration::days(1)),
        )
        .group_by(order_line::Column::ProductId)
        .group_by(sales_order::Column::OrderedOn)
        .into_tuple()
        .all(db)
        .await?;
    let mut by_month: std::collections::BTreeMap<(i64, NaiveDate), i64> =
        std::collections::BTreeMap::new();
    for (product_id, on, cost) in sold {
        *by_month
            .entry((product_id, on.with_day(1).unwrap_or(on)))
            .or_default() += cost.unwrap_or(0);
    }
    let prices: HashMap<i64, i64> = product::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, Ord::max(p.cost_price_fen, 1)))
        .collect();
    let now = crate::clock::now();
    let rows: Vec<inventory_snapshot::ActiveModel> = by_month
        .into_iter()
        .map(|((product_id, month), cost)| {
            let price = prices.get(&product_id).copied().unwrap_or(1);
            let quantity = Ord::max(cost * 3 / 2 / price, 10);
            inventory_snapshot::ActiveModel {
                product_id: Set(product_id),
                month: Set(month),
                quantity: Set(quantity),
                value_fen: Set(quantity * price),
                version: Set(1),
                updated_by: Set(None),
                updated_at: Set(now),
                ..Default::default()
            }
        })
        .collect();
    let count = rows.len();
    let txn = crate::db::begin_write(db).await?;
    for chunk in rows.chunks(500) {
        inventory_snapshot::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(count)
}
