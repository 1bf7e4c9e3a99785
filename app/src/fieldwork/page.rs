//! Field work pages: a person's day (plan, check-ins, report, costs), the team's day for managers
//! on a phone, and the efficiency report. Every form posts without JavaScript too; a failed post
//! keeps what was typed and says why at the field.
use super::*;
use crate::analytics::page::{report_body, Loaded, ReportFilters};
use crate::customers::api::{ClaimCustomer, LogFollowUp};
use crate::customers::FollowUpForm;
use crate::domain::customer::FollowUpKind;
use crate::domain::fieldwork::{Attendance, ExpenseKind, SheetKind, SheetStatus, VisitPurpose};
use crate::domain::format::{
    format_count, format_date, format_money, or_dash, percent_text, tenths_text,
};
use crate::i18n::{tr, use_i18n, Texts};
use crate::ui::{
    action_error, EmptyState, ErrorPanel, Field, FormActions, FormMessage, Loading, PageHeader,
};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Tabs of the field work section; the team view is for people who lead others.
#[component]
fn FieldTabs(current: &'static str) -> impl IntoView {
    let leads =
        use_context::<crate::auth::CurrentUser>().is_some_and(|user| user.role.leads_people());
    let tabs: [(&'static str, fn(&Texts) -> &'static str, bool); 3] = [
        ("/fieldwork", |t| t.field.tab_day, true),
        ("/fieldwork/team", |t| t.field.tab_team, leads),
        ("/fieldwork/efficiency", |t| t.field.tab_efficiency, true),
    ];
    crate::ui::tab_bar(
        |t| t.nav_fieldwork,
        tabs.into_iter()
            .filter(|(_, _, shown)| *shown)
            .map(|(href, label, _)| crate::ui::Tab::new(href, label, href == current))
            .collect(),
    )
}

/// A sheet's status ("missing" before it exists) and, when it is late, a late badge.
fn sheet_badges(sheet: &SheetState) -> impl IntoView {
    let i18n = use_i18n();
    let status = sheet.status;
    let status = match sheet.id {
        Some(_) => view! { <span class=format!("badge sheet-{}", status.as_str()) data-testid="sheet-status">{move || i18n.t().field.statuses[status.index()]}</span> }.into_any(),
        None => view! { <span class="badge sheet-missing" data-testid="sheet-status">{tr(|t| t.field.missing)}</span> }.into_any(),
    };
    (
        status,
        sheet.late.then(
            || view! { <span class="badge late" data-testid="late">{tr(|t| t.field.late)}</span> },
        ),
    )
}

/// A day's link within the page, keeping whose day it is.
fn day_href(day: NaiveDate, rep: Option<i64>) -> String {
    match rep {
        Some(rep) => format!("/fieldwork?day={day}&rep={rep}"),
        None => format!("/fieldwork?day={day}"),
    }
}

#[component]
fn DayPicker(day: NaiveDate, action: &'static str, rep: Option<i64>) -> impl IntoView {
    let i18n = use_i18n();
    let link = move |d: NaiveDate| {
        if action == "/fieldwork" {
            day_href(d, rep)
        } else {
            format!("{action}?day={d}")
        }
    };
    // A chosen day opens at once (a handler in the page's code: the policy runs no inline script).
    let navigate = leptos_router::hooks::use_navigate();
    let open_day = move |ev: leptos::ev::Event| {
        if let Ok(d) = event_target_value(&ev).parse::<NaiveDate>() {
            navigate(&link(d), Default::default());
        }
    };
    view! {
        <form class="day-picker" method="get" action=action>
            <a class="button small" href=link(day - chrono::Duration::days(1)) aria-label=move || i18n.t().field.previous_day>"‹"</a>
            {rep.map(|rep| view! { <input type="hidden" name="rep" value=rep /> })}
            <input type="date" name="day" value=day.to_string() aria-label=move || i18n.t().field.day on:change=open_day />
            <a class="button small" href=link(day + chrono::Duration::days(1)) aria-label=move || i18n.t().field.next_day>"›"</a>
            <noscript><button type="submit" class="button small">{tr(|t| t.field.show)}</button></noscript>
        </form>
    }
}

/// Every action of the day page: the day reloads after any of them succeeds.
#[derive(Clone, Copy)]
struct DayActions {
    add: ServerAction<AddVisit>,
    remove: ServerAction<RemoveVisit>,
    reorder: ServerAction<UseSuggestedOrder>,
    submit: ServerAction<SubmitPlan>,
    report: ServerAction<SaveReport>,
    review: ServerAction<ReviewSheet>,
    check_in: ServerAction<CheckIn>,
    expense: ServerAction<AddExpense>,
    log: ServerAction<LogFollowUp>,
    claim: ServerAction<ClaimCustomer>,
}

