//! Rep performance: the leaderboard of everyone the viewer sees, ranked by a chosen figure, with
//! the figure's bar chart and the team total.
use super::page::{report_body, AnalyticsTabs, Loaded, ReportFilters};
use super::{load_rep_performance, RepPerformance, ReportQuery};
use crate::domain::format::or_dash;
use crate::domain::format::{format_count, format_date, format_money, percent_text, tenths_text};
use crate::domain::performance::{Activity, RankBy};
use crate::i18n::{tr, use_i18n};
use crate::ui::chart::{palette, ChartView};
use crate::ui::{EmptyState, PageHeader};
use charming::component::{Axis, Grid};
use charming::element::{AxisType, ItemStyle, Tooltip, Trigger};
use charming::series::Bar;
use charming::Chart;
use leptos::prelude::*;

/// The leaderboard's columns, in order (every one can rank).
const COLUMNS: [RankBy; 11] = [
    RankBy::Sales,
    RankBy::GrossProfit,
    RankBy::Payments,
    RankBy::Orders,
    RankBy::AverageDeal,
    RankBy::WinRate,
    RankBy::NewCustomers,
    RankBy::Prospects,
    RankBy::FollowUps,
    RankBy::Visits,
    RankBy::Quotes,
];

/// How many people the bar chart draws (the table lists everyone).
const CHART_PEOPLE: usize = 20;

fn is_money(metric: RankBy) -> bool {
    matches!(
        metric,
        RankBy::Sales | RankBy::GrossProfit | RankBy::Payments | RankBy::AverageDeal
    )
}

/// A figure as the table shows it; "—" for a rate nothing was measured for.
pub fn figure_text(activity: &Activity, metric: RankBy) -> String {
    match metric {
        RankBy::WinRate => or_dash(activity.win_rate_bp(), percent_text),
        RankBy::AverageDeal => or_dash(activity.average_deal_fen(), format_money),
        money if is_money(money) => format_money(activity.value_of(money)),
        count => format_count(activity.value_of(count)),
    }
}

/// The chart's number: yuan for money, percent for the win rate, counts as they are.
fn chart_number(activity: &Activity, metric: RankBy) -> f64 {
    match metric {
        RankBy::WinRate => activity.win_rate_bp().unwrap_or(0) as f64 / 100.0,
        RankBy::AverageDeal => activity.average_deal_fen().unwrap_or(0) as f64 / 100.0,
        money if is_money(money) => activity.value_of(money) as f64 / 100.0,
        count => activity.value_of(count) as f64,
    }
}

/// Horizontal bars of the ranking figure, the leader on top.
pub fn leaderboard_chart(report: &RepPerformance, label: String) -> Chart {
    let shown: Vec<_> = report.rows.iter().take(CHART_PEOPLE).collect();
    let names: Vec<String> = shown.iter().rev().map(|row| row.name.clone()).collect();
    let values: Vec<f64> = shown
        .iter()
        .rev()
        .map(|row| chart_number(&row.activity, report.rank_by))
        .collect();
    Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .grid(
            Grid::new()
                .left(8)
                .right(24)
                .top(8)
                .bottom(8)
                .contain_label(true),
        )
        .x_axis(Axis::new().type_(AxisType::Value))
        .y_axis(Axis::new().type_(AxisType::Category).data(names))
        .series(
            Bar::new()
                .name(label)
                .data(values)
                .item_style(ItemStyle::new().color(palette::BLUE)),
        )
}

#[component]
pub fn RepsPage() -> impl IntoView {
    view! {
        <PageHeader title=tr(|t| t.analytics.reps_title) subtitle=tr(|t| t.analytics.reps_subtitle) />
        <AnalyticsTabs current="/analytics/reps" />
        {report_body(load_rep_performance, |query, options, loaded| match loaded {
            Loaded::Report(report) => view! {
                <RepsFilters query=query.clone() options errors=Vec::new() report=Some(report.clone()) />
                <Leaderboard report query />
            }.into_any(),
            Loaded::Refused(errors) => view! { <RepsFilters query options errors report=None /> }.into_any(),
        })}
    }
}

#[component]
fn RepsFilters(
    query: ReportQuery,
    options: Option<crate::customers::FilterOptions>,
    errors: Vec<crate::domain::forms::FieldError>,
    report: Option<RepPerformance>,
) -> impl IntoView {
    let i18n = use_i18n();
    let current = report.as_ref().map_or(RankBy::Sales, |r| r.rank_by);
    view! {
        <ReportFilters action="/analytics/reps" query options errors=errors.clone() period=report.as_ref().map(|r| (r.from, r.to))>
            <label class="inline-label">{tr(|t| t.analytics.rank_by)}
                <select name="sort">
                    {RankBy::ALL.iter().copied().map(|metric| view! {
                        <option value=metric.as_str() selected=metric == current>{move || i18n.t().analytics.rank_by_names[metric.index()]}</option>
                    }).collect_view()}
                </select>
                {super::page::filter_error(&errors, "sort")}
            </label>
        </ReportFilters>
    }
}

