//! The ABC page: filters, the rule in words, the class summary, the Pareto chart with its table,
//! and the customers of one class as coloured cards.
use super::{load_abc, AbcClassRow, AbcCustomer, AbcView, ReportQuery};
use crate::customers::api::customer_filter_options;
use crate::customers::FilterOptions;
use crate::domain::abc::{AbcBasis, AbcClass, AbcRule};
use crate::domain::format::{format_date, format_money};
use crate::domain::forms::FieldError;
use crate::error::AppError;
use crate::i18n::{tr, use_i18n};
use crate::ui::chart::{palette, ChartWithTable};
pub use crate::ui::{class_colour_css, class_css};
use crate::ui::{
    id_choices, text_choices, ChoiceFilter, EmptyState, ErrorPanel, Loading, PageHeader,
};
use charming::component::{Axis, Grid, Legend};
use charming::datatype::{DataPoint, DataPointItem};
use charming::element::{AxisLabel, AxisType, ItemStyle, Tooltip, Trigger};
use charming::series::{Bar, Line};
use charming::Chart;
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

pub fn class_colour(class: AbcClass) -> &'static str {
    match class {
        AbcClass::A => palette::BLUE,
        AbcClass::B => palette::AMBER,
        AbcClass::C => palette::GREY,
    }
}

/// part ÷ whole as a percentage ("—" without a whole).
pub fn share_of(part: i64, whole: i64) -> String {
    crate::domain::format::or_dash(
        crate::domain::share_bp(part, whole),
        crate::domain::format::percent_text,
    )
}

/// Share "0.7993" as "79.93%".
fn percent(share: &str) -> String {
    let value: f64 = share.parse().unwrap_or(0.0);
    format!("{:.2}%", value * 100.0)
}

/// One bar of a Pareto chart: a customer or a product, its value, class and cumulative share.
pub struct ParetoPoint {
    pub name: String,
    pub value_fen: i64,
    pub class: AbcClass,
    /// In percent, one decimal.
    pub cumulative_percent: f64,
}

impl ParetoPoint {
    pub fn of_customer(c: &AbcCustomer) -> ParetoPoint {
        ParetoPoint {
            name: c.name.clone(),
            value_fen: c.value_fen,
            class: c.class,
            cumulative_percent: (c.cumulative_share.parse::<f64>().unwrap_or(0.0) * 1000.0).round()
                / 10.0,
        }
    }
}

/// Bars: each point's value, coloured by class; line: the cumulative share (right axis).
pub fn pareto_chart(top: &[ParetoPoint], value_name: String, cumulative_name: String) -> Chart {
    let names: Vec<String> = top.iter().map(|c| c.name.clone()).collect();
    let bars: Vec<DataPoint> = top
        .iter()
        .map(|c| {
            DataPointItem::new(c.value_fen as f64 / 100.0)
                .item_style(ItemStyle::new().color(class_colour(c.class)))
                .into()
        })
        .collect();
    let cumulative: Vec<DataPoint> = top
        .iter()
        .map(|c| DataPoint::from(c.cumulative_percent))
        .collect();
    Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(Legend::new().bottom(0))
        .grid(
            Grid::new()
                .left(8)
                .right(8)
                .top(16)
                .bottom(40)
                .contain_label(true),
        )
        .x_axis(
            Axis::new()
                .type_(AxisType::Category)
                .data(names)
                .axis_label(AxisLabel::new().show(false)),
        )
        .y_axis(Axis::new().type_(AxisType::Value))
        .y_axis(
            Axis::new()
                .type_(AxisType::Value)
                .min(0)
                .max(100)
                .axis_label(AxisLabel::new().formatter("{value}%")),
        )
        .series(Bar::new().name(value_name).data(bars))
        .series(
            Line::new()
                .name(cumulative_name)
                .y_axis_index(1)
                .show_symbol(false)
                .data(cumulative)
                .item_style(ItemStyle::new().color(palette::RED)),
        )
}

/// What a report page shows once loaded: the filters with the report, or the filters with the
/// server's field errors.
pub enum Loaded<T> {
    Report(T),
    Refused(Vec<FieldError>),
}

/// The body every report page shares: the filters read from the URL, the report loaded for them
/// (again on every change), and `render` given the filters, the menus' options and the outcome.
pub fn report_body<T, Fut>(
    load: fn(ReportQuery) -> Fut,
    render: fn(ReportQuery, Option<FilterOptions>, Loaded<T>) -> AnyView,
) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    Fut: std::future::Future<Output = Result<T, AppError>> + Send + 'static,
{
    reloading_report_body(load, render, Signal::stored(0))
}

