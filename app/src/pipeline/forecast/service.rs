//! The forecast from the database: won orders, open deals by stage, and measured conversion.
use super::*;
use crate::auth::Actor;
use crate::clock::today;
use crate::domain::forecast::{stage_conversion, Journey, OpenDeals};
use crate::domain::forms::ErrorCode;
use crate::domain::pipeline::weighted_fen;
use crate::entities::{opportunity, stage_history};
use crate::error::AppError;
use crate::error::AppResult;
use crate::pipeline::service::{chosen_pipeline, deals_of, filter_choices, stage_view, stages_of};
use chrono::Duration;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::{BTreeMap, HashMap};

/// How far back closed deals count towards the measured conversion.
const MEASURED_DAYS: i64 = 365;

pub async fn forecast(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &ForecastFilter,
) -> AppResult<Forecast> {
    let today = today();
    let period = match filter.period.trim() {
        "" => Period::quarter_of(today),
        text => {
            Period::parse(text).ok_or_else(|| AppError::field("period", ErrorCode::InvalidDate))?
        }
    };
    let (first_day, last_day) = period.bounds();
    let (pipelines, pipeline_id) = chosen_pipeline(db, filter.pipeline).await?;
    let stages = stages_of(db, pipeline_id).await?;
    let open: Vec<_> = stages.iter().filter(|s| !s.won && !s.lost).collect();
    let won_ids: Vec<i64> = stages.iter().filter(|s| s.won).map(|s| s.id).collect();
    let lost_ids: Vec<i64> = stages.iter().filter(|s| s.lost).map(|s| s.id).collect();
    let open_ids: Vec<i64> = open.iter().map(|s| s.id).collect();
    let deals = || deals_of(actor, pipeline_id, filter.owner, filter.team);

    let measured = measured_conversion(db, deals(), &open_ids, &won_ids, &lost_ids, today).await?;

    let won_rows: Vec<(i64, i64, Option<i64>)> = deals()
        .select_only()
        .column(opportunity::Column::OwnerId)
        .column_as(Expr::col(opportunity::Column::Id).count(), "deals")
        .column_as(
            crate::db::sum_as_bigint(Expr::col(opportunity::Column::WonAmountFen)),
            "won",
        )
        .filter(opportunity::Column::StageId.is_in(won_ids.iter().copied()))
        .filter(opportunity::Column::ClosedOn.between(first_day, last_day))
        .group_by(opportunity::Column::OwnerId)
        .into_tuple()
        .all(db)
        .await?;
    let open_rows: Vec<(i64, i64, i64, Option<i64>)> = deals()
        .select_only()
        .column(opportunity::Column::OwnerId)
        .column(opportunity::Column::StageId)
        .column_as(Expr::col(opportunity::Column::Id).count(), "deals")
        .column_as(
            crate::db::sum_as_bigint(Expr::col(opportunity::Column::AmountFen)),
            "amount",
        )
        .filter(opportunity::Column::StageId.is_in(open_ids.iter().copied()))
        .filter(opportunity::Column::ExpectedCloseOn.between(first_day, last_day))
        .group_by(opportunity::Column::OwnerId)
        .group_by(opportunity::Column::StageId)
        .into_tuple()
        .all(db)
        .await?;
    let (overdue_deals, overdue_fen): (i64, Option<i64>) = deals()
        .select_only()
        .column_as(Expr::col(opportunity::Column::Id).count(), "deals")
        .column_as(
            crate::db::sum_as_bigint(Expr::col(opportunity::Column::AmountFen)),
            "amount",
        )
        .filter(opportunity::Column::StageId.is_in(open_ids.iter().copied()))
        .filter(opportunity::Column::ExpectedCloseOn.lt(today))
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or((0, None));

    let mut figures = Figures::default();
    let mut by_owner: BTreeMap<i64, Figures> = BTreeMap::new();
    for (owner, count, won) in won_rows {
        let count = Ord::max(count, 0) as u32;
        figures.add_won(count, won.unwrap_or(0));
        by_owner
            .entry(owner)
            .or_default()
            .add_won(count, won.unwrap_or(0));
    }
    let mut per_stage: HashMap<i64, (u32, i64)> = HashMap::new();
    let probability: HashMap<i64, (u8, Option<u8>)> = open
        .iter()
        .zip(&measured)
        .map(|(s, m)| (s.id, (stage_view(s).probability_percent, m.percent())))
        .collect();
    for (owner, stage_id, count, amount) in open_rows {
        let (probability_percent, measured_percent) =
            probability.get(&stage_id).copied().unwrap_or((0, None));
        let group = OpenDeals {
            deals: Ord::max(count, 0) as u32,
            amount_fen: amount.unwrap_or(0),
            probability_percent,
            measured_percent,
        };
        figures.add_open(group);
        by_owner.entry(owner).or_default().add_open(group);
        let entry = per_stage.entry(stage_id).or_default();
        entry.0 += group.deals;
        entry.1 += group.amount_fen;
    }
    let stages = open
        .iter()
        .zip(measured)
        .map(|(stage, measured)| {
            let view = stage_view(stage);
            let (open_deals, open_fen) = per_stage.get(&stage.id).copied().unwrap_or_default();
            StageForecast {
                weighted_fen: weighted_fen(open_fen, view.probability_percent),
                stage: view,
                measured,
                open_deals,
                open_fen,
            }
        })
        .collect();
    let (owners, teams) = filter_choices(db, actor).await?;
    let people = if actor.role().leads_people() {
        let names = crate::auth::names_of(db, by_owner.keys().copied()).await?;
        let mut people: Vec<OwnerForecast> = by_owner
            .into_iter()
            .map(|(id, figures)| OwnerForecast {
                owner: Choice {
                    id,
                    label: names.get(&id).cloned().unwrap_or_default(),
                },
                figures,
            })
            .collect();
        people.sort_by(|a, b| {
            b.figures
                .weighted_fen
                .cmp(&a.figures.weighted_fen)
                .then(a.owner.label.cmp(&b.owner.label))
        });
        people
    } else {
        Vec::new()
    };
    Ok(Forecast {
        period: period.as_text(),
        period_choices: {
            let mut choices: Vec<String> = [
                Period::month_of(today),
                Period::quarter_of(today),
                Period::half_of(today),
                Period::year_of(today),
            ]
            .into_iter()
            .flat_map(|p| [p, p.next()])
            .map(Period::as_text)
            .collect();
            if !choices.contains(&period.as_text()) {
                choices.insert(0, period.as_text());
            }
            choices
        },
        first_day,
        last_day,
        pipelines: pipelines
            .into_iter()
            .map(|p| Choice {
                id: p.id,
                label: p.name,
            })
            .collect(),
        pipeline_id,
        figures,
        stages,
        people,
        overdue_deals: Ord::max(overdue_deals, 0) as u32,
        overdue_fen: overdue_fen.unwrap_or(0),
        owners,
        teams,
    })
}

