//! Customer analysis: the viewer's customers grouped by industry, region, size, ladder stage or
//! new/returning, with the sales share of each group as a chart and a table, the company's
//! retention and a customer's lifetime value with its formula; and, on a customer's file, their
//! trend and shares.
use super::page::{filter_error, report_body, share_of, AnalyticsTabs, Loaded, ReportFilters};
use super::{
    load_customer_composition, load_customer_trend, CompositionLine, CustomerComposition,
    CustomerTrend, CustomerValue, ReportQuery,
};
use crate::domain::customer::LadderStage;
use crate::domain::customer_value::{CustomerAge, Dimension, PurchaseSize};
use crate::domain::format::or_dash as dash;
use crate::domain::format::{format_count, format_date, format_money, percent_text, tenths_text};
use crate::i18n::{tr, use_i18n, Texts};
use crate::ui::chart::{palette, ChartWithTable};
use crate::ui::{EmptyState, ErrorPanel, Loading, PageHeader};
use charming::component::{Axis, Grid, Legend};
use charming::element::{AxisType, ItemStyle, Tooltip, Trigger};
use charming::series::{Bar, Pie};
use charming::Chart;
use leptos::prelude::*;

/// A group's name in the reader's language: industries and provinces as written, the other
/// dimensions' keys translated.
pub fn group_label(t: &Texts, dimension: Dimension, key: &str) -> String {
    let named = match dimension {
        Dimension::Industry | Dimension::Region => None,
        Dimension::Stage => LadderStage::parse(key).map(|stage| t.customers.stages[stage.index()]),
        Dimension::Age => CustomerAge::parse(key).map(|age| t.customer_analysis.ages[age.index()]),
        Dimension::Size => {
            PurchaseSize::parse(key).map(|size| t.customer_analysis.sizes[size.index()])
        }
    };
    match named {
        Some(name) => name.to_string(),
        None if key.is_empty() => t.customer_analysis.unspecified.to_string(),
        None => key.to_string(),
    }
}

/// How many groups the chart names; the rest are drawn as one slice.
const CHART_GROUPS: usize = 10;

fn composition_chart(report: &CustomerComposition, t: &Texts) -> Chart {
    let mut slices: Vec<(f64, String)> = report
        .lines
        .iter()
        .take(CHART_GROUPS)
        .filter(|l| l.sales_fen > 0)
        .map(|l| {
            (
                l.sales_fen as f64 / 100.0,
                group_label(t, report.dimension, &l.key),
            )
        })
        .collect();
    let rest: i64 = report
        .lines
        .iter()
        .skip(CHART_GROUPS)
        .map(|l| l.sales_fen)
        .sum();
    if rest > 0 {
        slices.push((rest as f64 / 100.0, t.customer_analysis.others.to_string()));
    }
    Chart::new()
        .tooltip(
            Tooltip::new()
                .trigger(Trigger::Item)
                .formatter("{b}: ¥{c} ({d}%)"),
        )
        .legend(
            Legend::new()
                .bottom(0)
                .type_(charming::component::LegendType::Scroll),
        )
        .series(
            Pie::new()
                .name(t.customer_analysis.sales)
                .radius(vec!["35%", "62%"])
                .center(vec!["50%", "44%"])
                .data(slices),
        )
}

#[component]
pub fn CustomerAnalysisPage() -> impl IntoView {
    view! {
        <PageHeader title=tr(|t| t.customer_analysis.title) subtitle=tr(|t| t.customer_analysis.subtitle) />
        <AnalyticsTabs current="/analytics/customers" />
        {report_body(load_customer_composition, |query, options, loaded| match loaded {
            Loaded::Report(report) => view! {
                <CompositionFilters query=query.clone() options errors=Vec::new() report=Some(report.clone()) />
                <CompositionView report query />
            }.into_any(),
            Loaded::Refused(errors) => view! { <CompositionFilters query options errors report=None /> }.into_any(),
        })}
    }
}

