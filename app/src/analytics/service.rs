//! ABC analysis on the server: one grouped SQL aggregate per customer (on either database), then
//! the domain's classification.
use super::kept::Kept;
use super::{AbcClassRow, AbcCustomer, AbcView, ReportQuery, CARDS_PER_PAGE, CHART_CUSTOMERS};
use crate::auth::scope::{across_owners, visible};
use crate::auth::Actor;
use crate::db::{begin_write, sum_as_bigint};
use crate::domain::abc::{self, AbcBasis, AbcClass, AbcRule, RuleError};
use crate::domain::forms::{parse_optional_date, Checks, ErrorCode};
use crate::domain::period::share_of_span;
use crate::domain::visibility::Scope;
use crate::entities::{customer, sales_order, user};
use crate::error::{AppError, AppResult};
use chrono::{Datelike, Months, NaiveDate};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, JoinType, QueryFilter, QuerySelect,
    QueryTrait, Select, Statement, TransactionSession, TransactionTrait,
};
use std::collections::HashMap;
use std::sync::Arc;

/// The filters, checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReportFilter {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub team: Option<i64>,
    pub rep: Option<i64>,
    pub industry: String,
    pub region: String,
}

/// The first day of the last twelve months up to `today` (this month included).
fn twelve_months_before(today: NaiveDate) -> NaiveDate {
    (today - Months::new(11)).with_day(1).unwrap_or(today)
}

/// Without dates a report covers the last twelve months up to today.
pub fn report_filter(
    query: &ReportQuery,
    today: NaiveDate,
    checks: &mut Checks,
) -> Option<ReportFilter> {
    let default_from = twelve_months_before(today);
    let from = checks
        .check("from", parse_optional_date(&query.from))
        .map(|d| d.unwrap_or(default_from));
    let to = checks
        .check("to", parse_optional_date(&query.to))
        .map(|d| d.unwrap_or(today));
    let id = |raw: &str| -> Result<Option<i64>, ErrorCode> {
        if raw.is_empty() {
            Ok(None)
        } else {
            raw.parse().map(Some).map_err(|_| ErrorCode::UnknownChoice)
        }
    };
    let team = checks.check("team", id(&query.team));
    let rep = checks.check("rep", id(&query.rep));
    let (from, to) = (from?, to?);
    if to < from {
        checks.0.push(crate::domain::forms::FieldError::new(
            "to",
            ErrorCode::EndBeforeStart,
        ));
        return None;
    }
    if !crate::domain::period::within_max_span(from, to) {
        checks.0.push(crate::domain::forms::FieldError::new(
            "to",
            ErrorCode::PeriodTooLong {
                max_years: crate::domain::period::MAX_SPAN_YEARS,
            },
        ));
        return None;
    }
    Some(ReportFilter {
        from,
        to,
        team: team?,
        rep: rep?,
        industry: query.industry.clone(),
        region: query.region.clone(),
    })
}

fn rule_of(query: &ReportQuery, checks: &mut Checks) -> Option<AbcRule> {
    let or_default = |raw: &str, default: u32| {
        if raw.is_empty() {
            AbcRule::percent_text(default)
        } else {
            raw.to_string()
        }
    };
    let defaults = AbcRule::default();
    match AbcRule::from_percent(
        &or_default(&query.a, defaults.a_bp),
        &or_default(&query.b, defaults.b_bp),
    ) {
        Ok(rule) => Some(rule),
        Err(RuleError::NotIncreasing) => checks.check("b", Err(ErrorCode::ThresholdOrder)),
        Err(RuleError::OutOfRange) => {
            let bad_a =
                AbcRule::from_percent(&or_default(&query.a, defaults.a_bp), "99.99").is_err();
            checks.check(
                if bad_a { "a" } else { "b" },
                Err(ErrorCode::OutOfRange { min: 1, max: 99 }),
            )
        }
    }
}

/// Everything the report needs, checked: the filters, what customers are ranked by, the rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AbcRequest {
    pub filter: ReportFilter,
    pub basis: AbcBasis,
    pub rule: AbcRule,
}

