//! Customer pages: the list (mine / lead pool), a new customer, the customer file with its
//! timeline and follow-up form, and "My follow-ups". Search and paging are links and GET forms, so
//! they work before hydration and without JavaScript.
use super::api::{list_customers, load_customer, my_agenda, ClaimCustomer, LogFollowUp, SaveCustomer};
use super::{AgendaItem, CustomerDetail, CustomerFilter, CustomerRow, TimelineEntry, TimelineKind, PAGE_SIZE};
use crate::domain::customer::{FollowUpKind, Intent, LadderStage};
use crate::domain::format::format_date;
use crate::i18n::{use_i18n, I18n};
use crate::ui::{action_error, invalid, EmptyState, ErrorPanel, Field, FormActions, FormMessage, Loading, PageHeader};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

fn stage_label(i18n: I18n, stage: LadderStage) -> &'static str {
    i18n.t().customers.stages[stage.index()]
}

#[component]
fn StageBadge(stage: LadderStage) -> impl IntoView {
    let i18n = use_i18n();
    view! { <span class=format!("badge stage-{}", stage.as_str())>{move || stage_label(i18n, stage)}</span> }
}

/// The three customer views as tabs.
#[component]
fn CustomerTabs(active: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let tab = |href: &'static str, key: &'static str, label: fn(&crate::i18n::Texts) -> &'static str| {
        view! { <a class="tab" href=href aria-current=(key == active).then_some("page")>{move || label(i18n.t())}</a> }
    };
    view! {
        <nav class="tabs">
            {tab("/customers", "mine", |t| t.customers.mine)}
            {tab("/customers?view=pool", "pool", |t| t.customers.pool)}
            {tab("/customers/follow-ups", "agenda", |t| t.customers.follow_ups)}
        </nav>
    }
}