#[component]
fn CompositionFilters(
    query: ReportQuery,
    options: Option<crate::customers::FilterOptions>,
    errors: Vec<crate::domain::forms::FieldError>,
    report: Option<CustomerComposition>,
) -> impl IntoView {
    let i18n = use_i18n();
    let current = report.as_ref().map_or(Dimension::Industry, |r| r.dimension);
    view! {
        <ReportFilters action="/analytics/customers" query options errors=errors.clone() period=report.as_ref().map(|r| (r.from, r.to)) customer_filters=true>
            <label class="inline-label">{tr(|t| t.customer_analysis.group_by)}
                <select name="by" data-testid="group-by">
                    {Dimension::ALL.iter().copied().map(|dimension| view! {
                        <option value=dimension.as_str() selected=dimension == current>{move || i18n.t().customer_analysis.dimensions[dimension.index()]}</option>
                    }).collect_view()}
                </select>
                {filter_error(&errors, "by")}
            </label>
        </ReportFilters>
    }
}

/// The company's retention, remaining years, yearly gross profit per customer and lifetime value.
#[component]
fn ValueTiles(value: CustomerValue) -> impl IntoView {
    let i18n = use_i18n();
    let (earlier, kept) = (value.earlier_buyers, value.kept);
    let remaining = value.remaining_tenths;
    view! {
        <div class="figure">
            <span class="figure-label">{tr(|t| t.customer_analysis.retention)}</span>
            <strong class="figure-value" data-testid="retention">{dash(value.retention_bp, percent_text)}</strong>
            <span class="figure-hint">{move || (i18n.t().customer_analysis.retention_detail)(earlier, kept)}</span>
        </div>
        <div class="figure">
            <span class="figure-label">{tr(|t| t.customer_analysis.remaining_years)}</span>
            <strong class="figure-value" data-testid="remaining-years">{move || dash(remaining, |tenths| (i18n.t().customer_analysis.years)(&tenths_text(tenths)))}</strong>
        </div>
        <div class="figure">
            <span class="figure-label">{tr(|t| t.customer_analysis.average_yearly_gp)}</span>
            <strong class="figure-value" data-testid="average-yearly-gp">{dash(value.average_yearly_gp_fen, format_money)}</strong>
        </div>
        <div class="figure">
            <span class="figure-label">{tr(|t| t.customer_analysis.lifetime_value)}</span>
            <strong class="figure-value" data-testid="lifetime-value">{dash(value.lifetime_value_fen, format_money)}</strong>
        </div>
    }
}

