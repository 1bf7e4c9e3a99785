//! Customer analysis on the server: the composition of the viewer's customers by one dimension
//! (one grouped query joining each customer to its sales in the period), the company's retention
//! and what a customer is worth, and one customer's trend and shares.
use super::kept::Kept;
use super::service::{report_filter, ReportFilter};
use super::{
    CompositionLine, CustomerComposition, CustomerTrend, CustomerValue, ReportQuery, YearShare,
};
use crate::auth::scope::{across_owners, visible};
use crate::auth::Actor;
use crate::db::sum_as_bigint;
use crate::domain::customer_value::{self, CustomerAge, Dimension, PurchaseSize};
use crate::domain::forms::{Checks, ErrorCode};
use crate::entities::{customer, sales_order, user};
use crate::error::{AppError, AppResult};
use chrono::{Datelike, Duration, Months, NaiveDate};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, QueryTrait,
    Select,
};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Instant;

/// The dimension asked for (`by`, default industry), checked with the other filters.
fn request(query: &ReportQuery, today: NaiveDate) -> AppResult<(ReportFilter, Dimension)> {
    let mut checks = Checks::default();
    let filter = report_filter(query, today, &mut checks);
    let dimension = checks.check(
        "by",
        if query.by.is_empty() {
            Ok(Dimension::Industry)
        } else {
            Dimension::parse(&query.by).ok_or(ErrorCode::UnknownChoice)
        },
    );
    checks.into_result().map_err(AppError::Validation)?;
    match (filter, dimension) {
        (Some(filter), Some(dimension)) => Ok((filter, dimension)),
        _ => Err(AppError::internal("checks passed without values")),
    }
}

/// The viewer's customers on file by the period's end (or, imported later, buying by then),
/// narrowed by the filters (team and rep by the customer's owner).
fn customers_in(actor: &Actor, filter: &ReportFilter) -> Select<customer::Entity> {
    let on_file = sea_orm::Condition::any()
        .add(
            customer::Column::CreatedAt
                .lt(crate::clock::start_of_day(filter.to + Duration::days(1))),
        )
        .add(customer::Column::FirstOrderOn.lte(filter.to));
    let mut select = visible::<customer::Entity>(&actor.scope()).filter(on_file);
    if let Some(team) = filter.team {
        let members = Query::select()
            .column(user::Column::Id)
            .from(user::Entity)
            .and_where(user::Column::TeamId.eq(team))
            .to_owned();
        select = select.filter(customer::Column::OwnerId.in_subquery(members));
    }
    if let Some(rep) = filter.rep {
        select = select.filter(customer::Column::OwnerId.eq(rep));
    }
    if !filter.industry.is_empty() {
        select = select.filter(customer::Column::Industry.eq(filter.industry.as_str()));
    }
    if !filter.region.is_empty() {
        select = select.filter(customer::Column::Province.eq(filter.region.as_str()));
    }
    select
}

const PERIOD: &str = "period_orders";

fn period_column(name: &str) -> Expr {
    Expr::col((Alias::new(PERIOD), Alias::new(name)))
}

/// The key a customer is grouped under: the column's text, or a `domain::customer_value` key.
fn dimension_key(dimension: Dimension, filter: &ReportFilter) -> SimpleExpr {
    let column = |c: customer::Column| Expr::col((customer::Entity, c));
    match dimension {
        Dimension::Industry => column(customer::Column::Industry),
        Dimension::Region => column(customer::Column::Province),
        Dimension::Stage => column(customer::Column::LadderStage),
        Dimension::Age => {
            let first = || Expr::col((customer::Entity, customer::Column::FirstOrderOn));
            Expr::case(
                first().is_null().or(first().gt(filter.to)),
                CustomerAge::NoOrder.as_str(),
            )
            .case(first().gte(filter.from), CustomerAge::New.as_str())
            .finally(CustomerAge::Returning.as_str())
            .into()
        }
        Dimension::Size => {
            let sales = || Expr::expr(Func::coalesce([period_column("sales"), Expr::val(0)]));
            let mut case = Expr::case(sales().lte(0), PurchaseSize::NoPurchase.as_str());
            for (size, floor) in PurchaseSize::FLOORS_FEN {
                case = case.case(sales().gte(floor), size.as_str());
            }
            case.finally(PurchaseSize::Occasional.as_str()).into()
        }
    }
}

