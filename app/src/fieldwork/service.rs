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

/// One owner's count and sum of `amount` on `day`, and the sum from the month's first day to `day`,
/// in one grouped query through the viewer's scope.
async fn day_and_month<E: crate::auth::scope::Owned>(
    db: &impl ConnectionTrait,
    actor: &Actor,
    owner: i64,
    on: E::Column,
    amount: E::Column,
    day: NaiveDate,
) -> AppResult<[i64; 3]> {
    let month_first = day.with_day(1).unwrap_or(day);
    let on_day = || Expr::col(on).eq(day);
    let figures = vec![
        sum_as_bigint(Expr::case(on_day(), 1).finally(0)),
        sum_as_bigint(Expr::case(on_day(), Expr::col(amount)).finally(0)),
        sum_as_bigint(Expr::col(amount)),
    ];
    let select = visible::<E>(&actor.scope())
        .filter(E::owner_column().eq(owner))
        .filter(on.between(month_first, day));
    let values = per_owner(db, select, figures).await?;
    Ok(values
        .get(&owner)
        .map(|v| [v[0], v[1], v[2]])
        .unwrap_or_default())
}

async fn day_figures(
    db: &impl ConnectionTrait,
    actor: &Actor,
    owner: i64,
    day: NaiveDate,
    stops: &[visit_stop::Model],
    visits: &[check_in::Model],
    cost_fen: i64,
) -> AppResult<DayFigures> {
    let scope = actor.scope();
    let done: std::collections::HashSet<i64> = visits.iter().filter_map(|v| v.stop_id).collect();
    let (start, end) = (start_of_day(day), start_of_day(day + Duration::days(1)));
    let follow_ups = visible::<follow_up::Entity>(&scope)
        .filter(follow_up::Column::AuthorId.eq(owner))
        .filter(follow_up::Column::HappenedAt.gte(start))
        .filter(follow_up::Column::HappenedAt.lt(end));
    let complaint = Expr::case(
        follow_up::Column::Kind.eq(FollowUpKind::Complaint.as_str()),
        1,
    )
    .finally(0);
    let counted = per_owner(
        db,
        follow_ups,
        vec![Expr::val(1).count(), sum_as_bigint(complaint)],
    )
    .await?;
    let (follow_up_count, complaints) = counted
        .get(&owner)
        .map(|v| (v[0], v[1]))
        .unwrap_or_default();
    let [orders, sales_fen, month_sales_fen] = day_and_month::<sales_order::Entity>(
        db,
        actor,
        owner,
        sales_order::Column::OrderedOn,
        sales_order::Column::AmountFen,
        day,
    )
    .await?;
    let [_, payments_fen, month_payments_fen] = day_and_month::<payment::Entity>(
        db,
        actor,
        owner,
        payment::Column::ReceivedOn,
        payment::Column::AmountFen,
        day,
    )
    .await?;
    let targets =
        crate::targets::month_targets(db, owner, day, &[Metric::Sales, Metric::Collections])
            .await?;
    let (month_sales_target_fen, month_payments_target_fen) = (targets[0], targets[1]);
    Ok(DayFigures {
        planned: stops.len() as i64,
        planned_done: stops.iter().filter(|s| done.contains(&s.id)).count() as i64,
        visits: visits.len() as i64,
        follow_ups: follow_up_count,
        complaints_handled: complaints,
        orders,
        sales_fen,
        payments_fen,
        cost_fen,
        day_sales_target_fen: month_sales_target_fen.map(|t| day_target(t, day)),
        month_sales_fen,
        month_sales_target_fen,
        month_payments_fen,
        month_payments_target_fen,
    })
}

/// Customers to add to a plan: a search through the rep's customers (or the lead pool), or
/// without one their customers seen least recently.
async fn candidates(
    db: &impl ConnectionTrait,
    actor: &Actor,
    search: &str,
    pool: bool,
    planned: &[i64],
) -> AppResult<Vec<Candidate>> {
    let filter = CustomerFilter {
        q: search.trim().to_string(),
        view: if pool { "pool".into() } else { String::new() },
        owner: if pool {
            String::new()
        } else {
            actor.user.id.to_string()
        },
        sort: if search.trim().is_empty() {
            CustomerSort::Neglected.as_str().into()
        } else {
            String::new()
        },
        ..Default::default()
    };
    let page = crate::customers::list(db, actor, &filter).await?;
    Ok(page
        .rows
        .into_iter()
        .filter(|row| !planned.contains(&row.id))
        .take(CANDIDATES)
        .map(|row| Candidate {
            id: row.id,
            name: row.name,
            place: row.city,
            in_pool: row.owner_name.is_none(),
        })
        .collect())
}

