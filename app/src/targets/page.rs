//! The targets page: the breakdown grid (organisation × year, halves, quarters, months) that a
//! manager edits in place, and the progress of the row looked at, down to this week.
use super::charts;
use super::{
    load_target_grid, load_target_history, load_target_progress, GridRow, LockTarget,
    PeriodProgress, ProgressReport, PublishTargets, SetTarget, SplitTarget, TargetChange,
    TargetGrid,
};
use crate::domain::format::{format_money, format_period};
use crate::domain::period::Period;
use crate::domain::targets::{Light, Metric, Progress, SplitMethod};
use crate::error::AppError;
use crate::i18n::{tr, use_i18n, I18n};
use crate::ui::chart::{ChartView, ChartWithTable};
use crate::ui::{ErrorPanel, Loading, PageHeader};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The grid's columns after the row name: the year, its halves, quarters and months.
fn columns(year: i32) -> Vec<Period> {
    let mut columns = vec![
        Period::Year(year),
        Period::Half(year, 1),
        Period::Half(year, 2),
    ];
    columns.extend((1..=4).map(|q| Period::Quarter(year, q)));
    columns.extend((1..=12).map(|m| Period::Month(year, m)));
    columns
}

fn column_label(period: Period, i18n: I18n) -> String {
    match (period, i18n.locale.get()) {
        (Period::Year(_), _) => i18n.t().targets.year.to_string(),
        (Period::Half(_, h), crate::domain::format::Locale::ZhCn) => {
            if h == 1 {
                "上半年".into()
            } else {
                "下半年".into()
            }
        }
        (Period::Half(_, h), _) => format!("H{h}"),
        (Period::Quarter(_, q), _) => format!("Q{q}"),
        (Period::Month(_, m), crate::domain::format::Locale::ZhCn) => format!("{m}月"),
        (Period::Month(..), _) => period.bounds().0.format("%b").to_string(),
        (Period::Week(_, w), _) => format!("W{w}"),
    }
}

fn amount_of(row: &GridRow, period: Period) -> i64 {
    crate::domain::targets::months_of(period)
        .iter()
        .map(|&m| row.months[m as usize - 1])
        .sum()
}

fn shown(metric: Metric, amount: i64) -> String {
    if metric.is_money() {
        format_money(amount)
    } else {
        amount.to_string()
    }
}

fn permille(value: i64) -> String {
    format!("{}.{}%", value / 10, value % 10)
}

