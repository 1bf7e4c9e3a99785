//! Rep performance on the server: one grouped query per source (customers, follow-ups, quotes,
//! orders, payments, deals), each summing per owner in the database, then the domain's rates and
//! ranking.
use super::service::report_filter;
use super::{RepPerformance, RepPerformanceRow, ReportQuery};
use crate::auth::scope::{visible, Owned};
use crate::auth::Actor;
use crate::clock::start_of_day;
use crate::db::sum_as_bigint;
use crate::domain::customer::{FollowUpKind, LadderStage};
use crate::domain::forms::{Checks, ErrorCode};
use crate::domain::performance::{leaderboard, Activity, RankBy};
use crate::domain::visibility::Role;
use crate::entities::{
    customer, customer_event, follow_up, opportunity, payment, quote, sales_order, user,
};
use crate::error::{AppError, AppResult};
use chrono::{Duration, NaiveDate};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, JoinType, QueryFilter, QuerySelect,
    QueryTrait, Select,
};
use std::collections::HashMap;

/// Figures per key from one grouped query: the key columns (read as `K`, a value or a tuple),
/// then each figure in order.
pub(crate) async fn grouped_by<E: EntityTrait, K: sea_orm::TryGetableMany>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    keys: Vec<E::Column>,
    figures: Vec<Expr>,
) -> AppResult<Vec<(K, Vec<i64>)>> {
    let (key_count, count) = (keys.len(), figures.len());
    let mut select = select.select_only();
    for key in &keys {
        select = select.column(*key);
    }
    for (index, figure) in figures.into_iter().enumerate() {
        select = select.column_as(figure, format!("figure_{index}"));
    }
    for key in keys {
        select = select.group_by(key);
    }
    let statement = select.build(db.get_database_backend());
    let mut result = Vec::new();
    for row in db.query_all_raw(statement).await? {
        let key = K::try_get_many_by_index(&row)
            .map_err(|error| AppError::internal(format!("grouped key: {error:?}")))?;
        let values = (key_count..key_count + count)
            .map(|index| {
                row.try_get_by_index::<Option<i64>>(index)
                    .map(Option::unwrap_or_default)
            })
            .collect::<Result<Vec<_>, _>>()?;
        result.push((key, values));
    }
    Ok(result)
}

/// Figures per owner from one grouped query (records without an owner left out).
pub(crate) async fn per_owner<E: Owned>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    figures: Vec<Expr>,
) -> AppResult<HashMap<i64, Vec<i64>>> {
    Ok(
        grouped_by::<E, Option<i64>>(db, select, vec![E::owner_column()], figures)
            .await?
            .into_iter()
            .filter_map(|(owner, values)| Some((owner?, values)))
            .collect(),
    )
}

/// The first-ever order of each customer whose first order day falls in the period (the lowest
/// order id on that day): whoever took it brought a new customer.
pub(crate) fn first_orders(from: NaiveDate, to: NaiveDate) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .expr(Expr::col((sales_order::Entity, sales_order::Column::Id)).min())
        .from(sales_order::Entity)
        .inner_join(
            customer::Entity,
            Expr::col((customer::Entity, customer::Column::Id))
                .equals((sales_order::Entity, sales_order::Column::CustomerId))
                .and(
                    Expr::col((customer::Entity, customer::Column::FirstOrderOn))
                        .equals((sales_order::Entity, sales_order::Column::OrderedOn)),
                ),
        )
        .and_where(Expr::col((customer::Entity, customer::Column::FirstOrderOn)).between(from, to))
        .group_by_col((sales_order::Entity, sales_order::Column::CustomerId))
        .to_owned()
}

/// Whole days from a deal's creation to its close, per database dialect.
fn days_to_close(backend: DbBackend) -> Expr {
    match backend {
        DbBackend::Postgres => Expr::cust("(\"opportunities\".\"closed_on\" - CAST(\"opportunities\".\"created_at\" AS DATE))"),
        _ => Expr::cust("CAST(julianday(\"opportunities\".\"closed_on\") - julianday(date(\"opportunities\".\"created_at\")) AS INTEGER)"),
    }
}