#[component]
fn Leaderboard(report: RepPerformance, query: ReportQuery) -> AnyView {
    let i18n = use_i18n();
    let period = (report.from, report.to);
    let rank_by = report.rank_by;
    let export_query = ReportQuery {
        from: report.from.to_string(),
        to: report.to.to_string(),
        ..query.clone()
    }
    .query_string();
    let heading = view! {
        <p class="hint" data-testid="reps-period">
            {move || format_date(period.0, i18n.locale.get())} " – " {move || format_date(period.1, i18n.locale.get())} " · "
            {tr(|t| t.analytics.reps_definitions)}
        </p>
    };
    if report.rows.is_empty() {
        return view! { {heading} <EmptyState title=tr(|t| t.analytics.reps_empty_title) body=tr(|t| t.analytics.reps_empty_body) /> }.into_any();
    }
    let total = report.total;
    let tiles = [
        RankBy::Sales,
        RankBy::GrossProfit,
        RankBy::Payments,
        RankBy::NewCustomers,
        RankBy::WinRate,
    ];
    let chart = {
        let report = report.clone();
        Signal::derive(move || {
            leaderboard_chart(
                &report,
                i18n.t().analytics.rank_by_names[report.rank_by.index()].to_string(),
            )
        })
    };
    let chart_height = 40 + 28 * Ord::min(report.rows.len(), CHART_PEOPLE) as u32;
    let sort_href = move |metric: RankBy| {
        format!(
            "/analytics/reps?{}",
            query.with("sort", metric.as_str()).query_string()
        )
    };
    view! {
        {heading}
        <section class="abc-summary" data-testid="reps-summary">
            {tiles.into_iter().map(|metric| view! {
                <div class="figure">
                    <span class="figure-label">{move || i18n.t().analytics.rank_by_names[metric.index()]}</span>
                    <strong class="figure-value" data-testid=format!("total-{}", metric.as_str())>{figure_text(&total, metric)}</strong>
                </div>
            }).collect_view()}
            <div class="figure">
                <span class="figure-label">{tr(|t| t.analytics.sales_cycle)}</span>
                <strong class="figure-value">{move || or_dash(total.sales_cycle_tenths(), |tenths| (i18n.t().analytics.days)(&tenths_text(tenths)))}</strong>
                <crate::ui::ExportLinks list="reps" query=export_query />
            </div>
        </section>
        <section class="card">
            <h2>{tr(|t| t.analytics.leaderboard)} " · " {move || i18n.t().analytics.rank_by_names[rank_by.index()]}</h2>
            <ChartView id="leaderboard-chart" label=Signal::derive(move || format!("{} · {}", i18n.t().analytics.leaderboard, i18n.t().analytics.rank_by_names[rank_by.index()])) chart height=chart_height />
            <div class="table-wrap">
                <table class="table leaderboard" data-testid="leaderboard">
                    <thead><tr>
                        <th scope="col" class="num">{tr(|t| t.analytics.rank)}</th>
                        <th scope="col" class="sticky-col">{tr(|t| t.analytics.person)}</th>
                        {COLUMNS.into_iter().map(|metric| view! {
                            <th scope="col" class="num" aria-sort=(metric == rank_by).then_some("descending")>
                                <a href=sort_href(metric) class:sorted=metric == rank_by>{move || i18n.t().analytics.rank_by_names[metric.index()]}</a>
                            </th>
                        }).collect_view()}
                        <th scope="col" class="num">{tr(|t| t.analytics.sales_cycle)}</th>
                    </tr></thead>
                    <tbody>
                        {report.rows.into_iter().map(|row| {
                            let activity = row.activity;
                            view! {
                                <tr data-testid="leaderboard-row" data-user=row.user_id>
                                    <td class="num rank">{row.rank}</td>
                                    <th scope="row" class="sticky-col">
                                        <span class="person-name">{row.name}</span>
                                        {row.team_name.map(|team| view! { <span class="muted small">" · " {team}</span> })}
                                    </th>
                                    {COLUMNS.into_iter().map(|metric| view! { <td class="num" class:sorted=metric == rank_by>{figure_text(&activity, metric)}</td> }).collect_view()}
                                    <td class="num">{or_dash(activity.sales_cycle_tenths(), tenths_text)}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                    <tfoot><tr data-testid="leaderboard-total">
                        <td></td>
                        <th scope="row" class="sticky-col">{tr(|t| t.analytics.team_total)}</th>
                        {COLUMNS.into_iter().map(|metric| view! { <td class="num">{figure_text(&total, metric)}</td> }).collect_view()}
                        <td class="num">{or_dash(total.sales_cycle_tenths(), tenths_text)}</td>
                    </tr></tfoot>
                </table>
            </div>
        </section>
    }
    .into_any()
}
