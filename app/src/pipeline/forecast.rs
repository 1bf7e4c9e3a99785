//! The forecast for a period and a rep, a team or the company: won so far, the weighted pipeline,
//! the best case, and beside every stage's configured probability the conversion measured from
//! stage history.
use super::board::{choice_select, stage_label};
use super::{Choice, StageView};
use crate::domain::forecast::{Conversion, Figures};
use crate::domain::format::{format_date, format_money, format_period};
use crate::domain::period::Period;
use crate::error::AppError;
use crate::i18n::{tr, use_i18n, Texts};
use crate::ui::{ErrorPanel, Loading, PageHeader};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ForecastFilter {
    pub pipeline: Option<i64>,
    pub owner: Option<i64>,
    pub team: Option<i64>,
    /// `2026`, `2026-H2`, `2026-Q4`, `2026-11` or `2026-W47`; empty: this quarter.
    pub period: String,
}

impl ForecastFilter {
    /// The filter as the page's query string (for links that keep it, such as the exports).
    pub fn query_string(&self) -> String {
        let mut pairs = vec![format!("period={}", self.period)];
        for (key, id) in [
            ("pipeline", self.pipeline),
            ("owner", self.owner),
            ("team", self.team),
        ] {
            if let Some(id) = id {
                pairs.push(format!("{key}={id}"));
            }
        }
        pairs.join("&")
    }