fn count_of<C: ColumnTrait>(column: C) -> Expr {
    Expr::col((column.entity_name(), column)).count()
}

/// A report's period and whose records it counts.
#[derive(Clone, Copy)]
pub(super) struct Window {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub team: Option<i64>,
    pub rep: Option<i64>,
}

impl Window {
    pub fn of(filter: &super::service::ReportFilter) -> Window {
        Window {
            from: filter.from,
            to: filter.to,
            team: filter.team,
            rep: filter.rep,
        }
    }

    /// Restricts records to owners in the chosen team or the chosen rep.
    pub fn owners<E: Owned>(&self, mut select: Select<E>) -> Select<E> {
        if let Some(team) = self.team {
            let members = Query::select()
                .column(user::Column::Id)
                .from(user::Entity)
                .and_where(user::Column::TeamId.eq(team))
                .to_owned();
            select = select.filter(E::owner_column().in_subquery(members));
        }
        if let Some(rep) = self.rep {
            select = select.filter(E::owner_column().eq(rep));
        }
        select
    }

    pub fn instants(&self) -> (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) {
        (
            start_of_day(self.from),
            start_of_day(self.to + Duration::days(1)),
        )
    }
}

/// Each owner's activity in the window, summed by the database.
async fn activity_per_owner(
    db: &impl ConnectionTrait,
    actor: &Actor,
    window: &Window,
) -> AppResult<HashMap<i64, Activity>> {
    let scope = actor.scope();
    let (start, end) = window.instants();
    let mut activity: HashMap<i64, Activity> = HashMap::new();
    let mut apply = |figures: HashMap<i64, Vec<i64>>, set: fn(&mut Activity, &[i64])| {
        for (owner, values) in figures {
            set(activity.entry(owner).or_default(), &values);
        }
    };

    let first_orders = first_orders(window.from, window.to);
    let new_customers = window
        .owners(visible::<sales_order::Entity>(&scope))
        .filter(sales_order::Column::Id.in_subquery(first_orders));
    apply(
        per_owner(db, new_customers, vec![count_of(sales_order::Column::Id)]).await?,
        |a, v| a.new_customers = v[0],
    );

    let to_prospect = format!("%→{}%", LadderStage::Prospect.as_str());
    let prospects = window
        .owners(visible::<customer::Entity>(&scope))
        .join(
            JoinType::InnerJoin,
            customer::Entity::belongs_to(customer_event::Entity)
                .from(customer::Column::Id)
                .to(customer_event::Column::CustomerId)
                .into(),
        )
        .filter(customer_event::Column::Kind.eq("stage"))
        .filter(customer_event::Column::Detail.like(to_prospect))
        .filter(customer_event::Column::At.gte(start))
        .filter(customer_event::Column::At.lt(end));
    apply(
        per_owner(
            db,
            prospects,
            vec![Expr::col((customer::Entity, customer::Column::Id)).count_distinct()],
        )
        .await?,
        |a, v| a.prospects = v[0],
    );

    let follow_ups = window
        .owners(visible::<follow_up::Entity>(&scope))
        .filter(follow_up::Column::HappenedAt.gte(start))
        .filter(follow_up::Column::HappenedAt.lt(end));
    let visit = Expr::case(follow_up::Column::Kind.eq(FollowUpKind::Visit.as_str()), 1).finally(0);
    apply(
        per_owner(
            db,
            follow_ups,
            vec![count_of(follow_up::Column::Id), sum_as_bigint(visit)],
        )
        .await?,
        |a, v| (a.follow_ups, a.visits) = (v[0], v[1]),
    );

    let quotes = window
        .owners(visible::<quote::Entity>(&scope))
        .filter(quote::Column::Revision.eq(1))
        .filter(quote::Column::CreatedAt.gte(start))
        .filter(quote::Column::CreatedAt.lt(end));
    apply(
        per_owner(db, quotes, vec![count_of(quote::Column::Id)]).await?,
        |a, v| a.quotes = v[0],
    );

    let orders = window
        .owners(visible::<sales_order::Entity>(&scope))
        .filter(sales_order::Column::OrderedOn.between(window.from, window.to));
    let figures = vec![
        count_of(sales_order::Column::Id),
        sum_as_bigint(Expr::col(sales_order::Column::AmountFen)),
        sum_as_bigint(
            Expr::col(sales_order::Column::AmountFen).sub(Expr::col(sales_order::Column::CostFen)),
        ),
    ];
    apply(per_owner(db, orders, figures).await?, |a, v| {
        (a.orders, a.sales_fen, a.gross_profit_fen) = (v[0], v[1], v[2])
    });

    let payments = window
        .owners(visible::<payment::Entity>(&scope))
        .filter(payment::Column::ReceivedOn.between(window.from, window.to));
    apply(
        per_owner(
            db,
            payments,
            vec![sum_as_bigint(Expr::col(payment::Column::AmountFen))],
        )
        .await?,
        |a, v| a.payments_fen = v[0],
    );

    // A deal is decided on its close date: won deals carry their won amount, lost ones none.
    let closed = window
        .owners(visible::<opportunity::Entity>(&scope))
        .filter(opportunity::Column::ClosedOn.between(window.from, window.to));
    let won = closed
        .clone()
        .filter(opportunity::Column::WonAmountFen.is_not_null());
    let figures = vec![
        count_of(opportunity::Column::Id),
        sum_as_bigint(Expr::col(opportunity::Column::WonAmountFen)),
        sum_as_bigint(days_to_close(db.get_database_backend())),
    ];
    apply(per_owner(db, won, figures).await?, |a, v| {
        (a.won, a.won_value_fen, a.won_cycle_days) = (v[0], v[1], v[2])
    });
    let lost = closed.filter(opportunity::Column::WonAmountFen.is_null());
    apply(
        per_owner(db, lost, vec![count_of(opportunity::Column::Id)]).await?,
        |a, v| a.lost = v[0],
    );
    Ok(activity)
}

