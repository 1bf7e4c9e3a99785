//! Who owns a customer: claims from the pool, reassignments, handovers, and the pool rule.
use super::*;

pub async fn claim(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    settings: &Settings,
    id: i64,
) -> AppResult<()> {
    if actor.role() == Role::Rep {
        let held = visible::<customer::Entity>(&actor.scope())
            .count(db)
            .await?;
        if held >= u64::from(settings.max_customers_per_rep) {
            return Err(AppError::field(
                "claim",
                ErrorCode::CustomerCap {
                    max: settings.max_customers_per_rep,
                },
            ));
        }
    }
    let now = crate::clock::now();
    let txn = crate::db::begin_write(db).await?;
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
    // Open deals, quotes and contracts left with the former owner follow the customer.
    super::records::hand_open_work(&txn, &[id], actor.user.id).await?;
    record_event(
        &txn,
        id,
        Some(actor.user.id),
        CustomerEvent::Claimed(actor.user.display_name.clone()),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Moves customers to other reps (assignment from the pool, handover when someone leaves),
/// spreading them round-robin over `to_user_ids`. All or nothing.
pub async fn reassign(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    customer_ids: &[i64],
    to_user_ids: &[i64],
) -> AppResult<u64> {
    actor.require(&Role::LEADERS)?;
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
    let names: HashMap<i64, String> = targets
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let txn = crate::db::begin_write(db).await?;
    let now = crate::clock::now();
    let mut moved = 0;
    for (index, &customer_id) in customer_ids.iter().enumerate() {
        let customer = find_for(&txn, actor, customer_id).await?;
        let to = to_user_ids[index % to_user_ids.len()];
        if customer.owner_id == Some(to) {
            continue;
        }
        let from = match customer.owner_id {
            Some(id) => names_of(&txn, [id]).await?.remove(&id).unwrap_or_default(),
            None => String::new(),
        };
        let deals = super::records::hand_open_work(&txn, &[customer_id], to).await?;
        let change = OwnerChange {
            to: Some(to),
            at: now,
            recorded: serde_json::json!({ "owner_id": to, "open_deals_moved": deals }),
            event: CustomerEvent::Owner(format!("{from}→{}", names[&to])),
        };
        change_owner_of(&txn, actor, &customer, change).await?;
        moved += 1;
    }
    txn.commit().await?;
    Ok(moved)
}

/// A customer's new owner (none: the lead pool), what the audit log records as the new state,
/// and the customer's timeline entry (kind, text).
struct OwnerChange {
    to: Option<i64>,
    at: chrono::DateTime<chrono::Utc>,
    recorded: serde_json::Value,
    event: CustomerEvent,
}

/// Changes one customer's owner by hand (a reassignment, a handover, a deactivation): the row,
/// the audit log and the customer's timeline, in the caller's transaction.
async fn change_owner_of(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    customer: &customer::Model,
    change: OwnerChange,
) -> AppResult<()> {
    change_owner(change.to, change.at)
        .col_expr(customer::Column::UpdatedAt, Expr::value(change.at))
        .filter(customer::Column::Id.eq(customer.id))
        .exec(txn)
        .await?;
    let before = serde_json::json!({ "owner_id": customer.owner_id });
    crate::audit::record(
        txn,
        actor,
        crate::audit::Action::CustomerReassigned,
        crate::audit::Subject::Customer(customer.id),
        before,
        change.recorded,
    )
    .await?;
    record_event(txn, customer.id, Some(actor.user.id), change.event).await
}

/// Hands every customer of `from_user_id` over to `to_user_ids` (a rep leaving).
pub async fn handover_all(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    from_user_id: i64,
    to_user_ids: &[i64],
) -> AppResult<u64> {
    actor.require(&Role::LEADERS)?;
    require_led(db, actor, from_user_id).await?;
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

/// Someone else's people are not there to hand over: the same answer as for nobody (404), not
/// "done, nothing moved".
async fn require_led(db: &impl ConnectionTrait, actor: &Actor, user_id: i64) -> AppResult<()> {
    visible::<user::Entity>(&actor.scope())
        .filter(user::Column::Id.eq(user_id))
        .one(db)
        .await?
        .map(|_| ())
        .ok_or(AppError::NotFound)
}

/// Returns every customer of `from_user_id` to the lead pool (someone leaving whose customers
/// nobody takes over yet). Their open work follows whoever claims or is assigned each customer.
pub async fn return_all_to_pool(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    from_user_id: i64,
) -> AppResult<u64> {
    actor.require(&Role::LEADERS)?;
    require_led(db, actor, from_user_id).await?;
    let owned = visible::<customer::Entity>(&actor.scope())
        .filter(customer::Column::OwnerId.eq(from_user_id))
        .order_by_asc(customer::Column::Id)
        .all(db)
        .await?;
    let from = names_of(db, [from_user_id])
        .await?
        .remove(&from_user_id)
        .unwrap_or_default();
    let now = crate::clock::now();
    let txn = crate::db::begin_write(db).await?;
    for c in &owned {
        let change = OwnerChange {
            to: None,
            at: now,
            recorded: serde_json::json!({ "owner_id": null }),
            event: CustomerEvent::OwnerLeft(from.clone()),
        };
        change_owner_of(&txn, actor, c, change).await?;
    }
    txn.commit().await?;
    Ok(owned.len() as u64)
}

/// The scheduled job: customers whose owner logged no follow-up for `days` days go back to the
/// pool. `now` comes from the caller so tests control the clock.
pub async fn return_neglected_to_pool(
    db: &(impl ConnectionTrait + TransactionTrait),
    now: chrono::DateTime<chrono::Utc>,
    days: u32,
) -> AppResult<u64> {
    let cutoff = now - chrono::Duration::days(i64::from(days));
    let txn = crate::db::begin_write(db).await?;
    let due = across_owners::<customer::Entity>()
        .filter(customer::Column::OwnerId.is_not_null())
        .filter(
            Condition::any()
                .add(customer::Column::OwnedSince.is_null())
                .add(customer::Column::OwnedSince.lte(cutoff)),
        )
        .filter(
            Condition::any()
                .add(customer::Column::LastFollowUpAt.is_null())
                .add(customer::Column::LastFollowUpAt.lte(cutoff)),
        )
        .order_by_asc(customer::Column::Id)
        .all(&txn)
        .await?;
    let worked = worked_in_the_field(&txn, cutoff, crate::clock::local_day(now)).await?;
    let due: Vec<customer::Model> = due
        .into_iter()
        .filter(|c| {
            c.owner_id
                .is_none_or(|owner| !worked.contains(&(owner, c.id)))
        })
        .collect();
    let owners = names_of(&txn, due.iter().filter_map(|c| c.owner_id)).await?;
    let mut lost_by_owner: BTreeMap<i64, Vec<&str>> = BTreeMap::new();
    for c in &due {
        if let Some(owner) = c.owner_id {
            lost_by_owner.entry(owner).or_default().push(&c.name);
        }
    }
    for c in &due {
        debug_assert!(rules::pool_return_due(
            c.last_follow_up_at,
            c.owned_since.unwrap_or(c.created_at),
            now,
            days
        ));
        change_owner(None, now)
            .filter(customer::Column::Id.eq(c.id))
            .exec(&txn)
            .await?;
        let owner = c
            .owner_id
            .and_then(|id| owners.get(&id).cloned())
            .unwrap_or_default();
        record_event(&txn, c.id, None, CustomerEvent::ReturnedToPool(owner)).await?;
    }
    // The rep is told which customers they lost and why, once per run.
    for (owner, names) in lost_by_owner {
        // A long list would bury the message: the first names and the count.
        let notice = Notice::pool_return(days as i64, &names);
        crate::notifications::notify(&txn, owner, &notice, "/customers?view=pool").await?;
    }
    txn.commit().await?;
    Ok(due.len() as u64)
}

/// (owner, customer) pairs the owner is working in the field: checked in there since `cutoff`,
/// or planned a visit for `today` or later. Taking such a customer away would strand the rep at
/// the door with a visit they cannot log, so the pool waits until the plan is behind them.
async fn worked_in_the_field(
    db: &impl ConnectionTrait,
    cutoff: chrono::DateTime<chrono::Utc>,
    today: chrono::NaiveDate,
) -> AppResult<std::collections::HashSet<(i64, i64)>> {
    use crate::entities::{check_in, day_sheet, visit_stop};
    let plans: HashMap<i64, i64> = day_sheet::Entity::find()
        .filter(day_sheet::Column::Kind.eq(crate::domain::fieldwork::SheetKind::Plan.as_str()))
        .filter(day_sheet::Column::Day.gte(today))
        .all(db)
        .await?
        .into_iter()
        .map(|sheet| (sheet.id, sheet.owner_id))
        .collect();
    let planned = visit_stop::Entity::find()
        .filter(visit_stop::Column::SheetId.is_in(plans.keys().copied()))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|stop| Some((*plans.get(&stop.sheet_id)?, stop.customer_id)));
    let visited = check_in::Entity::find()
        .filter(check_in::Column::At.gt(cutoff))
        .all(db)
        .await?
        .into_iter()
        .map(|visit| (visit.owner_id, visit.customer_id));
    Ok(planned.chain(visited).collect())
}
