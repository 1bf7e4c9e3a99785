//! Moving cards: the change feed open boards follow, positions in a column, and the checks a move to a closing stage needs.
use super::*;

/// Writes the change feed that open boards follow (see `live`).
pub(crate) async fn publish(
    db: &impl ConnectionTrait,
    deal_id: i64,
    owner_id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let owner_team_id = team_of(db, owner_id).await?;
    publish_in_team(db, deal_id, owner_id, owner_team_id, now).await
}

async fn team_of(db: &impl ConnectionTrait, user_id: i64) -> AppResult<Option<i64>> {
    Ok(across_owners::<user::Entity>()
        .select_only()
        .column(user::Column::TeamId)
        .filter(user::Column::Id.eq(user_id))
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten())
}

async fn publish_in_team(
    db: &impl ConnectionTrait,
    deal_id: i64,
    owner_id: i64,
    owner_team_id: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    pipeline_event::ActiveModel {
        opportunity_id: Set(deal_id),
        owner_id: Set(owner_id),
        owner_team_id: Set(owner_team_id),
        at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The cards of a column other than `moving`, in board order (or its reverse): the one query
/// every question about a column's order is built on.
fn column_in_order(
    stage_id: i64,
    moving: i64,
    order: sea_orm::Order,
) -> Select<opportunity::Entity> {
    across_owners::<opportunity::Entity>()
        .filter(opportunity::Column::StageId.eq(stage_id))
        .filter(opportunity::Column::Id.ne(moving))
        .order_by(opportunity::Column::Position, order.clone())
        .order_by(opportunity::Column::Id, order)
}

pub(super) fn positions(
    query: Select<opportunity::Entity>,
) -> sea_orm::Selector<sea_orm::SelectGetableTuple<i64>> {
    query
        .select_only()
        .column(opportunity::Column::Position)
        .into_tuple::<i64>()
}

/// Where a named neighbour sits in the column.
async fn position_of(
    db: &impl ConnectionTrait,
    stage_id: i64,
    moving: i64,
    deal_id: i64,
) -> AppResult<i64> {
    let position = positions(
        column_in_order(stage_id, moving, sea_orm::Order::Asc)
            .filter(opportunity::Column::Id.eq(deal_id)),
    )
    .one(db)
    .await?;
    // A neighbour that has left the column meanwhile: the board the mover saw is stale.
    position.ok_or(AppError::Conflict)
}

/// The positions a drop lands between. The mover names the card it goes below (or, failing that,
/// the card it goes above; naming none means the top). The other side is the next card of the
/// whole column, which may be one the mover cannot see: a rep's board shows only their own cards,
/// and the drop must land right next to the card they aimed at, not on someone else's.
async fn landing_gap(
    db: &impl ConnectionTrait,
    stage_id: i64,
    moving: i64,
    above: Option<i64>,
    below: Option<i64>,
) -> AppResult<(Option<i64>, Option<i64>)> {
    use sea_orm::Order::{Asc, Desc};
    let column = |order| column_in_order(stage_id, moving, order);
    Ok(match (above, below) {
        (Some(above), _) => {
            let upper = position_of(db, stage_id, moving, above).await?;
            (
                Some(upper),
                positions(column(Asc).filter(opportunity::Column::Position.gt(upper)))
                    .one(db)
                    .await?,
            )
        }
        (None, Some(below)) => {
            let lower = position_of(db, stage_id, moving, below).await?;
            (
                positions(column(Desc).filter(opportunity::Column::Position.lt(lower)))
                    .one(db)
                    .await?,
                Some(lower),
            )
        }
        (None, None) => (None, positions(column(Asc)).one(db).await?),
    })
}

/// Numbers a column afresh (in its current order), leaving out `moving`. Positions are unique per
/// stage, so the cards first step aside to placeholders far below any position a drop can make.
async fn renumber_column(db: &impl ConnectionTrait, stage_id: i64, moving: i64) -> AppResult<()> {
    let ids: Vec<i64> = column_in_order(stage_id, moving, sea_orm::Order::Asc)
        .select_only()
        .column(opportunity::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let set = |id: i64, position: i64| {
        opportunity::Entity::update_many()
            .col_expr(opportunity::Column::Position, Expr::value(position))
            .filter(opportunity::Column::Id.eq(id))
            .exec(db)
    };
    for (index, &id) in ids.iter().enumerate() {
        set(id, i64::MIN / 2 + index as i64).await?;
    }
    let positions = rules::renumbered(ids.len());
    for (id, position) in ids.into_iter().zip(positions) {
        set(id, position).await?;
    }
    Ok(())
}

/// Takes the column for this transaction: on PostgreSQL concurrent moves into one stage queue on
/// the stage's row, so two never pick the same free position; SQLite has one writer already.
async fn lock_column(db: &impl ConnectionTrait, stage_id: i64) -> AppResult<()> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id FROM pipeline_stages WHERE id = $1 FOR UPDATE",
            [stage_id.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Where a card lands in `stage_id` (see `landing_gap`), renumbering the column when the two
/// cards around the gap are adjacent. The gap is between two neighbouring cards of the locked
/// column, so the position is free: positions stay unique per stage (a unique index holds it).
async fn landing_position(
    db: &impl ConnectionTrait,
    stage_id: i64,
    moving: i64,
    above: Option<i64>,
    below: Option<i64>,
) -> AppResult<i64> {
    lock_column(db, stage_id).await?;
    let (upper, lower) = landing_gap(db, stage_id, moving, above, below).await?;
    if let Some(position) = rules::position_between(upper, lower) {
        return Ok(position);
    }
    renumber_column(db, stage_id, moving).await?;
    let (upper, lower) = landing_gap(db, stage_id, moving, above, below).await?;
    // Renumbered positions are a whole step apart, so there is always room now.
    rules::position_between(upper, lower).ok_or(AppError::Internal)
}

/// The position at the top of a column.
pub(crate) async fn top_position(db: &impl ConnectionTrait, stage_id: i64) -> AppResult<i64> {
    landing_position(db, stage_id, 0, None, None).await
}

/// What closing a deal as won or lost needs, checked.
enum Closing {
    Open,
    Won { amount_fen: i64, on: NaiveDate },
    Lost { reason_id: i64, note: String },
}

async fn check_closing(
    db: &impl ConnectionTrait,
    stage: &pipeline_stage::Model,
    request: &MoveRequest,
    today: NaiveDate,
) -> AppResult<Closing> {
    let mut checks = Checks::default();
    let closing = if stage.won {
        let amount = checks.check(
            "won_amount",
            forms::parse_money(&request.won_amount).and_then(|fen| {
                if fen > 0 {
                    Ok(fen)
                } else {
                    Err(ErrorCode::InvalidAmount)
                }
            }),
        );
        let on = checks
            .check("won_on", forms::parse_optional_date(&request.won_on))
            .map(|d| d.unwrap_or(today));
        amount
            .zip(on)
            .map(|(amount_fen, on)| Closing::Won { amount_fen, on })
    } else if stage.lost {
        let known = match request.lost_reason {
            Some(id) => lost_reason::Entity::find_by_id(id).one(db).await?.is_some(),
            None => false,
        };
        let reason = checks.check(
            "lost_reason",
            request
                .lost_reason
                .filter(|_| known)
                .ok_or(if request.lost_reason.is_some() {
                    ErrorCode::UnknownChoice
                } else {
                    ErrorCode::Required
                }),
        );
        let note = checks.check(
            "lost_note",
            forms::parse_optional_text(&request.lost_note, 200),
        );
        reason
            .zip(note)
            .map(|(reason_id, note)| Closing::Lost { reason_id, note })
    } else {
        Some(Closing::Open)
    };
    checks.into_result().map_err(AppError::Validation)?;
    closing.ok_or(AppError::Internal)
}

/// Moves a card: new stage and place in one request, refused if the card changed since the mover
/// saw it. A stage change writes the stage history; winning creates the sales order.
///
/// On SQLite writers take turns, so everything that can be read before the turn is read before
/// it (the card, its pipeline's stages, the closing checks, the owner's team) and the card is
/// named after the commit: the turn holds only the writes and the reads that must see them. The
/// versioned update keeps this safe: a card changed in between is refused there.
pub async fn move_card(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    request: &MoveRequest,
) -> AppResult<Card> {
    let now = crate::clock::now();
    let today = crate::clock::today();
    let deal = visible::<opportunity::Entity>(&actor.scope())
        .filter(opportunity::Column::Id.eq(request.id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if deal.version != request.version {
        return Err(AppError::Conflict);
    }
    let stages = stages_of(db, deal.pipeline_id).await?;
    let target = stages
        .iter()
        .find(|s| s.id == request.to_stage_id)
        .ok_or_else(|| AppError::field("to_stage", ErrorCode::UnknownChoice))?;
    let current = stages
        .iter()
        .find(|s| s.id == deal.stage_id)
        .ok_or(AppError::Internal)?;
    let stage_changes = target.id != deal.stage_id;
    let closing = if stage_changes {
        check_closing(db, target, request, today).await?
    } else {
        Closing::Open
    };
    let owner_team_id = team_of(db, deal.owner_id).await?;

    let txn = begin_write(db).await?;
    if stage_changes && current.won && has_orders(&txn, deal.id).await? {
        return Err(AppError::field("to_stage", ErrorCode::WonDealHasOrder));
    }
    let position = landing_position(
        &txn,
        target.id,
        deal.id,
        request.after_card,
        request.before_card,
    )
    .await?;

    let mut changes = opportunity::ActiveModel {
        position: Set(position),
        updated_at: Set(now),
        ..Default::default()
    };
    if stage_changes {
        changes.stage_id = Set(target.id);
        changes.stage_entered_at = Set(now);
        match &closing {
            Closing::Open => {
                changes.closed_on = Set(None);
                changes.won_amount_fen = Set(None);
                changes.lost_reason_id = Set(None);
                changes.lost_note = Set(String::new());
            }
            Closing::Won { amount_fen, on } => {
                changes.closed_on = Set(Some(*on));
                changes.won_amount_fen = Set(Some(*amount_fen));
                changes.amount_fen = Set(*amount_fen);
                changes.expected_close_on = Set(Some(*on));
            }
            Closing::Lost { reason_id, note } => {
                changes.closed_on = Set(Some(today));
                changes.lost_reason_id = Set(Some(*reason_id));
                changes.lost_note = Set(note.clone());
            }
        }
    }
    update_versioned::<opportunity::Entity>(
        &txn,
        changes,
        (opportunity::Column::Id, deal.id),
        (opportunity::Column::Version, request.version),
        "to_stage",
    )
    .await?;
    if stage_changes {
        stage_history::ActiveModel {
            opportunity_id: Set(deal.id),
            from_stage_id: Set(Some(deal.stage_id)),
            to_stage_id: Set(target.id),
            actor_id: Set(Some(actor.user.id)),
            at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        match closing {
            Closing::Won { amount_fen, on } => {
                let order = create_order_for_won_deal(&txn, &deal, amount_fen, on, now).await?;
                record_on_customer(
                    &txn,
                    deal.customer_id,
                    actor,
                    CustomerEvent::DealWon {
                        title: deal.title.clone(),
                        amount_fen,
                        order: order.number.clone(),
                    },
                )
                .await?;
                mark_first_order(&txn, deal.customer_id, on).await?;
            }
            Closing::Lost { .. } => {
                record_on_customer(
                    &txn,
                    deal.customer_id,
                    actor,
                    CustomerEvent::DealLost(deal.title.clone()),
                )
                .await?
            }
            Closing::Open => {}
        }
    }
    publish_in_team(&txn, deal.id, deal.owner_id, owner_team_id, now).await?;
    txn.commit().await?;
    // Read back as committed (a later move may already have overtaken it: then that is the card).
    let moved = visible::<opportunity::Entity>(&actor.scope())
        .filter(opportunity::Column::Id.eq(deal.id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    cards(db, vec![moved], &stages, today)
        .await?
        .pop()
        .ok_or(AppError::Internal)
}