/// Customers per group with how many bought, their sales and gross profit in the period, from one
/// grouped query: the filtered customers left-joined to their orders in the period (the viewer's
/// visible orders), grouped by the dimension's key.
async fn composition_lines(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &ReportFilter,
    dimension: Dimension,
) -> AppResult<Vec<CompositionLine>> {
    let amount = || Expr::col((sales_order::Entity, sales_order::Column::AmountFen));
    let per_customer = visible::<sales_order::Entity>(&actor.scope())
        .select_only()
        .column(sales_order::Column::CustomerId)
        .column_as(sum_as_bigint(amount()), "sales")
        .column_as(
            sum_as_bigint(amount().sub(Expr::col((
                sales_order::Entity,
                sales_order::Column::CostFen,
            )))),
            "profit",
        )
        .filter(sales_order::Column::OrderedOn.between(filter.from, filter.to))
        .group_by(sales_order::Column::CustomerId)
        .into_query();
    let mut select = customers_in(actor, filter).select_only();
    QueryTrait::query(&mut select).join_subquery(
        JoinType::LeftJoin,
        per_customer,
        Alias::new(PERIOD),
        period_column("customer_id").equals((customer::Entity, customer::Column::Id)),
    );
    let bought = Expr::case(period_column("sales").is_not_null(), 1).finally(0);
    let select = select
        .column_as(dimension_key(dimension, filter), "dimension")
        .column_as(Expr::col((customer::Entity, customer::Column::Id)).count(), "customers")
        .column_as(sum_as_bigint(bought), "buyers")
        .column_as(sum_as_bigint(period_column("sales")), "sales")
        .column_as(sum_as_bigint(period_column("profit")), "profit")
        // By the output name: PostgreSQL does not match a repeated expression whose values are bound
        // as separate parameters.
        .group_by(Expr::cust("dimension"));
    let rows: Vec<(Option<String>, i64, Option<i64>, Option<i64>, Option<i64>)> =
        select.into_tuple().all(db).await?;
    let mut lines: Vec<CompositionLine> = rows
        .into_iter()
        .map(|(key, customers, buyers, sales, profit)| CompositionLine {
            key: key.unwrap_or_default(),
            customers,
            buyers: buyers.unwrap_or(0),
            sales_fen: sales.unwrap_or(0),
            gross_profit_fen: profit.unwrap_or(0),
        })
        .collect();
    lines.sort_by(|a, b| {
        b.sales_fen
            .cmp(&a.sales_fen)
            .then(b.customers.cmp(&a.customers))
            .then_with(|| a.key.cmp(&b.key))
    });
    Ok(lines)
}

