//! The records that hang on a customer, moved as a whole: when two customers are merged nothing of
//! the merged one is left behind (or deleted with it), and when a customer changes hands the work
//! still open goes with it while closed sales keep their seller.
pub use super::RecordCounts;
use crate::auth::scope::across_owners;
use crate::domain::pipeline::{ContractStatus, QuoteStatus};
use crate::entities::{
    alert, check_in, contract, field_expense, opportunity, payment, pipeline_stage, quote,
    sales_order, visit_stop,
};
use crate::error::AppResult;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter};

/// Open work: deals in a stage that is neither won nor lost.
fn open_deals_of(customer_ids: Vec<i64>) -> sea_orm::sea_query::SelectStatement {
    let closed_stages = Query::select()
        .column(pipeline_stage::Column::Id)
        .from(pipeline_stage::Entity)
        .cond_where(
            sea_orm::Condition::any()
                .add(pipeline_stage::Column::Won.eq(true))
                .add(pipeline_stage::Column::Lost.eq(true)),
        )
        .to_owned();
    Query::select()
        .column(opportunity::Column::Id)
        .from(opportunity::Entity)
        .and_where(opportunity::Column::CustomerId.is_in(customer_ids))
        .and_where(opportunity::Column::StageId.not_in_subquery(closed_stages))
        .to_owned()
}

/// Gives `customer_ids`' open deals, with their draft or sent quotes and their contracts not yet
/// ended, to `new_owner`. Won orders and their payments keep their seller (performance credit);
/// the new owner reads them through the customer. Returns the number of deals moved.
pub async fn hand_open_work(
    db: &impl ConnectionTrait,
    customer_ids: &[i64],
    new_owner: i64,
) -> AppResult<u64> {
    if customer_ids.is_empty() {
        return Ok(0);
    }
    let open = open_deals_of(customer_ids.to_vec());
    quote::Entity::update_many()
        .col_expr(quote::Column::OwnerId, Expr::value(new_owner))
        .filter(quote::Column::OpportunityId.in_subquery(open.clone()))
        .filter(
            quote::Column::Status.is_in([QuoteStatus::Draft.as_str(), QuoteStatus::Sent.as_str()]),
        )
        .exec(db)
        .await?;
    contract::Entity::update_many()
        .col_expr(contract::Column::OwnerId, Expr::value(new_owner))
        .filter(contract::Column::OpportunityId.in_subquery(open.clone()))
        .filter(contract::Column::Status.ne(ContractStatus::Ended.as_str()))
        .exec(db)
        .await?;
    let moved = opportunity::Entity::update_many()
        .col_expr(opportunity::Column::OwnerId, Expr::value(new_owner))
        .col_expr(
            opportunity::Column::Version,
            Expr::col(opportunity::Column::Version).add(1),
        )
        .filter(opportunity::Column::Id.in_subquery(open))
        .filter(opportunity::Column::OwnerId.ne(new_owner))
        .exec(db)
        .await?;
    Ok(moved.rows_affected)
}

/// Counts what `customer_id` holds, for the merge preview.
pub async fn counts(db: &impl ConnectionTrait, customer_id: i64) -> AppResult<RecordCounts> {
    use sea_orm::{PaginatorTrait, QuerySelect};
    let sum = |column: sea_orm::sea_query::SimpleExpr| crate::db::sum_as_bigint(column);
    let orders: Option<i64> = across_owners::<sales_order::Entity>()
        .select_only()
        .expr(sum(Expr::col(sales_order::Column::AmountFen)))
        .filter(sales_order::Column::CustomerId.eq(customer_id))
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    let payments: Option<i64> = across_owners::<payment::Entity>()
        .select_only()
        .expr(sum(Expr::col(payment::Column::AmountFen)))
        .filter(payment::Column::CustomerId.eq(customer_id))
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    Ok(RecordCounts {
        deals: across_owners::<opportunity::Entity>()
            .filter(opportunity::Column::CustomerId.eq(customer_id))
            .count(db)
            .await?,
        quotes: across_owners::<quote::Entity>()
            .filter(quote::Column::CustomerId.eq(customer_id))
            .count(db)
            .await?,
        contracts: across_owners::<contract::Entity>()
            .filter(contract::Column::CustomerId.eq(customer_id))
            .count(db)
            .await?,
        orders: across_owners::<sales_order::Entity>()
            .filter(sales_order::Column::CustomerId.eq(customer_id))
            .count(db)
            .await?,
        order_fen: orders.unwrap_or(0),
        payments: across_owners::<payment::Entity>()
            .filter(payment::Column::CustomerId.eq(customer_id))
            .count(db)
            .await?,
        payment_fen: payments.unwrap_or(0),
        visits: across_owners::<check_in::Entity>()
            .filter(check_in::Column::CustomerId.eq(customer_id))
            .count(db)
            .await?,
    })
}

/// Moves every business record of `from` to `to`: deals, quotes, contracts, orders, payments,
/// planned visits, check-ins, costs and alerts. Open work goes to `to`'s owner when it has one.
pub async fn move_all(
    db: &impl ConnectionTrait,
    from: i64,
    to: i64,
    to_owner: Option<i64>,
) -> AppResult<()> {
    if let Some(owner) = to_owner {
        hand_open_work(db, &[from], owner).await?;
    }
    macro_rules! repoint {
        ($($entity:ident),+) => {$(
            $entity::Entity::update_many()
                .col_expr($entity::Column::CustomerId, Expr::value(to))
                .filter($entity::Column::CustomerId.eq(from))
                .exec(db)
                .await?;
        )+};
    }
    repoint!(
        opportunity,
        quote,
        contract,
        sales_order,
        payment,
        visit_stop,
        check_in
    );
    field_expense::Entity::update_many()
        .col_expr(field_expense::Column::CustomerId, Expr::value(Some(to)))
        .filter(field_expense::Column::CustomerId.eq(from))
        .exec(db)
        .await?;
    // Customer alerts name the customer as their subject (one per kind); where the kept customer
    // has its own alert of that kind, that one stands and the hourly job judges the rest anew.
    let customer_kinds = [
        crate::domain::alerts::AlertKind::CustomerOverdue.as_str(),
        crate::domain::alerts::AlertKind::CustomerDrop.as_str(),
    ];
    let kept_kinds = Query::select()
        .column(alert::Column::Kind)
        .from(alert::Entity)
        .and_where(alert::Column::SubjectId.eq(to))
        .and_where(alert::Column::Kind.is_in(customer_kinds))
        .to_owned();
    alert::Entity::update_many()
        .col_expr(alert::Column::SubjectId, Expr::value(to))
        .filter(alert::Column::SubjectId.eq(from))
        .filter(alert::Column::Kind.is_in(customer_kinds))
        .filter(alert::Column::Kind.not_in_subquery(kept_kinds))
        .exec(db)
        .await?;
    Ok(())
}
