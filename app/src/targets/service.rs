//! Target plans in the database. A plan holds one amount per rep and month; a change to any other
//! cell (a team's Q1, the company's year) is spread over those cells by the domain's breakdown
//! functions, inside one write transaction guarded by the plan's version.
use super::{
    BurnUp, ChildProgress, GridRow, PeriodProgress, PlanView, ProgressReport, TargetChange,
    TargetGrid,
};
use crate::auth::scope::across_owners;
use crate::auth::Actor;
use crate::clock::{local_day, start_of_day};
use crate::db::begin_write;
use crate::domain::forms::{self, ErrorCode};
use crate::domain::period::Period;
use crate::domain::pipeline::weighted_fen;
use crate::domain::targets::{
    self as rules, BreakdownError, Metric, ProgressInput, Share, SplitMethod,
};
use crate::domain::visibility::{Role, Scope};
use crate::entities::{
    department, follow_up, opportunity, payment, pipeline_stage, quote, sales_order, target_cell,
    target_change, target_plan, team, user,
};
use crate::error::{AppError, AppResult};
use chrono::{Datelike, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionSession, TransactionTrait,
};
use std::collections::{BTreeSet, HashMap};

pub fn metric(raw: &str) -> AppResult<Metric> {
    Metric::parse(raw).ok_or_else(|| AppError::field("metric", ErrorCode::UnknownChoice))
}

/// A year from a link; 0 (none given) is this year.
pub fn year_or_this(year: i32) -> i32 {
    if year == 0 {
        crate::clock::today().year()
    } else {
        year
    }
}

/// Which plan a change is for, and the version the user saw.
pub struct Change {
    pub year: i32,
    pub metric: Metric,
    pub version: i32,
}

/// A node of the organisation: the company, a department, a team or a rep.
struct Node {
    key: String,
    label: String,
    depth: u8,
    parent: Option<usize>,
    /// The reps whose cells make up this node.
    reps: Vec<i64>,
    /// The teams under it (a rep: their team).
    teams: BTreeSet<i64>,
}

struct Org {
    /// Company first, then each department with its teams and their reps (pre-order).
    nodes: Vec<Node>,
}

impl Org {
    fn find(&self, key: &str) -> AppResult<usize> {
        self.nodes
            .iter()
            .position(|n| n.key == key)
            .ok_or(AppError::NotFound)
    }

    fn children(&self, index: usize) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].parent == Some(index))
            .collect()
    }

    /// Whether the actor sees every rep of the node (a rep: only their own row).
    fn visible(&self, scope: &Scope, index: usize) -> bool {
        let node = &self.nodes[index];
        match scope {
            Scope::Everything => true,
            Scope::Teams { team_ids, .. } => {
                index != 0
                    && !node.teams.is_empty()
                    && node.teams.iter().all(|t| team_ids.contains(t))
            }
            Scope::OwnRecords { user_id } => node.key == format!("user:{user_id}"),
        }
    }

    /// Only people who lead others set targets, and only for those they lead.
    fn editable(&self, actor: &Actor, index: usize) -> bool {
        actor.role().leads_people() && self.visible(&actor.scope(), index)
    }
}

