//! Contracts made from accepted quotes, and their status.
use super::*;

pub async fn create_contract(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    form: &ContractForm,
) -> AppResult<i64> {
    let now = crate::clock::now();
    let mut checks = Checks::default();
    let signed_on = checks
        .check("signed_on", forms::parse_optional_date(&form.signed_on))
        .flatten();
    let starts_on = checks
        .check("starts_on", forms::parse_optional_date(&form.starts_on))
        .flatten();
    let ends_on = checks
        .check("ends_on", forms::parse_optional_date(&form.ends_on))
        .flatten();
    if let (Some(start), Some(end)) = (starts_on, ends_on) {
        if end < start {
            checks
                .0
                .push(forms::FieldError::new("ends_on", ErrorCode::InvalidDate));
        }
    }
    checks.into_result().map_err(AppError::Validation)?;
    let txn = begin_write(db).await?;
    let (quote, deal) = editable_quote(&txn, actor, form.quote_id).await?;
    if quote.version != form.quote_version {
        return Err(AppError::Conflict);
    }
    if quote.status != QuoteStatus::Accepted.as_str() {
        return Err(AppError::field("quote_id", ErrorCode::QuoteNotAccepted));
    }
    if across_owners::<contract::Entity>()
        .filter(contract::Column::QuoteId.eq(quote.id))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(AppError::field("quote_id", ErrorCode::Taken));
    }
    let status = if signed_on.is_some() {
        ContractStatus::Signed
    } else {
        ContractStatus::Draft
    };
    let created = contract::ActiveModel {
        quote_id: Set(Some(quote.id)),
        opportunity_id: Set(quote.opportunity_id),
        customer_id: Set(quote.customer_id),
        owner_id: Set(deal.owner_id),
        number: Set(format!(
            "new-{}",
            now.timestamp_nanos_opt().unwrap_or_default()
        )),
        signed_on: Set(signed_on),
        starts_on: Set(starts_on),
        ends_on: Set(ends_on),
        amount_fen: Set(quote.total_fen),
        status: Set(status.as_str().to_string()),
        version: Set(1),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let number = format!(
        "HT{}{:05}",
        signed_on.unwrap_or_else(crate::clock::today).format("%Y"),
        created.id
    );
    contract::Entity::update_many()
        .col_expr(contract::Column::Number, Expr::value(number.clone()))
        .filter(contract::Column::Id.eq(created.id))
        .exec(&txn)
        .await?;
    crate::customers::record_event(
        &txn,
        quote.customer_id,
        Some(actor.user.id),
        crate::domain::events::CustomerEvent::Contract {
            number: number.clone(),
            amount_fen: quote.total_fen,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(created.id)
}

pub async fn set_contract_status(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    id: i64,
    version: i32,
    status: &str,
) -> AppResult<i64> {
    let next = ContractStatus::parse(status)
        .ok_or_else(|| AppError::field("status", ErrorCode::UnknownChoice))?;
    let txn = begin_write(db).await?;
    let found = visible::<contract::Entity>(&actor.scope())
        .filter(contract::Column::Id.eq(id))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if found.version != version {
        return Err(AppError::Conflict);
    }
    let current = ContractStatus::parse(&found.status).ok_or(AppError::Internal)?;
    if !rules::contract_status_may_change(current, next) {
        return Err(AppError::field("status", ErrorCode::UnknownChoice));
    }
    let mut changes = contract::ActiveModel {
        status: Set(next.as_str().to_string()),
        ..Default::default()
    };
    if next == ContractStatus::Signed && found.signed_on.is_none() {
        changes.signed_on = Set(Some(crate::clock::today()));
    }
    update_versioned::<contract::Entity>(
        &txn,
        changes,
        (contract::Column::Id, id),
        (contract::Column::Version, version),
        "status",
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}
