//! Gathers the dashboard's parts through the scoped services of the pages they summarise.
use super::{AbcSummary, DashboardView, MonthFigures};
use crate::analytics::ReportQuery;
use crate::auth::scope::visible;
use crate::auth::service::Actor;
use crate::db::sum_as_bigint;
use crate::domain::visibility::Role;
use crate::entities::sales_order;
use crate::error::{AppError, AppResult};
use chrono::{Datelike, Months, NaiveDate};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, QuerySelect, Select};

/// The first day of the month `months` before `day`'s.
fn month_start(day: NaiveDate, months_back: u32) -> NaiveDate {
    day.with_day(1)
        .and_then(|first| first.checked_sub_months(Months::new(months_back)))
        .unwrap_or(day)
}

/// Sales per month over the last twelve months (this one included).
pub async fn trend(
    db: &impl ConnectionTrait,
    actor: &Actor,
    today: NaiveDate,
) -> AppResult<Vec<MonthFigures>> {
    monthly_figures(
        db,
        visible::<sales_order::Entity>(&actor.scope()),
        month_start(today, 11),
        today,
    )
    .await
}

/// Sales, gross profit and orders per calendar month from `first` to `last` (the first and last
/// months clipped), of the given orders: summed per day by the database and folded into months
/// here, so the query is the same on SQLite and PostgreSQL.
pub async fn monthly_figures(
    db: &impl ConnectionTrait,
    orders: Select<sales_order::Entity>,
    first: NaiveDate,
    last: NaiveDate,
) -> AppResult<Vec<MonthFigures>> {
    let first_month = month_start(first, 0);
    let count = if last < first {
        0
    } else {
        (last.year() - first.year()) * 12 + last.month() as i32 - first.month() as i32 + 1
    };
    let mut months: Vec<MonthFigures> = (0..Ord::max(count, 0) as u32)
        .map(|n| MonthFigures {
            month: first_month
                .checked_add_months(Months::new(n))
                .unwrap_or(first_month),
            sales_fen: 0,
            gross_profit_fen: 0,
            orders: 0,
        })
        .collect();
    let days: Vec<(NaiveDate, Option<i64>, Option<i64>, i64)> = orders
        .select_only()
        .column(sales_order::Column::OrderedOn)
        .column_as(
            sum_as_bigint(Expr::col(sales_order::Column::AmountFen)),
            "sales",
        )
        .column_as(
            sum_as_bigint(
                Expr::col(sales_order::Column::AmountFen)
                    .sub(Expr::col(sales_order::Column::CostFen)),
            ),
            "profit",
        )
        .column_as(sales_order::Column::Id.count(), "orders")
        .filter(sales_order::Column::OrderedOn.between(first, last))
        .group_by(sales_order::Column::OrderedOn)
        .order_by_asc(sales_order::Column::OrderedOn)
        .into_tuple()
        .all(db)
        .await?;
    for (day, sales, profit, orders) in days {
        let index = (day.year() - first_month.year()) * 12 + day.month() as i32
            - first_month.month() as i32;
        if let Some(month) = usize::try_from(index).ok().and_then(|i| months.get_mut(i)) {
            month.sales_fen += sales.unwrap_or(0);
            month.gross_profit_fen += profit.unwrap_or(0);
            month.orders += orders;
        }
    }
    Ok(months)
}

/// A part the viewer has nothing for (no target plan covering them) is left out, not an error.
fn optional<T>(result: AppResult<T>) -> AppResult<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(AppError::NotFound) => Ok(None),
        Err(error) => Err(error),
    }
}

pub async fn dashboard(
    db: &impl ConnectionTrait,
    analyses: &crate::analytics::service::KeptAnalyses,
    actor: &Actor,
    today: NaiveDate,
) -> AppResult<DashboardView> {
    let role = actor.role();
    let leads = role != Role::Rep;
    let directs = matches!(role, Role::Director | Role::Admin);
    let progress = optional(
        crate::targets::service::progress(
            db,
            actor,
            today.year(),
            crate::domain::targets::Metric::Sales,
            "",
            today,
            None,
        )
        .await,
    )?;
    let agenda = if directs {
        None
    } else {
        Some(crate::customers::service::agenda(db, actor, today).await?)
    };
    let alerts =
        crate::analytics::alerts::alerts(db, actor, &ReportQuery::default(), today, true).await?;
    let this_month = ReportQuery {
        from: month_start(today, 0).to_string(),
        to: today.to_string(),
        ..Default::default()
    };
    let leaderboard = if leads {
        Some(crate::analytics::performance::rep_performance(db, actor, &this_month, today).await?)
    } else {
        None
    };
    let funnel = if leads && !directs {
        Some(crate::analytics::funnel::funnel(db, actor, &ReportQuery::default(), today).await?)
    } else {
        None
    };
    let abc = if directs {
        let report =
            crate::analytics::service::abc(db, analyses, actor, &ReportQuery::default(), today)
                .await?;
        Some(AbcSummary {
            total_fen: report.total_fen,
            classes: report.classes.clone(),
        })
    } else {
        None
    };
    Ok(DashboardView {
        role,
        progress,
        agenda,
        alerts,
        leaderboard,
        funnel,
        abc,
        trend: trend(db, actor, today).await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_starts_count_back_across_the_year() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        assert_eq!(
            month_start(day, 0),
            NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
        );
        assert_eq!(
            month_start(day, 11),
            NaiveDate::from_ymd_opt(2025, 4, 1).unwrap()
        );
    }
}
