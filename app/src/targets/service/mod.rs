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

mod actuals;
mod changes;
mod demo;
mod grid;
mod progress;

pub use actuals::{actuals, month_targets, Actual};
use actuals::{deal_facts, weighted_pipeline};
pub use changes::{lock, publish, set, split};
pub use demo::seed_demo_targets;
use grid::{breakdown_error, load_for_change, parse_amount, plan_period, refill, share};
pub use grid::{grid, history};
pub use progress::progress;
