//! Manager views of the customer base: the ladder per rep and the handover of a leaving rep's
//! customers.
use super::api::{customer_filter_options, load_ladder_breakdown, HandoverCustomers};
use super::page::{stage_label, CustomerTabs};
use super::LadderRow;
use crate::domain::customer::LadderStage;
use crate::i18n::{tr, use_i18n};
use crate::ui::{action_error, ErrorPanel, FormMessage, IdSelection, Loading, PageHeader};
use leptos::form::ActionForm;
use leptos::prelude::*;

#[component]
pub fn LadderPage() -> impl IntoView {
    let i18n = use_i18n();
    let breakdown = Resource::new(|| (), |_| load_ladder_breakdown());
    view! {
        <PageHeader title=Signal::derive(move || i18n.t().customers.ladder.to_string()) />
        <div class="toolbar"><CustomerTabs active="ladder" /> <crate::ui::ExportLinks list="ladder" query=String::new() /></div>
        <super::ladder::LadderSuggestionsPanel />
        <p class="muted">{tr(|t| t.customers.ladder_hint)}</p>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match breakdown.await {
                    Ok(b) => view! { <LadderTable rows=b.rows /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn LadderTable(rows: Vec<LadderRow>) -> impl IntoView {
    let i18n = use_i18n();
    let stages = LadderStage::ALL.len();
    let column_totals: Vec<u64> = (0..stages)
        .map(|i| rows.iter().map(|r| r.counts[i]).sum())
        .collect();
    let grand_total: u64 = column_totals.iter().sum();
    view! {
        <div class="table-wrap">
            <table class="table ladder-table" data-testid="ladder-table">
                <thead>
                    <tr>
                        <th scope="col">{tr(|t| t.customers.rep)}</th>
                        {LadderStage::ALL.iter().copied().map(|s| view! { <th scope="col" class="num">{move || stage_label(i18n, s)}</th> }).collect_view()}
                        <th scope="col" class="num">{tr(|t| t.customers.all)}</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|row| {
                        let total: u64 = row.counts.iter().sum();
                        let owner = row.owner_id;
                        view! {
                            <tr>
                                <th scope="row">{row.owner_name} <span class="muted">" " {row.team_name.unwrap_or_default()}</span></th>
                                {row.counts.into_iter().zip(LadderStage::ALL.iter().copied()).map(|(n, s)| view! {
                                    <td class="num">{(n > 0).then(|| view! { <a href=format!("/customers?owner={owner}&stage={}", s.as_str())>{n}</a> })}</td>
                                }).collect_view()}
                                <td class="num"><a href=format!("/customers?owner={owner}")>{total}</a></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
                <tfoot>
                    <tr>
                        <th scope="row">{tr(|t| t.customers.all)}</th>
                        {column_totals.into_iter().map(|n| view! { <td class="num">{n}</td> }).collect_view()}
                        <td class="num">{grand_total}</td>
                    </tr>
                </tfoot>
            </table>
        </div>
    }
}

#[component]
pub fn HandoverPage() -> impl IntoView {
    let i18n = use_i18n();
    let options = Resource::new(|| (), |_| customer_filter_options());
    let handover = ServerAction::<HandoverCustomers>::new();
    let error = action_error(handover);
    let to = IdSelection::new();
    view! {
        <PageHeader title=Signal::derive(move || i18n.t().customers.handover.to_string()) />
        <div class="toolbar"><CustomerTabs active="handover" /></div>
        <p class="muted">{tr(|t| t.customers.handover_hint)}</p>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match options.await {
                    Ok(options) => {
                        let people = options.people;
                        view! {
                            <ActionForm action=handover attr:class="form card handover" attr:data-testid="handover-form">
                                <label class="field">
                                    <span>{tr(|t| t.customers.handover_from)}</span>
                                    <select name="from" required>
                                        <option value="">{tr(|t| t.none_option)}</option>
                                        {people.iter().cloned().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                                    </select>
                                </label>
                                <fieldset class="field">
                                    <legend>{tr(|t| t.customers.handover_to)}</legend>
                                    <input type="hidden" name="to" prop:value=move || to.form_value() />
                                    <div class="check-grid">
                                        {people.into_iter().map(|(id, name)| view! {
                                            <label class="check">
                                                <input type="checkbox" value=id on:change=move |ev| {
                                                    let on = event_target_checked(&ev);
                                                    to.set(id, on);
                                                } />
                                                {name}
                                            </label>
                                        }).collect_view()}
                                    </div>
                                </fieldset>
                                {move || handover.value().get().and_then(|r| r.ok()).map(|n| view! {
                                    <p class="ok-text" role="status" data-testid="handover-result">{(i18n.t().customers.moved)(n)}</p>
                                })}
                                <FormMessage error />
                                <div class="form-actions">
                                    <button type="submit" class="button primary" disabled=move || handover.pending().get()>{tr(|t| t.customers.handover_submit)}</button>
                                </div>
                            </ActionForm>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