/// Conversion per open stage over the deals closed in the last year (of the same owners).
async fn measured_conversion(
    db: &impl ConnectionTrait,
    deals: sea_orm::Select<opportunity::Entity>,
    open_ids: &[i64],
    won_ids: &[i64],
    lost_ids: &[i64],
    today: chrono::NaiveDate,
) -> AppResult<Vec<Conversion>> {
    let closed: Vec<(i64, i64)> = deals
        .select_only()
        .column(opportunity::Column::Id)
        .column(opportunity::Column::StageId)
        .filter(opportunity::Column::StageId.is_in(won_ids.iter().chain(lost_ids).copied()))
        .filter(opportunity::Column::ClosedOn.gte(today - Duration::days(MEASURED_DAYS)))
        .into_tuple()
        .all(db)
        .await?;
    let index_of: HashMap<i64, usize> = open_ids
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, i))
        .collect();
    let mut furthest: HashMap<i64, usize> = HashMap::with_capacity(closed.len());
    // Chunks keep the IN list within every database's parameter limit.
    for chunk in closed.chunks(5_000) {
        let steps: Vec<(i64, i64)> = stage_history::Entity::find()
            .select_only()
            .column(stage_history::Column::OpportunityId)
            .column(stage_history::Column::ToStageId)
            .filter(stage_history::Column::OpportunityId.is_in(chunk.iter().map(|(id, _)| *id)))
            .filter(stage_history::Column::ToStageId.is_in(open_ids.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        for (deal, stage) in steps {
            if let Some(index) = index_of.get(&stage) {
                let slot = furthest.entry(deal).or_insert(0);
                *slot = (*slot).max(*index);
            }
        }
    }
    let journeys = closed.iter().map(|(id, stage)| Journey {
        furthest_open_stage: furthest.get(id).copied().unwrap_or(0),
        won: won_ids.contains(stage),
    });
    Ok(stage_conversion(open_ids.len(), journeys))
}
/// The forecast as a table for export: its stages, or with `people` its rows per person.
pub async fn export(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &ForecastFilter,
    people: bool,
    locale: crate::domain::format::Locale,
) -> AppResult<crate::exports::ExportTable> {
    use crate::exports::Cell;
    let forecast = forecast(db, actor, filter).await?;
    let t = crate::i18n::texts(locale);
    let f = &t.forecast;
    let sheet = format!("{} {}", f.title, forecast.period);
    let (headers, rows): (Vec<&str>, Vec<Vec<Cell>>) = if people {
        (
            vec![f.person, f.won, f.weighted, f.best_case, f.open_deals],
            forecast
                .people
                .into_iter()
                .map(|row| {
                    vec![
                        Cell::Text(row.owner.label),
                        Cell::Money(row.figures.won_fen),
                        Cell::Money(row.figures.weighted_fen),
                        Cell::Money(row.figures.best_case_fen),
                        Cell::Number(row.figures.open_deals.into()),
                    ]
                })
                .collect(),
        )
    } else {
        (
            vec![
                f.stage,
                f.configured,
                f.measured,
                f.open_deals,
                f.open_amount,
                f.weighted_amount,
            ],
            forecast
                .stages
                .into_iter()
                .map(|row| {
                    vec![
                        Cell::Text(crate::pipeline::board::stage_label(t, &row.stage)),
                        Cell::Number(row.stage.probability_percent.into()),
                        row.measured
                            .percent()
                            .map_or(Cell::Text(String::new()), |p| Cell::Number(p.into())),
                        Cell::Number(row.open_deals.into()),
                        Cell::Money(row.open_fen),
                        Cell::Money(row.weighted_fen),
                    ]
                })
                .collect(),
        )
    };
    Ok(crate::exports::ExportTable {
        sheet,
        headers: headers.into_iter().map(str::to_string).collect(),
        rows,
    })
}