#[component]
fn CompositionView(report: CustomerComposition, query: ReportQuery) -> AnyView {
    let i18n = use_i18n();
    let period = (report.from, report.to);
    let dimension = report.dimension;
    let export_query = ReportQuery {
        from: report.from.to_string(),
        to: report.to.to_string(),
        by: dimension.as_str().to_string(),
        ..query.clone()
    }
    .query_string();
    let heading = view! {
        <p class="hint" data-testid="composition-period">
            {move || format_date(period.0, i18n.locale.get())} " – " {move || format_date(period.1, i18n.locale.get())} " · "
            {tr(|t| t.customer_analysis.definitions)}
        </p>
    };
    if report.total.customers == 0 {
        return view! { {heading} <EmptyState title=tr(|t| t.customer_analysis.empty_title) body=tr(|t| t.customer_analysis.empty_body) /> }.into_any();
    }
    let total = report.total.clone();
    let window = (report.value.window_from, report.value.window_to);
    let chart = {
        let report = report.clone();
        Signal::derive(move || composition_chart(&report, i18n.t()))
    };
    let by_href = move |by: Dimension| {
        format!(
            "/analytics/customers?{}",
            query.with("by", by.as_str()).query_string()
        )
    };
    let row = move |line: CompositionLine, total_sales: i64| {
        let key = line.key.clone();
        view! {
            <tr data-testid="composition-row" data-key=line.key.clone()>
                <th scope="row">{move || group_label(i18n.t(), dimension, &key)}</th>
                <td class="num">{format_count(line.customers)}</td>
                <td class="num">{format_count(line.buyers)}</td>
                <td class="num">{format_money(line.sales_fen)}</td>
                <td class="num">{share_of(line.sales_fen, total_sales)}</td>
                <td class="num">{format_money(line.gross_profit_fen)}</td>
                <td class="num">{share_of(line.gross_profit_fen, line.sales_fen)}</td>
            </tr>
        }
    };
    view! {
        {heading}
        <section class="abc-summary" data-testid="composition-summary">
            <div class="figure">
                <span class="figure-label">{tr(|t| t.customer_analysis.customers)}</span>
                <strong class="figure-value" data-testid="total-customers">{format_count(total.customers)}</strong>
                <span class="figure-hint">{tr(|t| t.customer_analysis.buyers)} " " {format_count(total.buyers)}</span>
            </div>
            <div class="figure">
                <span class="figure-label">{tr(|t| t.customer_analysis.sales)}</span>
                <strong class="figure-value" data-testid="total-sales">{format_money(total.sales_fen)}</strong>
                <span class="figure-hint">{tr(|t| t.customer_analysis.margin)} " " {share_of(total.gross_profit_fen, total.sales_fen)}</span>
                <crate::ui::ExportLinks list="composition" query=export_query />
            </div>
        </section>
        <h2 class="section-title">{tr(|t| t.customer_analysis.value_title)}</h2>
        <section class="abc-summary" data-testid="value-summary">
            <ValueTiles value=report.value.clone() />
        </section>
        <p class="hint formula" data-testid="value-formula">{move || (i18n.t().customer_analysis.value_formula)(&format_date(window.0, i18n.locale.get()), &format_date(window.1, i18n.locale.get()))}</p>
        <nav class="group-chips" aria-label=tr(|t| t.customer_analysis.group_by)>
            {Dimension::ALL.iter().copied().map(|by| view! {
                <a class="chip" href=by_href(by) aria-current=(by == dimension).then_some("page") data-testid=format!("by-{}", by.as_str())>{move || i18n.t().customer_analysis.dimensions[by.index()]}</a>
            }).collect_view()}
        </nav>
        <section class="card">
            <h2>{tr(|t| t.customer_analysis.composition)} " · " {move || i18n.t().customer_analysis.dimensions[dimension.index()]}</h2>
            <ChartWithTable id="composition-chart" label=Signal::derive(move || format!("{} · {}", i18n.t().customer_analysis.composition, i18n.t().customer_analysis.dimensions[dimension.index()])) chart height=340>
                <table class="table" data-testid="composition-table">
                    <thead><tr>
                        <th scope="col">{move || i18n.t().customer_analysis.dimensions[dimension.index()]}</th>
                        <th scope="col" class="num">{tr(|t| t.customer_analysis.customers)}</th>
                        <th scope="col" class="num">{tr(|t| t.customer_analysis.buyers)}</th>
                        <th scope="col" class="num">{tr(|t| t.customer_analysis.sales)}</th>
                        <th scope="col" class="num">{tr(|t| t.customer_analysis.share)}</th>
                        <th scope="col" class="num">{tr(|t| t.customer_analysis.gross_profit)}</th>
                        <th scope="col" class="num">{tr(|t| t.customer_analysis.margin)}</th>
                    </tr></thead>
                    <tbody>{report.lines.into_iter().map(|line| row(line, total.sales_fen)).collect_view()}</tbody>
                    <tfoot><tr data-testid="composition-total">
                        <th scope="row">{tr(|t| t.analytics.total)}</th>
                        <td class="num">{format_count(total.customers)}</td>
                        <td class="num">{format_count(total.buyers)}</td>
                        <td class="num">{format_money(total.sales_fen)}</td>
                        <td class="num">{share_of(total.sales_fen, total.sales_fen)}</td>
                        <td class="num">{format_money(total.gross_profit_fen)}</td>
                        <td class="num">{share_of(total.gross_profit_fen, total.sales_fen)}</td>
                    </tr></tfoot>
                </table>
            </ChartWithTable>
        </section>
    }
    .into_any()
}

fn monthly_chart(trend: &CustomerTrend, label: &str) -> Chart {
    Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .grid(
            Grid::new()
                .left(8)
                .right(8)
                .top(16)
                .bottom(8)
                .contain_label(true),
        )
        .x_axis(
            Axis::new().type_(AxisType::Category).data(
                trend
                    .months
                    .iter()
                    .map(|(month, _)| month.clone())
                    .collect(),
            ),
        )
        .y_axis(Axis::new().type_(AxisType::Value))
        .series(
            Bar::new()
                .name(label)
                .data(
                    trend
                        .months
                        .iter()
                        .map(|(_, fen)| *fen as f64 / 100.0)
                        .collect(),
                )
                .item_style(ItemStyle::new().color(palette::BLUE)),
        )
}

/// A customer's trend and worth, loaded by the customer page itself (see
/// `pipeline::quote_page::deal_quotes_resource`) so the file does not wait for it.
pub fn customer_trend_resource(
    customer_id: Memo<i64>,
) -> Resource<Result<CustomerTrend, crate::error::AppError>> {
    Resource::new(move || customer_id.get(), load_customer_trend)
}