/// `report_body` that also loads again whenever `reload` changes (after a save on the same page
/// that changes the report's figures).
pub fn reloading_report_body<T, Fut>(
    load: fn(ReportQuery) -> Fut,
    render: fn(ReportQuery, Option<FilterOptions>, Loaded<T>) -> AnyView,
    reload: Signal<usize>,
) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    Fut: std::future::Future<Output = Result<T, AppError>> + Send + 'static,
{
    let query_map = use_query_map();
    let query = Memo::new(move |_| {
        let map = query_map.read();
        ReportQuery::from_pairs(
            ReportQuery::KEYS
                .iter()
                .filter_map(|key| map.get(key).map(|value| (*key, value))),
        )
    });
    let report = Resource::new(
        move || (query.get(), reload.get()),
        move |(query, _)| load(query),
    );
    let options = Resource::new(|| (), |_| customer_filter_options());
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                let options = options.await.ok();
                let query = query.get_untracked();
                match report.await {
                    Ok(report) => render(query, options, Loaded::Report(report)),
                    Err(AppError::Validation(errors)) => render(query, options, Loaded::Refused(errors)),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
pub fn AbcPage() -> impl IntoView {
    view! {
        <PageHeader title=tr(|t| t.analytics.abc_title) subtitle=tr(|t| t.analytics.abc_subtitle) />
        <AnalyticsTabs current="/analytics/abc" />
        {report_body(load_abc, |query, options, loaded| match loaded {
            Loaded::Report(view) => view! { <AbcFilters query=query.clone() options errors=Vec::new() view=Some(view.clone()) /> <AbcReportView view query /> }.into_any(),
            Loaded::Refused(errors) => view! { <AbcFilters query options errors view=None /> }.into_any(),
        })}
    }
}

/// The server's message at a report filter it refused, if it named that field.
pub fn filter_error(errors: &[FieldError], field: &'static str) -> Option<AnyView> {
    let i18n = use_i18n();
    errors.iter().find(|e| e.field == field).map(|e| {
        let code = e.code.clone();
        view! { <span class="field-error" role="alert" data-testid=format!("error-{field}")>{move || i18n.t().field_error(&code)}</span> }.into_any()
    })
}

/// The filters every report shares (period, team, rep; with `customer_filters` also industry and
/// region) as one GET form to `action`, the report's own controls given as children. The period
/// shows what the report used (defaults filled in) when there is one.
#[component]
pub fn ReportFilters(
    action: &'static str,
    query: ReportQuery,
    options: Option<FilterOptions>,
    errors: Vec<FieldError>,
    period: Option<(NaiveDate, NaiveDate)>,
    #[prop(optional)] customer_filters: bool,
    /// For lists of what holds now (alerts) rather than of a period.
    #[prop(optional)]
    without_period: bool,
    /// The report's own controls, if it has any.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let from = period.map_or(query.from.clone(), |p| p.0.to_string());
    let to = period.map_or(query.to.clone(), |p| p.1.to_string());
    let options = options.unwrap_or_default();
    view! {
        <form class="search-bar board-filters report-filters" method="get" action=action data-testid="report-filters">
            {(!without_period).then(|| view! {
                <label class="inline-label">{tr(|t| t.analytics.from)} <input type="date" name="from" value=from /> {filter_error(&errors, "from")}</label>
                <label class="inline-label">{tr(|t| t.analytics.to)} <input type="date" name="to" value=to /> {filter_error(&errors, "to")}</label>
            })}
            {(options.teams.len() > 1).then(|| view! { <ChoiceFilter name="team" all=|t| t.customers.all_teams current=query.team.clone() choices=id_choices(&options.teams) /> })}
            {(options.people.len() > 1).then(|| view! { <ChoiceFilter name="rep" all=|t| t.customers.all_owners current=query.rep.clone() choices=id_choices(&options.people) /> })}
            {customer_filters.then(|| view! {
                <ChoiceFilter name="industry" all=|t| t.customers.all_industries current=query.industry.clone() choices=text_choices(&options.industries) />
                <ChoiceFilter name="region" all=|t| t.customers.all_provinces current=query.region.clone() choices=text_choices(&options.provinces) />
            })}
            {children.map(|children| children())}
            <button type="submit" class="button">{tr(|t| t.pipeline.apply)}</button>
        </form>
    }
}

/// Links between the analysis pages.
#[component]
pub fn AnalyticsTabs(current: &'static str) -> impl IntoView {
    let tabs: [(&'static str, fn(&crate::i18n::Texts) -> &'static str); 6] = [
        ("/analytics/abc", |t| t.analytics.tab_abc),
        ("/analytics/customers", |t| t.customer_analysis.tab),
        ("/analytics/products", |t| t.product_analysis.tab),
        ("/analytics/reps", |t| t.analytics.tab_reps),
        ("/analytics/funnel", |t| t.analytics.tab_funnel),
        ("/analytics/alerts", |t| t.alerts.tab),
    ];
    let open_alerts = use_context::<crate::auth::CurrentUser>().map_or(0, |user| user.open_alerts);
    crate::ui::tab_bar(
        |t| t.nav_analytics,
        tabs.into_iter()
            .map(|(href, label)| crate::ui::Tab {
                badge: (href == "/analytics/alerts" && open_alerts > 0)
                    .then(|| view! { <AlertBadge count=open_alerts /> }.into_any()),
                ..crate::ui::Tab::new(href, label, href == current)
            })
            .collect(),
    )
}

/// The number of alerts nobody has acted on yet.
#[component]
pub fn AlertBadge(count: u64) -> impl IntoView {
    let i18n = use_i18n();
    view! { <span class="badge alert-count" data-testid="alert-badge" title=move || (i18n.t().alerts.badge)(count)>{count}</span> }
}

#[component]
fn AbcFilters(
    query: ReportQuery,
    options: Option<FilterOptions>,
    errors: Vec<FieldError>,
    view: Option<AbcView>,
) -> impl IntoView {
    let i18n = use_i18n();
    let rule = view.as_ref().map(|v| v.rule).unwrap_or_default();
    let a = if query.a.is_empty() {
        AbcRule::percent_text(rule.a_bp)
    } else {
        query.a.clone()
    };
    let b = if query.b.is_empty() {
        AbcRule::percent_text(rule.b_bp)
    } else {
        query.b.clone()
    };
    let basis = query.basis.clone();
    view! {
        <ReportFilters action="/analytics/abc" query options errors=errors.clone() period=view.as_ref().map(|v| (v.from, v.to)) customer_filters=true>
            <label class="inline-label">{tr(|t| t.analytics.basis)}
                <select name="basis">
                    {AbcBasis::ALL.iter().copied().map(|option| view! {
                        <option value=option.as_str() selected=basis == option.as_str()>{move || i18n.t().analytics.bases[option.index()]}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="inline-label threshold">"A <" <input name="a" inputmode="decimal" size="4" value=a /> "%" {filter_error(&errors, "a")}</label>
            <label class="inline-label threshold">"B <" <input name="b" inputmode="decimal" size="4" value=b /> "%" {filter_error(&errors, "b")}</label>
        </ReportFilters>
    }
}

#[component]
fn AbcReportView(view: AbcView, query: ReportQuery) -> AnyView {
    let i18n = use_i18n();
    let (rule, basis) = (view.rule, view.basis);
    let export_query = ReportQuery {
        from: view.from.to_string(),
        to: view.to.to_string(),
        class: String::new(),
        page: String::new(),
        ..query.clone()
    }
    .query_string();
    let period = (view.from, view.to);
    let summary = view! {
        <p class="hint" data-testid="abc-rule">
            {move || format_date(period.0, i18n.locale.get())} " – " {move || format_date(period.1, i18n.locale.get())} " · "
            {move || (i18n.t().analytics.rule)(i18n.t().analytics.bases[basis.index()], &AbcRule::percent_text(rule.a_bp), &AbcRule::percent_text(rule.b_bp))}
        </p>
    };
    if view.top.is_empty() {
        return view! {
            {summary}
            <EmptyState title=tr(|t| t.analytics.empty_title) body=tr(|t| t.analytics.empty_body) />
        }
        .into_any();
    }
    let chart = {
        let top: Vec<ParetoPoint> = view.top.iter().map(ParetoPoint::of_customer).collect();
        Signal::derive(move || {
            pareto_chart(
                &top,
                i18n.t().analytics.bases[basis.index()].to_string(),
                i18n.t().analytics.cumulative_share.to_string(),
            )
        })
    };
    let shown = view.top.len();
    let top_rows = view.top.clone();
    view! {
        {summary}
        <section class="abc-summary" data-testid="abc-summary">
            {view.classes.iter().cloned().map(|row| view! { <ClassTile row query=query.clone() current=Some(view.class) /> }).collect_view()}
            <div class="figure">
                <span class="figure-label">{tr(|t| t.analytics.total)}</span>
                <strong class="figure-value" data-testid="abc-total">{format_money(view.total_fen)}</strong>
                <crate::ui::ExportLinks list="abc" query=export_query />
            </div>
        </section>
        <section class="card">
            <h2>{tr(|t| t.analytics.pareto)}</h2>
            <p class="hint">{move || (i18n.t().analytics.pareto_hint)(shown)}</p>
            <ChartWithTable id="pareto-chart" label=tr(|t| t.analytics.pareto) chart height=320>
                    <table class="table" data-testid="pareto-table">
                        <thead><tr>
                            <th scope="col" class="num">"#"</th>
                            <th scope="col">{tr(|t| t.analytics.customer)}</th>
                            <th scope="col" class="num">{move || i18n.t().analytics.bases[basis.index()]}</th>
                            <th scope="col" class="num">{tr(|t| t.analytics.share)}</th>
                            <th scope="col" class="num">{tr(|t| t.analytics.cumulative_share)}</th>
                            <th scope="col">{tr(|t| t.analytics.class)}</th>
                        </tr></thead>
                        <tbody>
                            {top_rows.iter().map(|c| view! {
                                <tr>
                                    <td class="num">{c.rank}</td>
                                    <td><a href=format!("/customers/{}", c.customer_id)>{c.name.clone()}</a></td>
                                    <td class="num">{format_money(c.value_fen)}</td>
                                    <td class="num">{percent(&c.share)}</td>
                                    <td class="num">{percent(&c.cumulative_share)}</td>
                                    <td><span class=class_css(c.class)>{c.class.as_str()}</span></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
            </ChartWithTable>
        </section>
        <CardList view query />
    }
    .into_any()
}

/// A class's figures; the tile links to that class's cards.
#[component]
pub fn ClassTile(row: AbcClassRow, query: ReportQuery, current: Option<AbcClass>) -> impl IntoView {
    let i18n = use_i18n();
    let href = format!(
        "/analytics/abc?{}#abc-cards",
        query
            .with("class", row.class.as_str())
            .with("page", "")
            .query_string()
    );
    let selected = Some(row.class) == current;
    view! {
        <a class=format!("figure abc-tile {}", class_colour_css(row.class)) class:selected=selected href=href data-testid=format!("abc-class-{}", row.class.as_str())>
            <span class="figure-label">{move || (i18n.t().analytics.class_name)(row.class.as_str())}</span>
            <strong class="figure-value">{format_money(row.value_fen)}</strong>
            <span class="figure-hint">{move || (i18n.t().analytics.customers_count)(row.customers)} " · " {percent(&row.share)}</span>
        </a>
    }
}

#[component]
fn CardList(view: AbcView, query: ReportQuery) -> impl IntoView {
    let i18n = use_i18n();
    let class = view.class;
    let page_href = move |page: u64| {
        format!(
            "/analytics/abc?{}#abc-cards",
            query
                .with("class", class.as_str())
                .with("page", &page.to_string())
                .query_string()
        )
    };
    view! {
        <section class="card" id="abc-cards">
            <h2>{move || (i18n.t().analytics.class_customers)(class.as_str())}</h2>
            <ul class="abc-cards" data-testid="abc-cards">
                {view.cards.into_iter().map(|c| view! { <CustomerCard customer=c /> }).collect_view()}
            </ul>
            {crate::ui::pager(view.page, view.pages, page_href)}
        </section>
    }
}

#[component]
fn CustomerCard(customer: AbcCustomer) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <li class=format!("abc-card {}", class_colour_css(customer.class)) data-testid="abc-card">
            <a href=format!("/customers/{}", customer.customer_id)>
                <span class="abc-card-rank">"#" {customer.rank}</span>
                <strong class="abc-card-name">{customer.name.clone()}</strong>
                <span class="abc-card-value">{format_money(customer.value_fen)}</span>
                <span class="abc-card-share">{move || i18n.t().analytics.share} " " {percent(&customer.share)}</span>
            </a>
            <span class=class_css(customer.class) aria-label=move || (i18n.t().analytics.class_name)(customer.class.as_str())>{customer.class.as_str()}</span>
        </li>
    }
}