/// The company's yearly retention and average gross profit per buying customer over the twelve
/// months ending `last` (against the twelve before), and from them a customer's lifetime value.
pub async fn company_value(db: &impl ConnectionTrait, last: NaiveDate) -> AppResult<CustomerValue> {
    let later_from = last - Duration::days(364);
    let earlier_from = later_from - Duration::days(365);
    let ordered_on = || Expr::col((sales_order::Entity, sales_order::Column::OrderedOn));
    let in_later = || ordered_on().gte(later_from);
    let per_customer = across_owners::<sales_order::Entity>()
        .select_only()
        .column(sales_order::Column::CustomerId)
        .column_as(
            sum_as_bigint(Expr::case(in_later().not(), 1).finally(0)),
            "earlier",
        )
        .column_as(sum_as_bigint(Expr::case(in_later(), 1).finally(0)), "later")
        .column_as(
            sum_as_bigint(
                Expr::case(
                    in_later(),
                    Expr::col(sales_order::Column::AmountFen)
                        .sub(Expr::col(sales_order::Column::CostFen)),
                )
                .finally(0),
            ),
            "later_profit",
        )
        .filter(sales_order::Column::OrderedOn.between(earlier_from, last))
        .group_by(sales_order::Column::CustomerId)
        .into_query();
    let column = |name: &str| Expr::col((Alias::new("per_customer"), Alias::new(name)));
    let counted = |condition: SimpleExpr| sum_as_bigint(Expr::case(condition, 1).finally(0));
    let statement = Query::select()
        .expr(counted(column("earlier").gt(0)))
        .expr(counted(column("earlier").gt(0).and(column("later").gt(0))))
        .expr(counted(column("later").gt(0)))
        .expr(sum_as_bigint(column("later_profit")))
        .from_subquery(per_customer, Alias::new("per_customer"))
        .to_owned();
    let row = db
        .query_one_raw(db.get_database_backend().build(&statement))
        .await?;
    let value = |index: usize| -> AppResult<i64> {
        Ok(row
            .as_ref()
            .map(|r| r.try_get_by_index::<Option<i64>>(index))
            .transpose()?
            .flatten()
            .unwrap_or(0))
    };
    let (earlier_buyers, kept, later_buyers, later_profit) =
        (value(0)?, value(1)?, value(2)?, value(3)?);
    let retention_bp = customer_value::retention_bp(earlier_buyers, kept);
    let remaining_tenths = retention_bp.map(customer_value::remaining_years_tenths);
    let average_yearly_gp_fen = crate::domain::rounded_ratio(later_profit, later_buyers);
    Ok(CustomerValue {
        window_from: earlier_from,
        window_to: last,
        earlier_buyers,
        kept,
        retention_bp,
        remaining_tenths,
        average_yearly_gp_fen,
        lifetime_value_fen: average_yearly_gp_fen
            .zip(remaining_tenths)
            .map(|(yearly, years)| customer_value::lifetime_value_fen(yearly, years)),
    })
}

pub async fn composition(
    db: &impl ConnectionTrait,
    company: &CompanyFigures,
    actor: &Actor,
    query: &ReportQuery,
    today: NaiveDate,
) -> AppResult<CustomerComposition> {
    let (filter, dimension) = request(query, today)?;
    let lines = composition_lines(db, actor, &filter, dimension).await?;
    let total = lines
        .iter()
        .fold(CompositionLine::default(), |sum, line| CompositionLine {
            key: String::new(),
            customers: sum.customers + line.customers,
            buyers: sum.buyers + line.buyers,
            sales_fen: sum.sales_fen + line.sales_fen,
            gross_profit_fen: sum.gross_profit_fen + line.gross_profit_fen,
        });
    Ok(CustomerComposition {
        from: filter.from,
        to: filter.to,
        dimension,
        lines,
        total,
        value: company.value(db, filter.to).await?,
    })
}

/// How long a server keeps the company-wide figures every customer file and composition repeats
/// (retention, yearly sales per region): an hour, like the customers' ABC classes.
const COMPANY_FIGURES_FOR: std::time::Duration = std::time::Duration::from_secs(3600);

/// Values computed at most once per `fresh_for` per key on this server.
#[derive(Debug)]
struct Timed<K, V> {
    fresh_for: std::time::Duration,
    kept: Kept<K, Instant, V>,
}

impl<K: Eq + Hash, V: Clone> Timed<K, V> {
    fn new(fresh_for: std::time::Duration) -> Self {
        // Keys are days: a few per day at most.
        Timed {
            fresh_for,
            kept: Kept::new(64),
        }
    }

    async fn get_or_compute<F: std::future::Future<Output = AppResult<V>>>(
        &self,
        key: K,
        compute: impl FnOnce() -> F,
    ) -> AppResult<V> {
        self.kept
            .get_or_compute(
                key,
                Instant::now(),
                |at| at.elapsed() < self.fresh_for,
                compute,
            )
            .await
    }
}

/// The company's sales per calendar year, in total and per province.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegionYears {
    pub company: Vec<i64>,
    pub regions: HashMap<String, Vec<i64>>,
}

