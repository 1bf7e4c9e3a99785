//! Field work on the server: each query reads through the viewer's scope; only the author edits
//! their sheets and only someone who leads them signs them off (`domain::fieldwork::next_status`).
use super::*;
use crate::analytics::performance::{first_orders, grouped_by, per_owner};
use crate::auth::scope::{across_owners, in_pool, visible};
use crate::auth::Actor;
use crate::clock::{local_day, start_of_day};
use crate::customers::CustomerFilter;
use crate::db::{begin_write, load_setting, save_setting, sum_as_bigint, update_versioned};
use crate::domain::customer::{CustomerSort, FollowUpKind};
use crate::domain::fieldwork::{
    day_target, next_status, parse_clock, roll_up_periods, suggested_order, SheetAction,
    SheetError, SheetKind, Stop,
};
use crate::domain::forms::{self, Checks, ErrorCode};
use crate::domain::targets::Metric;
use crate::domain::visibility::Role;
use crate::entities::{
    check_in, customer, day_sheet, field_expense, follow_up, payment, sales_order, team, user,
    visit_stop,
};
use crate::error::AppResult;
use chrono::{DateTime, Datelike, Duration, NaiveDateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, JoinType,
    QueryFilter, QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
};
use std::collections::HashMap;

pub const RULES_KEY: &str = "field_rules";
/// Customers the plan offers to add at a time.
const CANDIDATES: usize = 12;

fn parse_day(raw: &str, today: NaiveDate) -> AppResult<NaiveDate> {
    if raw.trim().is_empty() {
        return Ok(today);
    }
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::field("day", ErrorCode::InvalidDate))
}

fn parse_version(raw: &str) -> AppResult<i32> {
    if raw.trim().is_empty() {
        return Ok(0);
    }
    raw.trim().parse().map_err(|_| AppError::Conflict)
}

/// The person whose day is shown: the viewer, or someone they may see.
async fn person(db: &impl ConnectionTrait, actor: &Actor, rep: &str) -> AppResult<user::Model> {
    if rep.trim().is_empty() {
        return Ok(actor.user.clone());
    }
    let id: i64 = rep.trim().parse().map_err(|_| AppError::NotFound)?;
    visible::<user::Entity>(&actor.scope())
        .filter(user::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Whether the actor signs off this person's sheets: someone above them who sees them.
fn leads(actor: &Actor, owner: &user::Model) -> bool {
    actor.user.id != owner.id
        && actor.role().leads_people()
        && actor.scope().allows(owner.id, owner.team_id)
}

async fn sheet_of(
    db: &impl ConnectionTrait,
    kind: SheetKind,
    owner_id: i64,
    day: NaiveDate,
) -> AppResult<Option<day_sheet::Model>> {
    Ok(across_owners::<day_sheet::Entity>()
        .filter(day_sheet::Column::Kind.eq(kind.as_str()))
        .filter(day_sheet::Column::OwnerId.eq(owner_id))
        .filter(day_sheet::Column::Day.eq(day))
        .one(db)
        .await?)
}

fn status_of(row: &day_sheet::Model) -> SheetStatus {
    SheetStatus::parse(&row.status).unwrap_or(SheetStatus::Draft)
}

fn local(at: DateTime<Utc>) -> NaiveDateTime {
    crate::clock::local_time(at)
}

fn stamp(at: DateTime<Utc>) -> String {
    local(at).format("%Y-%m-%d %H:%M").to_string()
}

fn clock(at: DateTime<Utc>) -> String {
    local(at).format("%H:%M").to_string()
}

/// Sheets as the pages show them, with reviewers' names and (for reports) the late flag.
async fn sheet_states(
    db: &impl ConnectionTrait,
    rows: &[&day_sheet::Model],
    rules: &FieldRules,
    now: NaiveDateTime,
) -> AppResult<HashMap<i64, SheetState>> {
    let reviewers: Vec<i64> = rows.iter().filter_map(|r| r.reviewed_by).collect();
    let names: HashMap<i64, String> = across_owners::<user::Entity>()
        .filter(user::Column::Id.is_in(reviewers))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    Ok(rows
        .iter()
        .map(|row| {
            let status = status_of(row);
            let submitted = row.submitted_at.filter(|_| status != SheetStatus::Draft);
            let late = row.kind == SheetKind::Report.as_str()
                && rules.report_late(row.day, submitted.map(local), now);
            let state = SheetState {
                id: Some(row.id),
                status,
                version: row.version,
                submitted_at: submitted.map(stamp),
                late,
                reviewer_name: row.reviewed_by.and_then(|id| names.get(&id).cloned()),
                reviewed_at: row.reviewed_at.map(stamp),
                review_comment: row.review_comment.clone(),
            };
            (row.id, state)
        })
        .collect())
}

/// A report nobody has written yet: late once its due time passed.
fn missing_report(day: NaiveDate, rules: &FieldRules, now: NaiveDateTime) -> SheetState {
    SheetState {
        late: rules.report_late(day, None, now),
        ..SheetState::blank()
    }
}

async fn state_or_blank(
    db: &impl ConnectionTrait,
    row: Option<&day_sheet::Model>,
    rules: &FieldRules,
    now: NaiveDateTime,
    day: NaiveDate,
    kind: SheetKind,
) -> AppResult<SheetState> {
    Ok(match row {
        Some(row) => sheet_states(db, &[row], rules, now)
            .await?
            .remove(&row.id)
            .unwrap_or_else(SheetState::blank),
        None if kind == SheetKind::Report => missing_report(day, rules, now),
        None => SheetState::blank(),
    })
}

async fn stops_of(db: &impl ConnectionTrait, sheet_id: i64) -> AppResult<Vec<visit_stop::Model>> {
    Ok(visit_stop::Entity::find()
        .filter(visit_stop::Column::SheetId.eq(sheet_id))
        .order_by_asc(visit_stop::Column::Position)
        .order_by_asc(visit_stop::Column::Id)
        .all(db)
        .await?)
}

/// Names and places of customers already reachable through a visible record (a plan, a check-in).
async fn customers_by_id(
    db: &impl ConnectionTrait,
    ids: Vec<i64>,
) -> AppResult<HashMap<i64, customer::Model>> {
    Ok(across_owners::<customer::Entity>()
        .filter(customer::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect())
}

fn place(c: &customer::Model) -> String {
    [c.city.as_str(), c.district.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

fn suggestion(stops: &[visit_stop::Model], customers: &HashMap<i64, customer::Model>) -> Vec<i64> {
    let domain_stops: Vec<Stop> = stops
        .iter()
        .map(|s| {
            let c = customers.get(&s.customer_id);
            Stop {
                district: c
                    .map(|c| format!("{}{}", c.city, c.district))
                    .unwrap_or_default(),
                at: c.and_then(|c| {
                    Some((c.latitude_e6? as f64 / 1e6, c.longitude_e6? as f64 / 1e6))
                }),
            }
        })
        .collect();
    suggested_order(&domain_stops)
        .into_iter()
        .map(|i| stops[i].id)
        .collect()
}

mod day;
mod plan;
mod reports;
mod team_views;
mod visits;

pub use day::{field_day, new_sheet};
pub use plan::{add_visit, remove_visit, submit_plan, use_suggested_order};
use plan::{own_editable_sheet, set_status, sheet_error, tell_manager, visitable};
pub use reports::{review, save_report};
pub use team_views::{efficiency, save_rules, team_day};
pub use visits::{add_expense, check_in};
