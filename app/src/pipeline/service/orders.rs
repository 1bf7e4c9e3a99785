//! Sales orders: the order a won deal creates, first orders on the customer, and inserting one.
use super::*;

pub(super) async fn has_orders(db: &impl ConnectionTrait, deal_id: i64) -> AppResult<bool> {
    Ok(across_owners::<sales_order::Entity>()
        .filter(sales_order::Column::OpportunityId.eq(deal_id))
        .count(db)
        .await?
        > 0)
}

pub(crate) async fn record_on_customer(
    db: &impl ConnectionTrait,
    customer_id: i64,
    actor: &Actor,
    event: CustomerEvent,
) -> AppResult<()> {
    crate::customers::record_event(db, customer_id, Some(actor.user.id), event).await
}

pub async fn mark_first_order(
    db: &impl ConnectionTrait,
    customer_id: i64,
    on: NaiveDate,
) -> AppResult<()> {
    customer::Entity::update_many()
        .col_expr(customer::Column::FirstOrderOn, Expr::value(on))
        .filter(customer::Column::Id.eq(customer_id))
        .filter(
            Condition::any()
                .add(customer::Column::FirstOrderOn.is_null())
                .add(customer::Column::FirstOrderOn.gt(on)),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// The sales order for a won deal: its product lines at the deal's prices with today's costs
/// (so gross profit is known per line), for the won amount.
pub(super) async fn create_order_for_won_deal(
    db: &impl ConnectionTrait,
    deal: &opportunity::Model,
    amount_fen: i64,
    on: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<sales_order::Model> {
    let lines = opportunity_line::Entity::find()
        .filter(opportunity_line::Column::OpportunityId.eq(deal.id))
        .all(db)
        .await?;
    let costs: HashMap<i64, i64> = product::Entity::find()
        .filter(product::Column::Id.is_in(lines.iter().map(|l| l.product_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.cost_price_fen))
        .collect();
    let cost_fen: i64 = lines
        .iter()
        .map(|l| {
            l.quantity
                .saturating_mul(costs.get(&l.product_id).copied().unwrap_or(0))
        })
        .sum();
    let order = insert_order(
        db,
        deal.customer_id,
        Some(deal.id),
        deal.owner_id,
        on,
        amount_fen,
        cost_fen,
        now,
    )
    .await?;
    for line in lines {
        let unit_cost_fen = costs.get(&line.product_id).copied().unwrap_or(0);
        order_line::ActiveModel {
            order_id: Set(order.id),
            product_id: Set(line.product_id),
            quantity: Set(line.quantity),
            unit_price_fen: Set(line.unit_price_fen),
            unit_cost_fen: Set(unit_cost_fen),
            amount_fen: Set(rules::line_amount_fen(
                line.quantity,
                line.unit_price_fen,
                0,
            )),
            cost_fen: Set(line.quantity.saturating_mul(unit_cost_fen)),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(order)
}

/// What a new sales order is made of, whoever creates it (a won deal, an import).
pub struct OrderColumns {
    pub number: String,
    pub external_id: Option<String>,
    pub customer_id: i64,
    pub opportunity_id: Option<i64>,
    pub owner_id: i64,
    pub on: NaiveDate,
    pub amount_fen: i64,
    pub cost_fen: i64,
    pub delivery: DeliveryStatus,
}

impl OrderColumns {
    pub fn into_active_model(self, now: DateTime<Utc>) -> sales_order::ActiveModel {
        sales_order::ActiveModel {
            number: Set(self.number),
            external_id: Set(self.external_id),
            customer_id: Set(self.customer_id),
            opportunity_id: Set(self.opportunity_id),
            contract_id: Set(None),
            owner_id: Set(self.owner_id),
            ordered_on: Set(self.on),
            amount_fen: Set(self.amount_fen),
            cost_fen: Set(self.cost_fen),
            paid_fen: Set(0),
            delivery_status: Set(self.delivery.as_str().to_string()),
            version: Set(1),
            created_at: Set(now),
            ..Default::default()
        }
    }
}

/// Inserts an order numbered from its id (`SO000123`).
#[allow(clippy::too_many_arguments)]
pub async fn insert_order(
    db: &impl ConnectionTrait,
    customer_id: i64,
    opportunity_id: Option<i64>,
    owner_id: i64,
    on: NaiveDate,
    amount_fen: i64,
    cost_fen: i64,
    now: DateTime<Utc>,
) -> AppResult<sales_order::Model> {
    let placeholder = format!(
        "new-{}-{}",
        now.timestamp_nanos_opt().unwrap_or_default(),
        opportunity_id.unwrap_or(customer_id)
    );
    let order = OrderColumns {
        number: placeholder,
        external_id: None,
        customer_id,
        opportunity_id,
        owner_id,
        on,
        amount_fen,
        cost_fen,
        delivery: DeliveryStatus::Pending,
    }
    .into_active_model(now)
    .insert(db)
    .await?;
    let number = format!("SO{:06}", order.id);
    sales_order::Entity::update_many()
        .col_expr(sales_order::Column::Number, Expr::value(number.clone()))
        .filter(sales_order::Column::Id.eq(order.id))
        .exec(db)
        .await?;
    Ok(sales_order::Model { number, ..order })
}