/// Company-wide figures kept per server for an hour (see `COMPANY_FIGURES_FOR`), so that opening a
/// customer's file does not scan two years of everybody's orders each time.
#[derive(Debug, Clone)]
pub struct CompanyFigures {
    value: Arc<Timed<NaiveDate, CustomerValue>>,
    years: Arc<Timed<(i32, NaiveDate), Arc<RegionYears>>>,
}

impl Default for CompanyFigures {
    fn default() -> Self {
        CompanyFigures::fresh_for(COMPANY_FIGURES_FOR)
    }
}

impl CompanyFigures {
    pub fn fresh_for(duration: std::time::Duration) -> Self {
        CompanyFigures {
            value: Arc::new(Timed::new(duration)),
            years: Arc::new(Timed::new(duration)),
        }
    }

    /// `company_value` for the twelve months ending `last`.
    pub async fn value(
        &self,
        db: &impl ConnectionTrait,
        last: NaiveDate,
    ) -> AppResult<CustomerValue> {
        self.value
            .get_or_compute(last, || company_value(db, last))
            .await
    }

    /// `region_years` from `first_year` to `last`.
    pub async fn years(
        &self,
        db: &impl ConnectionTrait,
        first_year: i32,
        last: NaiveDate,
    ) -> AppResult<Arc<RegionYears>> {
        self.years
            .get_or_compute((first_year, last), || async move {
                Ok(Arc::new(region_years(db, first_year, last).await?))
            })
            .await
    }
}

/// The company's sales per province and calendar year from `first_year` to the year of `last`
/// (up to `last`): one grouped query; the company's are the provinces' sums.
pub async fn region_years(
    db: &impl ConnectionTrait,
    first_year: i32,
    last: NaiveDate,
) -> AppResult<RegionYears> {
    let years: Vec<i32> = (first_year..=last.year()).collect();
    let mut select = across_owners::<sales_order::Entity>()
        .select_only()
        .join(
            JoinType::InnerJoin,
            sales_order::Entity::belongs_to(customer::Entity)
                .from(sales_order::Column::CustomerId)
                .to(customer::Column::Id)
                .into(),
        )
        .column(customer::Column::Province)
        .filter(sales_order::Column::OrderedOn.between(
            NaiveDate::from_ymd_opt(first_year, 1, 1).unwrap_or(last),
            last,
        ))
        .group_by(customer::Column::Province);
    for year in &years {
        let (first, end) = (
            NaiveDate::from_ymd_opt(*year, 1, 1).unwrap_or(last),
            NaiveDate::from_ymd_opt(*year, 12, 31).unwrap_or(last),
        );
        select = select.column_as(
            sum_as_bigint(
                Expr::case(
                    Expr::col((sales_order::Entity, sales_order::Column::OrderedOn))
                        .between(first, end),
                    Expr::col((sales_order::Entity, sales_order::Column::AmountFen)),
                )
                .finally(0),
            ),
            format!("year_{year}"),
        );
    }
    let mut figures = RegionYears {
        company: vec![0; years.len()],
        regions: HashMap::new(),
    };
    for row in db
        .query_all_raw(select.build(db.get_database_backend()))
        .await?
    {
        let province: String = row.try_get_by_index(0)?;
        let sales = (1..=years.len())
            .map(|index| Ok(row.try_get_by_index::<Option<i64>>(index)?.unwrap_or(0)))
            .collect::<AppResult<Vec<i64>>>()?;
        figures
            .company
            .iter_mut()
            .zip(&sales)
            .for_each(|(total, year)| *total += year);
        figures.regions.insert(province, sales);
    }
    Ok(figures)
}

/// How many years the customer file's trend table covers (this year and the two before).
const TREND_YEARS: i32 = 3;
/// Months in the trend chart.
const TREND_MONTHS: u32 = 24;