/// The customer file's sales trend panel (see `customers::FilePanels`).
pub fn customer_trend_panel(customer_id: Memo<i64>) -> ViewFn {
    let trend = customer_trend_resource(customer_id);
    ViewFn::from(move || view! { <CustomerTrendPanel trend /> })
}

#[component]
pub fn CustomerTrendPanel(
    trend: Resource<Result<CustomerTrend, crate::error::AppError>>,
) -> impl IntoView {
    view! {
        <section class="card" data-testid="customer-trend">
            <h2>{tr(|t| t.customer_analysis.trend_title)}</h2>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match trend.await {
                        Ok(trend) => view! { <TrendBody trend /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn TrendBody(trend: CustomerTrend) -> AnyView {
    let i18n = use_i18n();
    if trend.first_order_on.is_none() {
        return view! { <p class="muted" data-testid="no-orders">{tr(|t| t.customer_analysis.no_orders)}</p> }.into_any();
    }
    let region = trend.region.clone();
    let retention = dash(trend.value.retention_bp, percent_text);
    let chart = {
        let trend = trend.clone();
        Signal::derive(move || monthly_chart(&trend, i18n.t().customer_analysis.sales))
    };
    let region_heading = move || {
        if region.is_empty() {
            i18n.t().customer_analysis.no_region.to_string()
        } else {
            (i18n.t().customer_analysis.region_share)(&region)
        }
    };
    let first_order = trend.first_order_on;
    view! {
        <div class="abc-summary trend-figures">
            <div class="figure">
                <span class="figure-label">{tr(|t| t.customer_analysis.last_12)}</span>
                <strong class="figure-value" data-testid="last-12">{format_money(trend.last_12_fen)}</strong>
                <span class="figure-hint" data-testid="change">{tr(|t| t.customer_analysis.change)} " " {dash(trend.change_bp, |bp| format!("{}{}", if bp > 0 { "+" } else { "" }, percent_text(bp)))}</span>
            </div>
            <div class="figure">
                <span class="figure-label">{tr(|t| t.customer_analysis.average_yearly_gp)}</span>
                <strong class="figure-value" data-testid="customer-yearly-gp">{dash(trend.average_yearly_gp_fen, format_money)}</strong>
                <span class="figure-hint">{tr(|t| t.customer_analysis.first_order)} " " {move || first_order.map(|d| format_date(d, i18n.locale.get())).unwrap_or_default()}</span>
            </div>
            <div class="figure">
                <span class="figure-label">{tr(|t| t.customer_analysis.lifetime_value)}</span>
                <strong class="figure-value" data-testid="customer-lifetime-value">{dash(trend.lifetime_value_fen, format_money)}</strong>
            </div>
        </div>
        <p class="hint formula">{move || (i18n.t().customer_analysis.customer_formula)(&retention)}</p>
        <ChartWithTable id="customer-trend-chart" label=tr(|t| t.customer_analysis.monthly_sales) chart height=220>
            <table class="table">
                <thead><tr><th scope="col">{tr(|t| t.customer_analysis.month)}</th><th scope="col" class="num">{tr(|t| t.customer_analysis.sales)}</th></tr></thead>
                <tbody>{trend.months.iter().rev().map(|(month, fen)| view! { <tr><td>{month.clone()}</td><td class="num">{format_money(*fen)}</td></tr> }).collect_view()}</tbody>
            </table>
        </ChartWithTable>
        <div class="table-wrap">
            <table class="table" data-testid="year-shares">
                <thead><tr>
                    <th scope="col">{tr(|t| t.customer_analysis.year)}</th>
                    <th scope="col" class="num">{tr(|t| t.customer_analysis.sales)}</th>
                    <th scope="col" class="num">{tr(|t| t.customer_analysis.company_share)}</th>
                    <th scope="col" class="num">{region_heading}</th>
                </tr></thead>
                <tbody>
                    {trend.years.iter().map(|year| view! {
                        <tr data-testid="year-share" data-year=year.year>
                            <th scope="row">{year.year}</th>
                            <td class="num">{format_money(year.sales_fen)}</td>
                            <td class="num">{share_of(year.sales_fen, year.company_fen)}</td>
                            <td class="num">{share_of(year.sales_fen, year.region_fen)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <super::products_page::CustomerProducts products=trend.products lapsed=trend.lapsed />
    }
    .into_any()
}
