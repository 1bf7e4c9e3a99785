//! Deals, the board, sales orders and payments. Every read of deals, orders and payments goes
//! through `visible` (or `across_owners` for neighbour positions and labels); every change to a
//! deal writes the change feed (`pipeline_events`) in its transaction, so open boards follow.
use super::*;
use crate::auth::scope::{across_owners, visible};
use crate::auth::Actor;
use crate::customers::{customer_search, CustomerSearch};
use crate::db::{begin_write, update_versioned};
use crate::domain::forms::{self, Checks, ErrorCode};
use crate::domain::pipeline::{self as rules, card_alert, weighted_fen, DeliveryStatus};
use crate::entities::{
    customer, lost_reason, opportunity, opportunity_line, order_line, payment, pipeline,
    pipeline_event, pipeline_stage, product, sales_order, stage_history, team, user,
};
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbBackend,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select, Statement,
    TransactionSession, TransactionTrait,
};
use std::collections::HashMap;

/// Installs the default pipeline and lost reasons on an empty database (idempotent).
pub async fn ensure_defaults(db: &(impl ConnectionTrait + TransactionTrait)) -> AppResult<()> {
    let txn = begin_write(db).await?;
    if pipeline::Entity::find().count(&txn).await? == 0 {
        // An empty name is the built-in pipeline, labelled in the reader's language.
        let created = pipeline::ActiveModel {
            name: Set(String::new()),
            position: Set(0),
            active: Set(true),
            created_at: Set(crate::clock::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        for (position, spec) in rules::default_stages().into_iter().enumerate() {
            pipeline_stage::ActiveModel {
                pipeline_id: Set(created.id),
                key: Set(spec.key.to_string()),
                name: Set(String::new()),
                position: Set(position as i32),
                probability_percent: Set(i32::from(spec.probability_percent)),
                won: Set(spec.won),
                lost: Set(spec.lost),
                stale_after_days: Set(spec.stale_after_days.map(|d| d as i32)),
                colour: Set(String::new()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    if lost_reason::Entity::find().count(&txn).await? == 0 {
        for (position, key) in rules::DEFAULT_LOST_REASONS.iter().enumerate() {
            lost_reason::ActiveModel {
                key: Set(key.to_string()),
                name: Set(String::new()),
                position: Set(position as i32),
                active: Set(true),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    txn.commit().await?;
    Ok(())
}

pub(crate) fn stage_view(stage: &pipeline_stage::Model) -> StageView {
    StageView {
        id: stage.id,
        key: stage.key.clone(),
        name: stage.name.clone(),
        probability_percent: stage.probability_percent.clamp(0, 100) as u8,
        won: stage.won,
        lost: stage.lost,
        stale_after_days: stage.stale_after_days.map(|d| Ord::max(d, 0) as u32),
    }
}

pub(crate) async fn stages_of(
    db: &impl ConnectionTrait,
    pipeline_id: i64,
) -> AppResult<Vec<pipeline_stage::Model>> {
    Ok(pipeline_stage::Entity::find()
        .filter(pipeline_stage::Column::PipelineId.eq(pipeline_id))
        .order_by_asc(pipeline_stage::Column::Position)
        .all(db)
        .await?)
}

pub(crate) async fn pipelines(db: &impl ConnectionTrait) -> AppResult<Vec<pipeline::Model>> {
    Ok(pipeline::Entity::find()
        .filter(pipeline::Column::Active.eq(true))
        .order_by_asc(pipeline::Column::Position)
        .order_by_asc(pipeline::Column::Id)
        .all(db)
        .await?)
}

async fn lost_reasons(db: &impl ConnectionTrait) -> AppResult<Vec<LostReasonView>> {
    Ok(lost_reason::Entity::find()
        .filter(lost_reason::Column::Active.eq(true))
        .order_by_asc(lost_reason::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|r| LostReasonView {
            id: r.id,
            key: r.key,
            name: r.name,
        })
        .collect())
}

/// The filter's conditions, checked: an unusable value is an error at its field.
struct CheckedFilter {
    owner: Option<i64>,
    team: Option<i64>,
    close_month: Option<(NaiveDate, NaiveDate)>,
    min_fen: Option<i64>,
    max_fen: Option<i64>,
}

fn check_filter(filter: &BoardFilter) -> AppResult<CheckedFilter> {
    let mut checks = Checks::default();
    let close_month = if filter.close_month.trim().is_empty() {
        None
    } else {
        checks.check(
            "close_month",
            month_range(filter.close_month.trim()).ok_or(ErrorCode::InvalidDate),
        )
    };
    let min_fen = checks
        .check(
            "min_amount",
            forms::parse_optional_money(&filter.min_amount),
        )
        .flatten();
    let max_fen = checks
        .check(
            "max_amount",
            forms::parse_optional_money(&filter.max_amount),
        )
        .flatten();
    checks.into_result().map_err(AppError::Validation)?;
    Ok(CheckedFilter {
        owner: filter.owner,
        team: filter.team,
        close_month,
        min_fen,
        max_fen,
    })
}

/// `2026-11` → the first day of November and of December.
fn month_range(text: &str) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").ok()?;
    let next = first.checked_add_months(chrono::Months::new(1))?;
    Some((first, next))
}

/// The deals of a pipeline that the actor may see and the filter selects. Closed deals only while
/// recent (or in the chosen close month), so won and lost columns do not grow for ever.
fn filtered(
    actor: &Actor,
    pipeline_id: i64,
    filter: &CheckedFilter,
    search: Option<CustomerSearch>,
    open_stage_ids: &[i64],
    today: NaiveDate,
) -> Select<opportunity::Entity> {
    let mut select = deals_of(actor, pipeline_id, filter.owner, filter.team);
    match filter.close_month {
        Some((first, next)) => {
            select = select
                .filter(opportunity::Column::ExpectedCloseOn.gte(first))
                .filter(opportunity::Column::ExpectedCloseOn.lt(next));
        }
        None => {
            let cutoff = today - Duration::days(CLOSED_VISIBLE_DAYS);
            select = select.filter(
                Condition::any()
                    .add(opportunity::Column::StageId.is_in(open_stage_ids.iter().copied()))
                    .add(opportunity::Column::ClosedOn.gte(cutoff)),
            );
        }
    }
    if let Some(min) = filter.min_fen {
        select = select.filter(opportunity::Column::AmountFen.gte(min));
    }
    if let Some(max) = filter.max_fen {
        select = select.filter(opportunity::Column::AmountFen.lte(max));
    }
    if let Some(CustomerSearch { needle, matches }) = search {
        let customers = Query::select()
            .column(customer::Column::Id)
            .from(customer::Entity)
            .cond_where(matches)
            .to_owned();
        select = select.filter(
            Condition::any()
                .add(crate::db::contains_literally(
                    opportunity::Column::Title,
                    &needle,
                ))
                .add(opportunity::Column::CustomerId.in_subquery(customers)),
        );
    }
    select
}

/// The deals of a pipeline the actor may see, of one owner or one team when asked.
pub(super) fn deals_of(
    actor: &Actor,
    pipeline_id: i64,
    owner: Option<i64>,
    team: Option<i64>,
) -> Select<opportunity::Entity> {
    let mut select = visible::<opportunity::Entity>(&actor.scope())
        .filter(opportunity::Column::PipelineId.eq(pipeline_id));
    if let Some(owner) = owner {
        select = select.filter(opportunity::Column::OwnerId.eq(owner));
    }
    if let Some(team) = team {
        let members = Query::select()
            .column(user::Column::Id)
            .from(user::Entity)
            .and_where(user::Column::TeamId.eq(team))
            .to_owned();
        select = select.filter(opportunity::Column::OwnerId.in_subquery(members));
    }
    select
}

/// The pipeline asked for, or the first one.
pub(crate) async fn chosen_pipeline(
    db: &impl ConnectionTrait,
    requested: Option<i64>,
) -> AppResult<(Vec<pipeline::Model>, i64)> {
    let all = pipelines(db).await?;
    let id = match requested {
        Some(id) if all.iter().any(|p| p.id == id) => id,
        Some(_) => return Err(AppError::field("pipeline", ErrorCode::UnknownChoice)),
        None => all.first().map(|p| p.id).ok_or(AppError::NotFound)?,
    };
    Ok((all, id))
}

pub(crate) fn pipeline_choices(pipelines: Vec<pipeline::Model>) -> Vec<Choice> {
    pipelines
        .into_iter()
        .map(|p| Choice {
            id: p.id,
            label: p.name,
        })
        .collect()
}

/// Count, sum and weighted sum per stage, computed by the database over the whole filtered set.
async fn column_totals(
    db: &impl ConnectionTrait,
    select: Select<opportunity::Entity>,
    stages: &[pipeline_stage::Model],
) -> AppResult<HashMap<i64, ColumnTotals>> {
    let rows: Vec<(i64, i64, Option<i64>)> = select
        .select_only()
        .column(opportunity::Column::StageId)
        .column_as(Expr::col(opportunity::Column::Id).count(), "count")
        .column_as(
            crate::db::sum_as_bigint(Expr::col(opportunity::Column::AmountFen)),
            "sum",
        )
        .group_by(opportunity::Column::StageId)
        .into_tuple()
        .all(db)
        .await?;
    let probability: HashMap<i64, u8> = stages
        .iter()
        .map(|s| (s.id, stage_view(s).probability_percent))
        .collect();
    Ok(rows
        .into_iter()
        .map(|(stage_id, count, sum)| {
            let sum_fen = sum.unwrap_or(0);
            let weighted = weighted_fen(sum_fen, probability.get(&stage_id).copied().unwrap_or(0));
            (
                stage_id,
                ColumnTotals {
                    stage_id,
                    count: Ord::max(count, 0) as u64,
                    sum_fen,
                    weighted_fen: weighted,
                },
            )
        })
        .collect())
}

/// Cards for deals, with customer and owner names, in the order given.
async fn cards(
    db: &impl ConnectionTrait,
    deals: Vec<opportunity::Model>,
    stages: &[pipeline_stage::Model],
    today: NaiveDate,
) -> AppResult<Vec<Card>> {
    let customer_names: HashMap<i64, String> = across_owners::<customer::Entity>()
        .select_only()
        .column(customer::Column::Id)
        .column(customer::Column::Name)
        .filter(customer::Column::Id.is_in(deals.iter().map(|d| d.customer_id)))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let owner_names = crate::auth::names_of(db, deals.iter().map(|d| d.owner_id)).await?;
    let stage_by_id: HashMap<i64, &pipeline_stage::Model> =
        stages.iter().map(|s| (s.id, s)).collect();
    Ok(deals
        .into_iter()
        .map(|deal| {
            let stage = stage_by_id.get(&deal.stage_id).map(|s| stage_view(s));
            let days_in_stage =
                rules::days_between(crate::clock::local_day(deal.stage_entered_at), today);
            let closed = stage.as_ref().is_some_and(StageView::closed);
            Card {
                id: deal.id,
                stage_id: deal.stage_id,
                customer_name: customer_names
                    .get(&deal.customer_id)
                    .cloned()
                    .unwrap_or_default(),
                customer_id: deal.customer_id,
                amount_fen: deal.amount_fen,
                expected_close_on: deal.expected_close_on,
                owner_name: owner_names.get(&deal.owner_id).cloned().unwrap_or_default(),
                owner_id: deal.owner_id,
                alert: card_alert(
                    days_in_stage,
                    stage.and_then(|s| s.stale_after_days),
                    deal.expected_close_on,
                    today,
                    closed,
                ),
                days_in_stage,
                position: deal.position,
                version: deal.version,
                title: deal.title,
            }
        })
        .collect())
}

/// One page of a column, after the card at `after` (position, id) if given.
async fn column_page(
    db: &impl ConnectionTrait,
    select: Select<opportunity::Entity>,
    stage_id: i64,
    after: Option<(i64, i64)>,
) -> AppResult<Vec<opportunity::Model>> {
    let mut select = select.filter(opportunity::Column::StageId.eq(stage_id));
    if let Some((position, id)) = after {
        select = select.filter(
            Condition::any()
                .add(opportunity::Column::Position.gt(position))
                .add(
                    Condition::all()
                        .add(opportunity::Column::Position.eq(position))
                        .add(opportunity::Column::Id.gt(id)),
                ),
        );
    }
    Ok(select
        .order_by_asc(opportunity::Column::Position)
        .order_by_asc(opportunity::Column::Id)
        .limit(CARDS_PER_PAGE)
        .all(db)
        .await?)
}

pub(super) async fn filter_choices(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> AppResult<(Vec<Choice>, Vec<Choice>)> {
    if !actor.role().leads_people() {
        return Ok((Vec::new(), Vec::new()));
    }
    let people = visible::<user::Entity>(&actor.scope())
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::DisplayName)
        .all(db)
        .await?;
    let team_ids: Vec<i64> = people.iter().filter_map(|u| u.team_id).collect();
    let teams = team::Entity::find()
        .filter(team::Column::Id.is_in(team_ids))
        .order_by_asc(team::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|t| Choice {
            id: t.id,
            label: t.name,
        })
        .collect();
    Ok((
        people
            .into_iter()
            .map(|u| Choice {
                id: u.id,
                label: u.display_name,
            })
            .collect(),
        teams,
    ))
}

/// What every board read starts from: the checked filter applied to the chosen pipeline.
struct BoardQuery {
    pipelines: Vec<pipeline::Model>,
    pipeline_id: i64,
    stages: Vec<pipeline_stage::Model>,
    select: Select<opportunity::Entity>,
    today: NaiveDate,
}

impl BoardQuery {
    async fn new(
        db: &impl ConnectionTrait,
        actor: &Actor,
        filter: &BoardFilter,
    ) -> AppResult<BoardQuery> {
        let checked = check_filter(filter)?;
        let (pipelines, pipeline_id) = chosen_pipeline(db, filter.pipeline).await?;
        let stages = stages_of(db, pipeline_id).await?;
        let today = crate::clock::today();
        let open: Vec<i64> = stages
            .iter()
            .filter(|s| !s.won && !s.lost)
            .map(|s| s.id)
            .collect();
        let search = customer_search(db, &filter.q).await?;
        let select = filtered(actor, pipeline_id, &checked, search, &open, today);
        Ok(BoardQuery {
            pipelines,
            pipeline_id,
            stages,
            select,
            today,
        })
    }

    /// Totals for every stage, zero for stages without deals.
    async fn totals(&self, db: &impl ConnectionTrait) -> AppResult<Vec<ColumnTotals>> {
        let mut totals = column_totals(db, self.select.clone(), &self.stages).await?;
        Ok(self
            .stages
            .iter()
            .map(|s| {
                totals.remove(&s.id).unwrap_or(ColumnTotals {
                    stage_id: s.id,
                    ..Default::default()
                })
            })
            .collect())
    }
}

pub async fn board(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &BoardFilter,
) -> AppResult<Board> {
    let query = BoardQuery::new(db, actor, filter).await?;
    // Every column's first page, then the names for all of their cards in one go (two queries
    // instead of two per column).
    let mut pages = Vec::with_capacity(query.stages.len());
    let mut deals = Vec::new();
    for stage in &query.stages {
        let page = column_page(db, query.select.clone(), stage.id, None).await?;
        pages.push(page.len());
        deals.extend(page);
    }
    let mut all_cards = cards(db, deals, &query.stages, query.today)
        .await?
        .into_iter();
    let columns = query
        .stages
        .iter()
        .zip(query.totals(db).await?)
        .zip(pages)
        .map(|((stage, totals), n)| Column {
            stage: stage_view(stage),
            totals,
            cards: all_cards.by_ref().take(n).collect(),
        })
        .collect();
    let (owners, teams) = filter_choices(db, actor).await?;
    Ok(Board {
        pipelines: pipeline_choices(query.pipelines),
        pipeline_id: query.pipeline_id,
        columns,
        owners,
        teams,
        lost_reasons: lost_reasons(db).await?,
    })
}

/// The filtered deals as a table page, in the order asked for (ties by id, so pages never overlap).
/// The deal table as the actor sees it (filters and order, every page up to the export limit),
/// headed in `locale`, for export.
pub async fn export(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &BoardFilter,
    order: &TableOrder,
    locale: crate::domain::format::Locale,
) -> AppResult<crate::exports::ExportTable> {
    use crate::exports::Cell;
    let query = BoardQuery::new(db, actor, filter).await?;
    let deals = table_order(&query, order)
        .limit(crate::exports::EXPORT_LIMIT)
        .all(db)
        .await?;
    let t = crate::i18n::texts(locale);
    let p = &t.pipeline;
    let stage_names: HashMap<i64, String> = query
        .stages
        .iter()
        .map(|s| (s.id, crate::pipeline::board::stage_label(t, &stage_view(s))))
        .collect();
    let headers = [
        p.deal_title,
        p.customer,
        p.stage,
        p.amount,
        p.expected_close,
        p.owner,
        p.days_in_stage_header,
    ];
    Ok(crate::exports::ExportTable {
        sheet: p.title.to_string(),
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows: cards(db, deals, &query.stages, query.today)
            .await?
            .into_iter()
            .map(|card| {
                vec![
                    Cell::Text(card.title),
                    Cell::Text(card.customer_name),
                    Cell::Text(stage_names.get(&card.stage_id).cloned().unwrap_or_default()),
                    Cell::Money(card.amount_fen),
                    Cell::Date(card.expected_close_on),
                    Cell::Text(card.owner_name),
                    Cell::Number(card.days_in_stage),
                ]
            })
            .collect(),
    })
}

/// The filtered deals in the table's order (ties by id, in the same direction).
fn table_order(query: &BoardQuery, order: &TableOrder) -> Select<opportunity::Entity> {
    use rules::DealSort;
    use sea_orm::Order;
    let direction = if order.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    let select = match DealSort::parse(&order.sort).unwrap_or(DealSort::Updated) {
        DealSort::Updated => query
            .select
            .clone()
            .order_by(opportunity::Column::UpdatedAt, direction.clone()),
        DealSort::Title => query
            .select
            .clone()
            .order_by(opportunity::Column::Title, direction.clone()),
        DealSort::Amount => query
            .select
            .clone()
            .order_by(opportunity::Column::AmountFen, direction.clone()),
        DealSort::Close => query
            .select
            .clone()
            .order_by(opportunity::Column::ExpectedCloseOn, direction.clone()),
        // Longest in stage first is the oldest entry first.
        DealSort::DaysInStage => query.select.clone().order_by(
            opportunity::Column::StageEnteredAt,
            if order.descending {
                Order::Asc
            } else {
                Order::Desc
            },
        ),
        DealSort::Stage => {
            // Funnel order: the stage's position, looked up in a CASE over this pipeline's stages.
            let funnel = query
                .stages
                .iter()
                .fold(sea_orm::sea_query::CaseStatement::new(), |case, stage| {
                    case.case(opportunity::Column::StageId.eq(stage.id), stage.position)
                });
            query
                .select
                .clone()
                .order_by(
                    Into::<sea_orm::sea_query::Expr>::into(funnel.finally(0)),
                    direction.clone(),
                )
                .order_by(opportunity::Column::Position, Order::Asc)
        }
    };
    select.order_by(opportunity::Column::Id, direction)
}

pub async fn table(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &BoardFilter,
    order: &TableOrder,
) -> AppResult<DealTable> {
    let query = BoardQuery::new(db, actor, filter).await?;
    let total = query.select.clone().count(db).await?;
    let pages = Ord::max(total.div_ceil(TABLE_ROWS_PER_PAGE), 1);
    let page = Ord::min(order.page, pages - 1);
    let deals = table_order(&query, order)
        .offset(page * TABLE_ROWS_PER_PAGE)
        .limit(TABLE_ROWS_PER_PAGE)
        .all(db)
        .await?;
    let (owners, teams) = filter_choices(db, actor).await?;
    Ok(DealTable {
        rows: cards(db, deals, &query.stages, query.today).await?,
        stages: query.stages.iter().map(stage_view).collect(),
        total,
        page,
        pipelines: pipeline_choices(query.pipelines),
        owners,
        teams,
    })
}

/// The next page of one column, after the card the client has last.
pub async fn more_cards(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &BoardFilter,
    stage_id: i64,
    after: (i64, i64),
) -> AppResult<Vec<Card>> {
    let query = BoardQuery::new(db, actor, filter).await?;
    if !query.stages.iter().any(|s| s.id == stage_id) {
        return Err(AppError::NotFound);
    }
    let deals = column_page(db, query.select.clone(), stage_id, Some(after)).await?;
    cards(db, deals, &query.stages, query.today).await
}

/// Column totals alone, for a board that follows other people's moves.
pub async fn totals(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &BoardFilter,
) -> AppResult<Vec<ColumnTotals>> {
    BoardQuery::new(db, actor, filter).await?.totals(db).await
}

/// One card as the actor may see it now; None when it is gone or not theirs to see.
pub async fn card(db: &impl ConnectionTrait, actor: &Actor, id: i64) -> AppResult<Option<Card>> {
    let Some(deal) = visible::<opportunity::Entity>(&actor.scope())
        .filter(opportunity::Column::Id.eq(id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let stages = stages_of(db, deal.pipeline_id).await?;
    Ok(cards(db, vec![deal], &stages, crate::clock::today())
        .await?
        .pop())
}

/// Writes the change feed that open boards follow (see `live`).
pub(crate) async fn publish(
    db: &impl ConnectionTrait,
    deal_id: i64,
    owner_id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let owner_team_id = team_of(db, owner_id).await?;
    publish_in_team(db, deal_id, owner_id, owner_team_id, now).await
}

async fn team_of(db: &impl ConnectionTrait, user_id: i64) -> AppResult<Option<i64>> {
    Ok(across_owners::<user::Entity>()
        .select_only()
        .column(user::Column::TeamId)
        .filter(user::Column::Id.eq(user_id))
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten())
}

async fn publish_in_team(
    db: &impl ConnectionTrait,
    deal_id: i64,
    owner_id: i64,
    owner_team_id: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    pipeline_event::ActiveModel {
        opportunity_id: Set(deal_id),
        owner_id: Set(owner_id),
        owner_team_id: Set(owner_team_id),
        at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The cards of a column other than `moving`, in board order (or its reverse): the one query
/// every question about a column's order is built on.
fn column_in_order(
    stage_id: i64,
    moving: i64,
    order: sea_orm::Order,
) -> Select<opportunity::Entity> {
    across_owners::<opportunity::Entity>()
        .filter(opportunity::Column::StageId.eq(stage_id))
        .filter(opportunity::Column::Id.ne(moving))
        .order_by(opportunity::Column::Position, order.clone())
        .order_by(opportunity::Column::Id, order)
}

fn positions(
    query: Select<opportunity::Entity>,
) -> sea_orm::Selector<sea_orm::SelectGetableTuple<i64>> {
    query
        .select_only()
        .column(opportunity::Column::Position)
        .into_tuple::<i64>()
}

/// Where a named neighbour sits in the column.
async fn position_of(
    db: &impl ConnectionTrait,
    stage_id: i64,
    moving: i64,
    deal_id: i64,
) -> AppResult<i64> {
    let position = positions(
        column_in_order(stage_id, moving, sea_orm::Order::Asc)
            .filter(opportunity::Column::Id.eq(deal_id)),
    )
    .one(db)
    .await?;
    // A neighbour that has left the column meanwhile: the board the mover saw is stale.
    position.ok_or(AppError::Conflict)
}

/// The positions a drop lands between. The mover names the card it goes below (or, failing that,
/// the card it goes above; naming none means the top). The other side is the next card of the
/// whole column, which may be one the mover cannot see: a rep's board shows only their own cards,
/// and the drop must land right next to the card they aimed at, not on someone else's.
async fn landing_gap(
    db: &impl ConnectionTrait,
    stage_id: i64,
    moving: i64,
    above: Option<i64>,
    below: Option<i64>,
) -> AppResult<(Option<i64>, Option<i64>)> {
    use sea_orm::Order::{Asc, Desc};
    let column = |order| column_in_order(stage_id, moving, order);
    Ok(match (above, below) {
        (Some(above), _) => {
            let upper = position_of(db, stage_id, moving, above).await?;
            (
                Some(upper),
                positions(column(Asc).filter(opportunity::Column::Position.gt(upper)))
                    .one(db)
                    .await?,
            )
        }
        (None, Some(below)) => {
            let lower = position_of(db, stage_id, moving, below).await?;
            (
                positions(column(Desc).filter(opportunity::Column::Position.lt(lower)))
                    .one(db)
                    .await?,
                Some(lower),
            )
        }
        (None, None) => (None, positions(column(Asc)).one(db).await?),
    })
}

/// Numbers a column afresh (in its current order), leaving out `moving`. Positions are unique per
/// stage, so the cards first step aside to placeholders far below any position a drop can make.
async fn renumber_column(db: &impl ConnectionTrait, stage_id: i64, moving: i64) -> AppResult<()> {
    let ids: Vec<i64> = column_in_order(stage_id, moving, sea_orm::Order::Asc)
        .select_only()
        .column(opportunity::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let set = |id: i64, position: i64| {
        opportunity::Entity::update_many()
            .col_expr(opportunity::Column::Position, Expr::value(position))
            .filter(opportunity::Column::Id.eq(id))
            .exec(db)
    };
    for (index, &id) in ids.iter().enumerate() {
        set(id, i64::MIN / 2 + index as i64).await?;
    }
    let positions = rules::renumbered(ids.len());
    for (id, position) in ids.into_iter().zip(positions) {
        set(id, position).await?;
    }
    Ok(())
}

/// Takes the column for this transaction: on PostgreSQL concurrent moves into one stage queue on
/// the stage's row, so two never pick the same free position; SQLite has one writer already.
async fn lock_column(db: &impl ConnectionTrait, stage_id: i64) -> AppResult<()> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id FROM pipeline_stages WHERE id = $1 FOR UPDATE",
            [stage_id.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Where a card lands in `stage_id` (see `landing_gap`), renumbering the column when the two
/// cards around the gap are adjacent. The gap is between two neighbouring cards of the locked
/// column, so the position is free: positions stay unique per stage (a unique index holds it).
async fn landing_position(
    db: &impl ConnectionTrait,
    stage_id: i64,
    moving: i64,
    above: Option<i64>,
    below: Option<i64>,
) -> AppResult<i64> {
    lock_column(db, stage_id).await?;
    let (upper, lower) = landing_gap(db, stage_id, moving, above, below).await?;
    if let Some(position) = rules::position_between(upper, lower) {
        return Ok(position);
    }
    renumber_column(db, stage_id, moving).await?;
    let (upper, lower) = landing_gap(db, stage_id, moving, above, below).await?;
    // Renumbered positions are a whole step apart, so there is always room now.
    rules::position_between(upper, lower).ok_or(AppError::Internal)
}

/// The position at the top of a column.
pub(crate) async fn top_position(db: &impl ConnectionTrait, stage_id: i64) -> AppResult<i64> {
    landing_position(db, stage_id, 0, None, None).await
}

/// What closing a deal as won or lost needs, checked.
enum Closing {
    Open,
    Won { amount_fen: i64, on: NaiveDate },
    Lost { reason_id: i64, note: String },
}

async fn check_closing(
    db: &impl ConnectionTrait,
    stage: &pipeline_stage::Model,
    request: &MoveRequest,
    today: NaiveDate,
) -> AppResult<Closing> {
    let mut checks = Checks::default();
    let closing = if stage.won {
        let amount = checks.check(
            "won_amount",
            forms::parse_money(&request.won_amount).and_then(|fen| {
                if fen > 0 {
                    Ok(fen)
                } else {
                    Err(ErrorCode::InvalidAmount)
                }
            }),
        );
        let on = checks
            .check("won_on", forms::parse_optional_date(&request.won_on))
            .map(|d| d.unwrap_or(today));
        amount
            .zip(on)
            .map(|(amount_fen, on)| Closing::Won { amount_fen, on })
    } else if stage.lost {
        let known = match request.lost_reason {
            Some(id) => lost_reason::Entity::find_by_id(id).one(db).await?.is_some(),
            None => false,
        };
        let reason = checks.check(
            "lost_reason",
            request
                .lost_reason
                .filter(|_| known)
                .ok_or(if request.lost_reason.is_some() {
                    ErrorCode::UnknownChoice
                } else {
                    ErrorCode::Required
                }),
        );
        let note = checks.check(
            "lost_note",
            forms::parse_optional_text(&request.lost_note, 200),
        );
        reason
            .zip(note)
            .map(|(reason_id, note)| Closing::Lost { reason_id, note })
    } else {
        Some(Closing::Open)
    };
    checks.into_result().map_err(AppError::Validation)?;
    closing.ok_or(AppError::Internal)
}

/// Moves a card: new stage and place in one request, refused if the card changed since the mover
/// saw it. A stage change writes the stage history; winning creates the sales order.
///
/// On SQLite writers take turns, so everything that can be read before the turn is read before
/// it (the card, its pipeline's stages, the closing checks, the owner's team) and the card is
/// named after the commit: the turn holds only the writes and the reads that must see them. The
/// versioned update keeps this safe: a card changed in between is refused there.
pub async fn move_card(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    request: &MoveRequest,
) -> AppResult<Card> {
    let now = crate::clock::now();
    let today = crate::clock::today();
    let deal = visible::<opportunity::Entity>(&actor.scope())
        .filter(opportunity::Column::Id.eq(request.id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if deal.version != request.version {
        return Err(AppError::Conflict);
    }
    let stages = stages_of(db, deal.pipeline_id).await?;
    let target = stages
        .iter()
        .find(|s| s.id == request.to_stage_id)
        .ok_or_else(|| AppError::field("to_stage", ErrorCode::UnknownChoice))?;
    let current = stages
        .iter()
        .find(|s| s.id == deal.stage_id)
        .ok_or(AppError::Internal)?;
    let stage_changes = target.id != deal.stage_id;
    let closing = if stage_changes {
        check_closing(db, target, request, today).await?
    } else {
        Closing::Open
    };
    let owner_team_id = team_of(db, deal.owner_id).await?;

    let txn = begin_write(db).await?;
    if stage_changes && current.won && has_orders(&txn, deal.id).await? {
        return Err(AppError::field("to_stage", ErrorCode::WonDealHasOrder));
    }
    let position = landing_position(
        &txn,
        target.id,
        deal.id,
        request.after_card,
        request.before_card,
    )
    .await?;

    let mut changes = opportunity::ActiveModel {
        position: Set(position),
        updated_at: Set(now),
        ..Default::default()
    };
    if stage_changes {
        changes.stage_id = Set(target.id);
        changes.stage_entered_at = Set(now);
        match &closing {
            Closing::Open => {
                changes.closed_on = Set(None);
                changes.won_amount_fen = Set(None);
                changes.lost_reason_id = Set(None);
                changes.lost_note = Set(String::new());
            }
            Closing::Won { amount_fen, on } => {
                changes.closed_on = Set(Some(*on));
                changes.won_amount_fen = Set(Some(*amount_fen));
                changes.amount_fen = Set(*amount_fen);
                changes.expected_close_on = Set(Some(*on));
            }
            Closing::Lost { reason_id, note } => {
                changes.closed_on = Set(Some(today));
                changes.lost_reason_id = Set(Some(*reason_id));
                changes.lost_note = Set(note.clone());
            }
        }
    }
    update_versioned::<opportunity::Entity>(
        &txn,
        changes,
        (opportunity::Column::Id, deal.id),
        (opportunity::Column::Version, request.version),
        "to_stage",
    )
    .await?;
    if stage_changes {
        stage_history::ActiveModel {
            opportunity_id: Set(deal.id),
            from_stage_id: Set(Some(deal.stage_id)),
            to_stage_id: Set(target.id),
            actor_id: Set(Some(actor.user.id)),
            at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        match closing {
            Closing::Won { amount_fen, on } => {
                let order = create_order_for_won_deal(&txn, &deal, amount_fen, on, now).await?;
                record_on_customer(
                    &txn,
                    deal.customer_id,
                    actor,
                    "deal_won",
                    format!("{}|{}|{}", deal.title, amount_fen, order.number),
                )
                .await?;
                mark_first_order(&txn, deal.customer_id, on).await?;
            }
            Closing::Lost { .. } => {
                record_on_customer(
                    &txn,
                    deal.customer_id,
                    actor,
                    "deal_lost",
                    deal.title.clone(),
                )
                .await?
            }
            Closing::Open => {}
        }
    }
    publish_in_team(&txn, deal.id, deal.owner_id, owner_team_id, now).await?;
    txn.commit().await?;
    // Read back as committed (a later move may already have overtaken it: then that is the card).
    let moved = visible::<opportunity::Entity>(&actor.scope())
        .filter(opportunity::Column::Id.eq(deal.id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    cards(db, vec![moved], &stages, today)
        .await?
        .pop()
        .ok_or(AppError::Internal)
}

async fn has_orders(db: &impl ConnectionTrait, deal_id: i64) -> AppResult<bool> {
    Ok(across_owners::<sales_order::Entity>()
        .filter(sales_order::Column::OpportunityId.eq(deal_id))
        .count(db)
        .await?
        > 0)
}

pub(crate) async fn record_on_customer(
    db: &impl ConnectionTrait,
    customer_id: i64,
    actor: &Actor,
    kind: &str,
    detail: String,
) -> AppResult<()> {
    crate::customers::record_event(db, customer_id, Some(actor.user.id), kind, detail).await
}

pub async fn mark_first_order(
    db: &impl ConnectionTrait,
    customer_id: i64,
    on: NaiveDate,
) -> AppResult<()> {
    customer::Entity::update_many()
        .col_expr(customer::Column::FirstOrderOn, Expr::value(on))
        .filter(customer::Column::Id.eq(customer_id))
        .filter(
            Condition::any()
                .add(customer::Column::FirstOrderOn.is_null())
                .add(customer::Column::FirstOrderOn.gt(on)),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// The sales order for a won deal: its product lines at the deal's prices with today's costs
/// (so gross profit is known per line), for the won amount.
async fn create_order_for_won_deal(
    db: &impl ConnectionTrait,
    deal: &opportunity::Model,
    amount_fen: i64,
    on: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<sales_order::Model> {
    let lines = opportunity_line::Entity::find()
        .filter(opportunity_line::Column::OpportunityId.eq(deal.id))
        .all(db)
        .await?;
    let costs: HashMap<i64, i64> = product::Entity::find()
        .filter(product::Column::Id.is_in(lines.iter().map(|l| l.product_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.cost_price_fen))
        .collect();
    let cost_fen: i64 = lines
        .iter()
        .map(|l| {
            l.quantity
                .saturating_mul(costs.get(&l.product_id).copied().unwrap_or(0))
        })
        .sum();
    let order = insert_order(
        db,
        deal.customer_id,
        Some(deal.id),
        deal.owner_id,
        on,
        amount_fen,
        cost_fen,
        now,
    )
    .await?;
    for line in lines {
        let unit_cost_fen = costs.get(&line.product_id).copied().unwrap_or(0);
        order_line::ActiveModel {
            order_id: Set(order.id),
            product_id: Set(line.product_id),
            quantity: Set(line.quantity),
            unit_price_fen: Set(line.unit_price_fen),
            unit_cost_fen: Set(unit_cost_fen),
            amount_fen: Set(rules::line_amount_fen(
                line.quantity,
                line.unit_price_fen,
                0,
            )),
            cost_fen: Set(line.quantity.saturating_mul(unit_cost_fen)),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(order)
}

/// What a new sales order is made of, whoever creates it (a won deal, an import).
pub struct OrderColumns {
    pub number: String,
    pub external_id: Option<String>,
    pub customer_id: i64,
    pub opportunity_id: Option<i64>,
    pub owner_id: i64,
    pub on: NaiveDate,
    pub amount_fen: i64,
    pub cost_fen: i64,
    pub delivery: DeliveryStatus,
}

impl OrderColumns {
    pub fn into_active_model(self, now: DateTime<Utc>) -> sales_order::ActiveModel {
        sales_order::ActiveModel {
            number: Set(self.number),
            external_id: Set(self.external_id),
            customer_id: Set(self.customer_id),
            opportunity_id: Set(self.opportunity_id),
            contract_id: Set(None),
            owner_id: Set(self.owner_id),
            ordered_on: Set(self.on),
            amount_fen: Set(self.amount_fen),
            cost_fen: Set(self.cost_fen),
            paid_fen: Set(0),
            delivery_status: Set(self.delivery.as_str().to_string()),
            version: Set(1),
            created_at: Set(now),
            ..Default::default()
        }
    }
}

/// Inserts an order numbered from its id (`SO000123`).
#[allow(clippy::too_many_arguments)]
pub async fn insert_order(
    db: &impl ConnectionTrait,
    customer_id: i64,
    opportunity_id: Option<i64>,
    owner_id: i64,
    on: NaiveDate,
    amount_fen: i64,
    cost_fen: i64,
    now: DateTime<Utc>,
) -> AppResult<sales_order::Model> {
    let placeholder = format!(
        "new-{}-{}",
        now.timestamp_nanos_opt().unwrap_or_default(),
        opportunity_id.unwrap_or(customer_id)
    );
    let order = OrderColumns {
        number: placeholder,
        external_id: None,
        customer_id,
        opportunity_id,
        owner_id,
        on,
        amount_fen,
        cost_fen,
        delivery: DeliveryStatus::Pending,
    }
    .into_active_model(now)
    .insert(db)
    .await?;
    let number = format!("SO{:06}", order.id);
    sales_order::Entity::update_many()
        .col_expr(sales_order::Column::Number, Expr::value(number.clone()))
        .filter(sales_order::Column::Id.eq(order.id))
        .exec(db)
        .await?;
    Ok(sales_order::Model { number, ..order })
}

/// Creates or edits a deal. New deals start at the top of their column; only open stages may be
/// chosen here (closing goes through a move, which asks what closing needs).
pub async fn save_deal(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    form: &DealForm,
) -> AppResult<i64> {
    let now = crate::clock::now();
    let mut checks = Checks::default();
    let title = checks.check(
        "title",
        forms::parse_name(&form.title).and_then(|t| {
            if t.chars().count() > 100 {
                Err(ErrorCode::TooLong { max: 100 })
            } else {
                Ok(t)
            }
        }),
    );
    let amount = checks.check(
        "amount",
        forms::parse_money(&form.amount).and_then(|fen| {
            if fen >= 0 {
                Ok(fen)
            } else {
                Err(ErrorCode::InvalidAmount)
            }
        }),
    );
    let close = checks.check(
        "expected_close_on",
        forms::parse_optional_date(&form.expected_close_on),
    );
    let next_step = checks.check(
        "next_step",
        forms::parse_optional_text(&form.next_step, 200),
    );
    let competitor = checks.check(
        "competitor",
        forms::parse_optional_text(&form.competitor, 100),
    );
    let source = checks.check("source", forms::parse_optional_text(&form.source, 20));
    let customer_id = checks.check(
        "customer_id",
        form.customer_id
            .trim()
            .parse::<i64>()
            .map_err(|_| ErrorCode::Required),
    );
    let owner_id = if form.owner_id.trim().is_empty() {
        Some(actor.user.id)
    } else {
        checks.check(
            "owner_id",
            form.owner_id
                .trim()
                .parse::<i64>()
                .map_err(|_| ErrorCode::UnknownChoice),
        )
    };
    let stage_id = if form.stage_id.trim().is_empty() {
        None
    } else {
        checks
            .check(
                "stage_id",
                form.stage_id
                    .trim()
                    .parse::<i64>()
                    .map(Some)
                    .map_err(|_| ErrorCode::UnknownChoice),
            )
            .flatten()
    };
    checks.into_result().map_err(AppError::Validation)?;
    let (title, amount, close, next_step, competitor, source, customer_id, owner_id) = (
        title.ok_or(AppError::Internal)?,
        amount.ok_or(AppError::Internal)?,
        close.ok_or(AppError::Internal)?,
        next_step.ok_or(AppError::Internal)?,
        competitor.ok_or(AppError::Internal)?,
        source.ok_or(AppError::Internal)?,
        customer_id.ok_or(AppError::Internal)?,
        owner_id.ok_or(AppError::Internal)?,
    );

    let txn = begin_write(db).await?;
    visible::<customer::Entity>(&actor.scope())
        .filter(customer::Column::Id.eq(customer_id))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::field("customer_id", ErrorCode::UnknownChoice))?;
    if owner_id != actor.user.id {
        // Only people who lead others give deals to someone else, and only to people they lead.
        let allowed = actor.role().leads_people()
            && visible::<user::Entity>(&actor.scope())
                .filter(user::Column::Id.eq(owner_id))
                .filter(user::Column::Active.eq(true))
                .one(&txn)
                .await?
                .is_some();
        if !allowed {
            return Err(AppError::field("owner_id", ErrorCode::UnknownChoice));
        }
    }
    let id = match form.id {
        Some(id) => {
            let deal = visible::<opportunity::Entity>(&actor.scope())
                .filter(opportunity::Column::Id.eq(id))
                .one(&txn)
                .await?
                .ok_or(AppError::NotFound)?;
            let changes = opportunity::ActiveModel {
                customer_id: Set(customer_id),
                owner_id: Set(owner_id),
                title: Set(title),
                amount_fen: Set(amount),
                expected_close_on: Set(close),
                next_step: Set(next_step),
                competitor: Set(competitor),
                source: Set(source),
                updated_at: Set(now),
                ..Default::default()
            };
            update_versioned::<opportunity::Entity>(
                &txn,
                changes,
                (opportunity::Column::Id, id),
                (opportunity::Column::Version, form.version),
                "title",
            )
            .await?;
            publish(&txn, id, deal.owner_id, now).await?;
            if deal.owner_id != owner_id {
                publish(&txn, id, owner_id, now).await?;
            }
            id
        }
        None => {
            let (_, pipeline_id) = chosen_pipeline(&txn, None).await?;
            let stages = stages_of(&txn, pipeline_id).await?;
            let stage = match stage_id {
                Some(id) => stages
                    .iter()
                    .find(|s| s.id == id && !s.won && !s.lost)
                    .ok_or_else(|| AppError::field("stage_id", ErrorCode::UnknownChoice))?,
                None => stages
                    .iter()
                    .find(|s| !s.won && !s.lost)
                    .ok_or(AppError::Internal)?,
            };
            let position = top_position(&txn, stage.id).await?;
            let created = opportunity::ActiveModel {
                pipeline_id: Set(pipeline_id),
                stage_id: Set(stage.id),
                customer_id: Set(customer_id),
                contact_id: Set(None),
                owner_id: Set(owner_id),
                title: Set(title.clone()),
                amount_fen: Set(amount),
                currency: Set("CNY".into()),
                expected_close_on: Set(close),
                source: Set(source),
                next_step: Set(next_step),
                competitor: Set(competitor),
                position: Set(position),
                stage_entered_at: Set(now),
                won_amount_fen: Set(None),
                closed_on: Set(None),
                lost_reason_id: Set(None),
                lost_note: Set(String::new()),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            stage_history::ActiveModel {
                opportunity_id: Set(created.id),
                from_stage_id: Set(None),
                to_stage_id: Set(stage.id),
                actor_id: Set(Some(actor.user.id)),
                at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            record_on_customer(&txn, customer_id, actor, "deal_created", title).await?;
            publish(&txn, created.id, owner_id, now).await?;
            created.id
        }
    };
    txn.commit().await?;
    Ok(id)
}

async fn orders_of(
    db: &impl ConnectionTrait,
    actor: &Actor,
    deal_id: i64,
) -> AppResult<Vec<OrderView>> {
    let orders = visible::<sales_order::Entity>(&actor.scope())
        .filter(sales_order::Column::OpportunityId.eq(deal_id))
        .order_by_asc(sales_order::Column::Id)
        .all(db)
        .await?;
    let order_ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
    let lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.is_in(order_ids.clone()))
        .order_by_asc(order_line::Column::Id)
        .all(db)
        .await?;
    let product_names: HashMap<i64, String> = product::Entity::find()
        .filter(product::Column::Id.is_in(lines.iter().map(|l| l.product_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let payments = visible::<payment::Entity>(&actor.scope())
        .filter(payment::Column::OrderId.is_in(order_ids))
        .order_by_asc(payment::Column::ReceivedOn)
        .order_by_asc(payment::Column::Id)
        .all(db)
        .await?;
    Ok(orders
        .into_iter()
        .map(|order| OrderView {
            lines: lines
                .iter()
                .filter(|l| l.order_id == order.id)
                .map(|l| OrderLineView {
                    product_name: product_names
                        .get(&l.product_id)
                        .cloned()
                        .unwrap_or_default(),
                    quantity: l.quantity,
                    unit_price_fen: l.unit_price_fen,
                    amount_fen: l.amount_fen,
                    cost_fen: l.cost_fen,
                })
                .collect(),
            payments: payments
                .iter()
                .filter(|p| p.order_id == order.id)
                .map(|p| PaymentView {
                    id: p.id,
                    received_on: p.received_on,
                    amount_fen: p.amount_fen,
                    method: p.method.clone(),
                    note: p.note.clone(),
                })
                .collect(),
            balance_fen: rules::balance_fen(order.amount_fen, order.paid_fen),
            id: order.id,
            number: order.number,
            ordered_on: order.ordered_on,
            amount_fen: order.amount_fen,
            cost_fen: order.cost_fen,
            paid_fen: order.paid_fen,
            delivery_status: order.delivery_status,
            version: order.version,
        })
        .collect())
}

pub async fn deal(db: &impl ConnectionTrait, actor: &Actor, id: i64) -> AppResult<DealDetail> {
    let deal = visible::<opportunity::Entity>(&actor.scope())
        .filter(opportunity::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let stages = stages_of(db, deal.pipeline_id).await?;
    let stage = stages
        .iter()
        .find(|s| s.id == deal.stage_id)
        .map(stage_view)
        .ok_or(AppError::Internal)?;
    let history_rows = stage_history::Entity::find()
        .filter(stage_history::Column::OpportunityId.eq(id))
        .order_by_desc(stage_history::Column::At)
        .order_by_desc(stage_history::Column::Id)
        .all(db)
        .await?;
    let actor_names =
        crate::auth::names_of(db, history_rows.iter().filter_map(|h| h.actor_id)).await?;
    let history = history_rows
        .into_iter()
        .map(|h| StageStep {
            from_stage: h.from_stage_id,
            to_stage: h.to_stage_id,
            actor_name: h.actor_id.and_then(|a| actor_names.get(&a).cloned()),
            on: crate::clock::local_day(h.at),
        })
        .collect();
    let reasons = lost_reasons(db).await?;
    let lost_reason = deal
        .lost_reason_id
        .and_then(|rid| reasons.iter().find(|r| r.id == rid).cloned());
    let orders = orders_of(db, actor, id).await?;
    let card = cards(db, vec![deal.clone()], &stages, crate::clock::today())
        .await?
        .pop()
        .ok_or(AppError::Internal)?;
    Ok(DealDetail {
        customer_name: card.customer_name.clone(),
        card,
        stage,
        stages: stages.iter().map(stage_view).collect(),
        next_step: deal.next_step,
        competitor: deal.competitor,
        source: deal.source,
        won_amount_fen: deal.won_amount_fen,
        closed_on: deal.closed_on,
        lost_reason,
        lost_note: deal.lost_note,
        history,
        orders,
        lost_reasons: reasons,
    })
}

/// Records money received against an order; more than the balance is refused, and a stale order
/// version (someone recorded a payment meanwhile) is a conflict.
pub async fn record_payment(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    form: &PaymentForm,
) -> AppResult<i64> {
    let now = crate::clock::now();
    let mut checks = Checks::default();
    let amount = checks.check(
        "amount",
        forms::parse_money(&form.amount).and_then(|fen| {
            if fen > 0 {
                Ok(fen)
            } else {
                Err(ErrorCode::InvalidAmount)
            }
        }),
    );
    let received_on = checks
        .check("received_on", forms::parse_optional_date(&form.received_on))
        .map(|d| d.unwrap_or_else(crate::clock::today));
    let method = checks.check("method", forms::parse_optional_text(&form.method, 20));
    let note = checks.check("note", forms::parse_optional_text(&form.note, 200));
    checks.into_result().map_err(AppError::Validation)?;
    let (amount, received_on, method, note) = (
        amount.ok_or(AppError::Internal)?,
        received_on.ok_or(AppError::Internal)?,
        method.ok_or(AppError::Internal)?,
        note.ok_or(AppError::Internal)?,
    );

    let txn = begin_write(db).await?;
    let order = visible::<sales_order::Entity>(&actor.scope())
        .filter(sales_order::Column::Id.eq(form.order_id))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if order.version != form.order_version {
        return Err(AppError::Conflict);
    }
    let balance = rules::balance_fen(order.amount_fen, order.paid_fen);
    if amount > balance {
        return Err(AppError::field(
            "amount",
            ErrorCode::Overpaid {
                balance_fen: balance,
            },
        ));
    }
    let changes = sales_order::ActiveModel {
        paid_fen: Set(order.paid_fen + amount),
        ..Default::default()
    };
    update_versioned::<sales_order::Entity>(
        &txn,
        changes,
        (sales_order::Column::Id, order.id),
        (sales_order::Column::Version, form.order_version),
        "amount",
    )
    .await?;
    let created = payment::ActiveModel {
        order_id: Set(order.id),
        customer_id: Set(order.customer_id),
        owner_id: Set(order.owner_id),
        received_on: Set(received_on),
        amount_fen: Set(amount),
        method: Set(method),
        note: Set(note),
        recorded_by: Set(Some(actor.user.id)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    record_on_customer(
        &txn,
        order.customer_id,
        actor,
        "payment",
        format!("{}|{}", order.number, amount),
    )
    .await?;
    txn.commit().await?;
    Ok(created.id)
}

/// Deals of a customer the actor may see, newest first (for the customer file).
pub async fn deals_of_customer(
    db: &impl ConnectionTrait,
    actor: &Actor,
    customer_id: i64,
) -> AppResult<Vec<Card>> {
    let deals = visible::<opportunity::Entity>(&actor.scope())
        .filter(opportunity::Column::CustomerId.eq(customer_id))
        .order_by_desc(opportunity::Column::UpdatedAt)
        .limit(50)
        .all(db)
        .await?;
    let pipeline_ids: Vec<i64> = deals.iter().map(|d| d.pipeline_id).collect();
    let stages = pipeline_stage::Entity::find()
        .filter(pipeline_stage::Column::PipelineId.is_in(pipeline_ids))
        .all(db)
        .await?;
    cards(db, deals, &stages, crate::clock::today()).await
}
