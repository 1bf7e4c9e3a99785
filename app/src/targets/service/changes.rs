//! Changing targets: setting a cell, locking, splitting a figure down the tree, publishing.
use super::*;

/// Writes the cells that changed, bumps (or creates) the plan and, once published, records the
/// change. Returns the plan's new version.
async fn save(
    db: &impl ConnectionTrait,
    actor: &Actor,
    change: &Change,
    (plan, before): (Option<target_plan::Model>, &Cells),
    cells: Cells,
    what: Option<(&str, String, i64, i64)>,
) -> AppResult<i32> {
    let now = crate::clock::now();
    let plan = match plan {
        Some(plan) => {
            let bumped = target_plan::Entity::update_many()
                .col_expr(
                    target_plan::Column::Version,
                    Expr::col(target_plan::Column::Version).add(1),
                )
                .col_expr(target_plan::Column::UpdatedAt, Expr::value(now))
                .filter(target_plan::Column::Id.eq(plan.id))
                .filter(target_plan::Column::Version.eq(plan.version))
                .exec(db)
                .await?;
            if bumped.rows_affected != 1 {
                return Err(AppError::Conflict);
            }
            target_plan::Model {
                version: plan.version + 1,
                ..plan
            }
        }
        None => target_plan::ActiveModel {
            year: Set(change.year),
            metric: Set(change.metric.as_str().to_string()),
            status: Set("draft".into()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            published_at: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await
        .map_err(|e| crate::db::taken_or_internal(e, "version"))
        .map_err(|_| AppError::Conflict)?,
    };
    for (&(user, month), &(amount, locked)) in &cells {
        if before.get(&(user, month)) == Some(&(amount, locked))
            || (!before.contains_key(&(user, month)) && amount == 0 && !locked)
        {
            continue;
        }
        let updated = target_cell::Entity::update_many()
            .col_expr(target_cell::Column::Amount, Expr::value(amount))
            .col_expr(target_cell::Column::Locked, Expr::value(locked))
            .filter(target_cell::Column::PlanId.eq(plan.id))
            .filter(target_cell::Column::UserId.eq(user))
            .filter(target_cell::Column::Month.eq(month as i16))
            .exec(db)
            .await?;
        if updated.rows_affected == 0 {
            target_cell::ActiveModel {
                plan_id: Set(plan.id),
                user_id: Set(user),
                month: Set(month as i16),
                amount: Set(amount),
                locked: Set(locked),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    if let (Some((node, period, old, new)), "published") = (what, plan.status.as_str()) {
        target_change::ActiveModel {
            plan_id: Set(plan.id),
            actor_id: Set(Some(actor.user.id)),
            at: Set(now),
            node: Set(node.to_string()),
            period: Set(period),
            old_amount: Set(old),
            new_amount: Set(new),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(plan.version)
}

/// Sets one cell. A year moves the node's siblings so their parent's year stays; any other
/// period moves its sibling periods so the node's enclosing period stays. Locked cells never move.
pub async fn set(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    change: &Change,
    node_key: &str,
    period: &str,
    amount: &str,
) -> AppResult<i32> {
    actor.require(&Role::LEADERS)?;
    let period = plan_period(change.year, period)?;
    let amount = parse_amount(change.metric, amount)?;
    let txn = begin_write(db).await?;
    let loaded = load_for_change(&txn, change).await?;
    let org = &loaded.org;
    let index = org.find(node_key)?;
    let mut cells = loaded.cells.clone();
    let all_months: Vec<u8> = (1..=12).collect();
    let old = share(&cells, &org.nodes[index], &rules::months_of(period)).value;
    match (period, org.nodes[index].parent) {
        (Period::Year(_), None) => {
            if !org.editable(actor, index) {
                return Err(AppError::Forbidden);
            }
            refill(
                change.metric,
                &mut cells,
                &org.nodes[index],
                &all_months,
                amount,
            )?;
        }
        (Period::Year(_), Some(parent)) => {
            if !org.editable(actor, parent) {
                return Err(AppError::Forbidden);
            }
            let siblings = org.children(parent);
            let shares: Vec<Share> = siblings
                .iter()
                .map(|&s| share(&cells, &org.nodes[s], &all_months))
                .collect();
            let position = siblings
                .iter()
                .position(|&s| s == index)
                .ok_or(AppError::Internal)?;
            let totals = rules::rebalance(&shares, position, amount)
                .map_err(|e| breakdown_error(change.metric, e))?;
            for ((&sibling, total), before) in siblings.iter().zip(totals).zip(&shares) {
                if total != before.value || sibling == index {
                    refill(
                        change.metric,
                        &mut cells,
                        &org.nodes[sibling],
                        &all_months,
                        total,
                    )?;
                }
            }
        }
        (period, _) => {
            if !org.editable(actor, index) {
                return Err(AppError::Forbidden);
            }
            let enclosing = rules::parent(period).ok_or(AppError::Internal)?;
            let siblings = rules::children(enclosing);
            let node = &org.nodes[index];
            let shares: Vec<Share> = siblings
                .iter()
                .map(|&p| share(&cells, node, &rules::months_of(p)))
                .collect();
            let position = siblings
                .iter()
                .position(|&p| p == period)
                .ok_or(AppError::Internal)?;
            let totals = rules::rebalance(&shares, position, amount)
                .map_err(|e| breakdown_error(change.metric, e))?;
            for ((&sibling, total), before) in siblings.iter().zip(totals).zip(&shares) {
                if total != before.value || sibling == period {
                    refill(
                        change.metric,
                        &mut cells,
                        node,
                        &rules::months_of(sibling),
                        total,
                    )?;
                }
            }
        }
    }
    let version = save(
        &txn,
        actor,
        change,
        (loaded.plan.clone(), &loaded.cells),
        cells,
        Some((node_key, period.as_text(), old, amount)),
    )
    .await?;
    txn.commit().await?;
    Ok(version)
}

/// Locks or unlocks one rep's month.
pub async fn lock(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    change: &Change,
    user_id: i64,
    month: u8,
    locked: bool,
) -> AppResult<i32> {
    actor.require(&Role::LEADERS)?;
    if !(1..=12).contains(&month) {
        return Err(AppError::field("period", ErrorCode::InvalidDate));
    }
    let txn = begin_write(db).await?;
    let loaded = load_for_change(&txn, change).await?;
    let index = loaded.org.find(&format!("user:{user_id}"))?;
    if !loaded.org.editable(actor, index) {
        return Err(AppError::Forbidden);
    }
    let mut cells = loaded.cells.clone();
    let amount = cell(&cells, user_id, month).0;
    cells.insert((user_id, month), (amount, locked));
    let version = save(
        &txn,
        actor,
        change,
        (loaded.plan.clone(), &loaded.cells),
        cells,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(version)
}

/// Spreads a cell's amount anew over its months and reps by `method`, its total unchanged.
pub async fn split(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    change: &Change,
    node_key: &str,
    period: &str,
    method: &str,
) -> AppResult<i32> {
    actor.require(&Role::LEADERS)?;
    let period = plan_period(change.year, period)?;
    let method = SplitMethod::parse(method)
        .ok_or_else(|| AppError::field("method", ErrorCode::UnknownChoice))?;
    let txn = begin_write(db).await?;
    let loaded = load_for_change(&txn, change).await?;
    let index = loaded.org.find(node_key)?;
    if !loaded.org.editable(actor, index) {
        return Err(AppError::Forbidden);
    }
    let node = &loaded.org.nodes[index];
    if node.reps.is_empty() {
        return Err(AppError::field("amount", ErrorCode::TargetNoReps));
    }
    let months = rules::months_of(period);
    let mut cells = loaded.cells.clone();
    let total = share(&cells, node, &months).value;
    let (month_weights, rep_weights): (Vec<u64>, Vec<u64>) = match method {
        SplitMethod::Even => (vec![1; months.len()], vec![1; node.reps.len()]),
        SplitMethod::WorkingDays => (
            months
                .iter()
                .map(|&m| rules::working_days(change.year, m))
                .collect(),
            vec![1; node.reps.len()],
        ),
        SplitMethod::Pattern => {
            let last_year = Period::Year(change.year - 1).bounds();
            let done = actuals(&txn, change.metric, &node.reps, last_year.0, last_year.1).await?;
            let in_month = |m: u8| {
                done.iter()
                    .filter(|a| a.day.month() as u8 == m)
                    .map(|a| Ord::max(a.amount, 0) as u64)
                    .sum::<u64>()
            };
            let of_rep = |r: i64| {
                done.iter()
                    .filter(|a| a.user_id == r && months.contains(&(a.day.month() as u8)))
                    .map(|a| Ord::max(a.amount, 0) as u64)
                    .sum::<u64>()
            };
            (
                months.iter().map(|&m| in_month(m)).collect(),
                node.reps.iter().map(|&r| of_rep(r)).collect(),
            )
        }
    };
    let locked: Vec<Vec<Option<i64>>> = node
        .reps
        .iter()
        .map(|&r| {
            months
                .iter()
                .map(|&m| Some(cell(&cells, r, m)).filter(|c| c.1).map(|c| c.0))
                .collect()
        })
        .collect();
    let grid = rules::spread(total, &month_weights, &rep_weights, &locked)
        .map_err(|e| breakdown_error(change.metric, e))?;
    for (r, &rep) in node.reps.iter().enumerate() {
        for (m, &month) in months.iter().enumerate() {
            let lock = cell(&cells, rep, month).1;
            cells.insert((rep, month), (grid[r][m], lock));
        }
    }
    let what = Some((node_key, period.as_text(), total, total));
    let version = save(
        &txn,
        actor,
        change,
        (loaded.plan.clone(), &loaded.cells),
        cells,
        what,
    )
    .await?;
    txn.commit().await?;
    Ok(version)
}

pub async fn publish(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    change: &Change,
) -> AppResult<i32> {
    if !may_publish(actor) {
        return Err(AppError::Forbidden);
    }
    let txn = begin_write(db).await?;
    let (plan, _) = load_plan(&txn, change.year, change.metric).await?;
    let plan = plan.ok_or(AppError::NotFound)?;
    if plan.version != change.version {
        return Err(AppError::Conflict);
    }
    let now = crate::clock::now();
    target_plan::ActiveModel {
        id: Set(plan.id),
        status: Set("published".into()),
        published_at: Set(Some(now)),
        updated_at: Set(now),
        version: Set(plan.version + 1),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    crate::audit::record(
        &txn,
        actor,
        crate::audit::Action::TargetPublished,
        crate::audit::Subject::TargetPlan(plan.id),
        serde_json::json!({ "status": plan.status, "version": plan.version }),
        serde_json::json!({ "status": "published", "year": change.year, "version": plan.version + 1 }),
    )
    .await?;
    txn.commit().await?;
    Ok(plan.version + 1)
}
