//! Customer pages: the list (mine / lead pool), a new customer, the customer file with its
//! timeline and follow-up form, and "My follow-ups". Search and paging are links and GET forms, so
//! they work before hydration and without JavaScript.
use super::api::{
    customer_filter_options, customer_stage_counts, list_customers, my_agenda, ClaimCustomer,
    DeleteCustomerFilter, ReassignCustomers, SaveCustomerFilter,
};
use super::{AgendaItem, CustomerFilter, CustomerRow, FilterOptions, StageCounts, PAGE_SIZE};
use crate::domain::customer::{CustomerSort, LadderStage};
use crate::domain::format::format_date;
use crate::i18n::{tr, use_i18n, I18n};
use crate::ui::{
    action_error, id_choices, text_choices, ChoiceFilter, EmptyState, ErrorPanel, ExportLinks,
    FormMessage, IdSelection, Loading, PageHeader,
};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

pub fn stage_label(i18n: I18n, stage: LadderStage) -> &'static str {
    i18n.t().customers.stages[stage.index()]
}

#[component]
pub fn StageBadge(stage: LadderStage) -> impl IntoView {
    let i18n = use_i18n();
    view! { <span class=format!("badge stage-{}", stage.as_str())>{move || stage_label(i18n, stage)}</span> }
}

/// "New customer" or "existing customer" once a customer has ordered.
#[component]
pub fn NewnessBadge(is_new: Option<bool>) -> impl IntoView {
    let i18n = use_i18n();
    is_new.map(|new| {
        let class = if new { "badge newness new" } else { "badge newness old" };
        view! { <span class=class>{move || if new { i18n.t().ladder.new_customer } else { i18n.t().ladder.old_customer }}</span> }
    })
}

/// The customer views as tabs; managers also get the ladder and handover.
#[component]
pub fn CustomerTabs(active: &'static str) -> impl IntoView {
    let manages = use_context::<crate::auth::CurrentUser>().is_some_and(|u| u.role.leads_people());
    let tabs: [(
        &'static str,
        &'static str,
        fn(&crate::i18n::Texts) -> &'static str,
        bool,
    ); 6] = [
        ("/customers", "mine", |t| t.customers.mine, true),
        ("/customers?view=pool", "pool", |t| t.customers.pool, true),
        (
            "/customers/follow-ups",
            "agenda",
            |t| t.customers.follow_ups,
            true,
        ),
        (
            "/customers/ladder",
            "ladder",
            |t| t.customers.ladder,
            manages,
        ),
        (
            "/customers/handover",
            "handover",
            |t| t.customers.handover,
            manages,
        ),
        ("/import", "import", |t| t.imports.tab, manages),
    ];
    crate::ui::tab_bar(
        |t| t.nav_customers,
        tabs.into_iter()
            .filter(|(_, _, _, shown)| *shown)
            .map(|(href, key, label, _)| crate::ui::Tab::new(href, label, key == active))
            .collect(),
    )
}

