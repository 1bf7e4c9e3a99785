//! The target grid and its history, and the checks every change to it makes.
use super::*;

pub async fn grid(
    db: &impl ConnectionTrait,
    actor: &Actor,
    year: i32,
    metric: Metric,
) -> AppResult<TargetGrid> {
    let (plan, cells) = load_plan(db, year, metric).await?;
    let org = load_org(db, &holders(&cells)).await?;
    let scope = actor.scope();
    let rows = (0..org.nodes.len())
        .filter(|&i| org.visible(&scope, i))
        .map(|i| {
            let node = &org.nodes[i];
            let locked = (1..=12)
                .map(|m| !node.reps.is_empty() && node.reps.iter().all(|&r| cell(&cells, r, m).1))
                .collect();
            let year_editable = match node.parent {
                None => org.editable(actor, i),
                Some(parent) => org.editable(actor, parent),
            };
            GridRow {
                node: node.key.clone(),
                label: node.label.clone(),
                depth: node.depth,
                editable: org.editable(actor, i),
                year_editable,
                months: node_months(&cells, node),
                locked,
            }
        })
        .collect();
    Ok(TargetGrid {
        plan: plan_view(plan.as_ref(), year, metric),
        rows,
        can_publish: may_publish(actor),
    })
}

/// The most recent changes to the published plan that the actor may see (rows they see in the
/// grid; changes to rows no longer in the organisation only for those who see everything).
pub async fn history(
    db: &impl ConnectionTrait,
    actor: &Actor,
    year: i32,
    metric: Metric,
) -> AppResult<Vec<TargetChange>> {
    const SHOWN: u64 = 200;
    let (plan, cells) = load_plan(db, year, metric).await?;
    let Some(plan) = plan else {
        return Ok(Vec::new());
    };
    let org = load_org(db, &holders(&cells)).await?;
    let scope = actor.scope();
    let changes = target_change::Entity::find()
        .filter(target_change::Column::PlanId.eq(plan.id))
        .order_by_desc(target_change::Column::At)
        .order_by_desc(target_change::Column::Id)
        .limit(SHOWN)
        .all(db)
        .await?;
    let actor_ids: BTreeSet<i64> = changes.iter().filter_map(|c| c.actor_id).collect();
    let names: HashMap<i64, String> = across_owners::<user::Entity>()
        .filter(user::Column::Id.is_in(actor_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    Ok(changes
        .into_iter()
        .filter_map(|change| {
            let index = org.nodes.iter().position(|n| n.key == change.node);
            let label = match index {
                Some(i) if org.visible(&scope, i) => org.nodes[i].label.clone(),
                None if matches!(scope, Scope::Everything) => change.node.clone(),
                _ => return None,
            };
            Some(TargetChange {
                at: crate::clock::local_time(change.at)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                who: change
                    .actor_id
                    .and_then(|id| names.get(&id).cloned())
                    .unwrap_or_default(),
                node: change.node,
                label,
                period: change.period,
                old_amount: change.old_amount,
                new_amount: change.new_amount,
            })
        })
        .collect())
}

pub(super) fn breakdown_error(metric: Metric, error: BreakdownError) -> AppError {
    let code = match error {
        BreakdownError::BelowLocked { floor } => ErrorCode::TargetBelowLocked {
            floor: metric.typed(floor),
        },
        BreakdownError::LockedExceedTotal | BreakdownError::Locked => ErrorCode::TargetLocksExceed,
        BreakdownError::Negative => ErrorCode::InvalidAmount,
    };
    AppError::field("amount", code)
}

/// What the user typed, in the plan's unit: fen for money, a whole count otherwise.
pub(super) fn parse_amount(metric: Metric, raw: &str) -> AppResult<i64> {
    let parsed = if metric.is_money() {
        forms::parse_money(raw)
    } else {
        forms::parse_whole_number(raw, 0, 1_000_000_000)
    };
    parsed
        .and_then(|v| {
            if v >= 0 {
                Ok(v)
            } else {
                Err(ErrorCode::InvalidAmount)
            }
        })
        .map_err(|code| AppError::field("amount", code))
}

/// A period of the plan's year that can be set directly (weeks follow from the months).
pub(super) fn plan_period(year: i32, raw: &str) -> AppResult<Period> {
    Period::parse(raw)
        .filter(|p| !matches!(p, Period::Week(..)) && p.bounds().0.year() == year)
        .ok_or_else(|| AppError::field("period", ErrorCode::InvalidDate))
}

/// The cells of `node` × `months`, refilled so they add up to `total`: locked cells stay, the
/// others keep their proportions (or share evenly when all are empty).
pub(super) fn refill(
    metric: Metric,
    cells: &mut Cells,
    node: &Node,
    months: &[u8],
    total: i64,
) -> AppResult<()> {
    let keys: Vec<(i64, u8)> = node
        .reps
        .iter()
        .flat_map(|&r| months.iter().map(move |&m| (r, m)))
        .collect();
    if keys.is_empty() {
        return if total == 0 {
            Ok(())
        } else {
            Err(AppError::field("amount", ErrorCode::TargetNoReps))
        };
    }
    let locked: Vec<Option<i64>> = keys
        .iter()
        .map(|&(r, m)| Some(cell(cells, r, m)).filter(|c| c.1).map(|c| c.0))
        .collect();
    let weights: Vec<u64> = keys
        .iter()
        .map(|&(r, m)| Ord::max(cell(cells, r, m).0, 0) as u64)
        .collect();
    let values = rules::fill(total, &locked, &weights).map_err(|e| breakdown_error(metric, e))?;
    for (key, value) in keys.into_iter().zip(values) {
        let lock = cell(cells, key.0, key.1).1;
        cells.insert(key, (value, lock));
    }
    Ok(())
}

pub(super) fn share(cells: &Cells, node: &Node, months: &[u8]) -> Share {
    let all: Vec<(i64, bool)> = node
        .reps
        .iter()
        .flat_map(|&r| months.iter().map(move |&m| (r, m)))
        .map(|(r, m)| cell(cells, r, m))
        .collect();
    Share {
        value: all.iter().map(|c| c.0).sum(),
        floor: all.iter().filter(|c| c.1).map(|c| c.0).sum(),
        fixed: all.is_empty() || all.iter().all(|c| c.1),
    }
}

pub(super) struct Loaded {
    pub(super) plan: Option<target_plan::Model>,
    pub(super) cells: Cells,
    pub(super) org: Org,
}

pub(super) async fn load_for_change(
    db: &impl ConnectionTrait,
    change: &Change,
) -> AppResult<Loaded> {
    let (plan, cells) = load_plan(db, change.year, change.metric).await?;
    if plan.as_ref().map_or(0, |p| p.version) != change.version {
        return Err(AppError::Conflict);
    }
    let org = load_org(db, &holders(&cells)).await?;
    Ok(Loaded { plan, cells, org })
}
