//! The dashboard page: one card per part the role shows, each linking to its full page; one
//! column on phones, two on wide screens. The trend chart has its table beside it.
use super::{load_dashboard, AbcSummary, DashboardView, MonthFigures};
use crate::analytics::alerts_page::alert_text;
use crate::analytics::page::ClassTile;
use crate::analytics::{AlertsView, FunnelReport, RepPerformance, ReportQuery};
use crate::auth::CurrentUser;
use crate::customers::page::AgendaGroup;
use crate::customers::Agenda;
use crate::domain::format::or_dash;
use crate::domain::format::{format_count, format_money, percent_text, Locale};
use crate::domain::visibility::Role;
use crate::i18n::{tr, use_i18n, Texts};
use crate::targets::ProgressReport;
use crate::ui::chart::{palette, ChartWithTable};
use crate::ui::{ErrorPanel, Loading, PageHeader};
use charming::component::{Axis, Grid, Legend};
use charming::element::{AxisType, ItemStyle, Tooltip, Trigger};
use charming::series::{Bar, Line};
use charming::Chart;
use chrono::Datelike;
use leptos::prelude::*;

/// How many alerts and leaderboard lines the dashboard shows before "see all".
const SHOWN: usize = 5;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let i18n = use_i18n();
    let user = expect_context::<CurrentUser>();
    let dashboard = Resource::new(|| (), |_| load_dashboard());
    let name = user.display_name.clone();
    let (role, team) = (user.role, user.team_name.clone());
    view! {
        <PageHeader
            title=Signal::derive(move || (i18n.t().welcome)(&name))
            subtitle=Signal::derive(move || {
                let team = team.clone().unwrap_or_else(|| i18n.t().no_team.to_string());
                format!("{} · {} · {}", i18n.t().role(role), team, focus_of(i18n.t(), role))
            })
        />
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match dashboard.await {
                    Ok(view) => view! { <DashboardBody view /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// What the role's dashboard is about: the rep's day, the manager's week, the director's month.
fn focus_of(t: &Texts, role: Role) -> &'static str {
    match role {
        Role::Rep => t.dashboard.rep_day,
        Role::Manager => t.dashboard.manager_week,
        Role::Director | Role::Admin => t.dashboard.director_month,
    }
}

#[component]
fn DashboardBody(view: DashboardView) -> impl IntoView {
    let role = view.role;
    view! {
        <div class="dashboard-grid" data-testid=format!("dashboard-{}", role.as_str())>
            {view.progress.map(|report| view! { <TargetsCard report role /> })}
            {view.agenda.map(|agenda| view! { <AgendaCard agenda /> })}
            <AlertsCard alerts=view.alerts />
            {view.leaderboard.map(|report| view! { <LeaderboardCard report /> })}
            {view.funnel.map(|report| view! { <FunnelCard report /> })}
            {view.abc.map(|summary| view! { <AbcCard summary /> })}
            <TrendCard months=view.trend />
        </div>
    }
}

/// A dashboard card: a heading linking to the full page, then the body.
#[component]
fn DashCard(
    title: fn(&Texts) -> &'static str,
    href: &'static str,
    testid: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <section class="card dash-card" data-testid=testid>
            <header class="dash-card-head">
                <h2>{tr(title)}</h2>
                <a class="button small subtle" href=href>{tr(|t| t.dashboard.see_all)}</a>
            </header>
            {children()}
        </section>
    }
}

#[component]
fn TargetsCard(report: ProgressReport, role: Role) -> impl IntoView {
    // A rep steers by the month and week, a manager by the quarter down, a director by the year down.
    let periods: Vec<_> = match role {
        Role::Rep => report.periods.into_iter().skip(2).collect(),
        Role::Manager => report.periods.into_iter().skip(1).collect(),
        Role::Director | Role::Admin => report.periods.into_iter().take(3).collect(),
    };
    let metric = report.metric;
    view! {
        <DashCard title=|t| t.dashboard.targets href="/targets#progress" testid="dash-targets">
            <div class="progress-cards dash-progress">
                {periods.into_iter().map(|period| view! { <crate::targets::page::PeriodCard period metric /> }).collect_view()}
            </div>
        </DashCard>
    }
}

#[component]
fn AgendaCard(agenda: Agenda) -> impl IntoView {
    let nothing = agenda.overdue.is_empty() && agenda.today.is_empty();
    view! {
        <DashCard title=|t| t.dashboard.follow_ups_due href="/customers/follow-ups" testid="dash-agenda">
            {nothing.then(|| view! { <p class="muted">{tr(|t| t.customers.nothing_due)}</p> })}
            <AgendaGroup title=|t| t.customers.overdue class="overdue" items=agenda.overdue />
            <AgendaGroup title=|t| t.customers.due_today class="today" items=agenda.today />
        </DashCard>
    }
}

#[component]
fn AlertsCard(alerts: AlertsView) -> impl IntoView {
    let i18n = use_i18n();
    let total: u64 = alerts.counts.iter().map(|(_, n)| n).sum();
    view! {
        <DashCard title=|t| t.alerts.title href="/analytics/alerts" testid="dash-alerts">
            {if alerts.alerts.is_empty() {
                view! { <p class="muted">{tr(|t| t.alerts.empty_title)}</p> }.into_any()
            } else {
                view! {
                    <p class="hint">{move || (i18n.t().alerts.shown)(Ord::min(total, SHOWN as u64), total)}</p>
                    <ul class="plain-list dash-alerts">
                        {alerts.alerts.into_iter().take(SHOWN).map(|alert| {
                            let (kind, figures) = (alert.alert.kind(), alert.alert);
                            view! {
                                <li data-testid="dash-alert">
                                    <span class="alert-kind">{move || i18n.t().alerts.kinds[kind.index()]}</span> " "
                                    <strong>{alert.subject_name.clone()}</strong>
                                    <span class="muted">" · " {move || alert_text(i18n.t(), &figures, i18n.locale.get())}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </DashCard>
    }
}

#[component]
fn LeaderboardCard(report: RepPerformance) -> impl IntoView {
    view! {
        <DashCard title=|t| t.dashboard.leaderboard_month href="/analytics/reps" testid="dash-leaderboard">
            <table class="table compact">
                <thead><tr>
                    <th scope="col" class="num">{tr(|t| t.analytics.rank)}</th>
                    <th scope="col">{tr(|t| t.analytics.person)}</th>
                    <th scope="col" class="num">{tr(|t| t.analytics.rank_by_names[0])}</th>
                </tr></thead>
                <tbody>
                    {report.rows.into_iter().take(SHOWN).map(|row| view! {
                        <tr data-testid="dash-leader">
                            <td class="num">{row.rank}</td>
                            <td>{row.name}</td>
                            <td class="num">{format_money(row.activity.sales_fen)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </DashCard>
    }
}

#[component]
fn FunnelCard(report: FunnelReport) -> impl IntoView {
    let i18n = use_i18n();
    let stages = report.stages.clone();
    view! {
        <DashCard title=|t| t.analytics.funnel_title href="/analytics/funnel" testid="dash-funnel">
            <table class="table compact">
                <thead><tr>
                    <th scope="col">{tr(|t| t.analytics.stage)}</th>
                    <th scope="col" class="num">{tr(|t| t.analytics.reached)}</th>
                    <th scope="col" class="num">{tr(|t| t.analytics.conversion)}</th>
                </tr></thead>
                <tbody>
                    {report.total.steps.into_iter().zip(stages).map(|(step, stage)| view! {
                        <tr>
                            <th scope="row">{move || crate::pipeline::board::stage_label(i18n.t(), &stage)}</th>
                            <td class="num">{format_count(step.reached as i64)}</td>
                            <td class="num">{or_dash(step.conversion_bp, percent_text)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </DashCard>
    }
}

#[component]
fn AbcCard(summary: AbcSummary) -> impl IntoView {
    view! {
        <DashCard title=|t| t.analytics.tab_abc href="/analytics/abc" testid="dash-abc">
            <div class="abc-summary">
                {summary.classes.into_iter().map(|row| view! { <ClassTile row query=ReportQuery::default() current=None /> }).collect_view()}
            </div>
        </DashCard>
    }
}

/// A month as its axis label: `11月` / `Nov`, with the year where it turns.
fn month_label(month: chrono::NaiveDate, locale: Locale) -> String {
    match locale {
        Locale::ZhCn if month.month() == 1 => format!("{}年1月", month.year()),
        Locale::ZhCn => format!("{}月", month.month()),
        Locale::En if month.month() == 1 => month.format("%b %Y").to_string(),
        Locale::En => month.format("%b").to_string(),
    }
}

/// Monthly sales as bars and gross profit as a line, in yuan.
pub fn trend_chart(
    months: &[MonthFigures],
    locale: Locale,
    sales: String,
    profit: String,
) -> Chart {
    let labels: Vec<String> = months
        .iter()
        .map(|m| month_label(m.month, locale))
        .collect();
    let yuan = |fen: i64| fen as f64 / 100.0;
    Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(Legend::new().bottom(0))
        .grid(
            Grid::new()
                .left(8)
                .right(16)
                .top(16)
                .bottom(32)
                .contain_label(true),
        )
        .x_axis(Axis::new().type_(AxisType::Category).data(labels))
        .y_axis(Axis::new().type_(AxisType::Value))
        .series(
            Bar::new()
                .name(sales)
                .data(months.iter().map(|m| yuan(m.sales_fen)).collect::<Vec<_>>())
                .item_style(ItemStyle::new().color(palette::BLUE)),
        )
        .series(
            Line::new()
                .name(profit)
                .data(
                    months
                        .iter()
                        .map(|m| yuan(m.gross_profit_fen))
                        .collect::<Vec<_>>(),
                )
                .item_style(ItemStyle::new().color(palette::GREEN)),
        )
}

#[component]
fn TrendCard(months: Vec<MonthFigures>) -> impl IntoView {
    let i18n = use_i18n();
    let chart = {
        let months = months.clone();
        Signal::derive(move || {
            trend_chart(
                &months,
                i18n.locale.get(),
                i18n.t().dashboard.sales.to_string(),
                i18n.t().dashboard.gross_profit.to_string(),
            )
        })
    };
    view! {
        <DashCard title=|t| t.dashboard.trend href="/analytics/reps" testid="dash-trend">
            <ChartWithTable id="trend-chart" label=tr(|t| t.dashboard.trend) chart height=260>
                    <table class="table compact" data-testid="trend-table">
                        <thead><tr>
                            <th scope="col">{tr(|t| t.dashboard.month)}</th>
                            <th scope="col" class="num">{tr(|t| t.dashboard.sales)}</th>
                            <th scope="col" class="num">{tr(|t| t.dashboard.gross_profit)}</th>
                            <th scope="col" class="num">{tr(|t| t.dashboard.orders)}</th>
                        </tr></thead>
                        <tbody>
                            {months.into_iter().map(|m| view! {
                                <tr>
                                    <th scope="row">{move || crate::domain::format::format_period(crate::domain::period::Period::Month(m.month.year(), m.month.month() as u8), i18n.locale.get())}</th>
                                    <td class="num">{format_money(m.sales_fen)}</td>
                                    <td class="num">{format_money(m.gross_profit_fen)}</td>
                                    <td class="num">{format_count(m.orders)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
            </ChartWithTable>
        </DashCard>
    }
}