/// The organisation as the plan sees it: active reps in teams, plus anyone who still holds cells
/// of this plan (a rep who left keeps their part until it is moved).
async fn load_org(db: &impl ConnectionTrait, holders: &BTreeSet<i64>) -> AppResult<Org> {
    let departments = department::Entity::find()
        .order_by_asc(department::Column::Name)
        .all(db)
        .await?;
    let teams = team::Entity::find()
        .order_by_asc(team::Column::Name)
        .all(db)
        .await?;
    let reps: Vec<user::Model> = across_owners::<user::Entity>()
        .filter(user::Column::Role.eq(Role::Rep.as_str()))
        .filter(user::Column::TeamId.is_not_null())
        .order_by_asc(user::Column::DisplayName)
        .all(db)
        .await?
        .into_iter()
        .filter(|u| u.active || holders.contains(&u.id))
        .collect();
    let mut nodes = vec![Node {
        key: "company".into(),
        label: String::new(),
        depth: 0,
        parent: None,
        reps: Vec::new(),
        teams: BTreeSet::new(),
    }];
    let add_team = |nodes: &mut Vec<Node>, team: &team::Model, parent: usize, depth: u8| {
        let members: Vec<&user::Model> =
            reps.iter().filter(|u| u.team_id == Some(team.id)).collect();
        if !team.active && members.is_empty() {
            return;
        }
        let team_index = nodes.len();
        nodes.push(Node {
            key: format!("team:{}", team.id),
            label: team.name.clone(),
            depth,
            parent: Some(parent),
            reps: Vec::new(),
            teams: BTreeSet::from([team.id]),
        });
        for rep in members {
            nodes.push(Node {
                key: format!("user:{}", rep.id),
                label: rep.display_name.clone(),
                depth: depth + 1,
                parent: Some(team_index),
                reps: vec![rep.id],
                teams: BTreeSet::from([team.id]),
            });
        }
    };
    for department in &departments {
        let index = nodes.len();
        nodes.push(Node {
            key: format!("department:{}", department.id),
            label: department.name.clone(),
            depth: 1,
            parent: Some(0),
            reps: Vec::new(),
            teams: BTreeSet::new(),
        });
        for team in teams
            .iter()
            .filter(|t| t.department_id == Some(department.id))
        {
            add_team(&mut nodes, team, index, 2);
        }
    }
    for team in teams.iter().filter(|t| {
        t.department_id
            .is_none_or(|d| !departments.iter().any(|dep| dep.id == d))
    }) {
        add_team(&mut nodes, team, 0, 1);
    }
    // Each node holds the reps and teams of everything below it.
    for index in (1..nodes.len()).rev() {
        let reps = if nodes[index].key.starts_with("user:") {
            nodes[index].reps.clone()
        } else {
            Vec::new()
        };
        let teams = nodes[index].teams.clone();
        let mut up = nodes[index].parent;
        while let Some(parent) = up {
            nodes[parent].reps.extend(reps.iter().copied());
            nodes[parent].teams.extend(teams.iter().copied());
            up = nodes[parent].parent;
        }
    }
    // Departments without teams say nothing.
    let empty: Vec<usize> = (1..nodes.len())
        .filter(|&i| nodes[i].key.starts_with("department:") && nodes[i].teams.is_empty())
        .collect();
    let nodes = remove_nodes(nodes, &empty);
    Ok(Org { nodes })
}

fn remove_nodes(nodes: Vec<Node>, gone: &[usize]) -> Vec<Node> {
    let mut new_index = vec![None; nodes.len()];
    let mut next = 0;
    for (i, slot) in new_index.iter_mut().enumerate() {
        if !gone.contains(&i) {
            *slot = Some(next);
            next += 1;
        }
    }
    nodes
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !gone.contains(i))
        .map(|(_, mut node)| {
            node.parent = node.parent.and_then(|p| new_index[p]);
            node
        })
        .collect()
}

/// A plan's cells by (rep, month): amount and lock.
type Cells = HashMap<(i64, u8), (i64, bool)>;

async fn load_plan(
    db: &impl ConnectionTrait,
    year: i32,
    metric: Metric,
) -> AppResult<(Option<target_plan::Model>, Cells)> {
    let plan = target_plan::Entity::find()
        .filter(target_plan::Column::Year.eq(year))
        .filter(target_plan::Column::Metric.eq(metric.as_str()))
        .one(db)
        .await?;
    let cells = match &plan {
        None => Cells::new(),
        Some(plan) => target_cell::Entity::find()
            .filter(target_cell::Column::PlanId.eq(plan.id))
            .all(db)
            .await?
            .into_iter()
            .map(|c| ((c.user_id, c.month as u8), (c.amount, c.locked)))
            .collect(),
    };
    Ok((plan, cells))
}

fn holders(cells: &Cells) -> BTreeSet<i64> {
    cells
        .iter()
        .filter(|(_, (amount, locked))| *amount != 0 || *locked)
        .map(|((user, _), _)| *user)
        .collect()
}

fn cell(cells: &Cells, user: i64, month: u8) -> (i64, bool) {
    cells.get(&(user, month)).copied().unwrap_or((0, false))
}