impl DayActions {
    fn new() -> Self {
        DayActions {
            add: ServerAction::new(),
            remove: ServerAction::new(),
            reorder: ServerAction::new(),
            submit: ServerAction::new(),
            report: ServerAction::new(),
            review: ServerAction::new(),
            check_in: ServerAction::new(),
            expense: ServerAction::new(),
            log: ServerAction::new(),
            claim: ServerAction::new(),
        }
    }

    fn versions(&self) -> usize {
        self.add.version().get()
            + self.remove.version().get()
            + self.reorder.version().get()
            + self.submit.version().get()
            + self.report.version().get()
            + self.review.version().get()
            + self.check_in.version().get()
            + self.expense.version().get()
            + self.log.version().get()
            + self.claim.version().get()
    }
}

#[component]
pub fn FieldDayPage() -> impl IntoView {
    let query = use_query_map();
    let actions = DayActions::new();
    let params = move || {
        let q = query.read();
        (
            q.get("day").unwrap_or_default(),
            q.get("rep").unwrap_or_default(),
            q.get("q").unwrap_or_default(),
            q.get("pool").is_some_and(|v| !v.is_empty()),
        )
    };
    let day = Resource::new(
        move || (params(), actions.versions()),
        |((day, rep, q, pool), _)| load_field_day(day, rep, q, pool),
    );
    view! {
        <PageHeader title=tr(|t| t.field.title) subtitle=tr(|t| t.field.subtitle) />
        <FieldTabs current="/fieldwork" />
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match day.await {
                    Ok(view) => view! { <DayBody view actions /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DayBody(view: FieldDay, actions: DayActions) -> impl IntoView {
    let i18n = use_i18n();
    let rep = (!view.mine).then_some(view.owner_id);
    let owner = view.owner_name.clone();
    let day = view.day;
    let heading = move || format!("{} · {}", owner, format_date(day, i18n.locale.get()));
    let plannable = view.mine && view.plan.editable() && view.day >= view.today;
    let reportable = view.mine && view.day <= view.today;
    view! {
        <div class="field-day" data-testid="field-day">
            <div class="field-day-head">
                <h2>{heading}</h2>
                <DayPicker day=view.day action="/fieldwork" rep />
            </div>
            // Each card's view type is erased: nested together they exceed the compiler's depth limit.
            {view! { <PlanCard view=view.clone() actions /> }.into_any()}
            {plannable.then(|| view! { <AddVisitCard view=view.clone() actions /> }.into_any())}
            // Visits, the report and costs belong to days that have come.
            {(view.day <= view.today).then(|| view! {
                {view! { <VisitsCard view=view.clone() actions /> }.into_any()}
                {view! { <ReportCard view=view.clone() actions editable=reportable /> }.into_any()}
                {view! { <ExpensesCard view=view.clone() actions editable=reportable /> }.into_any()}
            })}
        </div>
    }
}

/// A manager's sign-off: approve (comment optional) or send back (comment required).
#[component]
fn ReviewForm(sheet: SheetState, review: ServerAction<ReviewSheet>) -> impl IntoView {
    let error = action_error(review);
    let Some(id) = sheet.id else {
        return ().into_any();
    };
    view! {
        <ActionForm action=review attr:class="form review-form" attr:novalidate=true attr:data-testid="review-form">
            <input type="hidden" name="form[sheet_id]" value=id />
            <input type="hidden" name="form[version]" value=sheet.version />
            <Field label=|t| t.field.comment error field="comment">
                <textarea name="form[comment]" rows="2"></textarea>
            </Field>
            <FormMessage error fields=&["comment", "action", "status"] />
            <div class="form-actions">
                <button type="submit" name="form[action]" value="approve" class="button primary" disabled=move || review.pending().get()>{tr(|t| t.field.approve)}</button>
                <button type="submit" name="form[action]" value="send_back" class="button" disabled=move || review.pending().get()>{tr(|t| t.field.send_back)}</button>
            </div>
        </ActionForm>
    }
    .into_any()
}

/// Status, who signed off and their comment.
#[component]
fn SheetStatusLine(sheet: SheetState) -> impl IntoView {
    let i18n = use_i18n();
    let reviewed = sheet.reviewer_name.clone().map(|name| {
        let when = sheet.reviewed_at.clone().unwrap_or_default();
        let comment = sheet.review_comment.clone();
        view! {
            <p class="review-note" data-testid="review-note">
                {move || (i18n.t().field.reviewed_by)(&name, &when)}
                {(!comment.is_empty()).then(|| view! { <q>{comment.clone()}</q> })}
            </p>
        }
    });
    let submitted = sheet.submitted_at.clone();
    view! {
        <div class="sheet-status">
            {sheet_badges(&sheet)}
            {submitted.map(|at| view! { <span class="muted">{move || (i18n.t().field.submitted_at)(&at)}</span> })}
        </div>
        {reviewed}
    }
}

#[component]
fn PlanCard(view: FieldDay, actions: DayActions) -> impl IntoView {
    let i18n = use_i18n();
    let submit_error = action_error(actions.submit);
    let check_in_error = action_error(actions.check_in);
    let editable = view.mine && view.plan.editable();
    let can_check_in = view.mine && view.day == view.today;
    let reviewing = view.can_review && view.plan.status == SheetStatus::Submitted;
    let stops = view.stops.clone();
    let empty = stops.is_empty();
    view! {
        <section class="card plan-card" data-testid="plan-card">
            <header class="card-head">
                <h2>{tr(|t| t.field.plan)}</h2>
                {(view.plan.id.is_some()).then(|| view! { <SheetStatusLine sheet=view.plan.clone() /> })}
            </header>
            {(!view.area.is_empty()).then(|| { let area = view.area.clone(); view! { <p class="muted">{move || i18n.t().field.area} ": " {area.clone()}</p> } })}
            {empty.then(|| view! { <EmptyState title=tr(|t| t.field.no_plan_title) body=tr(|t| t.field.no_plan_body) /> })}
            <ol class="stops">
                {stops.into_iter().map(|stop| {
                    let purpose = stop.purpose;
                    let checked = stop.checked_in_at.clone();
                    let href = format!("/customers/{}", stop.customer_id);
                    view! {
                        <li class="stop" data-testid="stop" data-customer-id=stop.customer_id>
                            <div class="stop-main">
                                <span class="stop-slot">{stop.time_slot.clone()}</span>
                                <a href=href class="stop-name">{stop.customer_name.clone()}</a>
                                <span class="muted">{stop.district.clone()} " · " {move || i18n.t().field.purposes[purpose.index()]}</span>
                                {(!stop.note.is_empty()).then(|| view! { <span class="muted">{stop.note.clone()}</span> })}
                            </div>
                            <div class="stop-actions">
                                {match checked {
                                    Some(at) => view! { <span class="badge checked" data-testid="checked-in">{move || (i18n.t().field.checked_in_at)(&at)}</span> }.into_any(),
                                    None if can_check_in => view! { <CheckInButton customer_id=stop.customer_id stop_id=Some(stop.id) action=actions.check_in /> }.into_any(),
                                    None => ().into_any(),
                                }}
                                {editable.then(|| view! {
                                    <ActionForm action=actions.remove attr:class="inline-form">
                                        <input type="hidden" name="stop_id" value=stop.id />
                                        <button type="submit" class="button small quiet" aria-label=move || i18n.t().field.remove>"✕"</button>
                                    </ActionForm>
                                })}
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ol>
            <FormMessage error=check_in_error fields=&["customer_id", "location"] />
            {(editable && !view.suggested.is_empty()).then(|| view! {
                <ActionForm action=actions.reorder attr:class="inline-form">
                    <input type="hidden" name="day" value=view.day.to_string() />
                    <input type="hidden" name="version" value=view.plan.version />
                    <button type="submit" class="button small" data-testid="use-suggested">{tr(|t| t.field.use_suggested)}</button>
                    <span class="muted">{tr(|t| t.field.suggested_hint)}</span>
                </ActionForm>
            })}
            {(editable && !empty).then(|| view! {
                <ActionForm action=actions.submit attr:class="form plan-submit" attr:novalidate=true attr:data-testid="plan-submit">
                    <input type="hidden" name="form[day]" value=view.day.to_string() />
                    <input type="hidden" name="form[version]" value=view.plan.version />
                    <Field label=|t| t.field.area error=submit_error field="area">
                        <input name="form[area]" value=view.area.clone() />
                    </Field>
                    <FormMessage error=submit_error fields=&["area", "stops", "status", "day"] />
                    <button type="submit" class="button primary" disabled=move || actions.submit.pending().get()>{tr(|t| t.field.submit_plan)}</button>
                </ActionForm>
            })}
            {reviewing.then(|| view! { <ReviewForm sheet=view.plan.clone() review=actions.review /> })}
        </section>
    }
}

/// One tap records the arrival; with the rep's consent the browser's location goes with it.
/// Without JavaScript (or without consent, or when the browser cannot tell) it posts without.
#[component]
fn CheckInButton(
    customer_id: i64,
    stop_id: Option<i64>,
    action: ServerAction<CheckIn>,
) -> impl IntoView {
    let share = RwSignal::new(false);
    // A plain form (it posts without JavaScript); with JavaScript the location is asked for first.
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let form = CheckInForm {
            customer_id: customer_id.to_string(),
            stop_id: stop_id.map(|id| id.to_string()).unwrap_or_default(),
            ..Default::default()
        };
        if !share.get_untracked() {
            action.dispatch(CheckIn { form });
            return;
        }
        locate(move |position| {
            let (latitude, longitude) = position
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .unwrap_or_default();
            action.dispatch(CheckIn {
                form: CheckInForm {
                    latitude,
                    longitude,
                    ..form.clone()
                },
            });
        });
    };
    let url = <CheckIn as leptos::server_fn::ServerFn>::url();
    view! {
        <form method="post" action=url class="inline-form check-in" on:submit=on_submit>
            <input type="hidden" name="form[customer_id]" value=customer_id />
            <input type="hidden" name="form[stop_id]" value=stop_id.map(|id| id.to_string()).unwrap_or_default() />
            <label class="share-location">
                <input type="checkbox" on:change=move |ev| share.set(event_target_checked(&ev)) />
                {tr(|t| t.field.share_location)}
            </label>
            <button type="submit" class="button primary small" data-testid="check-in" disabled=move || action.pending().get()>{tr(|t| t.field.check_in)}</button>
        </form>
    }
}

/// Asks the browser where the phone is and calls `done` with (latitude, longitude), or None
/// when it cannot or may not tell (the check-in never waits on it for more than ten seconds).
#[cfg(feature = "hydrate")]
fn locate(done: impl Fn(Option<(f64, f64)>) + Clone + 'static) {
    use wasm_bindgen::{closure::Closure, JsCast, JsValue};
    let Ok(geolocation) = window().navigator().geolocation() else {
        return done(None);
    };
    let found = {
        let done = done.clone();
        Closure::once_into_js(move |position: JsValue| {
            let coordinate = |name: &str| {
                js_sys::Reflect::get(&position, &"coords".into())
                    .and_then(|c| js_sys::Reflect::get(&c, &name.into()))
                    .ok()
                    .and_then(|v| v.as_f64())
            };
            done(coordinate("latitude").zip(coordinate("longitude")));
        })
    };
    let failed = Closure::once_into_js(move |_: JsValue| done(None));
    let options = web_sys::PositionOptions::new();
    options.set_timeout(10_000);
    let _ = geolocation.get_current_position_with_error_callback_and_options(
        found.unchecked_ref(),
        Some(failed.unchecked_ref()),
        &options,
    );
}

#[cfg(not(feature = "hydrate"))]
fn locate(done: impl Fn(Option<(f64, f64)>) + Clone + 'static) {
    done(None)
}

#[component]
fn AddVisitCard(view: FieldDay, actions: DayActions) -> impl IntoView {
    let i18n = use_i18n();
    let error = action_error(actions.add);
    let can_check_in = view.day == view.today;
    let day = view.day;
    view! {
        <section class="card add-visit" data-testid="add-visit">
            <h2>{tr(|t| t.field.add_visits)}</h2>
            <form method="get" action="/fieldwork" class="search-form">
                <input type="hidden" name="day" value=view.day.to_string() />
                <input type="search" name="q" value=view.search.clone() placeholder=move || i18n.t().field.search_placeholder aria-label=move || i18n.t().field.search_placeholder />
                <label class="inline-label"><input type="checkbox" name="pool" value="1" />{tr(|t| t.field.from_pool)}</label>
                <button type="submit" class="button small">{tr(|t| t.field.search)}</button>
            </form>
            <p class="muted">
                {if view.candidates.is_empty() { tr(|t| t.field.no_candidates) } else if view.search.is_empty() { tr(|t| t.field.candidates_hint) } else { tr(|t| t.field.candidates_found) }}
            </p>
            <FormMessage error fields=&["day", "customer_id", "purpose", "time_slot", "note", "status"] />
            <ul class="candidates">
                {view.candidates.into_iter().map(|candidate| view! {
                    <li class="candidate" data-testid="candidate">
                        <div>
                            <strong>{candidate.name.clone()}</strong>
                            <span class="muted">{candidate.place.clone()}</span>
                            {candidate.in_pool.then(|| view! { <span class="badge">{tr(|t| t.field.pool)}</span> })}
                        </div>
                        <ActionForm action=actions.add attr:class="candidate-form" attr:novalidate=true>
                            <input type="hidden" name="form[day]" value=day.to_string() />
                            <input type="hidden" name="form[customer_id]" value=candidate.id />
                            <select name="form[purpose]" aria-label=move || i18n.t().field.purpose>
                                {VisitPurpose::ALL.iter().copied().map(|purpose| view! {
                                    <option value=purpose.as_str()>{move || i18n.t().field.purposes[purpose.index()]}</option>
                                }).collect_view()}
                            </select>
                            <input name="form[time_slot]" placeholder="09:00-10:00" aria-label=move || i18n.t().field.time_slot />
                            <button type="submit" class="button small primary" data-testid="add-visit-button">{tr(|t| t.field.add)}</button>
                        </ActionForm>
                        {(can_check_in && !candidate.in_pool).then(|| view! { <CheckInButton customer_id=candidate.id stop_id=None action=actions.check_in /> })}
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn VisitsCard(view: FieldDay, actions: DayActions) -> impl IntoView {
    let i18n = use_i18n();
    let purposes: Vec<(i64, VisitPurpose)> = view
        .stops
        .iter()
        .map(|s| (s.customer_id, s.purpose))
        .collect();
    let mine = view.mine;
    let claim_error = action_error(actions.claim);
    view! {
        <section class="card visits-card" data-testid="visits-card">
            <h2>{tr(|t| t.field.visits)}</h2>
            <FormMessage error=claim_error />
            {view.visits.is_empty().then(|| view! { <p class="muted">{tr(|t| t.field.no_visits)}</p> })}
            <ul class="visits">
                {view.visits.into_iter().map(|visit| {
                    let purpose = purposes.iter().find(|(c, _)| *c == visit.customer_id).map(|(_, p)| *p);
                    let at = visit.at.clone();
                    let planned = visit.planned;
                    let located = visit.located;
                    view! {
                        <li class="visit" data-testid="visit">
                            <div class="visit-head">
                                <strong>{visit.customer_name.clone()}</strong>
                                <span class="muted">
                                    {move || (i18n.t().field.checked_in_at)(&at)}
                                    " · " {move || if planned { i18n.t().field.planned } else { i18n.t().field.unplanned }}
                                    {located.then(|| view! { " · " {tr(|t| t.field.located)} })}
                                </span>
                            </div>
                            {match visit.result.clone() {
                                Some((summary, intent)) => view! {
                                    <p class="visit-result" data-testid="visit-result">{summary} " · " {move || i18n.t().customers.intents[intent.index()]}</p>
                                }.into_any(),
                                // A pool customer takes a claim before the rep may write on it.
                                None if mine && visit.in_pool => view! {
                                    <div class="visit-claim" data-testid="visit-claim">
                                        <p class="muted">{tr(|t| t.field.claim_to_log)}</p>
                                        <ActionForm action=actions.claim attr:class="inline-form">
                                            <input type="hidden" name="id" value=visit.customer_id />
                                            <button type="submit" class="button small primary">{tr(|t| t.customers.claim)}</button>
                                        </ActionForm>
                                    </div>
                                }.into_any(),
                                None if mine => {
                                    let prefill = purpose.map(|p| (i18n.t().field.visit_summary)(i18n.t().field.purposes[p.index()])).unwrap_or_default();
                                    view! { <FollowUpForm customer_id=visit.customer_id log=actions.log kind=FollowUpKind::Visit summary=prefill /> }.into_any()
                                }
                                None => view! { <p class="muted">{tr(|t| t.field.no_result)}</p> }.into_any(),
                            }}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

/// A figure and, where there is one, what it is measured against.
fn figure_row(
    label: impl Fn() -> &'static str + Send + Sync + 'static,
    value: String,
    against: Option<String>,
    id: &'static str,
) -> impl IntoView {
    view! {
        <tr data-testid=id>
            <th scope="row">{label}</th>
            <td class="num">{value}</td>
            <td class="num muted">{against.unwrap_or_default()}</td>
        </tr>
    }
}

#[component]
fn ReportCard(view: FieldDay, actions: DayActions, editable: bool) -> impl IntoView {
    let i18n = use_i18n();
    let error = action_error(actions.report);
    let f = view.figures.clone();
    let editable = editable && view.report.editable();
    let reviewing = view.can_review && view.report.status == SheetStatus::Submitted;
    let fields = view.report_fields.clone();
    let attendance = fields.attendance;
    let per_visit = (f.visits > 0).then(|| format_money((f.cost_fen + f.visits / 2) / f.visits));
    let t = move || i18n.t();
    let rows = view! {
        <table class="figures-table" data-testid="report-figures">
            <thead>
                <tr>
                    <th scope="col"></th>
                    <th scope="col" class="num">{tr(|t| t.field.fig_actual)}</th>
                    <th scope="col" class="num">{tr(|t| t.field.fig_against)}</th>
                </tr>
            </thead>
            <tbody>
                {figure_row(move || t().field.fig_planned_done, format!("{} / {}", f.planned_done, f.planned), None, "fig-plan")}
                {figure_row(move || t().field.fig_visits, format_count(f.visits), None, "fig-visits")}
                {figure_row(move || t().field.fig_follow_ups, format_count(f.follow_ups), None, "fig-follow-ups")}
                {figure_row(move || t().field.fig_complaints, format_count(f.complaints_handled), None, "fig-complaints")}
                {figure_row(move || t().field.fig_orders, format_count(f.orders), None, "fig-orders")}
                {figure_row(move || t().field.fig_sales_today, format_money(f.sales_fen), f.day_sales_target_fen.map(format_money), "fig-sales")}
                {figure_row(move || t().field.fig_sales_month, format_money(f.month_sales_fen), f.month_sales_target_fen.map(format_money), "fig-sales-month")}
                {figure_row(move || t().field.fig_payments_today, format_money(f.payments_fen), None, "fig-payments")}
                {figure_row(move || t().field.fig_payments_month, format_money(f.month_payments_fen), f.month_payments_target_fen.map(format_money), "fig-payments-month")}
                {figure_row(move || t().field.fig_cost, format_money(f.cost_fen), per_visit, "fig-cost")}
            </tbody>
        </table>
    };
    view! {
        <section class="card report-card" data-testid="report-card">
            <header class="card-head">
                <h2>{tr(|t| t.field.report)}</h2>
                <SheetStatusLine sheet=view.report.clone() />
            </header>
            <p class="muted">{move || (i18n.t().field.due_hint)(&view.due_time)} " " {tr(|t| t.field.against_hint)}</p>
            {rows.into_any()}
            {if editable {
                view! {
                    <ActionForm action=actions.report attr:class="form report-form" attr:novalidate=true attr:data-testid="report-form">
                        <input type="hidden" name="form[day]" value=view.day.to_string() />
                        <input type="hidden" name="form[version]" value=view.report.version />
                        <Field label=|t| t.field.attendance error field="attendance">
                            <select name="form[attendance]">
                                <option value="">"—"</option>
                                {Attendance::ALL.iter().copied().map(|a| view! {
                                    <option value=a.as_str() selected=attendance == Some(a)>{move || i18n.t().field.attendances[a.index()]}</option>
                                }).collect_view()}
                            </select>
                        </Field>
                        <Field label=|t| t.field.complaints error field="complaints">
                            <textarea name="form[complaints]" rows="2">{fields.complaints.clone()}</textarea>
                        </Field>
                        <Field label=|t| t.field.competitors error field="competitors">
                            <textarea name="form[competitors]" rows="2">{fields.competitors.clone()}</textarea>
                        </Field>
                        <Field label=|t| t.field.feedback error field="feedback">
                            <textarea name="form[feedback]" rows="2">{fields.feedback.clone()}</textarea>
                        </Field>
                        <Field label=|t| t.field.lessons error field="lessons">
                            <textarea name="form[lessons]" rows="2">{fields.lessons.clone()}</textarea>
                        </Field>
                        <FormMessage error fields=&["attendance", "complaints", "competitors", "feedback", "lessons", "day", "status"] />
                        <div class="form-actions">
                            <button type="submit" name="form[intent]" value="save" class="button" disabled=move || actions.report.pending().get()>{tr(|t| t.field.save_draft)}</button>
                            <button type="submit" name="form[intent]" value="submit" class="button primary" disabled=move || actions.report.pending().get()>{tr(|t| t.field.submit_report)}</button>
                        </div>
                    </ActionForm>
                }.into_any()
            } else {
                let shown = [
                    (t().field.attendance, attendance.map(|a| t().field.attendances[a.index()].to_string()).unwrap_or_default()),
                    (t().field.complaints, fields.complaints.clone()),
                    (t().field.competitors, fields.competitors.clone()),
                    (t().field.feedback, fields.feedback.clone()),
                    (t().field.lessons, fields.lessons.clone()),
                ];
                view! {
                    <dl class="report-text">
                        {shown.into_iter().filter(|(_, v)| !v.is_empty()).map(|(label, value)| view! { <dt>{label}</dt><dd>{value}</dd> }).collect_view()}
                    </dl>
                }.into_any()
            }}
            {reviewing.then(|| view! { <ReviewForm sheet=view.report.clone() review=actions.review /> })}
        </section>
    }
}

#[component]
fn ExpensesCard(view: FieldDay, actions: DayActions, editable: bool) -> impl IntoView {
    let i18n = use_i18n();
    let error = action_error(actions.expense);
    let visited: Vec<(i64, String)> = {
        let mut seen: Vec<(i64, String)> = Vec::new();
        for visit in &view.visits {
            if !seen.iter().any(|(id, _)| *id == visit.customer_id) {
                seen.push((visit.customer_id, visit.customer_name.clone()));
            }
        }
        seen
    };
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(form)) = (actions.expense.value().get(), form.get()) {
            form.reset();
        }
    });
    view! {
        <section class="card expenses-card" data-testid="expenses-card">
            <h2>{tr(|t| t.field.expenses)}</h2>
            {view.expenses.is_empty().then(|| view! { <p class="muted">{tr(|t| t.field.no_expenses)}</p> })}
            <ul class="expenses">
                {view.expenses.into_iter().map(|e| {
                    let kind = e.kind;
                    view! {
                        <li data-testid="expense">
                            <span>{move || i18n.t().field.expense_kinds[kind.index()]}</span>
                            <span class="num">{format_money(e.amount_fen)}</span>
                            <span class="muted">{e.customer_name.clone().unwrap_or_default()} " " {e.note.clone()}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {editable.then(|| view! {
                <ActionForm action=actions.expense node_ref=form attr:class="form grid-form" attr:novalidate=true attr:data-testid="expense-form">
                    <input type="hidden" name="form[day]" value=view.day.to_string() />
                    <Field label=|t| t.field.expense_kind error field="kind">
                        <select name="form[kind]">
                            {ExpenseKind::ALL.iter().copied().map(|k| view! { <option value=k.as_str()>{move || i18n.t().field.expense_kinds[k.index()]}</option> }).collect_view()}
                        </select>
                    </Field>
                    <Field label=|t| t.field.amount error field="amount">
                        <input name="form[amount]" inputmode="decimal" />
                    </Field>
                    <Field label=|t| t.field.for_visit error field="customer_id">
                        <select name="form[customer_id]">
                            <option value="">{tr(|t| t.field.whole_day)}</option>
                            {visited.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                        </select>
                    </Field>
                    <Field label=|t| t.field.note error field="note">
                        <input name="form[note]" />
                    </Field>
                    <FormMessage error fields=&["kind", "amount", "customer_id", "note", "day"] />
                    <FormActions pending=actions.expense.pending().into() />
                </ActionForm>
            })}
        </section>
    }
}

#[component]
pub fn TeamDayPage() -> impl IntoView {
    let query = use_query_map();
    let review = ServerAction::<ReviewSheet>::new();
    let rules = ServerAction::<SaveFieldRules>::new();
    let team = Resource::new(
        move || {
            (
                query.read().get("day").unwrap_or_default(),
                review.version().get(),
                rules.version().get(),
            )
        },
        |(day, _, _)| load_team_day(day),
    );
    view! {
        <PageHeader title=tr(|t| t.field.team_title) subtitle=tr(|t| t.field.team_subtitle) />
        <FieldTabs current="/fieldwork/team" />
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match team.await {
                    Ok(view) => view! { <TeamBody view review rules /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn TeamBody(
    view: TeamDay,
    review: ServerAction<ReviewSheet>,
    rules: ServerAction<SaveFieldRules>,
) -> impl IntoView {
    let i18n = use_i18n();
    let error = action_error(review);
    let count = |kind: SheetKind, status: Option<SheetStatus>| {
        view.rows
            .iter()
            .filter(|r| {
                let s = if kind == SheetKind::Plan {
                    &r.plan
                } else {
                    &r.report
                };
                match status {
                    Some(st) => s.id.is_some() && s.status == st,
                    None => s.id.is_none(),
                }
            })
            .count() as i64
    };
    let tiles = [
        (
            i18n.t().field.plans_waiting,
            count(SheetKind::Plan, Some(SheetStatus::Submitted)),
            "plans-waiting",
        ),
        (
            i18n.t().field.plans_missing,
            count(SheetKind::Plan, None),
            "plans-missing",
        ),
        (
            i18n.t().field.reports_waiting,
            count(SheetKind::Report, Some(SheetStatus::Submitted)),
            "reports-waiting",
        ),
        (
            i18n.t().field.reports_late,
            view.rows.iter().filter(|r| r.report.late).count() as i64,
            "reports-late",
        ),
    ];
    let day = view.day;
    view! {
        <div class="field-day-head">
            <h2>{move || format_date(day, i18n.locale.get())}</h2>
            <DayPicker day=view.day action="/fieldwork/team" rep=None />
        </div>
        <div class="figures">
            {tiles.into_iter().map(|(label, n, id)| view! {
                <div class="figure" data-testid=id><span class="figure-label">{label}</span><strong class="figure-value">{format_count(n)}</strong></div>
            }).collect_view()}
        </div>
        <FormMessage error fields=&["action", "status", "comment"] />
        {view.rows.is_empty().then(|| view! { <EmptyState title=tr(|t| t.field.team_empty_title) body=tr(|t| t.field.team_empty_body) /> })}
        <ul class="team-day">
            {view.rows.into_iter().map(|row| {
                let href = day_href(day, Some(row.user_id));
                view! {
                    <li class="card team-row" data-testid="team-row" data-user-id=row.user_id>
                        <div class="team-row-head">
                            <a href=href.clone()><strong>{row.name.clone()}</strong></a>
                            <span class="muted">{row.team_name.clone().unwrap_or_default()}</span>
                        </div>
                        <TeamSheet label=|t| t.field.plan sheet=row.plan.clone() detail=(i18n.t().field.planned_visits)(row.planned) review href=href.clone() testid="team-plan" />
                        <TeamSheet label=|t| t.field.report sheet=row.report.clone() detail=(i18n.t().field.visits_done)(row.visits) review href testid="team-report" />
                    </li>
                }
            }).collect_view()}
        </ul>
        {view.can_edit_rules.then(|| view! { <FieldRulesForm due=crate::domain::fieldwork::clock_text(view.rules.report_due_minutes) version=view.rules_version rules /> })}
    }
}

/// One sheet of a person's day in the team view, with one-tap approval once it is submitted;
/// sending back needs a comment, given on the person's day page.
#[component]
fn TeamSheet(
    label: fn(&Texts) -> &'static str,
    sheet: SheetState,
    detail: String,
    review: ServerAction<ReviewSheet>,
    href: String,
    testid: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    let waiting = sheet.status == SheetStatus::Submitted && sheet.id.is_some();
    view! {
        <div class="team-sheet" data-testid=testid>
            <span class="team-sheet-label">{tr(label)}</span>
            {sheet_badges(&sheet)}
            <span class="muted">{detail}</span>
            {waiting.then(|| view! {
                <ActionForm action=review attr:class="inline-form">
                    <input type="hidden" name="form[sheet_id]" value=sheet.id.unwrap_or_default() />
                    <input type="hidden" name="form[version]" value=sheet.version />
                    <input type="hidden" name="form[action]" value="approve" />
                    <button type="submit" class="button small primary" data-testid="approve">{tr(|t| t.field.approve)}</button>
                </ActionForm>
                <a class="button small" href=href.clone()>{move || i18n.t().field.open_day}</a>
            })}
        </div>
    }
}

#[component]
fn FieldRulesForm(due: String, version: i32, rules: ServerAction<SaveFieldRules>) -> impl IntoView {
    let error = action_error(rules);
    view! {
        <section class="card">
            <h2>{tr(|t| t.field.rules)}</h2>
            <ActionForm action=rules attr:class="form grid-form" attr:novalidate=true attr:data-testid="field-rules-form">
                <input type="hidden" name="form[version]" value=version />
                <Field label=|t| t.field.report_due error field="report_due">
                    <input name="form[report_due]" value=due inputmode="numeric" />
                </Field>
                <FormMessage error fields=&["report_due"] />
                <FormActions pending=rules.pending().into() />
            </ActionForm>
        </section>
    }
}

#[component]
pub fn EfficiencyPage() -> impl IntoView {
    view! {
        <PageHeader title=tr(|t| t.field.efficiency_title) subtitle=tr(|t| t.field.efficiency_subtitle) />
        <FieldTabs current="/fieldwork/efficiency" />
        {report_body(load_efficiency, |query, options, loaded| match loaded {
            Loaded::Report(view) => {
                let period = Some((view.from, view.to));
                view! {
                    <ReportFilters action="/fieldwork/efficiency" query options errors=Vec::new() period><span></span></ReportFilters>
                    <EfficiencyTable view />
                }.into_any()
            }
            Loaded::Refused(errors) => view! { <ReportFilters action="/fieldwork/efficiency" query options errors period=None><span></span></ReportFilters> }.into_any(),
        })}
    }
}

fn efficiency_cells(f: &crate::domain::fieldwork::FieldFigures) -> Vec<String> {
    vec![
        format_count(f.days),
        format_count(f.visits),
        or_dash(f.visits_per_day_tenths(), tenths_text),
        format!("{} / {}", f.planned_done, f.planned_visits),
        or_dash(f.plan_completion_bp(), percent_text),
        format_money(f.cost_fen),
        or_dash(f.cost_per_visit_fen(), format_money),
        or_dash(f.orders_per_visit_bp(), percent_text),
        or_dash(f.sales_per_visit_fen(), format_money),
        or_dash(f.new_customers_per_visit_bp(), percent_text),
    ]
}

/// The efficiency columns after the first (who, or which period).
#[component]
fn EfficiencyHead(first: fn(&Texts) -> &'static str) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <thead>
            <tr>
                <th scope="col">{tr(first)}</th>
                {move || i18n.t().field.efficiency_columns.iter().map(|c| view! { <th scope="col" class="num">{*c}</th> }).collect_view()}
            </tr>
        </thead>
    }
}

#[component]
fn EfficiencyTable(view: Efficiency) -> impl IntoView {
    let i18n = use_i18n();
    let total = efficiency_cells(&view.total);
    view! {
        <p class="muted">{tr(|t| t.field.efficiency_rules)}</p>
        <div class="table-wrap">
            <table class="table" data-testid="efficiency-table">
                <EfficiencyHead first=|t| t.field.person />
                <tbody>
                    {view.rows.into_iter().map(|row| {
                        let cells = efficiency_cells(&row.figures);
                        view! {
                            <tr data-testid="efficiency-row" data-user-id=row.user_id>
                                <th scope="row">{row.name.clone()} <small class="muted">{row.team_name.clone().unwrap_or_default()}</small></th>
                                {cells.into_iter().map(|c| view! { <td class="num">{c}</td> }).collect_view()}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
                <tfoot>
                    <tr data-testid="efficiency-total">
                        <th scope="row">{tr(|t| t.field.total)}</th>
                        {total.into_iter().map(|c| view! { <td class="num">{c}</td> }).collect_view()}
                    </tr>
                </tfoot>
            </table>
        </div>
        <h2>{if view.monthly { tr(|t| t.field.roll_up_monthly) } else { tr(|t| t.field.roll_up_weekly) }}</h2>
        <div class="table-wrap">
            <table class="table" data-testid="roll-up-table">
                <EfficiencyHead first=|t| t.field.period />
                <tbody>
                    {view.roll_up.into_iter().map(|row| {
                        let cells = efficiency_cells(&row.figures);
                        let (first, last) = (row.first, row.last);
                        view! {
                            <tr data-testid="roll-up-row">
                                <th scope="row">{move || format!("{} – {}", format_date(first, i18n.locale.get()), format_date(last, i18n.locale.get()))}</th>
                                {cells.into_iter().map(|c| view! { <td class="num">{c}</td> }).collect_view()}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