#[component]
pub fn CustomersPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        let q = query.read();
        CustomerFilter {
            q: q.get("q").unwrap_or_default(),
            stage: q.get("stage").unwrap_or_default(),
            view: q.get("view").unwrap_or_default(),
            page: q.get("page").and_then(|p| p.parse().ok()).unwrap_or(0),
        }
    });
    let claim = ServerAction::<ClaimCustomer>::new();
    let claim_error = action_error(claim);
    let customers = Resource::new(move || (filter.get(), claim.version().get()), |(filter, _)| list_customers(filter));
    let is_pool = move || filter.with(|f| f.view == "pool");
    view! {
        <PageHeader title=Signal::derive(move || i18n.t().nav_customers.to_string()) />
        <div class="toolbar">
            {move || view! { <CustomerTabs active=if is_pool() { "pool" } else { "mine" } /> }}
            <a class="button primary" href="/customers/new">{move || i18n.t().customers.new_customer}</a>
        </div>
        <form class="search-bar" method="get" action="/customers" role="search">
            <input type="hidden" name="view" value=move || filter.with(|f| f.view.clone()) />
            <input type="search" name="q" aria-label=move || i18n.t().customers.search
                placeholder=move || i18n.t().customers.search_placeholder
                prop:value=move || filter.with(|f| f.q.clone()) />
            <select name="stage" aria-label=move || i18n.t().customers.stage>
                <option value="">{move || i18n.t().customers.all_stages}</option>
                {LadderStage::ALL.iter().copied().map(|stage| view! {
                    <option value=stage.as_str() selected=move || filter.with(|f| f.stage == stage.as_str())>{move || stage_label(i18n, stage)}</option>
                }).collect_view()}
            </select>
            <button type="submit" class="button">{move || i18n.t().customers.search}</button>
        </form>
        <FormMessage error=claim_error />
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match customers.await {
                    Ok(page) if page.rows.is_empty() => view! {
                        <EmptyState
                            title=Signal::derive(move || i18n.t().customers.empty_title.to_string())
                            body=Signal::derive(move || if is_pool() { i18n.t().customers.pool_empty } else { i18n.t().customers.empty_body }.to_string())
                        />
                    }.into_any(),
                    Ok(page) => {
                        let total = page.total;
                        let current = page.page;
                        let pool = is_pool();
                        view! {
                            <p class="muted" data-testid="customer-total">{move || (i18n.t().customers.total)(total)}</p>
                            <ul class="customer-list" data-testid="customer-list">
                                {page.rows.into_iter().map(|row| view! { <CustomerCard row pool claim /> }).collect_view()}
                            </ul>
                            <Pager total current filter />
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn CustomerCard(row: CustomerRow, pool: bool, claim: ServerAction<ClaimCustomer>) -> impl IntoView {
    let i18n = use_i18n();
    let last = row.last_follow_up_at.map(|at| at.date_naive());
    view! {
        <li class="customer-card">
            <div class="customer-card-main">
                <a class="customer-name" href=format!("/customers/{}", row.id)>{row.name}</a>
                <StageBadge stage=row.stage />
            </div>
            <div class="customer-card-meta">
                <span>{row.city}</span>
                <span>{row.owner_name.unwrap_or_default()}</span>
                <span>
                    {move || i18n.t().customers.last_follow_up} ": "
                    {move || last.map(|d| format_date(d, i18n.locale.get())).unwrap_or_else(|| i18n.t().customers.never.to_string())}
                </span>
            </div>
            {pool.then(|| view! {
                <ActionForm action=claim attr:class="inline-form">
                    <input type="hidden" name="id" value=row.id />
                    <button type="submit" class="button small">{move || i18n.t().customers.claim}</button>
                </ActionForm>
            })}
        </li>
    }
}

#[component]
fn Pager(total: u64, current: u64, filter: Memo<CustomerFilter>) -> impl IntoView {
    let i18n = use_i18n();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let href = move |page: u64| {
        let f = filter.get_untracked();
        format!("/customers?view={}&q={}&stage={}&page={page}", f.view, urlencode(&f.q), f.stage)
    };
    view! {
        <nav class="pager">
            {(current > 0).then(|| view! { <a class="button small" href=href(current - 1)>{move || i18n.t().customers.previous}</a> })}
            <span class="muted">{format!("{} / {}", current + 1, pages)}</span>
            {(current + 1 < pages).then(|| view! { <a class="button small" href=href(current + 1)>{move || i18n.t().customers.next}</a> })}
        </nav>
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

#[component]
pub fn NewCustomerPage() -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<SaveCustomer>::new();
    let error = action_error(save);
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = save.value().get() {
            navigate(&format!("/customers/{id}"), Default::default());
        }
    });
    let duplicate = move || error.with(|e| e.as_ref().is_some_and(|e| e.field_errors().iter().any(|f| matches!(f.code, crate::domain::forms::ErrorCode::PossibleDuplicate { .. }))));
    let text_field = move |label: fn(&crate::i18n::Texts) -> &'static str, field: &'static str, kind: &'static str| {
        view! {
            <Field label error field>
                <input name=format!("form[{field}]") type=kind aria-invalid=invalid(error, field) />
            </Field>
        }
    };
    view! {
        <PageHeader title=Signal::derive(move || i18n.t().customers.new_customer.to_string()) />
        <ActionForm action=save attr:class="form grid-form card" attr:novalidate=true>
            {text_field(|t| t.customers.name, "name", "text")}
            {text_field(|t| t.customers.short_name, "short_name", "text")}
            <Field label=|t| t.customers.stage error field="stage">
                <select name="form[stage]">
                    {LadderStage::ALL.iter().copied().map(|stage| view! { <option value=stage.as_str()>{move || stage_label(i18n, stage)}</option> }).collect_view()}
                </select>
            </Field>
            {text_field(|t| t.customers.phone, "phone", "tel")}
            {text_field(|t| t.customers.province, "province", "text")}
            {text_field(|t| t.customers.city, "city", "text")}
            {text_field(|t| t.customers.street, "street", "text")}
            {text_field(|t| t.customers.industry, "industry", "text")}
            {text_field(|t| t.customers.tax_id, "tax_id", "text")}
            {text_field(|t| t.customers.contact_name, "contact_name", "text")}
            {text_field(|t| t.customers.contact_phone, "contact_phone", "tel")}
            {text_field(|t| t.customers.notes, "notes", "text")}
            {move || duplicate().then(|| view! {
                <label class="confirm">
                    <input type="checkbox" name="form[confirm_duplicate]" value="yes" />
                    {move || i18n.t().customers.save_anyway}
                </label>
            })}
            <FormMessage error fields=&["name", "short_name", "stage", "phone", "province", "city", "street", "industry", "tax_id", "contact_name", "contact_phone", "notes"] />
            <FormActions pending=save.pending().into() cancel_href=Some("/customers") />
        </ActionForm>
    }
}

#[component]
pub fn CustomerPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0));
    let log = ServerAction::<LogFollowUp>::new();
    let customer = Resource::new(move || (id.get(), log.version().get()), |(id, _)| load_customer(id));
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match customer.await {
                    Ok(customer) => view! { <CustomerFile customer log /> }.into_any(),
                    Err(crate::error::AppError::NotFound) => view! { <crate::ui::NotFoundPanel /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
        <p><a href="/customers">{move || i18n.t().nav_customers}</a></p>
    }
}

