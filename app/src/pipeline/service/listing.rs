//! Reading deals: the board filter, columns and their totals, cards, the table and its export.
use super::*;

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
pub(in crate::pipeline) fn deals_of(
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
pub(super) async fn cards(
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

pub(in crate::pipeline) async fn filter_choices(
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