#[component]
pub fn CustomersPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        let q = query.read();
        CustomerFilter::from_pairs(|key| q.get(key))
    });
    let claim = ServerAction::<ClaimCustomer>::new();
    let claim_error = action_error(claim);
    let assign = ServerAction::<ReassignCustomers>::new();
    let customers = Resource::new(
        move || (filter.get(), claim.version().get(), assign.version().get()),
        |(filter, _, _)| list_customers(filter),
    );
    let counts = Resource::new(
        move || (filter.get(), claim.version().get(), assign.version().get()),
        |(filter, _, _)| customer_stage_counts(filter),
    );
    let save_filter = ServerAction::<SaveCustomerFilter>::new();
    let delete_filter = ServerAction::<DeleteCustomerFilter>::new();
    let options = Resource::new(
        move || (save_filter.version().get(), delete_filter.version().get()),
        |_| customer_filter_options(),
    );
    let selected = IdSelection::new();
    let is_pool = move || filter.with(|f| f.view == "pool");
    view! {
        <PageHeader title=Signal::derive(move || i18n.t().nav_customers.to_string()) />
        <div class="toolbar">
            {move || view! { <CustomerTabs active=if is_pool() { "pool" } else { "mine" } /> }}
            <a class="button primary" href="/customers/new">{tr(|t| t.customers.new_customer)}</a>
        </div>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                options.await.ok().map(|options| view! { <FilterBar filter options save_filter delete_filter /> })
            })}
        </Transition>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move { counts.await.ok().map(|counts| view! { <StageChips filter counts /> }) })}
        </Transition>
        <FormMessage error=claim_error />
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                let can_assign = options.await.map(|o| o.can_assign).unwrap_or(false);
                let people = options.await.map(|o| o.people).unwrap_or_default();
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
                            <div class="list-meta">
                                <p class="muted" data-testid="customer-total">{move || (i18n.t().customers.total)(total)}</p>
                                <ExportLinks list="customers" query=filter.get_untracked().query_string() />
                            </div>
                            {can_assign.then(|| view! { <AssignBar assign selected people /> })}
                            <ul class="customer-list" data-testid="customer-list">
                                {page.rows.into_iter().map(|row| view! { <CustomerCard row pool claim selectable=can_assign selected /> }).collect_view()}
                            </ul>
                            {pager(total, current, filter)}
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Search, sorting and the filter menus as one GET form (bookmarkable, works without JavaScript),
/// plus the user's saved filters.
#[component]
fn FilterBar(
    filter: Memo<CustomerFilter>,
    options: FilterOptions,
    save_filter: ServerAction<SaveCustomerFilter>,
    delete_filter: ServerAction<DeleteCustomerFilter>,
) -> impl IntoView {
    let i18n = use_i18n();
    let f = filter.get_untracked();
    let save_error = action_error(save_filter);
    let current_query = f.query_string();
    let filtered = f.is_filtered();
    let open_filters = [
        &f.owner,
        &f.team,
        &f.industry,
        &f.province,
        &f.tag,
        &f.quiet_days,
    ]
    .iter()
    .any(|v| !v.is_empty());
    view! {
        <form class="search-bar" method="get" action="/customers" role="search">
            <input type="hidden" name="view" value=f.view.clone() />
            <input type="search" name="q" aria-label=move || i18n.t().customers.search
                placeholder=move || i18n.t().customers.search_placeholder value=f.q.clone() />
            <select name="sort" aria-label=move || i18n.t().customers.sort>
                {CustomerSort::ALL.iter().copied().map(|sort| {
                    let selected = sort.as_str() == f.sort || (f.sort.is_empty() && sort == CustomerSort::Updated);
                    view! { <option value=sort.as_str() selected=selected>{move || i18n.t().customers.sorts[sort.index()]}</option> }
                }).collect_view()}
            </select>
            <input type="hidden" name="stage" value=f.stage.clone() />
            <button type="submit" class="button">{tr(|t| t.customers.search)}</button>
            <details class="filters" open=open_filters>
                <summary>{tr(|t| t.customers.filters)}</summary>
                <div class="filter-grid">
                    {(options.people.len() > 1).then(|| view! { <ChoiceFilter name="owner" all=|t| t.customers.all_owners current=f.owner.clone() choices=id_choices(&options.people) /> })}
                    {(!options.teams.is_empty()).then(|| view! { <ChoiceFilter name="team" all=|t| t.customers.all_teams current=f.team.clone() choices=id_choices(&options.teams) /> })}
                    <ChoiceFilter name="industry" all=|t| t.customers.all_industries current=f.industry.clone() choices=text_choices(&options.industries) />
                    <ChoiceFilter name="province" all=|t| t.customers.all_provinces current=f.province.clone() choices=text_choices(&options.provinces) />
                    <select name="quiet_days" aria-label=move || i18n.t().customers.quiet_days>
                        <option value="">{tr(|t| t.customers.quiet_days)} ": " {tr(|t| t.customers.quiet_any)}</option>
                        {[7u32, 14, 30, 60, 90].into_iter().map(|days| view! {
                            <option value=days.to_string() selected=f.quiet_days == days.to_string()>{move || (i18n.t().customers.quiet_for)(days)}</option>
                        }).collect_view()}
                    </select>
                    <input name="tag" placeholder=move || i18n.t().customers.tag aria-label=move || i18n.t().customers.tag value=f.tag.clone() />
                    <button type="submit" class="button">{tr(|t| t.customers.apply)}</button>
                    {filtered.then(|| view! {
                        <a class="button subtle" href=format!("/customers?view={}", f.view)>{tr(|t| t.customers.clear_filters)}</a>
                    })}
                </div>
            </details>
        </form>
        <div class="saved-filters">
            {(!options.saved.is_empty()).then(|| view! { <span class="muted">{tr(|t| t.customers.saved_filters)} ":"</span> })}
            {options.saved.into_iter().map(|saved| view! {
                <span class="chip">
                    <a href=format!("/customers?{}", saved.query)>{saved.name.clone()}</a>
                    <ActionForm action=delete_filter attr:class="inline-form">
                        <input type="hidden" name="id" value=saved.id />
                        <button type="submit" class="chip-remove" aria-label=move || i18n.t().customers.delete_filter title=move || i18n.t().customers.delete_filter>"×"</button>
                    </ActionForm>
                </span>
            }).collect_view()}
            {filtered.then(|| view! {
                <ActionForm action=save_filter attr:class="inline-form save-filter">
                    <input type="hidden" name="query" value=current_query />
                    <input name="filter_name" required maxlength="40" placeholder=move || i18n.t().customers.filter_name aria-label=move || i18n.t().customers.filter_name />
                    <button type="submit" class="button small">{tr(|t| t.customers.save_filter)}</button>
                </ActionForm>
            })}
            <FormMessage error=save_error />
        </div>
    }
}