#[component]
fn CustomerFile(customer: CustomerDetail, log: ServerAction<LogFollowUp>) -> impl IntoView {
    let i18n = use_i18n();
    let info = |label: fn(&crate::i18n::Texts) -> &'static str, value: String| {
        (!value.is_empty()).then(|| view! { <div class="info"><dt>{move || label(i18n.t())}</dt><dd>{value}</dd></div> })
    };
    let owner = customer.owner_name.clone();
    view! {
        <header class="page-header customer-header">
            <h1 data-testid="customer-name">{customer.name.clone()}</h1>
            <StageBadge stage=customer.stage />
        </header>
        <section class="card">
            <dl class="info-grid">
                <div class="info">
                    <dt>{move || i18n.t().customers.owner}</dt>
                    <dd>{move || owner.clone().unwrap_or_else(|| i18n.t().customers.no_owner.to_string())}</dd>
                </div>
                {info(|t| t.customers.short_name, customer.short_name)}
                {info(|t| t.customers.phone, customer.phone)}
                {info(|t| t.customers.address, customer.address)}
                {info(|t| t.customers.industry, customer.industry)}
                {info(|t| t.customers.tax_id, customer.tax_id)}
                {info(|t| t.customers.notes, customer.notes)}
            </dl>
        </section>
        <section class="card">
            <h2>{move || i18n.t().customers.contacts}</h2>
            {if customer.contacts.is_empty() {
                view! { <p class="muted">{move || i18n.t().customers.no_contacts}</p> }.into_any()
            } else {
                view! {
                    <ul class="plain-list">
                        {customer.contacts.into_iter().map(|c| view! {
                            <li>{c.name} " " <span class="muted">{c.title}</span> " " <a href=format!("tel:{}", c.phone)>{c.phone.clone()}</a></li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        {customer.owner_id.is_some().then(|| view! { <FollowUpForm customer_id=customer.id log /> })}
        <section class="card">
            <h2>{move || i18n.t().customers.timeline}</h2>
            {if customer.timeline.is_empty() {
                view! { <p class="muted">{move || i18n.t().customers.no_timeline}</p> }.into_any()
            } else {
                view! { <ol class="timeline" data-testid="timeline">{customer.timeline.into_iter().map(|entry| view! { <TimelineItem entry /> }).collect_view()}</ol> }.into_any()
            }}
        </section>
    }
}

#[component]
fn TimelineItem(entry: TimelineEntry) -> impl IntoView {
    let i18n = use_i18n();
    let date = entry.at.date_naive();
    let who = entry.actor_name.unwrap_or_default();
    let (title, body) = match entry.kind {
        TimelineKind::FollowUp { kind, intent, next_date, next_action } => {
            let next = next_date.map(|d| (d, next_action));
            (
                Signal::derive(move || {
                    let c = &i18n.t().customers;
                    format!("{} · {}", c.follow_up_kinds[kind.index()], c.intents[intent.index()])
                }),
                Some((entry.text, next)),
            )
        }
        TimelineKind::Event { kind } => {
            let detail = entry.text;
            (Signal::derive(move || (i18n.t().customers.event)(&kind, &detail)), None)
        }
    };
    view! {
        <li class="timeline-item">
            <div class="timeline-head">
                <strong>{title}</strong>
                <span class="muted">{who} " · " {move || format_date(date, i18n.locale.get())}</span>
            </div>
            {body.map(|(text, next)| view! {
                <p>{text}</p>
                {next.map(|(date, action)| view! {
                    <p class="muted">{move || i18n.t().customers.next_date} ": " {move || format_date(date, i18n.locale.get())} " " {action}</p>
                })}
            })}
        </li>
    }
}

#[component]
fn FollowUpForm(customer_id: i64, log: ServerAction<LogFollowUp>) -> impl IntoView {
    let i18n = use_i18n();
    let error = action_error(log);
    view! {
        <section class="card" id="follow-up">
            <h2>{move || i18n.t().customers.log_follow_up}</h2>
            <ActionForm action=log attr:class="form grid-form" attr:novalidate=true>
                <input type="hidden" name="form[customer_id]" value=customer_id />
                <Field label=|t| t.customers.kind error field="kind">
                    <select name="form[kind]">
                        {FollowUpKind::ALL.iter().copied().map(|kind| view! {
                            <option value=kind.as_str()>{move || i18n.t().customers.follow_up_kinds[kind.index()]}</option>
                        }).collect_view()}
                    </select>
                </Field>
                <Field label=|t| t.customers.intent error field="intent">
                    <select name="form[intent]">
                        {Intent::ALL.iter().copied().map(|intent| view! {
                            <option value=intent.as_str() selected=intent == Intent::Medium>{move || i18n.t().customers.intents[intent.index()]}</option>
                        }).collect_view()}
                    </select>
                </Field>
                <Field label=|t| t.customers.summary error field="summary">
                    <input name="form[summary]" aria-invalid=invalid(error, "summary") />
                </Field>
                <Field label=|t| t.customers.next_date error field="next_date">
                    <input name="form[next_date]" type="date" aria-invalid=invalid(error, "next_date") />
                </Field>
                <Field label=|t| t.customers.next_action error field="next_action">
                    <input name="form[next_action]" aria-invalid=invalid(error, "next_action") />
                </Field>
                <FormMessage error fields=&["kind", "intent", "summary", "next_date", "next_action"] />
                <FormActions pending=log.pending().into() />
            </ActionForm>
        </section>
    }
}

#[component]
pub fn AgendaPage() -> impl IntoView {
    let i18n = use_i18n();
    let agenda = Resource::new(|| (), |_| my_agenda());
    let group = move |title: fn(&crate::i18n::Texts) -> &'static str, class: &'static str, items: Vec<AgendaItem>| {
        (!items.is_empty()).then(|| view! {
            <section class=format!("card agenda {class}")>
                <h2>{move || title(i18n.t())} " (" {items.len()} ")"</h2>
                <ul class="plain-list">
                    {items.into_iter().map(|item| view! {
                        <li>
                            <span class="muted">{move || format_date(item.next_date, i18n.locale.get())}</span> " "
                            <a href=format!("/customers/{}#follow-up", item.customer_id)>{item.customer_name}</a> " "
                            {item.next_action} " " <span class="muted">{item.author_name}</span>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        })
    };
    view! {
        <PageHeader title=Signal::derive(move || i18n.t().customers.follow_ups.to_string()) />
        <div class="toolbar"><CustomerTabs active="agenda" /></div>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match agenda.await {
                    Ok(a) if a.overdue.is_empty() && a.today.is_empty() && a.upcoming.is_empty() => {
                        view! { <p class="muted" data-testid="agenda-empty">{move || i18n.t().customers.nothing_due}</p> }.into_any()
                    }
                    Ok(a) => view! {
                        <div data-testid="agenda">
                            {group(|t| t.customers.overdue, "overdue", a.overdue)}
                            {group(|t| t.customers.due_today, "today", a.today)}
                            {group(|t| t.customers.upcoming, "upcoming", a.upcoming)}
                        </div>
                    }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
