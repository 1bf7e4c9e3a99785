//! Alerts on the server: an hourly job gathers each rep's, customer's and open deal's figures in a
//! few grouped queries, asks `domain::alerts` which need attention and keeps the `alerts` table to
//! exactly that set; people read the alerts they may see and managers assign a task for one.
use super::performance::Window;
use super::service::report_filter;
use super::{AlertTask, AlertView, AlertsView, ReportQuery, TaskForm};
use crate::auth::scope::{across_owners, visible};
use crate::auth::Actor;
use crate::db::{load_setting, save_setting, sum_as_bigint};
use crate::domain::alerts::{
    customer_alert, rep_drop, stale_deal, Alert, AlertKind, AlertRules, OrderHistory,
    CUSTOMER_RECENT_DAYS, CUSTOMER_TRAILING_QUARTERS, RECENT_DAYS, TRAILING_MONTHS,
};
use crate::domain::customer::LadderStage;
use crate::domain::forms::{self, Checks, ErrorCode};
use crate::domain::pipeline::days_between;
use crate::domain::visibility::Role;
use crate::entities::{alert, customer, opportunity, pipeline_stage, sales_order, user};
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
};
use std::collections::{HashMap, HashSet};

pub const RULES_KEY: &str = "alert_rules";
/// Alerts one page lists.
pub const PAGE_SIZE: u64 = 50;

/// Sales between two days (both included) as one figure of a grouped query.
fn sales_between(from: NaiveDate, to: NaiveDate) -> Expr {
    sum_as_bigint(
        Expr::case(
            Expr::col((sales_order::Entity, sales_order::Column::OrderedOn)).between(from, to),
            Expr::col((sales_order::Entity, sales_order::Column::AmountFen)),
        )
        .finally(0),
    )
}