    pub fn from_pairs(get: impl Fn(&str) -> Option<String>) -> ForecastFilter {
        let id = |key: &str| get(key).and_then(|v| v.parse().ok());
        ForecastFilter {
            pipeline: id("pipeline"),
            owner: id("owner"),
            team: id("team"),
            period: get("period").unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageForecast {
    pub stage: StageView,
    /// Closed deals of the last twelve months that reached this stage, and how many were won.
    pub measured: Conversion,
    pub open_deals: u32,
    pub open_fen: i64,
    pub weighted_fen: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerForecast {
    pub owner: Choice,
    pub figures: Figures,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forecast {
    pub period: String,
    /// Periods offered in the picker (this and next month, quarter, half and year).
    pub period_choices: Vec<String>,
    pub first_day: chrono::NaiveDate,
    pub last_day: chrono::NaiveDate,
    pub pipelines: Vec<Choice>,
    pub pipeline_id: i64,
    pub figures: Figures,
    pub stages: Vec<StageForecast>,
    /// One row per person with won or expected deals in the period (for people who lead others).
    pub people: Vec<OwnerForecast>,
    /// Open deals whose expected close date has passed: they count in no period until moved.
    pub overdue_deals: u32,
    pub overdue_fen: i64,
    pub owners: Vec<Choice>,
    pub teams: Vec<Choice>,
}

#[server(endpoint = "pipeline/forecast")]
pub async fn load_forecast(
    #[server(default)] filter: ForecastFilter,
) -> Result<Forecast, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::forecast(&state.db, &actor, &filter).await
}

#[component]
pub fn ForecastPage() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let filter = Memo::new(move |_| {
        let q = query.read();
        ForecastFilter::from_pairs(|key| q.get(key))
    });
    let forecast = Resource::new(move || filter.get(), load_forecast);
    view! {
        <PageHeader title=tr(|t| t.forecast.title) />
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match forecast.await {
                    Ok(forecast) => view! { <ForecastView forecast filter=filter.get_untracked() /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> <a class="button" href="/pipeline/forecast">{tr(|t| t.pipeline.clear)}</a> }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn ForecastView(forecast: Forecast, filter: ForecastFilter) -> AnyView {
    let i18n = use_i18n();
    let figures = forecast.figures;
    let period = Period::parse(&forecast.period);
    let tile = move |label: fn(&Texts) -> &'static str,
                     hint: Option<fn(&Texts) -> &'static str>,
                     fen: i64,
                     testid: &'static str| {
        view! {
            <div class="figure" data-testid=testid>
                <span class="figure-label">{move || label(i18n.t())}</span>
                <strong class="figure-value">{format_money(fen)}</strong>
                {hint.map(|hint| view! { <span class="figure-hint">{move || hint(i18n.t())}</span> })}
            </div>
        }
    };
    let nothing = figures.won_deals == 0 && figures.open_deals == 0;
    // The exports cover the period shown, also when the filter left it to the default.
    let export_query = ForecastFilter {
        period: forecast.period.clone(),
        ..filter.clone()
    }
    .query_string();
    view! {
        <form class="search-bar board-filters" method="get" action="/pipeline/forecast">
            <label class="inline-label">{tr(|t| t.forecast.period)}
                <select name="period">
                    {forecast.period_choices.iter().map(|choice| {
                        let label = Period::parse(choice).map(|p| move || format_period(p, i18n.locale.get()));
                        view! { <option value=choice.clone() selected=*choice == forecast.period>{label}</option> }
                    }).collect_view()}
                </select>
            </label>
            {(!forecast.owners.is_empty()).then(|| choice_select("owner", |t| t.pipeline.all_owners, filter.owner, forecast.owners.clone()))}
            {(!forecast.teams.is_empty()).then(|| choice_select("team", |t| t.pipeline.all_teams, filter.team, forecast.teams.clone()))}
            <button type="submit" class="button">{tr(|t| t.pipeline.apply)}</button>
            <a class="button subtle" href="/pipeline">{tr(|t| t.pipeline.board_link)}</a>
        </form>
        <p class="hint" data-testid="forecast-period">
            {move || period.map(|p| format_period(p, i18n.locale.get())).unwrap_or_default()}
            " · " {move || format_date(forecast.first_day, i18n.locale.get())} " – " {move || format_date(forecast.last_day, i18n.locale.get())}
        </p>
        <section class="figures">
            {tile(|t| t.forecast.won, None, figures.won_fen, "forecast-won")}
            {tile(|t| t.forecast.weighted, Some(|t| t.forecast.weighted_hint), figures.weighted_fen, "forecast-weighted")}
            {tile(|t| t.forecast.historical, Some(|t| t.forecast.historical_hint), figures.historical_fen, "forecast-historical")}
            {tile(|t| t.forecast.best_case, Some(|t| t.forecast.best_case_hint), figures.best_case_fen, "forecast-best")}
        </section>
        {nothing.then(|| view! { <p class="notice">{tr(|t| t.forecast.nothing_expected)}</p> })}
        {(forecast.overdue_deals > 0).then(|| {
            let (n, amount) = (forecast.overdue_deals, format_money(forecast.overdue_fen));
            view! { <p class="notice" data-testid="forecast-overdue">{move || (i18n.t().forecast.overdue)(n, &amount)}</p> }
        })}
        <section class="card">
            <h2>{tr(|t| t.forecast.by_stage)} " " <crate::ui::ExportLinks list="forecast" query=export_query.clone() /></h2>
            <p class="hint">{tr(|t| t.forecast.by_stage_hint)}</p>
            <div class="table-wrap">
                <table class="table" data-testid="forecast-stages">
                    <thead><tr>
                        <th>{tr(|t| t.forecast.stage)}</th>
                        <th class="num">{tr(|t| t.forecast.configured)}</th>
                        <th class="num">{tr(|t| t.forecast.measured)}</th>
                        <th class="num">{tr(|t| t.forecast.open_deals)}</th>
                        <th class="num">{tr(|t| t.forecast.open_amount)}</th>
                        <th class="num">{tr(|t| t.forecast.weighted_amount)}</th>
                    </tr></thead>
                    <tbody>
                        {forecast.stages.into_iter().map(|row| {
                            let stage = row.stage.clone();
                            let measured = row.measured;
                            let gap = measured.percent().map(|m| (m as i16 - row.stage.probability_percent as i16).abs() >= 15).unwrap_or(false);
                            view! {
                                <tr>
                                    <td>{move || stage_label(i18n.t(), &stage)}</td>
                                    <td class="num">{format!("{}%", row.stage.probability_percent)}</td>
                                    <td class="num" class:warn=gap>
                                        {move || match measured.percent() {
                                            Some(percent) => format!("{percent}% ({})", (i18n.t().forecast.measured_of)(measured.won, measured.reached)),
                                            None => i18n.t().forecast.not_measured.to_string(),
                                        }}
                                    </td>
                                    <td class="num">{row.open_deals}</td>
                                    <td class="num">{format_money(row.open_fen)}</td>
                                    <td class="num">{format_money(row.weighted_fen)}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        {(!forecast.people.is_empty()).then(|| view! {
            <section class="card">
                <h2>{tr(|t| t.forecast.by_person)} " " <crate::ui::ExportLinks list="forecast-people" query=export_query.clone() /></h2>
                <div class="table-wrap">
                    <table class="table" data-testid="forecast-people">
                        <thead><tr>
                            <th>{tr(|t| t.forecast.person)}</th>
                            <th class="num">{tr(|t| t.forecast.won)}</th>
                            <th class="num">{tr(|t| t.forecast.weighted)}</th>
                            <th class="num">{tr(|t| t.forecast.best_case)}</th>
                            <th class="num">{tr(|t| t.forecast.open_deals)}</th>
                        </tr></thead>
                        <tbody>
                            {forecast.people.into_iter().map(|row| {
                                let href = format!("/pipeline/forecast?period={}&owner={}", forecast.period, row.owner.id);
                                view! {
                                    <tr>
                                        <td><a href=href>{row.owner.label}</a></td>
                                        <td class="num">{format_money(row.figures.won_fen)}</td>
                                        <td class="num">{format_money(row.figures.weighted_fen)}</td>
                                        <td class="num">{format_money(row.figures.best_case_fen)}</td>
                                        <td class="num">{row.figures.open_deals}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </section>
        })}
    }
    .into_any()
}

#[cfg(feature = "ssr")]
pub mod service {
    use super::*;
    use crate::auth::Actor;
    use crate::clock::today;
    use crate::domain::forecast::{stage_conversion, Journey, OpenDeals};
    use crate::domain::forms::ErrorCode;
    use crate::domain::pipeline::weighted_fen;
    use crate::entities::{opportunity, stage_history};
    use crate::error::AppResult;
    use crate::pipeline::service::{
        chosen_pipeline, deals_of, filter_choices, stage_view, stages_of,
    };
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
            text => Period::parse(text)
                .ok_or_else(|| AppError::field("period", ErrorCode::InvalidDate))?,
        };
        let (first_day, last_day) = period.bounds();
        let (pipelines, pipeline_id) = chosen_pipeline(db, filter.pipeline).await?;
        let stages = stages_of(db, pipeline_id).await?;
        let open: Vec<_> = stages.iter().filter(|s| !s.won && !s.lost).collect();
        let won_ids: Vec<i64> = stages.iter().filter(|s| s.won).map(|s| s.id).collect();
        let lost_ids: Vec<i64> = stages.iter().filter(|s| s.lost).map(|s| s.id).collect();
        let open_ids: Vec<i64> = open.iter().map(|s| s.id).collect();
        let deals = || deals_of(actor, pipeline_id, filter.owner, filter.team);

        let measured =
            measured_conversion(db, deals(), &open_ids, &won_ids, &lost_ids, today).await?;

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
}
