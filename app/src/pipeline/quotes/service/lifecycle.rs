//! A quote once saved: read, sent, accepted or rejected, revised, and listed per deal and customer.
use super::*;

fn summary(quote: &quote::Model, deal_title: &str) -> QuoteSummary {
    QuoteSummary {
        id: quote.id,
        number: quote.number.clone(),
        revision: quote.revision,
        status: quote.status.clone(),
        total_fen: quote.total_fen,
        valid_until: quote.valid_until,
        created_on: crate::clock::local_day(quote.created_at),
        deal_id: quote.opportunity_id,
        deal_title: deal_title.to_string(),
    }
}

async fn line_views(
    db: &impl ConnectionTrait,
    quote_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<QuoteLineView>>> {
    let lines = quote_line::Entity::find()
        .filter(quote_line::Column::QuoteId.is_in(quote_ids.iter().copied()))
        .order_by_asc(quote_line::Column::Id)
        .all(db)
        .await?;
    let products: HashMap<i64, product::Model> = product::Entity::find()
        .filter(product::Column::Id.is_in(lines.iter().map(|l| l.product_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut by_quote: HashMap<i64, Vec<QuoteLineView>> = HashMap::new();
    for line in lines {
        let product = products.get(&line.product_id);
        by_quote
            .entry(line.quote_id)
            .or_default()
            .push(QuoteLineView {
                product_id: line.product_id,
                code: product.map(|p| p.code.clone()).unwrap_or_default(),
                name: product.map(|p| p.name.clone()).unwrap_or_default(),
                unit: product.map(|p| p.unit.clone()).unwrap_or_default(),
                quantity: line.quantity,
                unit_price_fen: line.unit_price_fen,
                discount_bp: line.discount_bp.clamp(0, 10_000) as u16,
                amount_fen: line.amount_fen,
            });
    }
    Ok(by_quote)
}

fn contract_view(c: contract::Model) -> ContractView {
    ContractView {
        id: c.id,
        number: c.number,
        status: c.status,
        signed_on: c.signed_on,
        starts_on: c.starts_on,
        ends_on: c.ends_on,
        amount_fen: c.amount_fen,
        version: c.version,
    }
}

pub async fn quote(db: &impl ConnectionTrait, actor: &Actor, id: i64) -> AppResult<QuoteView> {
    let quote = visible_quote(db, actor, id).await?;
    let deal_title = across_owners::<opportunity::Entity>()
        .filter(opportunity::Column::Id.eq(quote.opportunity_id))
        .one(db)
        .await?
        .map(|d| d.title)
        .unwrap_or_default();
    let revisions = visible::<quote::Entity>(&actor.scope())
        .filter(quote::Column::Number.eq(quote.number.clone()))
        .order_by_desc(quote::Column::Revision)
        .all(db)
        .await?;
    let mut lines = line_views(db, &[quote.id]).await?;
    let contract = visible::<contract::Entity>(&actor.scope())
        .filter(contract::Column::QuoteId.eq(quote.id))
        .one(db)
        .await?
        .map(contract_view);
    Ok(QuoteView {
        summary: summary(&quote, &deal_title),
        version: quote.version,
        notes: quote.notes.clone(),
        customer_id: quote.customer_id,
        customer_name: customer_name(db, quote.customer_id).await?,
        owner_name: crate::auth::names_of(db, [quote.owner_id])
            .await?
            .remove(&quote.owner_id)
            .unwrap_or_default(),
        lines: lines.remove(&quote.id).unwrap_or_default(),
        revisions: revisions.iter().map(|r| summary(r, &deal_title)).collect(),
        contract,
    })
}

/// Draft → sent → accepted, rejected or expired. Accepting needs an open deal and sets the
/// deal's amount and lines from the quote (so the order of the won deal carries them).
pub async fn set_status(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    id: i64,
    version: i32,
    status: &str,
) -> AppResult<i64> {
    let next = QuoteStatus::parse(status)
        .ok_or_else(|| AppError::field("status", ErrorCode::UnknownChoice))?;
    let txn = begin_write(db).await?;
    let quote = visible_quote(&txn, actor, id).await?;
    if quote.version != version {
        return Err(AppError::Conflict);
    }
    let current = QuoteStatus::parse(&quote.status).ok_or(AppError::Internal)?;
    if !rules::quote_status_may_change(current, next) {
        return Err(AppError::field("status", ErrorCode::UnknownChoice));
    }
    let deal = visible_deal(&txn, actor, quote.opportunity_id).await?;
    if next == QuoteStatus::Accepted {
        if !deal_is_open(&txn, &deal).await? {
            return Err(AppError::field("status", ErrorCode::DealClosed));
        }
        let lines = quote_line::Entity::find()
            .filter(quote_line::Column::QuoteId.eq(id))
            .all(&txn)
            .await?;
        opportunity_line::Entity::delete_many()
            .filter(opportunity_line::Column::OpportunityId.eq(deal.id))
            .exec(&txn)
            .await?;
        for line in &lines {
            opportunity_line::ActiveModel {
                opportunity_id: Set(deal.id),
                product_id: Set(line.product_id),
                quantity: Set(line.quantity),
                unit_price_fen: Set(rules::net_unit_price_fen(
                    line.unit_price_fen,
                    line.discount_bp.clamp(0, 10_000) as u16,
                )),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        let changes = opportunity::ActiveModel {
            amount_fen: Set(quote.total_fen),
            updated_at: Set(crate::clock::now()),
            ..Default::default()
        };
        update_versioned::<opportunity::Entity>(
            &txn,
            changes,
            (opportunity::Column::Id, deal.id),
            (opportunity::Column::Version, deal.version),
            "status",
        )
        .await?;
        crate::pipeline::service::publish(&txn, deal.id, deal.owner_id, crate::clock::now())
            .await?;
    }
    let changes = quote::ActiveModel {
        status: Set(next.as_str().to_string()),
        ..Default::default()
    };
    update_versioned::<quote::Entity>(
        &txn,
        changes,
        (quote::Column::Id, id),
        (quote::Column::Version, version),
        "status",
    )
    .await?;
    crate::customers::record_event(
        &txn,
        quote.customer_id,
        Some(actor.user.id),
        crate::domain::events::CustomerEvent::Quote {
            number: quote.number.clone(),
            revision: quote.revision.into(),
            status: next.as_str().to_string(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

pub async fn revise(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    id: i64,
    version: i32,
) -> AppResult<i64> {
    let now = crate::clock::now();
    let txn = begin_write(db).await?;
    let (quote, deal) = editable_quote(&txn, actor, id).await?;
    if quote.version != version {
        return Err(AppError::Conflict);
    }
    if quote.status == QuoteStatus::Draft.as_str() {
        return Err(AppError::field("status", ErrorCode::UnknownChoice));
    }
    let newest = across_owners::<quote::Entity>()
        .filter(quote::Column::Number.eq(quote.number.clone()))
        .order_by_desc(quote::Column::Revision)
        .one(&txn)
        .await?
        .ok_or(AppError::Internal)?;
    let created = quote::ActiveModel {
        opportunity_id: Set(quote.opportunity_id),
        customer_id: Set(quote.customer_id),
        owner_id: Set(deal.owner_id),
        number: Set(quote.number.clone()),
        revision: Set(newest.revision + 1),
        status: Set(QuoteStatus::Draft.as_str().to_string()),
        valid_until: Set(quote.valid_until),
        total_fen: Set(quote.total_fen),
        notes: Set(quote.notes.clone()),
        version: Set(1),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for line in quote_line::Entity::find()
        .filter(quote_line::Column::QuoteId.eq(id))
        .all(&txn)
        .await?
    {
        quote_line::ActiveModel {
            id: sea_orm::ActiveValue::NotSet,
            quote_id: Set(created.id),
            ..line.into()
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(created.id)
}

pub async fn quotes_of_deal(
    db: &impl ConnectionTrait,
    actor: &Actor,
    deal_id: i64,
) -> AppResult<Vec<QuoteSummary>> {
    let deal = visible_deal(db, actor, deal_id).await?;
    let quotes = visible::<quote::Entity>(&actor.scope())
        .filter(quote::Column::OpportunityId.eq(deal_id))
        .order_by_desc(quote::Column::CreatedAt)
        .order_by_desc(quote::Column::Id)
        .all(db)
        .await?;
    Ok(quotes.iter().map(|q| summary(q, &deal.title)).collect())
}

/// Every quote of a customer the actor may see, newest first, with lines (capped at 100).
pub async fn quotes_of_customer(
    db: &impl ConnectionTrait,
    actor: &Actor,
    customer_id: i64,
) -> AppResult<Vec<CustomerQuote>> {
    let quotes = visible::<quote::Entity>(&actor.scope())
        .filter(quote::Column::CustomerId.eq(customer_id))
        .order_by_desc(quote::Column::CreatedAt)
        .order_by_desc(quote::Column::Id)
        .limit(100)
        .all(db)
        .await?;
    let titles: HashMap<i64, String> = across_owners::<opportunity::Entity>()
        .filter(opportunity::Column::Id.is_in(quotes.iter().map(|q| q.opportunity_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d.title))
        .collect();
    let ids: Vec<i64> = quotes.iter().map(|q| q.id).collect();
    let mut lines = line_views(db, &ids).await?;
    Ok(quotes
        .iter()
        .map(|q| CustomerQuote {
            summary: summary(
                q,
                titles
                    .get(&q.opportunity_id)
                    .map(String::as_str)
                    .unwrap_or_default(),
            ),
            lines: lines.remove(&q.id).unwrap_or_default(),
        })
        .collect())
}