#[component]
pub fn TargetsPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    // 0: this year, as the server's calendar has it (the browser's clock is not asked).
    let year = Memo::new(move |_| {
        query
            .read()
            .get("year")
            .and_then(|y| y.parse::<i32>().ok())
            .filter(|y| (2000..=2100).contains(y))
            .unwrap_or(0)
    });
    let metric = Memo::new(move |_| {
        query
            .read()
            .get("metric")
            .and_then(|m| Metric::parse(&m))
            .unwrap_or(Metric::Sales)
    });
    let node = Memo::new(move |_| query.read().get("node").unwrap_or_default());
    // 0: this month.
    let month = Memo::new(move |_| {
        query
            .read()
            .get("month")
            .and_then(|m| m.parse::<u8>().ok())
            .filter(|m| (1..=12).contains(m))
            .unwrap_or(0)
    });
    let set = ServerAction::<SetTarget>::new();
    let lock = ServerAction::<LockTarget>::new();
    let split = ServerAction::<SplitTarget>::new();
    let publish = ServerAction::<PublishTargets>::new();
    let changes = Memo::new(move |_| {
        (
            set.version().get(),
            lock.version().get(),
            split.version().get(),
            publish.version().get(),
        )
    });
    let grid = Resource::new(
        move || (year.get(), metric.get(), changes.get()),
        |(year, metric, _)| load_target_grid(year, metric.as_str().to_string()),
    );
    let history = Resource::new(
        move || (year.get(), metric.get(), changes.get()),
        |(year, metric, _)| load_target_history(year, metric.as_str().to_string()),
    );
    let progress = Resource::new(
        move || {
            (
                year.get(),
                metric.get(),
                node.get(),
                month.get(),
                changes.get(),
            )
        },
        |(year, metric, node, month, _)| {
            load_target_progress(year, metric.as_str().to_string(), node, month)
        },
    );
    let error = Signal::derive(move || {
        [
            set.value().get().and_then(Result::err),
            lock.value().get().and_then(Result::err),
            split.value().get().and_then(Result::err),
            publish.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
    });
    let actions = Actions {
        set,
        lock,
        split,
        publish,
    };
    view! {
        <PageHeader title=tr(|t| t.nav_targets) />
        {move || error.get().map(|e| {
            let text = match e.field_errors().first() {
                Some(f) => i18n.t().field_error(&f.code),
                None => i18n.t().error(&e),
            };
            view! { <p class="form-error" role="alert" data-testid="target-error">{text}</p> }
        })}
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match grid.await {
                    Ok(grid) => view! { <PlanPicker year=grid.plan.year metric=grid.plan.metric /> <GridView grid actions node=node.get_untracked() /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match history.await {
                    Ok(changes) => view! { <HistoryView changes metric=metric.get_untracked() /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match progress.await {
                    Ok(report) => view! { <ProgressView report year=year.get_untracked() /> }.into_any(),
                    Err(AppError::NotFound) => ().into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The published plan's changes: who moved which target, from what to what.
#[component]
fn HistoryView(changes: Vec<TargetChange>, metric: Metric) -> AnyView {
    let i18n = use_i18n();
    if changes.is_empty() {
        return ().into_any();
    }
    let count = changes.len();
    view! {
        <details class="card target-history" data-testid="target-history">
            <summary>{tr(|t| t.targets.history)} " (" {count} ")"</summary>
            <div class="table-wrap">
                <table class="table">
                    <thead><tr>
                        <th scope="col">{tr(|t| t.targets.changed_at)}</th>
                        <th scope="col">{tr(|t| t.targets.changed_by)}</th>
                        <th scope="col">{tr(|t| t.targets.organisation)}</th>
                        <th scope="col">{tr(|t| t.targets.period_column)}</th>
                        <th scope="col" class="num">{tr(|t| t.targets.was)}</th>
                        <th scope="col" class="num">{tr(|t| t.targets.now_set)}</th>
                    </tr></thead>
                    <tbody>
                        {changes.into_iter().map(|change| {
                            let period = Period::parse(&change.period);
                            let is_company = change.node == "company";
                            let label = change.label.clone();
                            view! {
                                <tr>
                                    <td>{change.at}</td>
                                    <td>{change.who}</td>
                                    <td>{move || if is_company { i18n.t().targets.company.to_string() } else { label.clone() }}</td>
                                    <td>{move || period.map(|p| format_period(p, i18n.locale.get())).unwrap_or_else(|| change.period.clone())}</td>
                                    <td class="num">{shown(metric, change.old_amount)}</td>
                                    <td class="num">{shown(metric, change.new_amount)}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </details>
    }
    .into_any()
}

#[component]
fn PlanPicker(year: i32, metric: Metric) -> AnyView {
    let i18n = use_i18n();
    view! {
        <form class="search-bar board-filters" method="get" action="/targets">
            <label class="inline-label">{tr(|t| t.targets.year)}
                <select name="year" data-testid="target-year">
                    {(year - 2..=year + 1).map(|y| view! { <option value=y selected=y == year>{y}</option> }).collect_view()}
                </select>
            </label>
            <label class="inline-label">{tr(|t| t.targets.metric)}
                <select name="metric" data-testid="target-metric">
                    {Metric::ALL.iter().copied().map(|m| view! { <option value=m.as_str() selected=m == metric>{move || i18n.t().targets.metrics[m.index()]}</option> }).collect_view()}
                </select>
            </label>
            <button type="submit" class="button">{tr(|t| t.pipeline.apply)}</button>
        </form>
    }
    .into_any()
}

#[derive(Clone, Copy)]
struct Actions {
    set: ServerAction<SetTarget>,
    lock: ServerAction<LockTarget>,
    split: ServerAction<SplitTarget>,
    publish: ServerAction<PublishTargets>,
}

#[component]
fn GridView(grid: TargetGrid, actions: Actions, node: String) -> AnyView {
    let i18n = use_i18n();
    let plan = grid.plan.clone();
    let (year, metric, version) = (plan.year, plan.metric, plan.version);
    if grid.rows.is_empty() {
        return view! { <p class="muted" data-testid="targets-empty">{tr(|t| t.targets.empty)}</p> }.into_any();
    }
    let editing = grid.rows.iter().any(|r| r.editable || r.year_editable);
    let status = plan.status.clone();
    view! {
        <section class="card targets">
            <p class="hint">
                <span class="badge" data-testid="plan-status">{move || (i18n.t().targets.status)(&status)}</span> " "
                {move || if editing { i18n.t().targets.grid_hint } else { i18n.t().targets.rep_hint }}
            </p>
            {(grid.can_publish && plan.status == "draft").then(|| view! {
                <button class="button primary" data-testid="publish-targets" on:click=move |_| { actions.publish.dispatch(PublishTargets { year, metric: metric.as_str().into(), version }); }>{tr(|t| t.targets.publish)}</button>
            })}
            <div class="table-wrap target-grid-wrap">
                <table class="table target-grid" data-testid="target-grid">
                    <thead>
                        <tr>
                            <th scope="col" class="sticky-col">{tr(|t| t.targets.organisation)}</th>
                            {columns(year).into_iter().map(|p| view! { <th scope="col" class="num" class:major=!matches!(p, Period::Month(..))>{move || column_label(p, i18n)}</th> }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {grid.rows.into_iter().map(|row| {
                            let focused = row.node == node;
                            view! { <GridRowView row year metric version actions focused /> }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}

#[component]
fn GridRowView(
    row: GridRow,
    year: i32,
    metric: Metric,
    version: i32,
    actions: Actions,
    focused: bool,
) -> AnyView {
    let i18n = use_i18n();
    let node = row.node.clone();
    let label = row.label.clone();
    let is_company = node == "company";
    let name = move || {
        if is_company {
            i18n.t().targets.company.to_string()
        } else {
            label.clone()
        }
    };
    let href = format!(
        "/targets?year={year}&metric={}&node={node}#progress",
        metric.as_str()
    );
    let rep_id: Option<i64> = node.strip_prefix("user:").and_then(|id| id.parse().ok());
    let split_method = RwSignal::new(SplitMethod::Pattern);
    let cells = columns(year).into_iter().map(|period| {
        let amount = amount_of(&row, period);
        let editable = if matches!(period, Period::Year(_)) { row.year_editable } else { row.editable };
        let month_index = match period { Period::Month(_, m) => Some(m as usize - 1), _ => None };
        let locked = month_index.is_some_and(|m| row.locked[m]);
        let node = node.clone();
        let testid = format!("cell-{node}-{}", period.as_text());
        let lock_button = match (rep_id, month_index, row.editable) {
            (Some(user_id), Some(m), true) => Some(view! {
                <button type="button" class="lock-toggle" class:locked=locked data-testid=format!("lock-{node}-{}", m + 1)
                    title=move || if locked { i18n.t().targets.unlock } else { i18n.t().targets.lock }
                    on:click=move |_| { actions.lock.dispatch(LockTarget { year, metric: metric.as_str().into(), user_id, month: m as u8 + 1, locked: !locked, version }); }>
                    <svg viewBox="0 0 16 16" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="1.6">
                        <rect x="3" y="7" width="10" height="7" rx="1.5" />
                        <path d=if locked { "M5 7V5a3 3 0 0 1 6 0v2" } else { "M5 7V5a3 3 0 0 1 6 0" } />
                    </svg>
                </button>
            }),
            _ => None,
        };
        let content = if editable {
            let node = node.clone();
            view! {
                <input class="target-input" inputmode="decimal" data-testid=testid value=metric.typed(amount) readonly=locked
                    aria-label=move || column_label(period, i18n)
                    on:change=move |ev| {
                        actions.set.dispatch(SetTarget { year, metric: metric.as_str().into(), node: node.clone(), period: period.as_text(), amount: event_target_value(&ev), version });
                    } />
            }
            .into_any()
        } else {
            view! { <span data-testid=testid>{shown(metric, amount)}</span> }.into_any()
        };
        view! { <td class="num" class:locked=locked class:major=!matches!(period, Period::Month(..))>{content}{lock_button}</td> }
    }).collect_view();
    let splitter = row.editable && !row.node.starts_with("user:");
    view! {
        <tr class:focused=focused class=format!("depth-{}", row.depth)>
            <th scope="row" class="sticky-col">
                <a href=href style=format!("padding-left:{}rem", row.depth as f32 * 0.8)>{name}</a>
                {splitter.then(|| {
                    let node = node.clone();
                    view! {
                        <span class="row-split">
                            <select aria-label=move || i18n.t().targets.split data-testid=format!("split-method-{node}") on:change=move |ev| split_method.set(SplitMethod::parse(&event_target_value(&ev)).unwrap_or(SplitMethod::Even))>
                                {SplitMethod::ALL.iter().copied().map(|m| view! { <option value=m.as_str() selected=m == SplitMethod::Pattern>{move || i18n.t().targets.split_methods[m.index()]}</option> }).collect_view()}
                            </select>
                            <button type="button" class="button small" data-testid=format!("split-{node}")
                                on:click={
                                    let node = node.clone();
                                    move |_| { actions.split.dispatch(SplitTarget { year, metric: metric.as_str().into(), node: node.clone(), period: year.to_string(), method: split_method.get_untracked().as_str().into(), version }); }
                                }>{tr(|t| t.targets.split)}</button>
                        </span>
                    }
                })}
            </th>
            {cells}
        </tr>
    }
    .into_any()
}

fn light_class(light: Light) -> &'static str {
    match light {
        Light::Green => "light green",
        Light::Amber => "light amber",
        Light::Red => "light red",
        Light::NotStarted => "light idle",
    }
}

fn light_index(light: Light) -> usize {
    match light {
        Light::Green => 0,
        Light::Amber => 1,
        Light::Red => 2,
        Light::NotStarted => 3,
    }
}

#[component]
fn ProgressView(report: ProgressReport, year: i32) -> AnyView {
    let i18n = use_i18n();
    // The year shown (the page's link may have left it to the server: this year).
    let year = report
        .periods
        .first()
        .and_then(|p| p.period.parse::<i32>().ok())
        .unwrap_or(year);
    let metric = report.metric;
    let label = report.label.clone();
    let is_company = report.node == "company";
    let focus = match report.periods.get(2).and_then(|p| Period::parse(&p.period)) {
        Some(Period::Month(_, m)) => m,
        _ => 1,
    };
    let link = move |node: &str, month: u8| {
        format!(
            "/targets?year={year}&metric={}&node={node}&month={month}#progress",
            metric.as_str()
        )
    };
    let up = report.parent.clone().map(|parent| link(&parent, focus));
    let node = report.node.clone();
    view! {
        <section class="card target-progress" id="progress" data-testid="target-progress">
            <h2>{move || if is_company { i18n.t().targets.company.to_string() } else { label.clone() }} " · " {tr(|t| t.targets.progress)}</h2>
            {up.map(|href| view! { <a class="button small subtle" href=href data-testid="progress-up">{tr(|t| t.targets.up)}</a> })}
            <nav class="group-chips" aria-label=tr(|t| t.targets.drill_month) data-testid="month-strip">
                {(1..=12u8).map(|m| view! {
                    <a class="chip" href=link(&node, m) aria-current=(m == focus).then_some("page")>{move || column_label(Period::Month(year, m), i18n)}</a>
                }).collect_view()}
            </nav>
            <div class="progress-cards">
                {report.periods.into_iter().map(|p| view! { <PeriodCard period=p metric /> }).collect_view()}
            </div>
            <WeeksTable weeks=report.weeks month=Period::Month(year, focus) metric />
            <ChildrenTable report_children=report.children child_period=report.child_period metric link=move |node| link(node, focus) />
            <BurnUpTable report_burn=report.burn_up metric />
        </section>
    }
    .into_any()
}

#[component]
pub fn PeriodCard(period: PeriodProgress, metric: Metric) -> AnyView {
    let i18n = use_i18n();
    let p: Progress = period.progress;
    let parsed = Period::parse(&period.period);
    let kind = match parsed {
        Some(Period::Year(_)) => "year",
        Some(Period::Quarter(..)) => "quarter",
        Some(Period::Month(..)) => "month",
        _ => "week",
    };
    let figure = move |label: fn(&crate::i18n::Texts) -> &'static str, value: String| view! { <div class="figure-row"><span>{move || label(i18n.t())}</span><strong>{value}</strong></div> };
    let deals = p.deals_needed;
    view! {
        <article class="progress-card" data-testid=format!("progress-{kind}")>
            <header>
                <h3>{move || parsed.map(|p| format_period(p, i18n.locale.get())).unwrap_or_default()}</h3>
                <span class=light_class(p.light) data-testid=format!("light-{kind}")>{move || i18n.t().targets.lights[light_index(p.light)]}</span>
            </header>
            {figure(|t| t.targets.target, shown(metric, p.target))}
            {figure(|t| t.targets.actual, shown(metric, p.actual))}
            {figure(|t| t.targets.achievement, crate::domain::format::or_dash(p.achievement_permille, permille))}
            {figure(|t| t.targets.elapsed, permille(p.elapsed_permille))}
            {figure(|t| t.targets.projection, shown(metric, p.projection))}
            {figure(|t| t.targets.gap, shown(metric, p.gap))}
            {metric.is_money().then(|| figure(|t| t.targets.weighted_pipeline, shown(metric, p.weighted_pipeline)))}
            {(p.gap > 0).then(|| view! {
                <p class="hint">
                    {move || match deals {
                        Some(0) => i18n.t().targets.pipeline_covers.to_string(),
                        Some(n) => (i18n.t().targets.deals_needed)(n, metric == Metric::NewCustomers),
                        None => i18n.t().targets.deals_unknown.to_string(),
                    }}
                </p>
            })}
        </article>
    }
    .into_any()
}

/// A row of a progress table: what its first cell says and the figures.
struct ProgressRow {
    key: String,
    label: AnyView,
    progress: Progress,
}

/// Target, actual, achievement, gap and light per row, under `first`'s heading.
fn progress_table(
    testid: &'static str,
    first: fn(&crate::i18n::Texts) -> &'static str,
    rows: Vec<ProgressRow>,
    metric: Metric,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="table-wrap">
            <table class="table" data-testid=testid>
                <thead><tr>
                    <th scope="col">{move || first(i18n.t())}</th>
                    <th scope="col" class="num">{tr(|t| t.targets.target)}</th>
                    <th scope="col" class="num">{tr(|t| t.targets.actual)}</th>
                    <th scope="col" class="num">{tr(|t| t.targets.achievement)}</th>
                    <th scope="col" class="num">{tr(|t| t.targets.gap)}</th>
                    <th scope="col">{tr(|t| t.targets.progress)}</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|row| {
                        let p = row.progress;
                        view! {
                            <tr data-key=row.key>
                                <td>{row.label}</td>
                                <td class="num">{shown(metric, p.target)}</td>
                                <td class="num">{shown(metric, p.actual)}</td>
                                <td class="num">{crate::domain::format::or_dash(p.achievement_permille, permille)}</td>
                                <td class="num">{shown(metric, p.gap)}</td>
                                <td><span class=light_class(p.light)>{move || i18n.t().targets.lights[light_index(p.light)]}</span></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The month's weeks, each whole.
#[component]
fn WeeksTable(weeks: Vec<PeriodProgress>, month: Period, metric: Metric) -> AnyView {
    let i18n = use_i18n();
    let rows = weeks
        .into_iter()
        .map(|week| {
            let parsed = Period::parse(&week.period);
            let days = format!("{}–{}", week.first_day.format("%m/%d"), week.last_day.format("%m/%d"));
            let label = view! { {move || parsed.map(|w| column_label(w, i18n)).unwrap_or_default()} " " <span class="muted small">{days}</span> }.into_any();
            ProgressRow { key: week.period, label, progress: week.progress }
        })
        .collect();
    view! {
        <h3>{tr(|t| t.targets.by_week)} " · " {move || format_period(month, i18n.locale.get())}</h3>
        {progress_table("progress-weeks", |t| t.targets.week, rows, metric)}
    }
    .into_any()
}

#[component]
fn ChildrenTable(
    report_children: Vec<super::ChildProgress>,
    child_period: String,
    metric: Metric,
    link: impl Fn(&str) -> String + 'static,
) -> AnyView {
    let i18n = use_i18n();
    if report_children.is_empty() {
        return ().into_any();
    }
    let period = Period::parse(&child_period);
    let chart_height = charts::achievement_chart_height(report_children.len());
    let chart = {
        let children = report_children.clone();
        Signal::derive(move || {
            charts::achievement_chart(&children, i18n.t().targets.achievement.to_string())
        })
    };
    let rows = report_children
        .into_iter()
        .map(|child| ProgressRow {
            label: view! { <a href=link(&child.node)>{child.label}</a> }.into_any(),
            key: child.node,
            progress: child.progress,
        })
        .collect();
    view! {
        <h3>{tr(|t| t.targets.by_member)} " · " {move || period.map(|p| format_period(p, i18n.locale.get())).unwrap_or_default()}</h3>
        <ChartView id="achievement-chart" label=Signal::derive(move || i18n.t().targets.by_member.to_string()) chart height=chart_height />
        {progress_table("progress-children", |t| t.targets.organisation, rows, metric)}
    }
    .into_any()
}

#[component]
fn BurnUpTable(report_burn: super::BurnUp, metric: Metric) -> AnyView {
    let i18n = use_i18n();
    let forecast_from = 12 - report_burn.forecast.len();
    let chart = {
        let burn = report_burn.clone();
        Signal::derive(move || {
            let t = &i18n.t().targets;
            let year = 2000; // any year: only the month names are wanted
            let months = (1..=12)
                .map(|m| column_label(Period::Month(year, m), i18n))
                .collect();
            let labels = charts::BurnUpLabels {
                target: t.cumulative_target.into(),
                actual: t.cumulative_actual.into(),
                forecast: t.forecast.into(),
                months,
            };
            charts::burn_up_chart(&burn, metric, labels)
        })
    };
    view! {
        <h3>{tr(|t| t.targets.burn_up)}</h3>
        <ChartWithTable id="burn-up-chart" label=Signal::derive(move || i18n.t().targets.burn_up.to_string()) chart>
                <table class="table" data-testid="burn-up">
                    <thead><tr>
                        <th scope="col">{tr(|t| t.targets.month)}</th>
                        <th scope="col" class="num">{tr(|t| t.targets.cumulative_target)}</th>
                        <th scope="col" class="num">{tr(|t| t.targets.cumulative_actual)}</th>
                        <th scope="col" class="num">{tr(|t| t.targets.forecast)}</th>
                    </tr></thead>
                    <tbody>
                        {(0..12).map(|m| view! {
                            <tr>
                                <td>{move || if i18n.locale.get() == crate::domain::format::Locale::ZhCn { format!("{}月", m + 1) } else { format!("{}", m + 1) }}</td>
                                <td class="num">{report_burn.target.get(m).map(|v| shown(metric, *v))}</td>
                                <td class="num">{report_burn.actual.get(m).map(|v| shown(metric, *v))}</td>
                                <td class="num">{m.checked_sub(forecast_from).and_then(|i| report_burn.forecast.get(i)).map(|v| shown(metric, *v))}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
        </ChartWithTable>
    }
    .into_any()
}