// The day's four filters come straight from the page's query string; the clock's two readings
// are passed so tests can set them.
#[allow(clippy::too_many_arguments)]
pub async fn field_day(
    db: &impl ConnectionTrait,
    actor: &Actor,
    day: &str,
    rep: &str,
    search: &str,
    pool: bool,
    today: NaiveDate,
    now: NaiveDateTime,
) -> AppResult<FieldDay> {
    let day = parse_day(day, today)?;
    let owner = person(db, actor, rep).await?;
    let rules = load_setting::<FieldRules>(db, RULES_KEY).await?.0;
    let plan_row = sheet_of(db, SheetKind::Plan, owner.id, day).await?;
    let report_row = sheet_of(db, SheetKind::Report, owner.id, day).await?;
    let stops = match &plan_row {
        Some(plan) => stops_of(db, plan.id).await?,
        None => Vec::new(),
    };
    let visits = visible::<check_in::Entity>(&actor.scope())
        .filter(check_in::Column::OwnerId.eq(owner.id))
        .filter(check_in::Column::Day.eq(day))
        .order_by_asc(check_in::Column::At)
        .all(db)
        .await?;
    let expenses = visible::<field_expense::Entity>(&actor.scope())
        .filter(field_expense::Column::OwnerId.eq(owner.id))
        .filter(field_expense::Column::Day.eq(day))
        .order_by_asc(field_expense::Column::Id)
        .all(db)
        .await?;
    let customer_ids = stops
        .iter()
        .map(|s| s.customer_id)
        .chain(visits.iter().map(|v| v.customer_id))
        .chain(expenses.iter().filter_map(|e| e.customer_id))
        .collect();
    let customers = customers_by_id(db, customer_ids).await?;
    let name = |id: i64| {
        customers
            .get(&id)
            .map(|c| c.name.clone())
            .unwrap_or_default()
    };

    // The visit's result: the last follow-up the rep logged for that customer that day.
    let (start, end) = (start_of_day(day), start_of_day(day + Duration::days(1)));
    let results: HashMap<i64, follow_up::Model> = visible::<follow_up::Entity>(&actor.scope())
        .filter(follow_up::Column::AuthorId.eq(owner.id))
        .filter(follow_up::Column::CustomerId.is_in(visits.iter().map(|v| v.customer_id)))
        .filter(follow_up::Column::HappenedAt.gte(start))
        .filter(follow_up::Column::HappenedAt.lt(end))
        .order_by_asc(follow_up::Column::HappenedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.customer_id, f))
        .collect();
    let checked: HashMap<i64, String> = visits
        .iter()
        .filter_map(|v| Some((v.stop_id?, clock(v.at))))
        .collect();
    let suggested = suggestion(&stops, &customers);
    let in_order: Vec<i64> = stops.iter().map(|s| s.id).collect();
    let figures = day_figures(
        db,
        actor,
        owner.id,
        day,
        &stops,
        &visits,
        expenses.iter().map(|e| e.amount_fen).sum(),
    )
    .await?;
    let mine = owner.id == actor.user.id;
    let plan = state_or_blank(db, plan_row.as_ref(), &rules, now, day, SheetKind::Plan).await?;
    let candidates = if mine && plan.editable() && day >= today {
        candidates(
            db,
            actor,
            search,
            pool,
            &stops.iter().map(|s| s.customer_id).collect::<Vec<_>>(),
        )
        .await?
    } else {
        Vec::new()
    };
    Ok(FieldDay {
        day,
        today,
        owner_id: owner.id,
        owner_name: owner.display_name.clone(),
        mine,
        can_review: leads(actor, &owner),
        area: plan_row
            .as_ref()
            .map(|p| p.area.clone())
            .unwrap_or_default(),
        plan,
        stops: stops
            .iter()
            .map(|s| StopView {
                id: s.id,
                customer_id: s.customer_id,
                customer_name: name(s.customer_id),
                district: customers.get(&s.customer_id).map(place).unwrap_or_default(),
                time_slot: s.time_slot.clone(),
                purpose: VisitPurpose::parse(&s.purpose).unwrap_or(VisitPurpose::Other),
                note: s.note.clone(),
                checked_in_at: checked.get(&s.id).cloned(),
            })
            .collect(),
        suggested: if suggested == in_order {
            Vec::new()
        } else {
            suggested
        },
        visits: visits
            .iter()
            .map(|v| VisitView {
                id: v.id,
                customer_id: v.customer_id,
                customer_name: name(v.customer_id),
                at: clock(v.at),
                planned: v.stop_id.is_some(),
                located: v.latitude_e6.is_some(),
                in_pool: customers
                    .get(&v.customer_id)
                    .is_some_and(|c| c.owner_id.is_none()),
                result: results.get(&v.customer_id).map(|f| {
                    (
                        f.summary.clone(),
                        crate::domain::customer::Intent::parse(&f.intent)
                            .unwrap_or(crate::domain::customer::Intent::None),
                    )
                }),
            })
            .collect(),
        report: state_or_blank(db, report_row.as_ref(), &rules, now, day, SheetKind::Report)
            .await?,
        report_fields: report_row
            .as_ref()
            .map(|r| ReportFields {
                attendance: Attendance::parse(&r.attendance),
                complaints: r.complaints.clone(),
                competitors: r.competitors.clone(),
                feedback: r.feedback.clone(),
                lessons: r.lessons.clone(),
            })
            .unwrap_or_default(),
        figures,
        expenses: expenses
            .iter()
            .map(|e| ExpenseView {
                id: e.id,
                kind: ExpenseKind::parse(&e.kind).unwrap_or(ExpenseKind::Other),
                amount_fen: e.amount_fen,
                customer_name: e.customer_id.map(name),
                note: e.note.clone(),
            })
            .collect(),
        candidates,
        search: search.trim().to_string(),
        due_time: crate::domain::fieldwork::clock_text(rules.report_due_minutes),
    })
}

