//! The funnel page: conversion and days per stage for the selection, then each rep beside their
//! team with the stage where they fall furthest behind named.
use super::page::{report_body, AnalyticsTabs, Loaded, ReportFilters};
use super::{load_funnel, FunnelLine, FunnelReport, ReportQuery};
use crate::domain::format::{
    format_count, format_date, or_dash, percent_text, points_text, tenths_text,
};
use crate::domain::funnel::Step;
use crate::i18n::{tr, use_i18n, Texts};
use crate::pipeline::board::{pipeline_label, stage_label};
use crate::ui::chart::{palette, ChartView};
use crate::ui::{EmptyState, PageHeader};
use charming::component::{Axis, Grid};
use charming::element::{AxisType, ItemStyle, Tooltip, Trigger};
use charming::series::Bar;
use charming::Chart;
use leptos::prelude::*;

/// The stage names of the funnel's steps, then "won".
fn step_names(t: &Texts, report: &FunnelReport) -> Vec<String> {
    report
        .stages
        .iter()
        .map(|s| stage_label(t, s))
        .chain([t.analytics.won_step.to_string()])
        .collect()
}

/// Bars narrowing down the funnel: deals that reached each stage, and those won.
pub fn funnel_chart(names: Vec<String>, total: &FunnelLine, label: String) -> Chart {
    let values: Vec<f64> = total
        .steps
        .iter()
        .map(|s| s.reached as f64)
        .chain([total.won as f64])
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
        .y_axis(
            Axis::new()
                .type_(AxisType::Category)
                .inverse(true)
                .data(names),
        )
        .series(
            Bar::new()
                .name(label)
                .data(values)
                .item_style(ItemStyle::new().color(palette::BLUE)),
        )
}

#[component]
pub fn FunnelPage() -> impl IntoView {
    view! {
        <PageHeader title=tr(|t| t.analytics.funnel_title) subtitle=tr(|t| t.analytics.funnel_subtitle) />
        <AnalyticsTabs current="/analytics/funnel" />
        {report_body(load_funnel, |query, options, loaded| match loaded {
            Loaded::Report(report) => view! {
                <FunnelFilters query=query.clone() options errors=Vec::new() report=Some(report.clone()) />
                <FunnelView report query />
            }.into_any(),
            Loaded::Refused(errors) => view! { <FunnelFilters query options errors report=None /> }.into_any(),
        })}
    }
}

#[component]
fn FunnelFilters(
    query: ReportQuery,
    options: Option<crate::customers::FilterOptions>,
    errors: Vec<crate::domain::forms::FieldError>,
    report: Option<FunnelReport>,
) -> impl IntoView {
    let i18n = use_i18n();
    let pipelines = report
        .as_ref()
        .map(|r| (r.pipelines.clone(), r.pipeline_id));
    view! {
        <ReportFilters action="/analytics/funnel" query options errors=errors.clone() period=report.as_ref().map(|r| (r.from, r.to))>
            {pipelines.filter(|(all, _)| all.len() > 1).map(|(all, current)| view! {
                <label class="inline-label">{tr(|t| t.analytics.pipeline)}
                    <select name="pipeline">
                        {all.into_iter().map(|choice| {
                            let (selected, value) = (choice.id == current, choice.id.to_string());
                            view! { <option value=value selected=selected>{move || pipeline_label(i18n.t(), &choice)}</option> }
                        }).collect_view()}
                    </select>
                </label>
            })}
            {super::page::filter_error(&errors, "pipeline")}
        </ReportFilters>
    }
}