pub fn abc_request(query: &ReportQuery, today: NaiveDate) -> AppResult<AbcRequest> {
    let mut checks = Checks::default();
    let filter = report_filter(query, today, &mut checks);
    let basis = checks.check(
        "basis",
        if query.basis.is_empty() {
            Ok(AbcBasis::Sales)
        } else {
            AbcBasis::parse(&query.basis).ok_or(ErrorCode::UnknownChoice)
        },
    );
    let rule = rule_of(query, &mut checks);
    checks.into_result().map_err(AppError::Validation)?;
    match (filter, basis, rule) {
        (Some(filter), Some(basis), Some(rule)) => Ok(AbcRequest {
            filter,
            basis,
            rule,
        }),
        _ => Err(AppError::internal("checks passed without values")),
    }
}

/// Value per customer in the period from the given sales orders (the actor's visible ones, or
/// the whole company's): one grouped query.
pub async fn value_per_customer(
    db: &impl ConnectionTrait,
    orders: Select<sales_order::Entity>,
    filter: &ReportFilter,
    basis: AbcBasis,
) -> AppResult<Vec<(i64, i64)>> {
    let period = per_customer_period(db, filter).await?;
    Ok(value_select(orders, filter, period, basis)
        .into_tuple::<(i64, i64)>()
        .all(db)
        .await?)
}

/// The period's condition on orders for a query that groups them by customer. SQLite keeps no
/// statistics on how many rows a date range holds and guesses few, so it reads every period
/// through the date index and sorts the orders by customer afterwards. Told the period's share of
/// the days that have orders (as `likelihood`), it reads a long period from the index by customer,
/// already in order (half the time for a year of orders), and keeps the date index for a short one.
pub async fn per_customer_period(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
) -> AppResult<SimpleExpr> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(in_period(filter));
    }
    // Each bound in its own subquery: SQLite reads a lone MIN or MAX from the end of the index.
    let span = Statement::from_string(DbBackend::Sqlite, "SELECT (SELECT MIN(ordered_on) FROM sales_orders), (SELECT MAX(ordered_on) FROM sales_orders)");
    let bounds = match db.query_one_raw(span).await? {
        Some(row) => (
            row.try_get_by_index::<Option<NaiveDate>>(0)?,
            row.try_get_by_index::<Option<NaiveDate>>(1)?,
        ),
        None => (None, None),
    };
    let (Some(first), Some(last)) = bounds else {
        return Ok(in_period(filter));
    };
    // `likelihood` takes a constant: two decimals keep the distinct statements few.
    let share = share_of_span(filter.from, filter.to, first, last).clamp(0.01, 1.0);
    Ok(Expr::cust_with_values(
        format!(r#"likelihood("sales_orders"."ordered_on" BETWEEN ? AND ?, {share:.2})"#),
        [filter.from, filter.to],
    ))
}

fn in_period(filter: &ReportFilter) -> SimpleExpr {
    Expr::col((sales_order::Entity, sales_order::Column::OrderedOn)).between(filter.from, filter.to)
}

/// The grouped query: customer id, then its value.
fn value_select(
    orders: Select<sales_order::Entity>,
    filter: &ReportFilter,
    period: SimpleExpr,
    basis: AbcBasis,
) -> Select<sales_order::Entity> {
    let value = match basis {
        AbcBasis::Sales => sum_as_bigint(Expr::col(sales_order::Column::AmountFen)),
        AbcBasis::GrossProfit => sum_as_bigint(
            Expr::col(sales_order::Column::AmountFen).sub(Expr::col(sales_order::Column::CostFen)),
        ),
    };
    narrowed_within(orders, filter, period)
        .select_only()
        .column(sales_order::Column::CustomerId)
        .column_as(value, "value")
        .group_by(sales_order::Column::CustomerId)
}

/// The orders of the period that pass the filters: team and rep by who took the order, industry
/// and region by its customer.
pub fn narrowed_orders(
    orders: Select<sales_order::Entity>,
    filter: &ReportFilter,
) -> Select<sales_order::Entity> {
    narrowed_within(orders, filter, in_period(filter))
}