/// The leaderboard: everyone the actor sees within the filters who sells (active reps and
/// managers) or did something in the period (also people who have since left), ranked.
pub async fn rep_performance(
    db: &impl ConnectionTrait,
    actor: &Actor,
    query: &ReportQuery,
    today: NaiveDate,
) -> AppResult<RepPerformance> {
    let mut checks = Checks::default();
    let filter = report_filter(query, today, &mut checks);
    let rank_by = checks.check(
        "sort",
        if query.sort.is_empty() {
            Ok(RankBy::Sales)
        } else {
            RankBy::parse(&query.sort).ok_or(ErrorCode::UnknownChoice)
        },
    );
    checks.into_result().map_err(AppError::Validation)?;
    let (Some(filter), Some(rank_by)) = (filter, rank_by) else {
        return Err(AppError::internal("checks passed without values"));
    };
    let window = Window::of(&filter);
    let activity = activity_per_owner(db, actor, &window).await?;

    let people = window
        .owners(visible::<user::Entity>(&actor.scope()))
        .all(db)
        .await?;
    let teams = crate::auth::team_names(db).await?;
    let mut total = Activity::default();
    let mut shown = Vec::new();
    let mut people = people;
    people.sort_by(|a, b| a.display_name.cmp(&b.display_name).then(a.id.cmp(&b.id)));
    for person in people {
        let figures = activity.get(&person.id).copied().unwrap_or_default();
        let sells = person.active && matches!(person.role(), Role::Rep | Role::Manager);
        if sells || figures != Activity::default() {
            total += figures;
            shown.push((
                (
                    person.id,
                    person.display_name,
                    person.team_id.and_then(|id| teams.get(&id).cloned()),
                ),
                figures,
            ));
        }
    }
    let rows = leaderboard(shown, rank_by)
        .into_iter()
        .map(
            |(rank, (user_id, name, team_name), activity)| RepPerformanceRow {
                rank,
                user_id,
                name,
                team_name,
                activity,
            },
        )
        .collect();
    Ok(RepPerformance {
        from: filter.from,
        to: filter.to,
        rank_by,
        rows,
        total,
    })
}