/// Reps and managers who sell, with the last 30 days' sales against their usual month.
async fn rep_alerts(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    rules: &AlertRules,
) -> AppResult<Vec<(Alert, i64, i64)>> {
    let recent_from = today - Duration::days(RECENT_DAYS - 1);
    let trailing_from = recent_from - Duration::days(RECENT_DAYS * TRAILING_MONTHS);
    let rows: Vec<(i64, Option<i64>, Option<i64>)> = across_owners::<sales_order::Entity>()
        .select_only()
        .column(sales_order::Column::OwnerId)
        .column_as(
            sales_between(trailing_from, recent_from - Duration::days(1)),
            "trailing",
        )
        .column_as(sales_between(recent_from, today), "recent")
        .filter(sales_order::Column::OrderedOn.between(trailing_from, today))
        .group_by(sales_order::Column::OwnerId)
        .into_tuple()
        .all(db)
        .await?;
    let sellers: HashSet<i64> = across_owners::<user::Entity>()
        .filter(user::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .filter(|u| matches!(u.role(), Role::Rep | Role::Manager))
        .map(|u| u.id)
        .collect();
    Ok(rows
        .into_iter()
        .filter(|(owner, ..)| sellers.contains(owner))
        .filter_map(|(owner, trailing, recent)| {
            rep_drop(trailing.unwrap_or(0), recent.unwrap_or(0), rules)
                .map(|alert| (alert, owner, owner))
        })
        .collect())
}

/// Owned customers (not dormant) who ordered in the last twelve months, late for their next order
/// or buying much less than usual.
async fn customer_alerts(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    rules: &AlertRules,
) -> AppResult<Vec<(Alert, i64, i64)>> {
    let recent_from = today - Duration::days(CUSTOMER_RECENT_DAYS - 1);
    let trailing_from =
        recent_from - Duration::days(CUSTOMER_RECENT_DAYS * CUSTOMER_TRAILING_QUARTERS);
    let order_day = || Expr::col((sales_order::Entity, sales_order::Column::OrderedOn));
    let statement = Query::select()
        .column((customer::Entity, customer::Column::Id))
        .column((customer::Entity, customer::Column::OwnerId))
        .expr(order_day().min())
        .expr(order_day().max())
        .expr(order_day().count_distinct())
        .expr(sales_between(recent_from, today))
        .expr(sales_between(
            trailing_from,
            recent_from - Duration::days(1),
        ))
        .from(sales_order::Entity)
        .inner_join(
            customer::Entity,
            Expr::col((customer::Entity, customer::Column::Id))
                .equals((sales_order::Entity, sales_order::Column::CustomerId)),
        )
        .and_where(Expr::col((customer::Entity, customer::Column::OwnerId)).is_not_null())
        .and_where(
            Expr::col((customer::Entity, customer::Column::LadderStage))
                .ne(LadderStage::Dormant.as_str()),
        )
        .group_by_col((customer::Entity, customer::Column::Id))
        .group_by_col((customer::Entity, customer::Column::OwnerId))
        .and_having(order_day().max().gt(today - Duration::days(365)))
        .to_owned();
    let mut alerts = Vec::new();
    for row in db.query_all(&statement).await? {
        let (id, owner) = (
            row.try_get_by_index::<i64>(0)?,
            row.try_get_by_index::<i64>(1)?,
        );
        let history = OrderHistory {
            first_on: row.try_get_by_index(2)?,
            last_on: row.try_get_by_index(3)?,
            order_days: row.try_get_by_index(4)?,
            recent_fen: row.try_get_by_index::<Option<i64>>(5)?.unwrap_or(0),
            trailing_fen: row.try_get_by_index::<Option<i64>>(6)?.unwrap_or(0),
        };
        if let Some(alert) = customer_alert(&history, today, rules) {
            alerts.push((alert, id, owner));
        }
    }
    Ok(alerts)
}

/// Open deals past their stage's limit.
async fn deal_alerts(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> AppResult<Vec<(Alert, i64, i64)>> {
    let mut alerts = Vec::new();
    let stages = pipeline_stage::Entity::find()
        .filter(pipeline_stage::Column::StaleAfterDays.is_not_null())
        .all(db)
        .await?;
    for stage in stages.into_iter().filter(|s| !s.won && !s.lost) {
        let limit = stage.stale_after_days.map(|d| Ord::max(d, 0) as u32);
        let deals = across_owners::<opportunity::Entity>()
            .filter(opportunity::Column::StageId.eq(stage.id))
            .filter(opportunity::Column::ClosedOn.is_null())
            .filter(
                opportunity::Column::StageEnteredAt
                    .lt(now - Duration::days(i64::from(limit.unwrap_or(0)))),
            )
            .all(db)
            .await?;
        for deal in deals {
            if let Some(alert) = stale_deal(
                days_between(crate::clock::local_day(deal.stage_entered_at), today),
                limit,
            ) {
                alerts.push((alert, deal.id, deal.owner_id));
            }
        }
    }
    Ok(alerts)
}

/// Brings the `alerts` table to the alerts that hold now: new ones are raised, figures of standing
/// ones follow the data (their raise time and task stay), cleared ones go. Returns (raised, cleared).
pub async fn refresh_alerts<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> AppResult<(u64, u64)> {
    let rules = load_setting::<AlertRules>(db, RULES_KEY).await?.0;
    let mut current = rep_alerts(db, today, &rules).await?;
    current.extend(customer_alerts(db, today, &rules).await?);
    current.extend(deal_alerts(db, now, today).await?);

    let txn = db.begin().await?;
    let mut standing: HashMap<(String, i64), alert::Model> = across_owners::<alert::Entity>()
        .all(&txn)
        .await?
        .into_iter()
        .map(|a| ((a.kind.clone(), a.subject_id), a))
        .collect();
    let mut new_rows = Vec::new();
    for (alert, subject_id, owner_id) in current {
        let figures = serde_json::to_string(&alert)
            .map_err(|error| AppError::internal(format!("alert figures: {error}")))?;
        match standing.remove(&(alert.kind().as_str().to_string(), subject_id)) {
            Some(row) if row.figures == figures && row.owner_id == owner_id => {}
            Some(row) => {
                let mut row: alert::ActiveModel = row.into();
                row.figures = Set(figures);
                row.owner_id = Set(owner_id);
                row.updated_at = Set(now);
                row.update(&txn).await?;
            }
            None => new_rows.push(alert::ActiveModel {
                kind: Set(alert.kind().as_str().to_string()),
                subject_id: Set(subject_id),
                owner_id: Set(owner_id),
                figures: Set(figures),
                raised_at: Set(now),
                updated_at: Set(now),
                task_note: Set(String::new()),
                task_by: Set(None),
                task_at: Set(None),
                ..Default::default()
            }),
        }
    }
    let raised = new_rows.len() as u64;
    for chunk in new_rows.chunks(500) {
        alert::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    let cleared: Vec<i64> = standing.into_values().map(|row| row.id).collect();
    for chunk in cleared.chunks(500) {
        alert::Entity::delete_many()
            .filter(alert::Column::Id.is_in(chunk.iter().copied()))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok((raised, cleared.len() as u64))
}

/// Alerts the actor sees that nobody has assigned a task for yet: the badge's number.
pub async fn unhandled_count(db: &impl ConnectionTrait, actor: &Actor) -> AppResult<u64> {
    Ok(visible::<alert::Entity>(&actor.scope())
        .filter(alert::Column::TaskAt.is_null())
        .count(db)
        .await?)
}

/// [`unhandled_count`] as the badge beside the user's name (registered in `jingxi::app_state`).
pub fn open_alerts_badge<'a>(
    db: &'a sea_orm::DatabaseConnection,
    actor: &'a Actor,
) -> futures::future::BoxFuture<'a, AppResult<u64>> {
    Box::pin(unhandled_count(db, actor))
}

fn kind_of(query: &ReportQuery, checks: &mut Checks) -> Option<Option<AlertKind>> {
    checks.check(
        "kind",
        if query.kind.is_empty() {
            Ok(None)
        } else {
            AlertKind::parse(&query.kind)
                .map(Some)
                .ok_or(ErrorCode::UnknownChoice)
        },
    )
}

/// The alerts the actor sees within the filters (team, rep, kind), most recent first per kind;
/// `paged` keeps to one page (the report serves them all).
pub async fn alerts(
    db: &impl ConnectionTrait,
    actor: &Actor,
    query: &ReportQuery,
    today: NaiveDate,
    paged: bool,
) -> AppResult<AlertsView> {
    let mut checks = Checks::default();
    let filter = report_filter(
        &ReportQuery {
            from: String::new(),
            to: String::new(),
            ..query.clone()
        },
        today,
        &mut checks,
    );
    let kind = kind_of(query, &mut checks);
    let page = checks.check(
        "page",
        if query.page.is_empty() {
            Ok(1)
        } else {
            forms::parse_whole_number(&query.page, 1, 100_000)
        },
    );
    checks.into_result().map_err(AppError::Validation)?;
    let (Some(filter), Some(kind), Some(page)) = (filter, kind, page) else {
        return Err(AppError::internal("checks passed without values"));
    };
    let window = Window::of(&filter);

    let selection = window.owners(visible::<alert::Entity>(&actor.scope()));
    let counts: Vec<(String, i64)> = selection
        .clone()
        .select_only()
        .column(alert::Column::Kind)
        .column_as(alert::Column::Id.count(), "n")
        .group_by(alert::Column::Kind)
        .into_tuple()
        .all(db)
        .await?;
    let counts: Vec<(AlertKind, u64)> = AlertKind::ALL
        .iter()
        .map(|k| {
            (
                *k,
                counts
                    .iter()
                    .find(|(kind, _)| kind == k.as_str())
                    .map_or(0, |(_, n)| *n as u64),
            )
        })
        .collect();
    let mut listed = selection
        .order_by_asc(alert::Column::Kind)
        .order_by_desc(alert::Column::RaisedAt)
        .order_by_asc(alert::Column::Id);
    if let Some(kind) = kind {
        listed = listed.filter(alert::Column::Kind.eq(kind.as_str()));
    }
    let total = listed.clone().count(db).await?;
    let rows = if paged {
        listed
            .offset((page as u64 - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
            .all(db)
            .await?
    } else {
        listed.all(db).await?
    };

    // Names of what the alerts are about: each is the viewer's to see through the alert's owner.
    let ids_of = |kinds: &[AlertKind]| -> Vec<i64> {
        rows.iter()
            .filter(|r| kinds.iter().any(|k| k.as_str() == r.kind))
            .map(|r| r.subject_id)
            .collect()
    };
    let deals: HashMap<i64, opportunity::Model> = across_owners::<opportunity::Entity>()
        .filter(opportunity::Column::Id.is_in(ids_of(&[AlertKind::StaleDeal])))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d))
        .collect();
    let customer_ids: Vec<i64> = ids_of(&[AlertKind::CustomerOverdue, AlertKind::CustomerDrop])
        .into_iter()
        .chain(deals.values().map(|d| d.customer_id))
        .collect();
    let customers: HashMap<i64, String> = across_owners::<customer::Entity>()
        .filter(customer::Column::Id.is_in(customer_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let user_ids: Vec<i64> = rows
        .iter()
        .flat_map(|r| [Some(r.owner_id), r.task_by])
        .flatten()
        .collect();
    let users: HashMap<i64, String> = across_owners::<user::Entity>()
        .filter(user::Column::Id.is_in(user_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();

    let mut alerts = Vec::with_capacity(rows.len());
    for row in rows {
        let alert: Alert = serde_json::from_str(&row.figures)
            .map_err(|error| AppError::internal(format!("alert {} figures: {error}", row.id)))?;
        let (subject_name, customer_id) = match alert.kind() {
            AlertKind::RepDrop => (
                users.get(&row.subject_id).cloned().unwrap_or_default(),
                None,
            ),
            AlertKind::CustomerOverdue | AlertKind::CustomerDrop => (
                customers.get(&row.subject_id).cloned().unwrap_or_default(),
                Some(row.subject_id),
            ),
            AlertKind::StaleDeal => {
                let deal = deals.get(&row.subject_id);
                (
                    deal.map(|d| d.title.clone()).unwrap_or_default(),
                    deal.map(|d| d.customer_id),
                )
            }
        };
        alerts.push(AlertView {
            id: row.id,
            alert,
            subject_id: row.subject_id,
            subject_name,
            customer_name: customer_id
                .filter(|_| alert.kind() == AlertKind::StaleDeal)
                .and_then(|id| customers.get(&id).cloned()),
            customer_id,
            owner_id: row.owner_id,
            owner_name: users.get(&row.owner_id).cloned().unwrap_or_default(),
            raised_on: crate::clock::local_day(row.raised_at),
            task: row.task_at.map(|at| AlertTask {
                note: row.task_note.clone(),
                by_name: row
                    .task_by
                    .and_then(|id| users.get(&id).cloned())
                    .unwrap_or_default(),
                on: crate::clock::local_day(at),
            }),
        });
    }
    let (rules, rules_version) = load_setting::<AlertRules>(db, RULES_KEY).await?;
    Ok(AlertsView {
        kind,
        counts,
        alerts,
        total,
        page: page as u64,
        page_size: PAGE_SIZE,
        rules,
        rules_version,
        can_edit_rules: actor.role() == Role::Admin,
        can_assign: actor.role() != Role::Rep,
    })
}

/// A manager (or anyone above a rep) asks the person who answers for an alert to act on it: the
/// task is kept on the alert and sent to them as a notification.
pub async fn assign_task<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    form: &TaskForm,
) -> AppResult<AlertTask> {
    actor.require(&[Role::Manager, Role::Director, Role::Admin])?;
    let id: i64 = form
        .alert_id
        .trim()
        .parse()
        .map_err(|_| AppError::NotFound)?;
    let mut checks = Checks::default();
    let note = checks.check("note", forms::parse_required_text(&form.note, 500));
    checks.into_result().map_err(AppError::Validation)?;
    let Some(note) = note else {
        return Err(AppError::internal("checks passed without values"));
    };
    let txn = db.begin().await?;
    let row = visible::<alert::Entity>(&actor.scope())
        .filter(alert::Column::Id.eq(id))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let link = match AlertKind::parse(&row.kind) {
        Some(AlertKind::RepDrop) => format!("/analytics/reps?rep={}", row.subject_id),
        Some(AlertKind::StaleDeal) => format!("/pipeline/deals/{}", row.subject_id),
        _ => format!("/customers/{}#follow-up", row.subject_id),
    };
    let owner_id = row.owner_id;
    let mut row: alert::ActiveModel = row.into();
    row.task_note = Set(note.clone());
    row.task_by = Set(Some(actor.user.id));
    let at = crate::clock::now();
    row.task_at = Set(Some(at));
    row.update(&txn).await?;
    crate::notifications::notify(
        &txn,
        owner_id,
        &crate::domain::events::Notice::Task {
            who: actor.user.display_name.clone(),
            note: note.clone(),
        },
        &link,
    )
    .await?;
    txn.commit().await?;
    Ok(AlertTask {
        note,
        by_name: actor.user.display_name.clone(),
        on: crate::clock::local_day(at),
    })
}

pub async fn save_rules(
    db: &impl ConnectionTrait,
    actor: &Actor,
    form: &super::AlertRulesForm,
) -> AppResult<()> {
    actor.require(&[Role::Admin])?;
    let mut checks = Checks::default();
    let rep = checks.check(
        "rep_drop_percent",
        forms::parse_whole_number(&form.rep_drop_percent, 1, 99),
    );
    let customer = checks.check(
        "customer_drop_percent",
        forms::parse_whole_number(&form.customer_drop_percent, 1, 99),
    );
    let multiple = checks.check(
        "overdue_multiple",
        forms::parse_whole_number(&form.overdue_multiple, 2, 10),
    );
    checks.into_result().map_err(AppError::Validation)?;
    let (Some(rep), Some(customer), Some(multiple)) = (rep, customer, multiple) else {
        return Err(AppError::internal("checks passed without values"));
    };
    let version = form
        .version
        .trim()
        .parse()
        .map_err(|_| AppError::Conflict)?;
    let rules = AlertRules {
        rep_drop_percent: rep as u32,
        customer_drop_percent: customer as u32,
        overdue_multiple: multiple as u32,
    };
    save_setting(db, RULES_KEY, &rules, version, actor.user.id).await
}
