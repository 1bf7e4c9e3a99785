//! `/pipeline/forecast`: the figures, the stages with configured and measured conversion, and the owners.
use super::*;
use crate::domain::format::{format_date, format_money, format_period};
use crate::i18n::{tr, use_i18n, Texts};
use crate::pipeline::board::{choice_select, stage_label};
use crate::ui::{ErrorPanel, Loading, PageHeader};
use leptos::prelude::*;

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
