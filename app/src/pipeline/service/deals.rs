//! One deal: saving it, its detail with orders, recording payments, and a customer's deals.
use super::*;

/// Creates or edits a deal. New deals start at the top of their column; only open stages may be
/// chosen here (closing goes through a move, which asks what closing needs).
pub async fn save_deal(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    form: &DealForm,
) -> AppResult<i64> {
    let now = crate::clock::now();
    let mut checks = Checks::default();
    let title = checks.check(
        "title",
        forms::parse_name(&form.title).and_then(|t| {
            if t.chars().count() > 100 {
                Err(ErrorCode::TooLong { max: 100 })
            } else {
                Ok(t)
            }
        }),
    );
    let amount = checks.check(
        "amount",
        forms::parse_money(&form.amount).and_then(|fen| {
            if fen >= 0 {
                Ok(fen)
            } else {
                Err(ErrorCode::InvalidAmount)
            }
        }),
    );
    let close = checks.check(
        "expected_close_on",
        forms::parse_optional_date(&form.expected_close_on),
    );
    let next_step = checks.check(
        "next_step",
        forms::parse_optional_text(&form.next_step, 200),
    );
    let competitor = checks.check(
        "competitor",
        forms::parse_optional_text(&form.competitor, 100),
    );
    let source = checks.check("source", forms::parse_optional_text(&form.source, 20));
    let customer_id = checks.check(
        "customer_id",
        form.customer_id
            .trim()
            .parse::<i64>()
            .map_err(|_| ErrorCode::Required),
    );
    let owner_id = if form.owner_id.trim().is_empty() {
        Some(actor.user.id)
    } else {
        checks.check(
            "owner_id",
            form.owner_id
                .trim()
                .parse::<i64>()
                .map_err(|_| ErrorCode::UnknownChoice),
        )
    };
    let stage_id = if form.stage_id.trim().is_empty() {
        None
    } else {
        checks
            .check(
                "stage_id",
                form.stage_id
                    .trim()
                    .parse::<i64>()
                    .map(Some)
                    .map_err(|_| ErrorCode::UnknownChoice),
            )
            .flatten()
    };
    checks.into_result().map_err(AppError::Validation)?;
    let (title, amount, close, next_step, competitor, source, customer_id, owner_id) = (
        title.ok_or(AppError::Internal)?,
        amount.ok_or(AppError::Internal)?,
        close.ok_or(AppError::Internal)?,
        next_step.ok_or(AppError::Internal)?,
        competitor.ok_or(AppError::Internal)?,
        source.ok_or(AppError::Internal)?,
        customer_id.ok_or(AppError::Internal)?,
        owner_id.ok_or(AppError::Internal)?,
    );

    let txn = begin_write(db).await?;
    visible::<customer::Entity>(&actor.scope())
        .filter(customer::Column::Id.eq(customer_id))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::field("customer_id", ErrorCode::UnknownChoice))?;
    if owner_id != actor.user.id {
        // Only people who lead others give deals to someone else, and only to people they lead.
        let allowed = actor.role().leads_people()
            && visible::<user::Entity>(&actor.scope())
                .filter(user::Column::Id.eq(owner_id))
                .filter(user::Column::Active.eq(true))
                .one(&txn)
                .await?
                .is_some();
        if !allowed {
            return Err(AppError::field("owner_id", ErrorCode::UnknownChoice));
        }
    }
    let id = match form.id {
        Some(id) => {
            let deal = visible::<opportunity::Entity>(&actor.scope())
                .filter(opportunity::Column::Id.eq(id))
                .one(&txn)
                .await?
                .ok_or(AppError::NotFound)?;
            let changes = opportunity::ActiveModel {
                customer_id: Set(customer_id),
                owner_id: Set(owner_id),
                title: Set(title),
                amount_fen: Set(amount),
                expected_close_on: Set(close),
                next_step: Set(next_step),
                competitor: Set(competitor),
                source: Set(source),
                updated_at: Set(now),
                ..Default::default()
            };
            update_versioned::<opportunity::Entity>(
                &txn,
                changes,
                (opportunity::Column::Id, id),
                (opportunity::Column::Version, form.version),
                "title",
            )
            .await?;
            publish(&txn, id, deal.owner_id, now).await?;
            if deal.owner_id != owner_id {
                publish(&txn, id, owner_id, now).await?;
            }
            id
        }
        None => {
            let (_, pipeline_id) = chosen_pipeline(&txn, None).await?;
            let stages = stages_of(&txn, pipeline_id).await?;
            let stage = match stage_id {
                Some(id) => stages
                    .iter()
                    .find(|s| s.id == id && !s.won && !s.lost)
                    .ok_or_else(|| AppError::field("stage_id", ErrorCode::UnknownChoice))?,
                None => stages
                    .iter()
                    .find(|s| !s.won && !s.lost)
                    .ok_or(AppError::Internal)?,
            };
            let position = top_position(&txn, stage.id).await?;
            let created = opportunity::ActiveModel {
                pipeline_id: Set(pipeline_id),
                stage_id: Set(stage.id),
                customer_id: Set(customer_id),
                contact_id: Set(None),
                owner_id: Set(owner_id),
                title: Set(title.clone()),
                amount_fen: Set(amount),
                currency: Set("CNY".into()),
                expected_close_on: Set(close),
                source: Set(source),
                next_step: Set(next_step),
                competitor: Set(competitor),
                position: Set(position),
                stage_entered_at: Set(now),
                won_amount_fen: Set(None),
                closed_on: Set(None),
                lost_reason_id: Set(None),
                lost_note: Set(String::new()),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            stage_history::ActiveModel {
                opportunity_id: Set(created.id),
                from_stage_id: Set(None),
                to_stage_id: Set(stage.id),
                actor_id: Set(Some(actor.user.id)),
                at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            record_on_customer(&txn, customer_id, actor, CustomerEvent::DealCreated(title)).await?;
            publish(&txn, created.id, owner_id, now).await?;
            created.id
        }
    };
    txn.commit().await?;
    Ok(id)
}

async fn orders_of(
    db: &impl ConnectionTrait,
    actor: &Actor,
    deal_id: i64,
) -> AppResult<Vec<OrderView>> {
    let orders = visible::<sales_order::Entity>(&actor.scope())
        .filter(sales_order::Column::OpportunityId.eq(deal_id))
        .order_by_asc(sales_order::Column::Id)
        .all(db)
        .await?;
    let order_ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
    let lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.is_in(order_ids.clone()))
        .order_by_asc(order_line::Column::Id)
        .all(db)
        .await?;
    let product_names: HashMap<i64, String> = product::Entity::find()
        .filter(product::Column::Id.is_in(lines.iter().map(|l| l.product_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let payments = visible::<payment::Entity>(&actor.scope())
        .filter(payment::Column::OrderId.is_in(order_ids))
        .order_by_asc(payment::Column::ReceivedOn)
        .order_by_asc(payment::Column::Id)
        .all(db)
        .await?;
    Ok(orders
        .into_iter()
        .map(|order| OrderView {
            lines: lines
                .iter()
                .filter(|l| l.order_id == order.id)
                .map(|l| OrderLineView {
                    product_name: product_names
                        .get(&l.product_id)
                        .cloned()
                        .unwrap_or_default(),
                    quantity: l.quantity,
                    unit_price_fen: l.unit_price_fen,
                    amount_fen: l.amount_fen,
                    cost_fen: l.cost_fen,
                })
                .collect(),
            payments: payments
                .iter()
                .filter(|p| p.order_id == order.id)
                .map(|p| PaymentView {
                    id: p.id,
                    received_on: p.received_on,
                    amount_fen: p.amount_fen,
                    method: p.method.clone(),
                    note: p.note.clone(),
                })
                .collect(),
            balance_fen: rules::balance_fen(order.amount_fen, order.paid_fen),
            id: order.id,
            number: order.number,
            ordered_on: order.ordered_on,
            amount_fen: order.amount_fen,
            cost_fen: order.cost_fen,
            paid_fen: order.paid_fen,
            delivery_status: order.delivery_status,
            version: order.version,
        })
        .collect())
}

pub async fn deal(db: &impl ConnectionTrait, actor: &Actor, id: i64) -> AppResult<DealDetail> {
    let deal = visible::<opportunity::Entity>(&actor.scope())
        .filter(opportunity::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let stages = stages_of(db, deal.pipeline_id).await?;
    let stage = stages
        .iter()
        .find(|s| s.id == deal.stage_id)
        .map(stage_view)
        .ok_or(AppError::Internal)?;
    let history_rows = stage_history::Entity::find()
        .filter(stage_history::Column::OpportunityId.eq(id))
        .order_by_desc(stage_history::Column::At)
        .order_by_desc(stage_history::Column::Id)
        .all(db)
        .await?;
    let actor_names =
        crate::auth::names_of(db, history_rows.iter().filter_map(|h| h.actor_id)).await?;
    let history = history_rows
        .into_iter()
        .map(|h| StageStep {
            from_stage: h.from_stage_id,
            to_stage: h.to_stage_id,
            actor_name: h.actor_id.and_then(|a| actor_names.get(&a).cloned()),
            on: crate::clock::local_day(h.at),
        })
        .collect();
    let reasons = lost_reasons(db).await?;
    let lost_reason = deal
        .lost_reason_id
        .and_then(|rid| reasons.iter().find(|r| r.id == rid).cloned());
    let orders = orders_of(db, actor, id).await?;
    let card = cards(db, vec![deal.clone()], &stages, crate::clock::today())
        .await?
        .pop()
        .ok_or(AppError::Internal)?;
    Ok(DealDetail {
        customer_name: card.customer_name.clone(),
        card,
        stage,
        stages: stages.iter().map(stage_view).collect(),
        next_step: deal.next_step,
        competitor: deal.competitor,
        source: deal.source,
        won_amount_fen: deal.won_amount_fen,
        closed_on: deal.closed_on,
        lost_reason,
        lost_note: deal.lost_note,
        history,
        orders,
        lost_reasons: reasons,
    })
}

/// Records money received against an order; more than the balance is refused, and a stale order
/// version (someone recorded a payment meanwhile) is a conflict.
pub async fn record_payment(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    form: &PaymentForm,
) -> AppResult<i64> {
    let now = crate::clock::now();
    let mut checks = Checks::default();
    let amount = checks.check(
        "amount",
        forms::parse_money(&form.amount).and_then(|fen| {
            if fen > 0 {
                Ok(fen)
            } else {
                Err(ErrorCode::InvalidAmount)
            }
        }),
    );
    let received_on = checks
        .check("received_on", forms::parse_optional_date(&form.received_on))
        .map(|d| d.unwrap_or_else(crate::clock::today));
    let method = checks.check("method", forms::parse_optional_text(&form.method, 20));
    let note = checks.check("note", forms::parse_optional_text(&form.note, 200));
    checks.into_result().map_err(AppError::Validation)?;
    let (amount, received_on, method, note) = (
        amount.ok_or(AppError::Internal)?,
        received_on.ok_or(AppError::Internal)?,
        method.ok_or(AppError::Internal)?,
        note.ok_or(AppError::Internal)?,
    );

    let txn = begin_write(db).await?;
    let order = visible::<sales_order::Entity>(&actor.scope())
        .filter(sales_order::Column::Id.eq(form.order_id))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if order.version != form.order_version {
        return Err(AppError::Conflict);
    }
    let balance = rules::balance_fen(order.amount_fen, order.paid_fen);
    if amount > balance {
        return Err(AppError::field(
            "amount",
            ErrorCode::Overpaid {
                balance_fen: balance,
            },
        ));
    }
    let changes = sales_order::ActiveModel {
        paid_fen: Set(order.paid_fen + amount),
        ..Default::default()
    };
    update_versioned::<sales_order::Entity>(
        &txn,
        changes,
        (sales_order::Column::Id, order.id),
        (sales_order::Column::Version, form.order_version),
        "amount",
    )
    .await?;
    let created = payment::ActiveModel {
        order_id: Set(order.id),
        customer_id: Set(order.customer_id),
        owner_id: Set(order.owner_id),
        received_on: Set(received_on),
        amount_fen: Set(amount),
        method: Set(method),
        note: Set(note),
        recorded_by: Set(Some(actor.user.id)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    record_on_customer(
        &txn,
        order.customer_id,
        actor,
        CustomerEvent::Payment {
            order: order.number.clone(),
            amount_fen: amount,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(created.id)
}

/// Deals of a customer the actor may see, newest first (for the customer file).
pub async fn deals_of_customer(
    db: &impl ConnectionTrait,
    actor: &Actor,
    customer_id: i64,
) -> AppResult<Vec<Card>> {
    let deals = visible::<opportunity::Entity>(&actor.scope())
        .filter(opportunity::Column::CustomerId.eq(customer_id))
        .order_by_desc(opportunity::Column::UpdatedAt)
        .limit(50)
        .all(db)
        .await?;
    let pipeline_ids: Vec<i64> = deals.iter().map(|d| d.pipeline_id).collect();
    let stages = pipeline_stage::Entity::find()
        .filter(pipeline_stage::Column::PipelineId.is_in(pipeline_ids))
        .all(db)
        .await?;
    cards(db, deals, &stages, crate::clock::today()).await
}