/// One chip per ladder stage with its count in the filtered set; a chip filters to its stage.
#[component]
fn StageChips(filter: Memo<CustomerFilter>, counts: StageCounts) -> impl IntoView {
    let i18n = use_i18n();
    let f = filter.get_untracked();
    let all: u64 = counts.counts.iter().map(|(_, n)| n).sum();
    let link = move |stage: &str| {
        let mut target = f.clone();
        target.stage = stage.to_string();
        format!("/customers?{}", target.query_string())
    };
    let current = filter.get_untracked().stage;
    view! {
        <nav class="stage-chips" aria-label=move || i18n.t().customers.stage data-testid="stage-chips">
            <a class="chip" href=link("") aria-current=current.is_empty().then_some("true")>{tr(|t| t.customers.all_stages)} " " <b>{all}</b></a>
            {counts.counts.into_iter().map(|(stage, n)| view! {
                <a class=format!("chip stage-{}", stage.as_str()) href=link(stage.as_str()) aria-current=(current == stage.as_str()).then_some("true")>
                    {move || stage_label(i18n, stage)} " " <b>{n}</b>
                </a>
            }).collect_view()}
        </nav>
    }
}

/// Managers select customers in the list and assign them to a rep in one request.
#[component]
fn AssignBar(
    assign: ServerAction<ReassignCustomers>,
    selected: IdSelection,
    people: Vec<(i64, String)>,
) -> impl IntoView {
    let i18n = use_i18n();
    let error = action_error(assign);
    Effect::new(move |_| {
        if let Some(Ok(_)) = assign.value().get() {
            selected.clear();
        }
    });
    view! {
        <ActionForm action=assign attr:class="assign-bar" attr:id="assign-form">
            <input type="hidden" name="customer_ids" prop:value=move || selected.form_value() />
            <label class="field inline">
                <span>{tr(|t| t.customers.assign_to)}</span>
                <select name="to" required>
                    <option value="">{tr(|t| t.none_option)}</option>
                    {people.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                </select>
            </label>
            <button type="submit" class="button small" disabled=move || selected.is_empty() || assign.pending().get()>
                {tr(|t| t.customers.assign_selected)} " (" {move || selected.len()} ")"
            </button>
            {move || assign.value().get().and_then(|r| r.ok()).map(|n| view! { <span class="ok-text" role="status">{(i18n.t().customers.moved)(n)}</span> })}
            <FormMessage error />
        </ActionForm>
    }
}

#[component]
fn CustomerCard(
    row: CustomerRow,
    pool: bool,
    claim: ServerAction<ClaimCustomer>,
    selectable: bool,
    selected: IdSelection,
) -> impl IntoView {
    let i18n = use_i18n();
    let last = row.last_follow_up_on;
    let id = row.id;
    let name_for_label = row.name.clone();
    view! {
        <li class="customer-card">
            <div class="customer-card-main">
                {selectable.then(|| view! {
                    <input type="checkbox" class="select-customer" aria-label=format!("{} {}", i18n.t().customers.select_customer, name_for_label)
                        prop:checked=move || selected.contains(id)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            selected.set(id, on);
                        } />
                })}
                <a class="customer-name" href=format!("/customers/{}", row.id)>{row.name}</a>
                <StageBadge stage=row.stage />
                <NewnessBadge is_new=row.is_new />
                <crate::ui::AbcBadge class=row.abc_class />
            </div>
            <div class="customer-card-meta">
                <span>{row.city}</span>
                <span>{row.owner_name.unwrap_or_default()}</span>
                <span>
                    {tr(|t| t.customers.last_follow_up)} ": "
                    {move || last.map(|d| format_date(d, i18n.locale.get())).unwrap_or_else(|| i18n.t().customers.never.to_string())}
                </span>
                {row.tags.into_iter().map(|tag| view! { <span class="tag">{tag}</span> }).collect_view()}
            </div>
            {pool.then(|| view! {
                <ActionForm action=claim attr:class="inline-form">
                    <input type="hidden" name="id" value=row.id />
                    <button type="submit" class="button small">{tr(|t| t.customers.claim)}</button>
                </ActionForm>
            })}
        </li>
    }
}