#[component]
fn FunnelView(report: FunnelReport, query: ReportQuery) -> AnyView {
    let i18n = use_i18n();
    let period = (report.from, report.to);
    let heading = view! {
        <p class="hint" data-testid="funnel-rule">
            {move || format_date(period.0, i18n.locale.get())} " – " {move || format_date(period.1, i18n.locale.get())} " · "
            {tr(|t| t.analytics.funnel_rule)}
        </p>
    };
    if report.total.deals == 0 {
        return view! { {heading} <EmptyState title=tr(|t| t.analytics.funnel_empty_title) body=tr(|t| t.analytics.funnel_empty_body) /> }.into_any();
    }
    let export_query = ReportQuery {
        from: report.from.to_string(),
        to: report.to.to_string(),
        pipeline: report.pipeline_id.to_string(),
        ..query
    };
    let chart = {
        let report = report.clone();
        Signal::derive(move || {
            funnel_chart(
                step_names(i18n.t(), &report),
                &report.total,
                i18n.t().analytics.reached.to_string(),
            )
        })
    };
    let chart_height = 48 + 36 * (report.stages.len() as u32 + 1);
    let names = {
        let report = report.clone();
        move || step_names(i18n.t(), &report)
    };
    let names_for_people = names.clone();
    let total = report.total.clone();
    view! {
        {heading}
        <section class="card">
            <h2>
                {tr(|t| t.analytics.funnel_title)} " · " {move || i18n.t().analytics.deals} " " {format_count(total.deals as i64)}
                <crate::ui::ExportLinks list="funnel" query=export_query.query_string() />
            </h2>
            <ChartView id="funnel-chart" label=tr(|t| t.analytics.funnel_title) chart height=chart_height />
            <div class="table-wrap">
                <table class="table" data-testid="funnel-table">
                    <thead><tr>
                        <th scope="col">{tr(|t| t.analytics.stage)}</th>
                        <th scope="col" class="num">{tr(|t| t.analytics.reached)}</th>
                        <th scope="col" class="num">{tr(|t| t.analytics.conversion)}</th>
                        <th scope="col" class="num">{tr(|t| t.analytics.average_days)}</th>
                    </tr></thead>
                    <tbody>
                        {total.steps.iter().enumerate().map(|(index, step)| {
                            let names = names.clone();
                            view! {
                                <tr data-testid="funnel-step">
                                    <th scope="row">{move || names().get(index).cloned().unwrap_or_default()}</th>
                                    <td class="num">{format_count(step.reached as i64)}</td>
                                    <td class="num">{or_dash(step.conversion_bp, percent_text)}</td>
                                    <td class="num">{or_dash(step.average_days_tenths, tenths_text)}</td>
                                </tr>
                            }
                        }).collect_view()}
                        <tr data-testid="funnel-won">
                            <th scope="row">{tr(|t| t.analytics.won_step)}</th>
                            <td class="num">{format_count(total.won as i64)}</td>
                            <td></td>
                            <td></td>
                        </tr>
                    </tbody>
                </table>
            </div>
        </section>
        <PeopleTable people=report.people team=report.total.steps.clone() names=Signal::derive(names_for_people) />
    }
    .into_any()
}

/// Each rep's conversion per stage; a cell below the team's is marked, and the stage furthest
/// behind is named.
#[component]
fn PeopleTable(
    people: Vec<FunnelLine>,
    team: Vec<Step>,
    names: Signal<Vec<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let stages = team.len();
    (!people.is_empty()).then(|| view! {
        <section class="card">
            <h2>{tr(|t| t.analytics.by_person)}</h2>
            <div class="table-wrap">
                <table class="table leaderboard" data-testid="funnel-people">
                    <thead><tr>
                        <th scope="col" class="sticky-col">{tr(|t| t.analytics.person)}</th>
                        <th scope="col" class="num">{tr(|t| t.analytics.deals)}</th>
                        {(0..stages).map(|index| view! { <th scope="col" class="num">{move || names.get().get(index).cloned().unwrap_or_default()}</th> }).collect_view()}
                        <th scope="col">{tr(|t| t.analytics.behind_column)}</th>
                    </tr></thead>
                    <tbody>
                        {people.into_iter().map(|line| {
                            let behind = line.behind;
                            view! {
                                <tr data-testid="funnel-person" data-user=line.user_id>
                                    <th scope="row" class="sticky-col">
                                        <span class="person-name">{line.name}</span>
                                        {line.team_name.map(|team| view! { <span class="muted small">" · " {team}</span> })}
                                    </th>
                                    <td class="num">{format_count(line.deals as i64)}</td>
                                    {line.steps.iter().enumerate().map(|(index, step)| {
                                        let lagging = behind.is_some_and(|(at, _)| at == index);
                                        view! { <td class="num" class:lagging=lagging>{or_dash(step.conversion_bp, percent_text)}</td> }
                                    }).collect_view()}
                                    <td data-testid="funnel-behind">{move || match behind {
                                        Some((index, gap)) => (i18n.t().analytics.behind_at)(&names.get().get(index).cloned().unwrap_or_default(), &points_text(gap)),
                                        None => i18n.t().analytics.not_behind.to_string(),
                                    }}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    })
}
