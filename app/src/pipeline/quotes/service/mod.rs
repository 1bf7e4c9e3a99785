//! Quotes and contracts in the database: the checks on a quote's chain (quote → deal →
//! customer) every part shares, then drafts, a quote's life after it goes out, and contracts.
use super::*;
use crate::auth::scope::{across_owners, visible};
use crate::auth::Actor;
use crate::db::{begin_write, update_versioned};
use crate::domain::forms::{self, Checks, ErrorCode};
use crate::domain::pipeline::{self as rules, ContractStatus, QuoteStatus};
use crate::entities::{
    contract, customer, opportunity, opportunity_line, pipeline_stage, product, quote, quote_line,
};
use crate::error::AppResult;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
};
use std::collections::HashMap;

const MAX_LINES: usize = 100;

async fn visible_deal(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> AppResult<opportunity::Model> {
    visible::<opportunity::Entity>(&actor.scope())
        .filter(opportunity::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

async fn visible_quote(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> AppResult<quote::Model> {
    visible::<quote::Entity>(&actor.scope())
        .filter(quote::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// A quote someone may change: theirs to see, and so is its deal (a check on one record is a
/// check on its chain, so a quote left with a rep after its deal moved on is not theirs to use).
async fn editable_quote(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> AppResult<(quote::Model, opportunity::Model)> {
    let quote = visible_quote(db, actor, id).await?;
    let deal = visible_deal(db, actor, quote.opportunity_id).await?;
    Ok((quote, deal))
}

async fn deal_is_open(db: &impl ConnectionTrait, deal: &opportunity::Model) -> AppResult<bool> {
    let stage = pipeline_stage::Entity::find_by_id(deal.stage_id)
        .one(db)
        .await?
        .ok_or(AppError::Internal)?;
    Ok(!stage.won && !stage.lost)
}

async fn customer_name(db: &impl ConnectionTrait, id: i64) -> AppResult<String> {
    Ok(across_owners::<customer::Entity>()
        .filter(customer::Column::Id.eq(id))
        .one(db)
        .await?
        .map(|c| c.name)
        .unwrap_or_default())
}

/// The price each product was last accepted at by this customer (the newest accepted quote wins).
async fn accepted_prices(
    db: &impl ConnectionTrait,
    customer_id: i64,
) -> AppResult<Vec<AcceptedPrice>> {
    let accepted = across_owners::<quote::Entity>()
        .filter(quote::Column::CustomerId.eq(customer_id))
        .filter(quote::Column::Status.eq(QuoteStatus::Accepted.as_str()))
        .order_by_desc(quote::Column::CreatedAt)
        .order_by_desc(quote::Column::Id)
        .all(db)
        .await?;
    let number: HashMap<i64, String> = accepted.iter().map(|q| (q.id, q.number.clone())).collect();
    let order: HashMap<i64, usize> = accepted
        .iter()
        .enumerate()
        .map(|(i, q)| (q.id, i))
        .collect();
    let mut lines = quote_line::Entity::find()
        .filter(quote_line::Column::QuoteId.is_in(accepted.iter().map(|q| q.id)))
        .all(db)
        .await?;
    lines.sort_by_key(|l| order.get(&l.quote_id).copied().unwrap_or(usize::MAX));
    let mut seen = std::collections::HashSet::new();
    Ok(lines
        .into_iter()
        .filter(|l| seen.insert(l.product_id))
        .map(|l| AcceptedPrice {
            product_id: l.product_id,
            unit_price_fen: l.unit_price_fen,
            discount_bp: l.discount_bp.clamp(0, 10_000) as u16,
            quote_number: number.get(&l.quote_id).cloned().unwrap_or_default(),
        })
        .collect())
}

fn line_form(line: &quote_line::Model) -> QuoteLineForm {
    QuoteLineForm {
        product_id: Some(line.product_id),
        quantity: line.quantity.to_string(),
        unit_price: forms::money_input_value(line.unit_price_fen),
        discount: if line.discount_bp == 0 {
            String::new()
        } else {
            forms::money_input_value(i64::from(line.discount_bp))
        },
    }
}

mod contracts;
mod drafts;
mod lifecycle;
pub use contracts::{create_contract, set_contract_status};
pub use drafts::{draft, save};
pub use lifecycle::{quote, quotes_of_customer, quotes_of_deal, revise, set_status};