/// `narrowed_orders` with the period's condition given.
fn narrowed_within(
    orders: Select<sales_order::Entity>,
    filter: &ReportFilter,
    period: SimpleExpr,
) -> Select<sales_order::Entity> {
    let mut select = orders.filter(period);
    if let Some(team) = filter.team {
        let members = Query::select()
            .column(user::Column::Id)
            .from(user::Entity)
            .and_where(user::Column::TeamId.eq(team))
            .to_owned();
        select = select.filter(sales_order::Column::OwnerId.in_subquery(members));
    }
    if let Some(rep) = filter.rep {
        select = select.filter(sales_order::Column::OwnerId.eq(rep));
    }
    for (column, wanted) in [
        (customer::Column::Industry, &filter.industry),
        (customer::Column::Province, &filter.region),
    ] {
        if !wanted.is_empty() {
            let customers = Query::select()
                .column(customer::Column::Id)
                .from(customer::Entity)
                .and_where(column.eq(wanted.as_str()))
                .to_owned();
            select = select.filter(sales_order::Column::CustomerId.in_subquery(customers));
        }
    }
    select
}

/// Value per customer with each customer's name and external id: the grouped query first, then
/// its rows joined to their customers (grouping by the names as well costs SQLite twice the time).
/// The customer of a visible order is visible.
async fn labelled_values(
    db: &impl ConnectionTrait,
    orders: Select<sales_order::Entity>,
    filter: &ReportFilter,
    basis: AbcBasis,
) -> AppResult<(Vec<(i64, i64)>, HashMap<i64, (String, Option<String>)>)> {
    let period = per_customer_period(db, filter).await?;
    let per_customer = Alias::new("per_customer");
    let mut select = across_owners::<customer::Entity>().select_only();
    QueryTrait::query(&mut select).join_subquery(
        JoinType::InnerJoin,
        value_select(orders, filter, period, basis).into_query(),
        per_customer.clone(),
        Expr::col((per_customer.clone(), sales_order::Column::CustomerId))
            .equals((customer::Entity, customer::Column::Id)),
    );
    let rows: Vec<(i64, i64, String, Option<String>)> = select
        .column(customer::Column::Id)
        .expr(Expr::col((per_customer, Alias::new("value"))))
        .column(customer::Column::Name)
        .column(customer::Column::ExternalId)
        .into_tuple()
        .all(db)
        .await?;
    let mut labels = HashMap::with_capacity(rows.len());
    let values = rows.into_iter().map(|(id, value, name, external)| {
        labels.insert(id, (name, external));
        (id, value)
    });
    Ok((values.collect(), labels))
}

/// The whole analysis: every customer with a value in the period, ranked and classed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbcReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub basis: AbcBasis,
    pub rule: AbcRule,
    pub total_fen: i64,
    pub classes: Vec<AbcClassRow>,
    pub customers: Vec<AbcCustomer>,
}