fn node_months(cells: &Cells, node: &Node) -> Vec<i64> {
    (1..=12)
        .map(|m| node.reps.iter().map(|&r| cell(cells, r, m).0).sum())
        .collect()
}

fn plan_view(plan: Option<&target_plan::Model>, year: i32, metric: Metric) -> PlanView {
    PlanView {
        year,
        metric,
        status: plan.map_or("new".into(), |p| p.status.clone()),
        version: plan.map_or(0, |p| p.version),
    }
}

fn may_publish(actor: &Actor) -> bool {
    matches!(actor.role(), Role::Admin | Role::Director)
        && matches!(actor.scope(), Scope::Everything)
}

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

fn breakdown_error(metric: Metric, error: BreakdownError) -> AppError {
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
fn parse_amount(metric: Metric, raw: &str) -> AppResult<i64> {
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
fn plan_period(year: i32, raw: &str) -> AppResult<Period> {
    Period::parse(raw)
        .filter(|p| !matches!(p, Period::Week(..)) && p.bounds().0.year() == year)
        .ok_or_else(|| AppError::field("period", ErrorCode::InvalidDate))
}

/// The cells of `node` × `months`, refilled so they add up to `total`: locked cells stay, the
/// others keep their proportions (or share evenly when all are empty).
fn refill(
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

fn share(cells: &Cells, node: &Node, months: &[u8]) -> Share {
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

struct Loaded {
    plan: Option<target_plan::Model>,
    cells: Cells,
    org: Org,
}

async fn load_for_change(db: &impl ConnectionTrait, change: &Change) -> AppResult<Loaded> {
    let (plan, cells) = load_plan(db, change.year, change.metric).await?;
    if plan.as_ref().map_or(0, |p| p.version) != change.version {
        return Err(AppError::Conflict);
    }
    let org = load_org(db, &holders(&cells)).await?;
    Ok(Loaded { plan, cells, org })
}

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

/// What a rep did on a day towards a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actual {
    pub user_id: i64,
    pub day: NaiveDate,
    pub amount: i64,
}

/// Each rep's actual figures per day from `first` to `last` (both included): sales and gross
/// profit from sales orders, collections from payments, new customers from first orders, activity
/// from follow-ups and quotes.
pub async fn actuals(
    db: &impl ConnectionTrait,
    metric: Metric,
    reps: &[i64],
    first: NaiveDate,
    last: NaiveDate,
) -> AppResult<Vec<Actual>> {
    let rows: Vec<(i64, NaiveDate, i64)> = match metric {
        Metric::Sales | Metric::GrossProfit => across_owners::<sales_order::Entity>()
            .select_only()
            .column(sales_order::Column::OwnerId)
            .column(sales_order::Column::OrderedOn)
            .column(sales_order::Column::AmountFen)
            .column(sales_order::Column::CostFen)
            .filter(sales_order::Column::OwnerId.is_in(reps.to_vec()))
            .filter(sales_order::Column::OrderedOn.between(first, last))
            .into_tuple::<(i64, NaiveDate, i64, i64)>()
            .all(db)
            .await?
            .into_iter()
            .map(|(user, day, amount, cost)| {
                (
                    user,
                    day,
                    if metric == Metric::Sales {
                        amount
                    } else {
                        amount - cost
                    },
                )
            })
            .collect(),
        Metric::Collections => {
            across_owners::<payment::Entity>()
                .select_only()
                .column(payment::Column::OwnerId)
                .column(payment::Column::ReceivedOn)
                .column(payment::Column::AmountFen)
                .filter(payment::Column::OwnerId.is_in(reps.to_vec()))
                .filter(payment::Column::ReceivedOn.between(first, last))
                .into_tuple()
                .all(db)
                .await?
        }
        Metric::NewCustomers => {
            // A customer is new on the day of their first order, to the rep who took it.
            let firsts: Vec<(i64, Option<NaiveDate>)> = across_owners::<sales_order::Entity>()
                .select_only()
                .column(sales_order::Column::CustomerId)
                .column_as(
                    Expr::col(sales_order::Column::OrderedOn).min(),
                    "first_order",
                )
                .group_by(sales_order::Column::CustomerId)
                .having(
                    Expr::col(sales_order::Column::OrderedOn)
                        .min()
                        .between(first, last),
                )
                .into_tuple()
                .all(db)
                .await?;
            let firsts: HashMap<i64, NaiveDate> = firsts
                .into_iter()
                .filter_map(|(c, d)| d.map(|d| (c, d)))
                .collect();
            let mut counted: HashMap<i64, (i64, NaiveDate)> = HashMap::new();
            let orders: Vec<(i64, i64, NaiveDate, i64)> = across_owners::<sales_order::Entity>()
                .select_only()
                .column(sales_order::Column::CustomerId)
                .column(sales_order::Column::OwnerId)
                .column(sales_order::Column::OrderedOn)
                .column(sales_order::Column::Id)
                .filter(sales_order::Column::OwnerId.is_in(reps.to_vec()))
                .filter(sales_order::Column::OrderedOn.between(first, last))
                .order_by_asc(sales_order::Column::Id)
                .into_tuple()
                .all(db)
                .await?;
            for (customer, owner, day, _) in orders {
                if firsts.get(&customer) == Some(&day) {
                    counted.entry(customer).or_insert((owner, day));
                }
            }
            counted
                .into_values()
                .map(|(owner, day)| (owner, day, 1))
                .collect()
        }
        Metric::FollowUps | Metric::Visits => {
            let mut select = across_owners::<follow_up::Entity>()
                .select_only()
                .column(follow_up::Column::AuthorId)
                .column(follow_up::Column::HappenedAt)
                .filter(follow_up::Column::AuthorId.is_in(reps.to_vec()))
                .filter(follow_up::Column::HappenedAt.gte(start_of_day(first)))
                .filter(follow_up::Column::HappenedAt.lt(start_of_day(last + Duration::days(1))));
            if metric == Metric::Visits {
                select = select.filter(
                    follow_up::Column::Kind
                        .eq(crate::domain::customer::FollowUpKind::Visit.as_str()),
                );
            }
            select
                .into_tuple::<(i64, chrono::DateTime<Utc>)>()
                .all(db)
                .await?
                .into_iter()
                .map(|(user, at)| (user, local_day(at), 1))
                .collect()
        }
        Metric::Quotes => quote::Entity::find()
            .select_only()
            .column(quote::Column::OwnerId)
            .column(quote::Column::CreatedAt)
            .filter(quote::Column::OwnerId.is_in(reps.to_vec()))
            .filter(quote::Column::Revision.eq(1))
            .filter(quote::Column::CreatedAt.gte(start_of_day(first)))
            .filter(quote::Column::CreatedAt.lt(start_of_day(last + Duration::days(1))))
            .into_tuple::<(i64, chrono::DateTime<Utc>)>()
            .all(db)
            .await?
            .into_iter()
            .map(|(user, at)| (user, local_day(at), 1))
            .collect(),
    };
    Ok(rows
        .into_iter()
        .map(|(user_id, day, amount)| Actual {
            user_id,
            day,
            amount,
        })
        .collect())
}

/// What the reps' deals say about the gap: stage probabilities, and over the twelve months
/// before `today` their win rate (permille) and average won deal.
struct DealFacts {
    stages: HashMap<i64, pipeline_stage::Model>,
    win_rate_permille: Option<i64>,
    average_deal: Option<i64>,
}

async fn deal_facts(
    db: &impl ConnectionTrait,
    reps: &[i64],
    today: NaiveDate,
) -> AppResult<DealFacts> {
    let stages: HashMap<i64, pipeline_stage::Model> = pipeline_stage::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let closed: Vec<(i64, Option<i64>)> = across_owners::<opportunity::Entity>()
        .select_only()
        .column(opportunity::Column::StageId)
        .column(opportunity::Column::WonAmountFen)
        .filter(opportunity::Column::OwnerId.is_in(reps.to_vec()))
        .filter(opportunity::Column::ClosedOn.between(today - Duration::days(365), today))
        .into_tuple()
        .all(db)
        .await?;
    let won: Vec<i64> = closed
        .iter()
        .filter(|(stage, _)| stages.get(stage).is_some_and(|s| s.won))
        .map(|(_, amount)| amount.unwrap_or(0))
        .collect();
    let win_rate_permille =
        (!closed.is_empty()).then(|| won.len() as i64 * 1000 / closed.len() as i64);
    let average_deal = (!won.is_empty()).then(|| won.iter().sum::<i64>() / won.len() as i64);
    Ok(DealFacts {
        stages,
        win_rate_permille,
        average_deal,
    })
}

/// The reps' open deals expected to close from `from` to `last`, weighted by stage probability.
async fn weighted_pipeline(
    db: &impl ConnectionTrait,
    facts: &DealFacts,
    reps: &[i64],
    from: NaiveDate,
    last: NaiveDate,
) -> AppResult<i64> {
    if from > last {
        return Ok(0);
    }
    let open: Vec<(i64, i64)> = across_owners::<opportunity::Entity>()
        .select_only()
        .column(opportunity::Column::StageId)
        .column(opportunity::Column::AmountFen)
        .filter(opportunity::Column::OwnerId.is_in(reps.to_vec()))
        .filter(opportunity::Column::ClosedOn.is_null())
        .filter(opportunity::Column::ExpectedCloseOn.between(from, last))
        .into_tuple()
        .all(db)
        .await?;
    Ok(open
        .into_iter()
        .filter_map(|(stage, amount)| {
            facts
                .stages
                .get(&stage)
                .filter(|s| !s.won && !s.lost)
                .map(|s| weighted_fen(amount, s.probability_percent as u8))
        })
        .sum())
}

/// One person's target for the month holding `day`, for each of `metrics` (none where the plan
/// gives them nothing). The caller has already decided the viewer may see that person's figures.
pub async fn month_targets(
    db: &impl ConnectionTrait,
    person: i64,
    day: NaiveDate,
    metrics: &[Metric],
) -> AppResult<Vec<Option<i64>>> {
    let plans: HashMap<i64, String> = target_plan::Entity::find()
        .filter(target_plan::Column::Year.eq(day.year()))
        .filter(target_plan::Column::Metric.is_in(metrics.iter().map(|m| m.as_str())))
        .all(db)
        .await?
        .into_iter()
        .map(|plan| (plan.id, plan.metric))
        .collect();
    let cells: Vec<(i64, i64)> = target_cell::Entity::find()
        .select_only()
        .column(target_cell::Column::PlanId)
        .column(target_cell::Column::Amount)
        .filter(target_cell::Column::PlanId.is_in(plans.keys().copied()))
        .filter(target_cell::Column::UserId.eq(person))
        .filter(target_cell::Column::Month.eq(day.month() as i32))
        .into_tuple()
        .all(db)
        .await?;
    let target_of = |metric: &Metric| {
        cells
            .iter()
            .filter(|(plan, _)| plans.get(plan).is_some_and(|m| m == metric.as_str()))
            .map(|(_, amount)| *amount)
            .sum::<i64>()
    };
    Ok(metrics
        .iter()
        .map(|metric| Some(target_of(metric)).filter(|t| *t > 0))
        .collect())
}

/// Progress of a node in `year` seen on `today`: the year, and the quarter, month and ISO week
/// holding the day looked at (today within the year, else its first or last day).
/// `month` (1–12) drills into that month of the year: its quarter, the month, its first week
/// (the week of `today` in today's month), its weeks and the members' month; None is today's.
pub async fn progress(
    db: &impl ConnectionTrait,
    actor: &Actor,
    year: i32,
    metric: Metric,
    node_key: &str,
    today: NaiveDate,
    month: Option<u8>,
) -> AppResult<ProgressReport> {
    if month.is_some_and(|m| !(1..=12).contains(&m)) {
        return Err(AppError::field(
            "month",
            ErrorCode::OutOfRange { min: 1, max: 12 },
        ));
    }
    let (_, cells) = load_plan(db, year, metric).await?;
    let org = load_org(db, &holders(&cells)).await?;
    let scope = actor.scope();
    let index = if node_key.is_empty() {
        (0..org.nodes.len())
            .find(|&i| org.visible(&scope, i))
            .ok_or(AppError::NotFound)?
    } else {
        org.find(node_key)?
    };
    if !org.visible(&scope, index) {
        return Err(AppError::NotFound);
    }
    let node = &org.nodes[index];
    let (year_first, year_last) = Period::Year(year).bounds();
    let day = match month.map(u32::from) {
        Some(m) if !(today.year() == year && today.month() == m) => {
            NaiveDate::from_ymd_opt(year, m, 1).unwrap_or(year_first)
        }
        _ => today.clamp(year_first, year_last),
    };
    let iso = day.iso_week();
    let periods = [
        Period::Year(year),
        Period::quarter_of(day),
        Period::month_of(day),
        Period::Week(iso.year(), iso.week() as u8),
    ];
    let weeks = {
        let (first, last) = Period::month_of(day).bounds();
        Period::weeks_in(first, last)
    };
    let months: [i64; 12] = node_months(&cells, node)
        .try_into()
        .map_err(|_| AppError::Internal)?;
    let bounds = || periods.iter().chain(&weeks).map(|p| p.bounds());
    let (first_needed, last_needed) = (
        bounds().map(|b| b.0).min().unwrap_or(year_first),
        bounds().map(|b| b.1).fold(year_last, Ord::max),
    );
    let done = actuals(db, metric, &node.reps, first_needed, last_needed).await?;
    let sum_between = |reps: &[i64], first: NaiveDate, last: NaiveDate| {
        done.iter()
            .filter(|a| reps.contains(&a.user_id) && a.day >= first && a.day <= last)
            .map(|a| a.amount)
            .sum::<i64>()
    };
    let target_of = |months: &[i64; 12], period: Period| match period {
        Period::Week(wy, w) => rules::plan_week_amount(year, (wy, w), months),
        other => rules::months_of(other)
            .iter()
            .map(|&m| months[m as usize - 1])
            .sum(),
    };
    let figure = |reps: &[i64], months: &[i64; 12], period: Period| {
        let (first, last) = period.bounds();
        let input = ProgressInput {
            target: target_of(months, period),
            actual: sum_between(reps, first, last),
            period_days: (last - first).num_days() + 1,
            elapsed_days: ((today - first).num_days() + 1).clamp(0, (last - first).num_days() + 1),
            ..Default::default()
        };
        (input, first, last)
    };
    let facts = deal_facts(db, &node.reps, today).await?;
    let mut out = Vec::new();
    for period in periods {
        let (mut input, first, last) = figure(&node.reps, &months, period);
        input.weighted_pipeline =
            weighted_pipeline(db, &facts, &node.reps, Ord::max(today, first), last).await?;
        input.win_rate_permille = facts.win_rate_permille;
        input.average_deal = facts.average_deal;
        out.push(PeriodProgress {
            period: period.as_text(),
            first_day: first,
            last_day: last,
            progress: rules::progress(metric, input),
        });
    }
    let weeks = weeks
        .into_iter()
        .map(|week| {
            let (input, first, last) = figure(&node.reps, &months, week);
            PeriodProgress {
                period: week.as_text(),
                first_day: first,
                last_day: last,
                progress: rules::progress(metric, input),
            }
        })
        .collect();
    let child_period = periods[2];
    let children = org
        .children(index)
        .into_iter()
        .filter(|&c| org.visible(&scope, c))
        .map(|c| {
            let child = &org.nodes[c];
            let child_months: [i64; 12] = node_months(&cells, child).try_into().unwrap_or([0; 12]);
            let (input, _, _) = figure(&child.reps, &child_months, child_period);
            ChildProgress {
                node: child.key.clone(),
                label: child.label.clone(),
                progress: rules::progress(metric, input),
            }
        })
        .collect();
    let parent = node
        .parent
        .filter(|&p| org.visible(&scope, p))
        .map(|p| org.nodes[p].key.clone());
    Ok(ProgressReport {
        node: node.key.clone(),
        label: node.label.clone(),
        metric,
        periods: out,
        weeks,
        child_period: child_period.as_text(),
        children,
        parent,
        burn_up: burn_up(&months, &done, year, today),
    })
}

/// Cumulative target by month, actual to date, and the run-rate forecast from there to December.
fn burn_up(months: &[i64; 12], done: &[Actual], year: i32, today: NaiveDate) -> BurnUp {
    let target = months.iter().scan(0, |sum, m| {
        *sum += m;
        Some(*sum)
    });
    let (first, last) = Period::Year(year).bounds();
    let in_month = |m: u32| {
        done.iter()
            .filter(|a| a.day.year() == year && a.day.month() == m && a.day <= today)
            .map(|a| a.amount)
            .sum::<i64>()
    };
    let months_done = if today < first {
        0
    } else if today > last {
        12
    } else {
        today.month()
    };
    let actual: Vec<i64> = (1..=months_done)
        .scan(0, |sum, m| {
            *sum += in_month(m);
            Some(*sum)
        })
        .collect();
    let to_date = actual.last().copied().unwrap_or(0);
    let elapsed = if today < first {
        0
    } else {
        (Ord::min(today, last) - first).num_days() + 1
    };
    let forecast = if months_done == 0 || months_done == 12 {
        Vec::new()
    } else {
        (months_done..=12)
            .map(|m| {
                let month_end = Period::Month(year, m as u8).bounds().1;
                let days = (month_end - first).num_days() + 1;
                (to_date as i128 * days as i128 / Ord::max(elapsed, 1) as i128) as i64
            })
            .collect()
    };
    BurnUp {
        target: target.collect(),
        actual,
        forecast,
    }
}

/// Published demo plans for last year and this year, grounded in the seeded orders: each rep's
/// month is what they did in the same month last year (their monthly average where that was
/// nothing), raised by 5% for last year and 15% for this year, in round hundreds of yuan.
pub async fn seed_demo_targets(
    db: &(impl ConnectionTrait + TransactionTrait),
    today: NaiveDate,
) -> AppResult<usize> {
    use sea_orm::PaginatorTrait;
    let txn = begin_write(db).await?;
    if target_plan::Entity::find().count(&txn).await? > 0 {
        return Ok(0);
    }
    let reps: Vec<i64> = across_owners::<user::Entity>()
        .filter(user::Column::Role.eq(Role::Rep.as_str()))
        .filter(user::Column::TeamId.is_not_null())
        .filter(user::Column::Active.eq(true))
        .all(&txn)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    let base_year = today.year() - 1;
    let (first, last) = Period::Year(base_year).bounds();
    let now = crate::clock::now();
    let mut plans = 0;
    for metric in [
        Metric::Sales,
        Metric::GrossProfit,
        Metric::Collections,
        Metric::NewCustomers,
    ] {
        let done = actuals(&txn, metric, &reps, first, last).await?;
        for (year, percent) in [(base_year, 105), (today.year(), 115)] {
            let plan = target_plan::ActiveModel {
                year: Set(year),
                metric: Set(metric.as_str().to_string()),
                status: Set("published".into()),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                published_at: Set(Some(now)),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            let mut rows = Vec::new();
            for &rep in &reps {
                let months: Vec<i64> = (1..=12)
                    .map(|m| {
                        done.iter()
                            .filter(|a| a.user_id == rep && a.day.month() == m)
                            .map(|a| a.amount)
                            .sum()
                    })
                    .collect();
                let average = months.iter().sum::<i64>() / 12;
                for (index, &amount) in months.iter().enumerate() {
                    let base = if amount > 0 { amount } else { average };
                    let raised = base * percent / 100;
                    let amount = if metric.is_money() {
                        (raised + 5_000) / 10_000 * 10_000
                    } else {
                        Ord::max(raised, i64::from(base > 0))
                    };
                    rows.push(target_cell::ActiveModel {
                        plan_id: Set(plan.id),
                        user_id: Set(rep),
                        month: Set(index as i16 + 1),
                        amount: Set(amount),
                        locked: Set(false),
                        ..Default::default()
                    });
                }
            }
            for chunk in rows.chunks(1000) {
                target_cell::Entity::insert_many(chunk.to_vec())
                    .exec_without_returning(&txn)
                    .await?;
            }
            plans += 1;
        }
    }
    txn.commit().await?;
    Ok(plans)
}
