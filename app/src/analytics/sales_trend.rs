//! Sales, gross profit and orders per calendar month (the dashboard's trend, the monthly report).
use super::MonthFigures;
use crate::auth::scope::visible;
use crate::auth::Actor;
use crate::db::sum_as_bigint;
use crate::domain::period::month_start;
use crate::entities::sales_order;
use crate::error::AppResult;
use chrono::{Datelike, Months, NaiveDate};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, QuerySelect, Select};

/// Sales per month over the last twelve months (this one included).
pub async fn sales_trend(
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