/// The version of the data the sales reports are built from: raised by triggers on every change
/// to it (migration 16 names them).
pub async fn sales_data_version(db: &impl ConnectionTrait) -> AppResult<i64> {
    let query = Query::select()
        .column(Alias::new("version"))
        .from(Alias::new("sales_data_version"))
        .to_owned();
    let row = db
        .query_one(&query)
        .await?
        .ok_or_else(|| AppError::internal("sales_data_version has no row"))?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

/// How many ABC analyses a server keeps: each viewer's scope and filters is one.
const KEPT_ANALYSES: usize = 16;

/// ABC analyses kept per server until the data under them changes, so that a manager who opens
/// the page, pages through its cards and exports the CSV has the ranking computed once; any
/// order written (on any server) makes every kept analysis stale.
#[derive(Debug, Clone)]
pub struct KeptAnalyses {
    abc: Arc<Kept<(Scope, AbcRequest), i64, Arc<AbcReport>>>,
}

impl Default for KeptAnalyses {
    fn default() -> Self {
        KeptAnalyses {
            abc: Arc::new(Kept::new(KEPT_ANALYSES)),
        }
    }
}

/// The analysis the actor asked for, kept or computed.
pub async fn abc(
    db: &impl ConnectionTrait,
    kept: &KeptAnalyses,
    actor: &Actor,
    query: &ReportQuery,
    today: NaiveDate,
) -> AppResult<Arc<AbcReport>> {
    let request = abc_request(query, today)?;
    let version = sales_data_version(db).await?;
    let scope = actor.scope();
    kept.abc
        .get_or_compute(
            (scope.clone(), request.clone()),
            version,
            |kept| *kept == version,
            || async { Ok(Arc::new(compute_abc(db, &scope, &request).await?)) },
        )
        .await
}

async fn compute_abc(
    db: &impl ConnectionTrait,
    scope: &Scope,
    request: &AbcRequest,
) -> AppResult<AbcReport> {
    let (values, mut labels) = labelled_values(
        db,
        visible::<sales_order::Entity>(scope),
        &request.filter,
        request.basis,
    )
    .await?;
    let classification = abc::classify(values, request.rule);
    let total = classification.total;
    let customers = classification
        .ranked
        .into_iter()
        .enumerate()
        .map(|(index, ranked)| {
            let (name, external_id) = labels.remove(&ranked.id).unwrap_or_default();
            AbcCustomer {
                rank: index as u64 + 1,
                customer_id: ranked.id,
                external_id,
                name,
                value_fen: ranked.value,
                share: abc::share_text(ranked.value, total),
                cumulative_share: abc::share_text(ranked.cumulative, total),
                class: ranked.class,
            }
        })
        .collect();
    let classes = classification
        .classes
        .into_iter()
        .map(|c| AbcClassRow {
            class: c.class,
            customers: c.customers as u64,
            value_fen: c.value,
            share: abc::share_text(c.value, total),
        })
        .collect();
    Ok(AbcReport {
        from: request.filter.from,
        to: request.filter.to,
        basis: request.basis,
        rule: request.rule,
        total_fen: total,
        classes,
        customers,
    })
}

/// Gives every customer its company-wide class by sales over the twelve months up to `today`
/// (None without sales in that time), writing only the customers whose class changed. Derived
/// data: the customer's version is not bumped, so nobody's open edit is refused because of it.
/// Returns how many customers changed.
pub async fn refresh_customer_classes(
    db: &(impl ConnectionTrait + TransactionTrait),
    today: NaiveDate,
) -> AppResult<u64> {
    let filter = ReportFilter {
        from: twelve_months_before(today),
        to: today,
        team: None,
        rep: None,
        industry: String::new(),
        region: String::new(),
    };
    let values = value_per_customer(
        db,
        across_owners::<sales_order::Entity>(),
        &filter,
        AbcBasis::Sales,
    )
    .await?;
    let wanted: HashMap<i64, AbcClass> = abc::classify(values, AbcRule::default())
        .ranked
        .into_iter()
        .map(|r| (r.id, r.class))
        .collect();
    let txn = begin_write(db).await?;
    // Every customer's stored class (two small columns, also for 100,000 customers).
    let stored: Vec<(i64, Option<String>)> = across_owners::<customer::Entity>()
        .select_only()
        .column(customer::Column::Id)
        .column(customer::Column::AbcClass)
        .into_tuple()
        .all(&txn)
        .await?;
    let mut changes: HashMap<Option<&'static str>, Vec<i64>> = HashMap::new();
    for (id, class) in stored {
        let target = wanted.get(&id).map(|c| c.as_str());
        if class.as_deref() != target {
            changes.entry(target).or_default().push(id);
        }
    }
    let mut changed = 0;
    for (class, ids) in changes {
        for batch in ids.chunks(5_000) {
            changed += customer::Entity::update_many()
                .col_expr(
                    customer::Column::AbcClass,
                    Expr::value(class.map(str::to_string)),
                )
                .filter(customer::Column::Id.is_in(batch.to_vec()))
                .exec(&txn)
                .await?
                .rows_affected;
        }
    }
    txn.commit().await?;
    Ok(changed)
}

/// What the page needs of the report: the summary, the chart's customers, one page of cards.
pub fn abc_view(report: &AbcReport, query: &ReportQuery) -> AbcView {
    let class = AbcClass::parse(&query.class).unwrap_or(AbcClass::A);
    let members: Vec<&AbcCustomer> = report
        .customers
        .iter()
        .filter(|c| c.class == class)
        .collect();
    let pages = members.len().div_ceil(CARDS_PER_PAGE).max(1) as u64;
    let page = Ord::min(query.page.parse::<u64>().unwrap_or(0), pages - 1);
    let cards = members
        .into_iter()
        .skip(page as usize * CARDS_PER_PAGE)
        .take(CARDS_PER_PAGE)
        .cloned()
        .collect();
    AbcView {
        from: report.from,
        to: report.to,
        basis: report.basis,
        rule: report.rule,
        total_fen: report.total_fen,
        classes: report.classes.clone(),
        top: report
            .customers
            .iter()
            .take(CHART_CUSTOMERS)
            .cloned()
            .collect(),
        class,
        cards,
        page,
        pages,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn fields(result: AppResult<AbcRequest>) -> Vec<(String, ErrorCode)> {
        match result {
            Err(AppError::Validation(errors)) => {
                errors.into_iter().map(|e| (e.field, e.code)).collect()
            }
            Err(other) => panic!("{other:?}"),
            Ok(_) => Vec::new(),
        }
    }

    #[test]
    fn the_default_period_is_the_last_twelve_months() {
        let request = abc_request(&ReportQuery::default(), day(2026, 11, 23)).unwrap();
        assert_eq!(
            (request.filter.from, request.filter.to),
            (day(2025, 12, 1), day(2026, 11, 23))
        );
        assert_eq!(
            (request.basis, request.rule),
            (AbcBasis::Sales, AbcRule::default())
        );
    }

    #[test]
    fn bad_filters_are_named_at_their_field() {
        let today = day(2026, 11, 23);
        let query = |pairs: &[(&str, &str)]| ReportQuery::from_pairs(pairs.iter().copied());
        assert_eq!(
            fields(abc_request(&query(&[("from", "2026-13-01")]), today)),
            [("from".to_string(), ErrorCode::InvalidDate)]
        );
        assert_eq!(
            fields(abc_request(
                &query(&[("from", "2026-05-01"), ("to", "2026-04-01")]),
                today
            )),
            [("to".to_string(), ErrorCode::EndBeforeStart)]
        );
        assert_eq!(
            fields(abc_request(
                &query(&[("from", "0001-01-01"), ("to", "9999-12-31")]),
                today
            )),
            [("to".to_string(), ErrorCode::PeriodTooLong { max_years: 10 })]
        );
        assert_eq!(
            fields(abc_request(&query(&[("a", "96")]), today)),
            [("b".to_string(), ErrorCode::ThresholdOrder)]
        );
        assert_eq!(
            fields(abc_request(&query(&[("a", "abc")]), today)),
            [("a".to_string(), ErrorCode::OutOfRange { min: 1, max: 99 })]
        );
        assert_eq!(
            fields(abc_request(&query(&[("b", "120")]), today)),
            [("b".to_string(), ErrorCode::OutOfRange { min: 1, max: 99 })]
        );
        assert_eq!(
            fields(abc_request(
                &query(&[("basis", "weight"), ("team", "x")]),
                today
            )),
            [
                ("team".to_string(), ErrorCode::UnknownChoice),
                ("basis".to_string(), ErrorCode::UnknownChoice)
            ]
        );
    }

    #[test]
    fn query_strings_keep_only_what_is_set() {
        let query = ReportQuery::from_pairs([
            ("from", "2026-01-01"),
            ("industry", "制造 业"),
            ("page", ""),
        ]);
        assert_eq!(
            query.query_string(),
            "from=2026-01-01&industry=%E5%88%B6%E9%80%A0%20%E4%B8%9A"
        );
        assert_eq!(
            query.with("class", "B").query_string(),
            "from=2026-01-01&industry=%E5%88%B6%E9%80%A0%20%E4%B8%9A&class=B"
        );
    }
}