fn pager(total: u64, current: u64, filter: Memo<CustomerFilter>) -> impl IntoView {
    crate::ui::pager(current, total.div_ceil(PAGE_SIZE), move |page| {
        format!(
            "/customers?{}&page={page}",
            filter.get_untracked().query_string()
        )
    })
}

/// One group of next steps (overdue, today, upcoming), nothing when it is empty.
#[component]
pub fn AgendaGroup(
    title: fn(&crate::i18n::Texts) -> &'static str,
    class: &'static str,
    items: Vec<AgendaItem>,
) -> impl IntoView {
    let i18n = use_i18n();
    (!items.is_empty()).then(|| view! {
        <section class=format!("agenda {class}")>
            <h3>{move || title(i18n.t())} " (" {items.len()} ")"</h3>
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
}

#[component]
pub fn AgendaPage() -> impl IntoView {
    let i18n = use_i18n();
    let agenda = Resource::new(|| (), |_| my_agenda());
    view! {
        <PageHeader title=Signal::derive(move || i18n.t().customers.follow_ups.to_string()) />
        <div class="toolbar"><CustomerTabs active="agenda" /> <ExportLinks list="follow-ups" query=String::new() /></div>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match agenda.await {
                    Ok(a) if a.overdue.is_empty() && a.today.is_empty() && a.upcoming.is_empty() => {
                        view! { <p class="muted" data-testid="agenda-empty">{tr(|t| t.customers.nothing_due)}</p> }.into_any()
                    }
                    Ok(a) => view! {
                        <div class="card" data-testid="agenda">
                            <AgendaGroup title=|t| t.customers.overdue class="overdue" items=a.overdue />
                            <AgendaGroup title=|t| t.customers.due_today class="today" items=a.today />
                            <AgendaGroup title=|t| t.customers.upcoming class="upcoming" items=a.upcoming />
                        </div>
                    }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
