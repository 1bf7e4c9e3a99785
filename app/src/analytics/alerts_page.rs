//! The alerts page: what needs attention, the numbers behind each alert, and the two ways to act
//! on it (log a follow-up, assign a task); the rules are stated below, editable by administrators.
use super::page::{filter_error, report_body, AnalyticsTabs, Loaded, ReportFilters};
use super::{load_alerts, AlertView, AlertsView, AssignAlertTask, ReportQuery, SaveAlertRules};
use crate::customers::FilterOptions;
use crate::domain::alerts::{Alert, AlertKind, AlertRules};
use crate::domain::format::{format_count, format_date, format_money, Locale};
use crate::domain::forms::FieldError;
use crate::i18n::{tr, use_i18n, Texts};
use crate::ui::{action_error, EmptyState, Field, FormActions, FormMessage, PageHeader};
use leptos::form::ActionForm;
use leptos::prelude::*;

/// The numbers behind an alert, in words.
pub fn alert_text(t: &Texts, alert: &Alert, locale: Locale) -> String {
    let a = &t.alerts;
    match *alert {
        Alert::RepDrop {
            usual_monthly_fen,
            recent_fen,
        } => (a.rep_drop)(&format_money(usual_monthly_fen), &format_money(recent_fen)),
        Alert::CustomerOverdue {
            usual_interval_days,
            days_since,
            last_order_on,
        } => (a.customer_overdue)(
            usual_interval_days,
            days_since,
            &format_date(last_order_on, locale),
        ),
        Alert::CustomerDrop {
            usual_quarterly_fen,
            recent_fen,
        } => (a.customer_drop)(
            &format_money(usual_quarterly_fen),
            &format_money(recent_fen),
        ),
        Alert::StaleDeal {
            days_in_stage,
            stale_after_days,
        } => (a.stale_deal)(days_in_stage, stale_after_days),
    }
}

/// Where the alert's subject lives.
fn subject_href(alert: &AlertView) -> String {
    match alert.alert.kind() {
        AlertKind::RepDrop => format!("/analytics/reps?rep={}", alert.subject_id),
        AlertKind::StaleDeal => format!("/pipeline/deals/{}", alert.subject_id),
        AlertKind::CustomerOverdue | AlertKind::CustomerDrop => {
            format!("/customers/{}", alert.subject_id)
        }
    }
}

#[component]
pub fn AlertsPage() -> impl IntoView {
    view! {
        <PageHeader title=tr(|t| t.alerts.title) subtitle=tr(|t| t.alerts.subtitle) />
        <AnalyticsTabs current="/analytics/alerts" />
        {report_body(load_alerts, |query, options, loaded| match loaded {
            Loaded::Report(view) => view! { <AlertFilters query=query.clone() options errors=Vec::new() /> <AlertsList view query /> }.into_any(),
            Loaded::Refused(errors) => view! { <AlertFilters query options errors /> }.into_any(),
        })}
    }
}

#[component]
fn AlertFilters(
    query: ReportQuery,
    options: Option<FilterOptions>,
    errors: Vec<FieldError>,
) -> impl IntoView {
    let i18n = use_i18n();
    let kind = query.kind.clone();
    view! {
        <ReportFilters action="/analytics/alerts" query options errors=errors.clone() period=None without_period=true>
            <label class="inline-label">
                <select name="kind" aria-label=move || i18n.t().alerts.all_kinds>
                    <option value="">{move || i18n.t().alerts.all_kinds}</option>
                    {AlertKind::ALL.iter().copied().map(|option| view! {
                        <option value=option.as_str() selected=kind == option.as_str()>{move || i18n.t().alerts.kinds[option.index()]}</option>
                    }).collect_view()}
                </select>
                {filter_error(&errors, "kind")}
            </label>
        </ReportFilters>
    }
}

#[component]
fn AlertsList(view: AlertsView, query: ReportQuery) -> impl IntoView {
    let i18n = use_i18n();
    let all: u64 = view.counts.iter().map(|(_, n)| n).sum();
    let tiles = view
        .counts
        .iter()
        .copied()
        .map(|(kind, count)| {
            let href = format!("/analytics/alerts?{}", query.with("kind", kind.as_str()).with("page", "").query_string());
            view! {
                <a class="figure alert-tile" class:selected=view.kind == Some(kind) href=href data-testid=format!("alert-count-{}", kind.as_str())>
                    <span class="figure-label">{move || i18n.t().alerts.kinds[kind.index()]}</span>
                    <strong class="figure-value">{format_count(count as i64)}</strong>
                </a>
            }
        })
        .collect_view();
    let export_query = query.with("page", "").query_string();
    let (page, pages) = (view.page, view.total.div_ceil(view.page_size).max(1));
    let page_href = move |page: u64| {
        format!(
            "/analytics/alerts?{}",
            query.with("page", &page.to_string()).query_string()
        )
    };
    let (shown, total, can_assign) = (view.alerts.len() as u64, view.total, view.can_assign);
    let rules = view.rules;
    view! {
        <section class="abc-summary" data-testid="alert-counts">
            {tiles}
            <div class="figure">
                <span class="figure-label">{tr(|t| t.alerts.all_kinds)}</span>
                <strong class="figure-value">{format_count(all as i64)}</strong>
                <crate::ui::ExportLinks list="alerts" query=export_query />
            </div>
        </section>
        {if view.alerts.is_empty() {
            view! { <EmptyState title=tr(|t| t.alerts.empty_title) body=tr(|t| t.alerts.empty_body) /> }.into_any()
        } else {
            view! {
                <section class="card">
                    <p class="hint">{move || (i18n.t().alerts.shown)(shown, total)}</p>
                    <ul class="alert-list" data-testid="alerts">
                        {view.alerts.into_iter().map(|alert| view! { <AlertItem alert can_assign /> }).collect_view()}
                    </ul>
                    // The alerts' address counts pages from 1.
                    {crate::ui::pager(page.saturating_sub(1), pages, move |p| page_href(p + 1))}
                </section>
            }.into_any()
        }}
        <section class="card" id="alert-rules">
            <h2>{tr(|t| t.alerts.rules)}</h2>
            <p class="hint" data-testid="alert-rules">{move || (i18n.t().alerts.rules_text)(rules.rep_drop_percent, rules.customer_drop_percent, rules.overdue_multiple)}</p>
            {view.can_edit_rules.then(|| view! { <RulesForm rules version=view.rules_version /> })}
        </section>
    }
}