/// One customer's sales by month over the last two years and by year beside the company's and its
/// region's, the last twelve months against the twelve before, and its lifetime value. Anyone who
/// may open the customer's file sees it: the whole history stays with the customer.
pub async fn trend(
    db: &impl ConnectionTrait,
    company: &CompanyFigures,
    actor: &Actor,
    customer_id: i64,
    today: NaiveDate,
) -> AppResult<CustomerTrend> {
    let found = crate::customers::find_for(db, actor, customer_id).await?;
    let month_first = today.with_day(1).unwrap_or(today);
    let chart_from = month_first
        .checked_sub_months(Months::new(TREND_MONTHS - 1))
        .unwrap_or(month_first);
    let first_year = today.year() - TREND_YEARS + 1;
    let first_day = Ord::min(
        chart_from,
        NaiveDate::from_ymd_opt(first_year, 1, 1).unwrap_or(chart_from),
    );
    let orders_of_customer = || {
        across_owners::<sales_order::Entity>()
            .filter(sales_order::Column::CustomerId.eq(customer_id))
    };
    let by_day: Vec<(NaiveDate, Option<i64>)> = orders_of_customer()
        .select_only()
        .column(sales_order::Column::OrderedOn)
        .column_as(
            sum_as_bigint(Expr::col(sales_order::Column::AmountFen)),
            "sales",
        )
        .filter(sales_order::Column::OrderedOn.between(first_day, today))
        .group_by(sales_order::Column::OrderedOn)
        .into_tuple()
        .all(db)
        .await?;
    let sales_where = |wanted: &dyn Fn(NaiveDate) -> bool| -> i64 {
        by_day
            .iter()
            .filter(|(day, _)| wanted(*day))
            .map(|(_, fen)| fen.unwrap_or(0))
            .sum()
    };
    let months: Vec<(String, i64)> = (0..TREND_MONTHS)
        .filter_map(|offset| chart_from.checked_add_months(Months::new(offset)))
        .map(|first| {
            (
                format!("{:04}-{:02}", first.year(), first.month()),
                sales_where(&|day| day.year() == first.year() && day.month() == first.month()),
            )
        })
        .collect();
    let last_12: i64 = months.iter().skip(12).map(|(_, fen)| fen).sum();
    let previous_12: i64 = months.iter().take(12).map(|(_, fen)| fen).sum();

    let company_years = company.years(db, first_year, today).await?;
    let no_sales = vec![0; company_years.company.len()];
    let region = company_years
        .regions
        .get(&found.province)
        .unwrap_or(&no_sales);
    let years = (0..TREND_YEARS as usize)
        .map(|i| {
            let year = first_year + i as i32;
            YearShare {
                year,
                sales_fen: sales_where(&|day| day.year() == year),
                company_fen: company_years.company[i],
                region_fen: region[i],
            }
        })
        .rev()
        .collect();

    let (gross_profit, first_order): (Option<i64>, Option<NaiveDate>) = orders_of_customer()
        .select_only()
        .column_as(
            sum_as_bigint(
                Expr::col(sales_order::Column::AmountFen)
                    .sub(Expr::col(sales_order::Column::CostFen)),
            ),
            "profit",
        )
        .column_as(Expr::col(sales_order::Column::OrderedOn).min(), "first")
        .filter(sales_order::Column::OrderedOn.lte(today))
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or((None, None));
    let value = company.value(db, today).await?;
    let (products, lapsed) = super::products::customer_products(db, customer_id, today).await?;
    let average_yearly_gp_fen = first_order.map(|first| {
        customer_value::average_yearly_fen(
            gross_profit.unwrap_or(0),
            (today - first).num_days() + 1,
        )
    });
    Ok(CustomerTrend {
        customer_id,
        region: found.province,
        months,
        years,
        last_12_fen: last_12,
        previous_12_fen: previous_12,
        change_bp: customer_value::change_bp(previous_12, last_12),
        gross_profit_fen: gross_profit.unwrap_or(0),
        first_order_on: first_order,
        average_yearly_gp_fen,
        lifetime_value_fen: average_yearly_gp_fen
            .zip(value.remaining_tenths)
            .map(|(yearly, years)| customer_value::lifetime_value_fen(yearly, years)),
        value,
        products,
        lapsed,
    })
}