/// A sheet with nothing written yet.
pub fn new_sheet(
    kind: SheetKind,
    owner_id: i64,
    day: NaiveDate,
    status: SheetStatus,
    at: DateTime<Utc>,
) -> day_sheet::ActiveModel {
    day_sheet::ActiveModel {
        kind: Set(kind.as_str().into()),
        owner_id: Set(owner_id),
        day: Set(day),
        status: Set(status.as_str().into()),
        version: Set(1),
        area: Set(String::new()),
        attendance: Set(String::new()),
        complaints: Set(String::new()),
        competitors: Set(String::new()),
        feedback: Set(String::new()),
        lessons: Set(String::new()),
        submitted_at: Set(None),
        reviewed_by: Set(None),
        reviewed_at: Set(None),
        review_comment: Set(String::new()),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
}

/// The actor's own sheet of `kind` for `day`, created as a draft if there is none; refused once
/// it is with the manager or approved.
async fn own_editable_sheet(
    db: &impl ConnectionTrait,
    actor: &Actor,
    kind: SheetKind,
    day: NaiveDate,
) -> AppResult<day_sheet::Model> {
    if let Some(row) = sheet_of(db, kind, actor.user.id, day).await? {
        return if matches!(status_of(&row), SheetStatus::Draft | SheetStatus::SentBack) {
            Ok(row)
        } else {
            Err(AppError::field("status", ErrorCode::SheetLocked))
        };
    }
    Ok(new_sheet(
        kind,
        actor.user.id,
        day,
        SheetStatus::Draft,
        crate::clock::now(),
    )
    .insert(db)
    .await?)
}

/// A plan's content changed: its version moves on, so a manager approving an older view conflicts.
async fn touch(db: &impl ConnectionTrait, sheet: &day_sheet::Model) -> AppResult<()> {
    day_sheet::Entity::update_many()
        .col_expr(
            day_sheet::Column::Version,
            Expr::col(day_sheet::Column::Version).add(1),
        )
        .col_expr(day_sheet::Column::UpdatedAt, Expr::val(crate::clock::now()))
        .filter(day_sheet::Column::Id.eq(sheet.id))
        .exec(db)
        .await?;
    Ok(())
}

/// A customer the actor may visit: one they see, or one in the lead pool.
async fn visitable(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> AppResult<customer::Model> {
    if let Some(found) = visible::<customer::Entity>(&actor.scope())
        .filter(customer::Column::Id.eq(id))
        .one(db)
        .await?
    {
        return Ok(found);
    }
    in_pool::<customer::Entity>()
        .filter(customer::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::field("customer_id", ErrorCode::UnknownChoice))
}

pub async fn add_visit<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    form: &VisitForm,
    today: NaiveDate,
) -> AppResult<()> {
    let mut checks = Checks::default();
    let day = checks.check(
        "day",
        parse_day(&form.day, today)
            .map_err(|_| ErrorCode::InvalidDate)
            .and_then(|d| {
                if d < today {
                    Err(ErrorCode::PastDay)
                } else {
                    Ok(d)
                }
            }),
    );
    let customer_id = checks.check(
        "customer_id",
        form.customer_id
            .trim()
            .parse::<i64>()
            .map_err(|_| ErrorCode::Required),
    );
    let purpose = checks.check(
        "purpose",
        forms::parse_choice(&form.purpose, VisitPurpose::parse),
    );
    let time_slot = checks.check("time_slot", forms::parse_optional_text(&form.time_slot, 32));
    let note = checks.check("note", forms::parse_optional_text(&form.note, 500));
    checks.into_result().map_err(AppError::Validation)?;
    let (Some(day), Some(customer_id), Some(purpose), Some(time_slot), Some(note)) =
        (day, customer_id, purpose, time_slot, note)
    else {
        return Err(AppError::internal("checks passed without values"));
    };
    visitable(db, actor, customer_id).await?;
    let txn = begin_write(db).await?;
    let plan = own_editable_sheet(&txn, actor, SheetKind::Plan, day).await?;
    let stops = stops_of(&txn, plan.id).await?;
    if stops.iter().any(|s| s.customer_id == customer_id) {
        return Err(AppError::field("customer_id", ErrorCode::Taken));
    }
    visit_stop::ActiveModel {
        sheet_id: Set(plan.id),
        customer_id: Set(customer_id),
        position: Set(stops.iter().map(|s| s.position).max().unwrap_or(0) + 1),
        time_slot: Set(time_slot),
        purpose: Set(purpose.as_str().into()),
        note: Set(note),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    touch(&txn, &plan).await?;
    txn.commit().await?;
    Ok(())
}

/// The actor's own editable plan holding a stop.
async fn plan_of_stop(
    db: &impl ConnectionTrait,
    actor: &Actor,
    stop_id: i64,
) -> AppResult<(day_sheet::Model, visit_stop::Model)> {
    let stop = visit_stop::Entity::find_by_id(stop_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let plan = visible::<day_sheet::Entity>(&actor.scope())
        .filter(day_sheet::Column::Id.eq(stop.sheet_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if plan.owner_id != actor.user.id {
        return Err(AppError::Forbidden);
    }
    if !matches!(status_of(&plan), SheetStatus::Draft | SheetStatus::SentBack) {
        return Err(AppError::field("status", ErrorCode::SheetLocked));
    }
    Ok((plan, stop))
}

pub async fn remove_visit<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    stop_id: i64,
) -> AppResult<()> {
    let txn = begin_write(db).await?;
    let (plan, stop) = plan_of_stop(&txn, actor, stop_id).await?;
    visit_stop::Entity::delete_by_id(stop.id).exec(&txn).await?;
    touch(&txn, &plan).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn use_suggested_order<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    day: &str,
    version: i32,
    today: NaiveDate,
) -> AppResult<()> {
    let day = parse_day(day, today)?;
    let txn = begin_write(db).await?;
    let plan = own_editable_sheet(&txn, actor, SheetKind::Plan, day).await?;
    if plan.version != version {
        return Err(AppError::Conflict);
    }
    let stops = stops_of(&txn, plan.id).await?;
    let customers = customers_by_id(&txn, stops.iter().map(|s| s.customer_id).collect()).await?;
    for (position, id) in suggestion(&stops, &customers).into_iter().enumerate() {
        visit_stop::Entity::update_many()
            .col_expr(visit_stop::Column::Position, Expr::val(position as i32 + 1))
            .filter(visit_stop::Column::Id.eq(id))
            .exec(&txn)
            .await?;
    }
    touch(&txn, &plan).await?;
    txn.commit().await?;
    Ok(())
}

/// Tells the author's manager (their team's manager) that a sheet waits for them.
async fn tell_manager(
    db: &impl ConnectionTrait,
    author: &user::Model,
    kind: SheetKind,
    day: NaiveDate,
) -> AppResult<()> {
    let Some(team_id) = author.team_id else {
        return Ok(());
    };
    let Some(manager) = team::Entity::find_by_id(team_id)
        .one(db)
        .await?
        .and_then(|t| t.manager_id)
        .filter(|m| *m != author.id)
    else {
        return Ok(());
    };
    let link = format!("/fieldwork?rep={}&day={day}", author.id);
    crate::notifications::notify(
        db,
        manager,
        "sheet_submitted",
        format!("{}|{}|{day}", author.display_name, kind.as_str()),
        &link,
    )
    .await
}

fn sheet_error(error: SheetError) -> AppError {
    match error {
        SheetError::WrongStatus => AppError::field("status", ErrorCode::SheetLocked),
        SheetError::OwnSheet => AppError::field("action", ErrorCode::OwnSheet),
        SheetError::NotTheirs => AppError::Forbidden,
    }
}

/// Moves a sheet to its next status if it still has `version`.
async fn set_status(
    db: &impl ConnectionTrait,
    sheet: &day_sheet::Model,
    version: i32,
    mut changes: day_sheet::ActiveModel,
    status: SheetStatus,
) -> AppResult<()> {
    changes.status = Set(status.as_str().into());
    changes.updated_at = Set(crate::clock::now());
    update_versioned::<day_sheet::Entity>(
        db,
        changes,
        (day_sheet::Column::Id, sheet.id),
        (day_sheet::Column::Version, version),
        "status",
    )
    .await
}

pub async fn submit_plan<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    form: &PlanForm,
    today: NaiveDate,
) -> AppResult<()> {
    let mut checks = Checks::default();
    let day = checks.check(
        "day",
        parse_day(&form.day, today).map_err(|_| ErrorCode::InvalidDate),
    );
    let area = checks.check("area", forms::parse_optional_text(&form.area, 100));
    checks.into_result().map_err(AppError::Validation)?;
    let (Some(day), Some(area)) = (day, area) else {
        return Err(AppError::internal("checks passed without values"));
    };
    let version = parse_version(&form.version)?;
    let txn = begin_write(db).await?;
    let plan = sheet_of(&txn, SheetKind::Plan, actor.user.id, day)
        .await?
        .ok_or_else(|| AppError::field("stops", ErrorCode::Required))?;
    let status =
        next_status(status_of(&plan), SheetAction::Submit, true, false).map_err(sheet_error)?;
    if stops_of(&txn, plan.id).await?.is_empty() {
        return Err(AppError::field("stops", ErrorCode::Required));
    }
    let changes = day_sheet::ActiveModel {
        area: Set(area),
        submitted_at: Set(Some(crate::clock::now())),
        ..Default::default()
    };
    set_status(&txn, &plan, version, changes, status).await?;
    tell_manager(&txn, &actor.user, SheetKind::Plan, day).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn save_report<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    form: &ReportForm,
    today: NaiveDate,
) -> AppResult<SheetStatus> {
    let submit = form.intent == "submit";
    let mut checks = Checks::default();
    let day = checks.check(
        "day",
        parse_day(&form.day, today)
            .map_err(|_| ErrorCode::InvalidDate)
            .and_then(|d| {
                if d > today {
                    Err(ErrorCode::FutureDay)
                } else {
                    Ok(d)
                }
            }),
    );
    let attendance = checks.check(
        "attendance",
        match Attendance::parse(form.attendance.trim()) {
            Some(a) => Ok(Some(a)),
            None if form.attendance.trim().is_empty() && !submit => Ok(None),
            None if form.attendance.trim().is_empty() => Err(ErrorCode::Required),
            None => Err(ErrorCode::UnknownChoice),
        },
    );
    let text = |checks: &mut Checks, field: &str, raw: &str| {
        checks.check(field, forms::parse_optional_text(raw, 2000))
    };
    let complaints = text(&mut checks, "complaints", &form.complaints);
    let competitors = text(&mut checks, "competitors", &form.competitors);
    let feedback = text(&mut checks, "feedback", &form.feedback);
    let lessons = text(&mut checks, "lessons", &form.lessons);
    checks.into_result().map_err(AppError::Validation)?;
    let (
        Some(day),
        Some(attendance),
        Some(complaints),
        Some(competitors),
        Some(feedback),
        Some(lessons),
    ) = (day, attendance, complaints, competitors, feedback, lessons)
    else {
        return Err(AppError::internal("checks passed without values"));
    };
    let version = parse_version(&form.version)?;
    let txn = begin_write(db).await?;
    let existed = sheet_of(&txn, SheetKind::Report, actor.user.id, day)
        .await?
        .is_some();
    let report = own_editable_sheet(&txn, actor, SheetKind::Report, day).await?;
    // A report opened before anyone wrote it has version 0; one that exists must match.
    let version = if existed { version } else { report.version };
    let mut changes = day_sheet::ActiveModel {
        attendance: Set(attendance
            .map(|a| a.as_str().to_string())
            .unwrap_or_default()),
        complaints: Set(complaints),
        competitors: Set(competitors),
        feedback: Set(feedback),
        lessons: Set(lessons),
        ..Default::default()
    };
    let status = if submit {
        changes.submitted_at = Set(Some(crate::clock::now()));
        next_status(status_of(&report), SheetAction::Submit, true, false).map_err(sheet_error)?
    } else {
        status_of(&report)
    };
    set_status(&txn, &report, version, changes, status).await?;
    if submit {
        tell_manager(&txn, &actor.user, SheetKind::Report, day).await?;
    }
    txn.commit().await?;
    Ok(status)
}

pub async fn review<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    form: &ReviewForm,
) -> AppResult<SheetStatus> {
    let id: i64 = form
        .sheet_id
        .trim()
        .parse()
        .map_err(|_| AppError::NotFound)?;
    let mut checks = Checks::default();
    let action = checks.check(
        "action",
        match form.action.as_str() {
            "approve" => Ok(SheetAction::Approve),
            "send_back" => Ok(SheetAction::SendBack),
            _ => Err(ErrorCode::UnknownChoice),
        },
    );
    let comment = checks.check(
        "comment",
        if form.action == "send_back" {
            forms::parse_required_text(&form.comment, 1000)
        } else {
            forms::parse_optional_text(&form.comment, 1000)
        },
    );
    checks.into_result().map_err(AppError::Validation)?;
    let (Some(action), Some(comment)) = (action, comment) else {
        return Err(AppError::internal("checks passed without values"));
    };
    let version = parse_version(&form.version)?;
    let txn = begin_write(db).await?;
    let sheet = visible::<day_sheet::Entity>(&actor.scope())
        .filter(day_sheet::Column::Id.eq(id))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let author = visible::<user::Entity>(&actor.scope())
        .filter(user::Column::Id.eq(sheet.owner_id))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let status = next_status(
        status_of(&sheet),
        action,
        author.id == actor.user.id,
        leads(actor, &author),
    )
    .map_err(sheet_error)?;
    let changes = day_sheet::ActiveModel {
        reviewed_by: Set(Some(actor.user.id)),
        reviewed_at: Set(Some(crate::clock::now())),
        review_comment: Set(comment.clone()),
        ..Default::default()
    };
    set_status(&txn, &sheet, version, changes, status).await?;
    let link = format!("/fieldwork?day={}", sheet.day);
    crate::notifications::notify(
        &txn,
        author.id,
        "sheet_reviewed",
        format!(
            "{}|{}|{}|{comment}",
            actor.user.display_name,
            sheet.kind,
            status.as_str()
        ),
        &link,
    )
    .await?;
    txn.commit().await?;
    Ok(status)
}

/// Degrees as the browser gives them, kept in millionths; both or neither.
fn coordinates(latitude: &str, longitude: &str) -> Result<Option<(i64, i64)>, ErrorCode> {
    let parse = |raw: &str, limit: f64| {
        raw.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && v.abs() <= limit)
            .map(|v| (v * 1e6).round() as i64)
    };
    match (latitude.trim().is_empty(), longitude.trim().is_empty()) {
        (true, true) => Ok(None),
        _ => match (parse(latitude, 90.0), parse(longitude, 180.0)) {
            (Some(lat), Some(lon)) => Ok(Some((lat, lon))),
            _ => Err(ErrorCode::InvalidLocation),
        },
    }
}

pub async fn check_in<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    form: &CheckInForm,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let customer_id: i64 = form
        .customer_id
        .trim()
        .parse()
        .map_err(|_| AppError::field("customer_id", ErrorCode::Required))?;
    let at = coordinates(&form.latitude, &form.longitude)
        .map_err(|code| AppError::field("location", code))?;
    visitable(db, actor, customer_id).await?;
    let day = local_day(now);
    let stop_id = match form.stop_id.trim() {
        "" => None,
        raw => {
            let id: i64 = raw.parse().map_err(|_| AppError::NotFound)?;
            let stop = visit_stop::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or(AppError::NotFound)?;
            let plan = sheet_of(db, SheetKind::Plan, actor.user.id, day)
                .await?
                .ok_or(AppError::NotFound)?;
            if stop.sheet_id != plan.id || stop.customer_id != customer_id {
                return Err(AppError::NotFound);
            }
            Some(id)
        }
    };
    let txn = begin_write(db).await?;
    let row = check_in::ActiveModel {
        owner_id: Set(actor.user.id),
        customer_id: Set(customer_id),
        stop_id: Set(stop_id),
        day: Set(day),
        at: Set(now),
        latitude_e6: Set(at.map(|a| a.0)),
        longitude_e6: Set(at.map(|a| a.1)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(row.id)
}

pub async fn add_expense<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    form: &ExpenseForm,
    today: NaiveDate,
) -> AppResult<()> {
    let mut checks = Checks::default();
    let day = checks.check(
        "day",
        parse_day(&form.day, today)
            .map_err(|_| ErrorCode::InvalidDate)
            .and_then(|d| {
                if d > today {
                    Err(ErrorCode::FutureDay)
                } else {
                    Ok(d)
                }
            }),
    );
    let kind = checks.check("kind", forms::parse_choice(&form.kind, ExpenseKind::parse));
    let amount = checks.check(
        "amount",
        forms::parse_money(&form.amount).and_then(|a| {
            if a > 0 {
                Ok(a)
            } else {
                Err(ErrorCode::InvalidAmount)
            }
        }),
    );
    let customer = checks.check("customer_id", forms::parse_optional_id(&form.customer_id));
    let note = checks.check("note", forms::parse_optional_text(&form.note, 500));
    checks.into_result().map_err(AppError::Validation)?;
    let (Some(day), Some(kind), Some(amount), Some(customer), Some(note)) =
        (day, kind, amount, customer, note)
    else {
        return Err(AppError::internal("checks passed without values"));
    };
    if let Some(id) = customer {
        visitable(db, actor, id).await?;
    }
    let txn = begin_write(db).await?;
    field_expense::ActiveModel {
        owner_id: Set(actor.user.id),
        day: Set(day),
        customer_id: Set(customer),
        kind: Set(kind.as_str().into()),
        amount_fen: Set(amount),
        note: Set(note),
        created_at: Set(crate::clock::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(())
}

/// People whose field work the actor follows: everyone they lead who sells, themselves excluded.
async fn led_people(db: &impl ConnectionTrait, actor: &Actor) -> AppResult<Vec<user::Model>> {
    let mut people: Vec<user::Model> = visible::<user::Entity>(&actor.scope())
        .filter(user::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .filter(|u| u.id != actor.user.id && matches!(u.role(), Role::Rep | Role::Manager))
        .collect();
    people.sort_by(|a, b| {
        a.team_id
            .cmp(&b.team_id)
            .then(a.display_name.cmp(&b.display_name))
            .then(a.id.cmp(&b.id))
    });
    Ok(people)
}

pub async fn team_day(
    db: &impl ConnectionTrait,
    actor: &Actor,
    day: &str,
    today: NaiveDate,
    now: NaiveDateTime,
) -> AppResult<TeamDay> {
    actor.require(&Role::LEADERS)?;
    let day = parse_day(day, today)?;
    let (rules, rules_version) = load_setting::<FieldRules>(db, RULES_KEY).await?;
    let people = led_people(db, actor).await?;
    let sheets = visible::<day_sheet::Entity>(&actor.scope())
        .filter(day_sheet::Column::Day.eq(day))
        .all(db)
        .await?;
    let states = sheet_states(db, &sheets.iter().collect::<Vec<_>>(), &rules, now).await?;
    let plan_ids: Vec<i64> = sheets
        .iter()
        .filter(|s| s.kind == SheetKind::Plan.as_str())
        .map(|s| s.id)
        .collect();
    let stop_counts: HashMap<i64, i64> = visit_stop::Entity::find()
        .select_only()
        .column(visit_stop::Column::SheetId)
        .column_as(visit_stop::Column::Id.count(), "n")
        .filter(visit_stop::Column::SheetId.is_in(plan_ids))
        .group_by(visit_stop::Column::SheetId)
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let visits = per_owner(
        db,
        visible::<check_in::Entity>(&actor.scope()).filter(check_in::Column::Day.eq(day)),
        vec![Expr::val(1).count()],
    )
    .await?;
    let teams = crate::auth::team_names(db).await?;
    let sheet = |owner: i64, kind: SheetKind| {
        sheets
            .iter()
            .find(|s| s.owner_id == owner && s.kind == kind.as_str())
    };
    let rows = people
        .into_iter()
        .map(|person| {
            let plan = sheet(person.id, SheetKind::Plan);
            let report = sheet(person.id, SheetKind::Report);
            TeamDayRow {
                user_id: person.id,
                name: person.display_name.clone(),
                team_name: person.team_id.and_then(|t| teams.get(&t).cloned()),
                planned: plan
                    .and_then(|p| stop_counts.get(&p.id))
                    .copied()
                    .unwrap_or(0),
                plan: plan
                    .and_then(|p| states.get(&p.id).cloned())
                    .unwrap_or_else(SheetState::blank),
                visits: visits.get(&person.id).map(|v| v[0]).unwrap_or(0),
                report: report
                    .and_then(|r| states.get(&r.id).cloned())
                    .unwrap_or_else(|| missing_report(day, &rules, now)),
            }
        })
        .collect();
    Ok(TeamDay {
        day,
        today,
        rows,
        rules,
        rules_version,
        can_edit_rules: actor.role() == Role::Admin,
    })
}

pub async fn save_rules(
    db: &impl ConnectionTrait,
    actor: &Actor,
    form: &FieldRulesForm,
) -> AppResult<()> {
    actor.require(&[Role::Admin])?;
    let due = parse_clock(&form.report_due)
        .ok_or_else(|| AppError::field("report_due", ErrorCode::InvalidTime))?;
    let version = parse_version(&form.version)?;
    save_setting(
        db,
        RULES_KEY,
        &FieldRules {
            report_due_minutes: due,
        },
        version,
        actor.user.id,
    )
    .await
}

/// Field figures per person over a period, and summed by week or month: every source is one query
/// grouped by person and day under the viewer's scope; the people, filters and definitions of
/// orders, sales and new customers are the leaderboard's.
pub async fn efficiency(
    db: &impl ConnectionTrait,
    actor: &Actor,
    query: &ReportQuery,
    today: NaiveDate,
) -> AppResult<Efficiency> {
    let mut query = query.clone();
    if query.from.is_empty() && query.to.is_empty() {
        // Managers follow the week, directors the month.
        let from = match actor.role() {
            Role::Rep | Role::Manager => {
                today - Duration::days(i64::from(today.weekday().num_days_from_monday()))
            }
            Role::Director | Role::Admin => today.with_day(1).unwrap_or(today),
        };
        query.from = from.to_string();
        query.to = today.to_string();
    }
    let board = crate::analytics::performance::rep_performance(db, actor, &query, today).await?;
    let (from, to) = (board.from, board.to);
    let people: Vec<i64> = board.rows.iter().map(|r| r.user_id).collect();
    let days = field_days(db, actor, &people, from, to).await?;
    let sum = |keep: &dyn Fn(i64, NaiveDate) -> bool| {
        let mut figures = FieldFigures::default();
        for ((owner, day), f) in &days {
            if keep(*owner, *day) {
                figures += *f;
            }
        }
        figures
    };
    let rows = board
        .rows
        .into_iter()
        .map(|row| EfficiencyRow {
            figures: sum(&|owner, _| owner == row.user_id),
            user_id: row.user_id,
            name: row.name,
            team_name: row.team_name,
        })
        .collect();
    let monthly = matches!(actor.role(), Role::Director | Role::Admin);
    let roll_up = roll_up_periods(from, to, monthly)
        .into_iter()
        .map(|(first, last)| RollUpRow {
            first,
            last,
            figures: sum(&|_, day| (first..=last).contains(&day)),
        })
        .collect();
    Ok(Efficiency {
        from,
        to,
        total: sum(&|_, _| true),
        rows,
        monthly,
        roll_up,
    })
}

/// Each person's field figures per day of the period.
async fn field_days(
    db: &impl ConnectionTrait,
    actor: &Actor,
    people: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<HashMap<(i64, NaiveDate), FieldFigures>> {
    let scope = actor.scope();
    let mut days: HashMap<(i64, NaiveDate), FieldFigures> = HashMap::new();
    let mut apply = |rows: Vec<((i64, NaiveDate), Vec<i64>)>,
                     set: fn(&mut FieldFigures, &[i64])| {
        for (key, values) in rows {
            set(days.entry(key).or_default(), &values);
        }
    };
    // COUNT(DISTINCT stop_id) leaves out unplanned check-ins (no stop).
    let check_ins = visible::<check_in::Entity>(&scope)
        .filter(check_in::Column::Day.between(from, to))
        .filter(check_in::Column::OwnerId.is_in(people.to_vec()));
    let keys = vec![check_in::Column::OwnerId, check_in::Column::Day];
    apply(
        grouped_by(
            db,
            check_ins,
            keys,
            vec![
                Expr::val(1).count(),
                Expr::col(check_in::Column::StopId).count_distinct(),
            ],
        )
        .await?,
        |f, v| (f.days, f.visits, f.planned_done) = (1, v[0], v[1]),
    );
    let keys = vec![day_sheet::Column::OwnerId, day_sheet::Column::Day];
    apply(
        grouped_by(
            db,
            planned_stops(actor, people, from, to),
            keys,
            vec![Expr::col((visit_stop::Entity, visit_stop::Column::Id)).count()],
        )
        .await?,
        |f, v| f.planned_visits = v[0],
    );
    let costs = visible::<field_expense::Entity>(&scope)
        .filter(field_expense::Column::Day.between(from, to))
        .filter(field_expense::Column::OwnerId.is_in(people.to_vec()));
    let keys = vec![field_expense::Column::OwnerId, field_expense::Column::Day];
    apply(
        grouped_by(
            db,
            costs,
            keys,
            vec![sum_as_bigint(Expr::col(field_expense::Column::AmountFen))],
        )
        .await?,
        |f, v| f.cost_fen = v[0],
    );
    let orders = visible::<sales_order::Entity>(&scope)
        .filter(sales_order::Column::OrderedOn.between(from, to))
        .filter(sales_order::Column::OwnerId.is_in(people.to_vec()));
    let keys = || vec![sales_order::Column::OwnerId, sales_order::Column::OrderedOn];
    apply(
        grouped_by(
            db,
            orders.clone(),
            keys(),
            vec![
                Expr::val(1).count(),
                sum_as_bigint(Expr::col(sales_order::Column::AmountFen)),
            ],
        )
        .await?,
        |f, v| (f.orders, f.sales_fen) = (v[0], v[1]),
    );
    apply(
        grouped_by(
            db,
            orders.filter(sales_order::Column::Id.in_subquery(first_orders(from, to))),
            keys(),
            vec![Expr::val(1).count()],
        )
        .await?,
        |f, v| f.new_customers = v[0],
    );
    Ok(days)
}

/// Planned visits of the people's plans in the period, as plan rows joined to their stops.
fn planned_stops(
    actor: &Actor,
    people: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> sea_orm::Select<day_sheet::Entity> {
    visible::<day_sheet::Entity>(&actor.scope())
        .filter(day_sheet::Column::Kind.eq(SheetKind::Plan.as_str()))
        .filter(day_sheet::Column::Day.between(from, to))
        .filter(day_sheet::Column::OwnerId.is_in(people.to_vec()))
        .join(
            JoinType::InnerJoin,
            day_sheet::Entity::belongs_to(visit_stop::Entity)
                .from(day_sheet::Column::Id)
                .to(visit_stop::Column::SheetId)
                .into(),
        )
}