#[component]
fn AlertItem(alert: AlertView, can_assign: bool) -> impl IntoView {
    let i18n = use_i18n();
    let kind = alert.alert.kind();
    let figures = alert.alert;
    let href = subject_href(&alert);
    let raised = alert.raised_on;
    let action = match (kind, alert.customer_id) {
        (AlertKind::RepDrop, _) => view! { <a class="button small" href=href.clone()>{tr(|t| t.alerts.open_performance)}</a> }.into_any(),
        (_, Some(customer)) => view! { <a class="button small primary" href=format!("/customers/{customer}#follow-up") data-testid="log-follow-up">{tr(|t| t.alerts.log_follow_up)}</a> }.into_any(),
        _ => ().into_any(),
    };
    let task = alert.task.clone();
    view! {
        <li class=format!("alert-item alert-{}", kind.as_str()) data-testid="alert" data-alert-id=alert.id>
            <div class="alert-head">
                <span class="alert-kind">{move || i18n.t().alerts.kinds[kind.index()]}</span>
                <a class="alert-subject" href=href>{alert.subject_name.clone()}</a>
                {alert.customer_name.clone().map(|name| view! { <span class="muted">" · " {name}</span> })}
            </div>
            <p class="alert-figures" data-testid="alert-figures">{move || alert_text(i18n.t(), &figures, i18n.locale.get())}</p>
            <p class="alert-meta muted">
                {move || i18n.t().alerts.owner} " " {alert.owner_name.clone()} " · " {move || (i18n.t().alerts.raised)(&format_date(raised, i18n.locale.get()))}
            </p>
            <div class="alert-actions">
                {action}
                {if kind == AlertKind::StaleDeal { Some(view! { <a class="button small" href=subject_href(&alert)>{tr(|t| t.alerts.open_deal)}</a> }) } else { None }}
                <TaskPart alert_id=alert.id task can_assign />
            </div>
        </li>
    }
}

/// The task already assigned, or (for a manager) the form to assign one.
#[component]
fn TaskPart(alert_id: i64, task: Option<super::AlertTask>, can_assign: bool) -> impl IntoView {
    let i18n = use_i18n();
    let assign = ServerAction::<AssignAlertTask>::new();
    let error = action_error(assign);
    let sent = move || assign.value().get().and_then(Result::ok);
    let assigned = task.is_some();
    let shown = move || {
        sent().or_else(|| task.clone()).map(|task| {
            (i18n.t().alerts.task_done)(
                &task.by_name,
                &format_date(task.on, i18n.locale.get()),
                &task.note,
            )
        })
    };
    view! {
        {move || shown().map(|text| view! { <p class="alert-task" data-testid="alert-task">{text}</p> })}
        {move || (can_assign && !assigned && sent().is_none()).then(|| view! {
            <details class="task-form">
                <summary class="button small">{tr(|t| t.alerts.assign_task)}</summary>
                <ActionForm action=assign attr:class="form" attr:novalidate=true>
                    <input type="hidden" name="form[alert_id]" value=alert_id />
                    <Field label=|t| t.alerts.task_note error field="note">
                        <textarea name="form[note]" rows="2" placeholder=move || i18n.t().alerts.task_placeholder></textarea>
                    </Field>
                    <FormMessage error fields=&["note"] />
                    <button type="submit" class="button primary small" disabled=move || assign.pending().get()>{tr(|t| t.alerts.send_task)}</button>
                </ActionForm>
            </details>
        })}
    }
}

#[component]
fn RulesForm(rules: AlertRules, version: i32) -> impl IntoView {
    let save = ServerAction::<SaveAlertRules>::new();
    let error = action_error(save);
    // The list and the counts change with the rules: show them as the new rules flag them.
    Effect::new(move |_| {
        if save.value().get().is_some_and(|result| result.is_ok()) {
            let _ = window().location().reload();
        }
    });
    view! {
        <ActionForm action=save attr:class="form grid-form" attr:novalidate=true attr:data-testid="alert-rules-form">
            <input type="hidden" name="form[version]" value=version />
            <Field label=|t| t.alerts.rep_drop_percent error field="rep_drop_percent">
                <input name="form[rep_drop_percent]" inputmode="numeric" value=rules.rep_drop_percent.to_string() />
            </Field>
            <Field label=|t| t.alerts.customer_drop_percent error field="customer_drop_percent">
                <input name="form[customer_drop_percent]" inputmode="numeric" value=rules.customer_drop_percent.to_string() />
            </Field>
            <Field label=|t| t.alerts.overdue_multiple error field="overdue_multiple">
                <input name="form[overdue_multiple]" inputmode="numeric" value=rules.overdue_multiple.to_string() />
            </Field>
            <FormMessage error fields=&["rep_drop_percent", "customer_drop_percent", "overdue_multiple"] />
            <FormActions pending=save.pending().into() />
        </ActionForm>
    }
}
