//! One deal: its figures, stage history, sales orders with lines and payments (and the form to
//! record one), and the form for a new deal.
use super::api::{customer_deals, load_deal, RecordPayment, SaveDeal};
use super::board::stage_label;
use super::{DealDetail, OrderView, StageView};
use crate::domain::format::{format_date, format_money};
use crate::error::AppError;
use crate::i18n::{tr, use_i18n, Texts};
use crate::ui::{
    action_error, invalid, ErrorPanel, Field, FormActions, FormMessage, Loading, PageHeader,
};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

#[component]
pub fn DealPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or(0)
    });
    let pay = ServerAction::<RecordPayment>::new();
    let deal = Resource::new(
        move || (id.get(), pay.version().get()),
        |(id, _)| load_deal(id),
    );
    let quotes = super::quote_page::deal_quotes_resource(id);
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match deal.await {
                    Ok(deal) => view! { <DealView deal pay quotes /> }.into_any(),
                    Err(AppError::NotFound) => view! { <crate::ui::NotFoundPanel /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

fn stage_name(t: &Texts, stages: &[StageView], id: Option<i64>) -> String {
    crate::domain::format::or_dash(id.and_then(|id| stages.iter().find(|s| s.id == id)), |s| {
        stage_label(t, s)
    })
}

#[component]
fn DealView(
    deal: DealDetail,
    pay: ServerAction<RecordPayment>,
    quotes: Resource<Result<Vec<super::quotes::QuoteSummary>, AppError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let card = deal.card.clone();
    let stage = deal.stage.clone();
    let stage_class = format!(
        "badge stage-{}",
        if stage.won {
            "won"
        } else if stage.lost {
            "lost"
        } else {
            "open"
        }
    );
    let stages = StoredValue::new(deal.stages.clone());
    let row = move |label: fn(&Texts) -> &'static str, value: String| view! { <dt>{tr(label)}</dt> <dd>{value}</dd> };
    let lost = deal.lost_reason.clone().map(|reason| {
        let note = deal.lost_note.clone();
        view! { <dt>{tr(|t| t.pipeline.lost_reason)}</dt> <dd>{move || super::board::lost_reason_label(i18n.t(), &reason)} " " {note.clone()}</dd> }
    });
    let history = deal.history.clone();
    view! {
        <PageHeader title=Signal::derive({ let title = card.title.clone(); move || title.clone() }) />
        <p><a href="/pipeline">{tr(|t| t.pipeline.board_link)}</a></p>
        <section class="card deal-summary">
            <p class="deal-stage">
                <span class=stage_class>{move || stage_label(i18n.t(), &stage)}</span>
            </p>
            <dl class="facts">
                <dt>{tr(|t| t.pipeline.customer)}</dt>
                <dd><a href=format!("/customers/{}", card.customer_id)>{deal.customer_name.clone()}</a></dd>
                {row(|t| t.pipeline.amount, format_money(card.amount_fen))}
                <dt>{tr(|t| t.pipeline.expected_close)}</dt>
                <dd>{card.expected_close_on.map(|d| view! { {move || format_date(d, i18n.locale.get())} })}</dd>
                {row(|t| t.pipeline.owner, card.owner_name.clone())}
                {row(|t| t.pipeline.next_step, deal.next_step.clone())}
                {row(|t| t.pipeline.competitor, deal.competitor.clone())}
                {deal.closed_on.map(|d| view! { <dt>{tr(|t| t.pipeline.closed_on)}</dt> <dd>{move || format_date(d, i18n.locale.get())}</dd> })}
                {lost}
            </dl>
        </section>
        <super::quote_page::DealQuotes deal_id=card.id open=!deal.stage.closed() quotes />
        <section class="card">
            <h2>{tr(|t| t.pipeline.orders)}</h2>
            {if deal.orders.is_empty() {
                view! { <p class="muted">{tr(|t| t.pipeline.no_orders)}</p> }.into_any()
            } else {
                deal.orders.into_iter().map(|order| view! { <OrderCard order pay /> }).collect_view().into_any()
            }}
        </section>
        <section class="card">
            <h2>{tr(|t| t.pipeline.history)}</h2>
            <ol class="timeline" data-testid="stage-history">
                {history.into_iter().map(|step| {
                    let at = step.on;
                    view! {
                        <li>
                            <span class="muted">{move || format_date(at, i18n.locale.get())}</span> " "
                            {move || stages.with_value(|s| format!("{} → {}", stage_name(i18n.t(), s, step.from_stage), stage_name(i18n.t(), s, Some(step.to_stage))))}
                            " · " {step.actor_name.clone().unwrap_or_default()}
                        </li>
                    }
                }).collect_view()}
            </ol>
        </section>
    }.into_any()
}

#[component]
fn OrderCard(order: OrderView, pay: ServerAction<RecordPayment>) -> impl IntoView {
    let i18n = use_i18n();
    let error = action_error(pay);
    let gross = order.amount_fen - order.cost_fen;
    let ordered_on = order.ordered_on;
    let status = order.delivery_status.clone();
    view! {
        <article class="order" data-testid="order">
            <h3>{tr(|t| t.pipeline.order_number)} " " {order.number.clone()}</h3>
            <dl class="facts">
                <dt>{tr(|t| t.pipeline.ordered_on)}</dt><dd>{move || format_date(ordered_on, i18n.locale.get())} " · " {move || (i18n.t().pipeline.delivery)(&status)}</dd>
                <dt>{tr(|t| t.pipeline.amount)}</dt><dd>{format_money(order.amount_fen)}</dd>
                <dt>{tr(|t| t.pipeline.gross_profit)}</dt><dd>{format_money(gross)}</dd>
                <dt>{tr(|t| t.pipeline.paid)}</dt><dd>{format_money(order.paid_fen)}</dd>
                <dt>{tr(|t| t.pipeline.balance)}</dt><dd data-testid="order-balance">{format_money(order.balance_fen)}</dd>
            </dl>
            {(!order.lines.is_empty()).then(|| view! {
                <table class="table">
                    <thead><tr>
                        <th>{tr(|t| t.pipeline.product)}</th><th class="number">{tr(|t| t.pipeline.quantity)}</th>
                        <th class="number">{tr(|t| t.pipeline.unit_price)}</th><th class="number">{tr(|t| t.pipeline.line_amount)}</th>
                    </tr></thead>
                    <tbody>
                        {order.lines.into_iter().map(|line| view! {
                            <tr><td>{line.product_name}</td><td class="number">{line.quantity}</td><td class="number">{format_money(line.unit_price_fen)}</td><td class="number">{format_money(line.amount_fen)}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            {(!order.payments.is_empty()).then(|| view! {
                <h4>{tr(|t| t.pipeline.payments)}</h4>
                <ul class="plain-list">
                    {order.payments.into_iter().map(|p| {
                        let on = p.received_on;
                        view! { <li>{move || format_date(on, i18n.locale.get())} " " {format_money(p.amount_fen)} " " {p.note}</li> }
                    }).collect_view()}
                </ul>
            })}
            {(order.balance_fen > 0).then(|| view! {
                <details class="payment-form">
                    <summary class="button">{tr(|t| t.pipeline.record_payment)}</summary>
                    <ActionForm action=pay attr:class="form grid-form" attr:novalidate=true>
                        <input type="hidden" name="form[order_id]" value=order.id />
                        <input type="hidden" name="form[order_version]" value=order.version />
                        <Field label=|t| t.pipeline.payment_amount error field="amount">
                            <input name="form[amount]" inputmode="decimal" required aria-invalid=invalid(error, "amount") />
                        </Field>
                        <Field label=|t| t.pipeline.received_on error field="received_on">
                            <input type="date" name="form[received_on]" aria-invalid=invalid(error, "received_on") />
                        </Field>
                        <Field label=|t| t.pipeline.method error field="method">
                            <input name="form[method]" maxlength="20" />
                        </Field>
                        <Field label=|t| t.pipeline.note error field="note">
                            <input name="form[note]" maxlength="200" />
                        </Field>
                        <FormMessage error fields=&["amount", "received_on", "method", "note"] />
                        <FormActions pending=pay.pending().into() />
                    </ActionForm>
                </details>
            })}
        </article>
    }.into_any()
}

/// A new deal for a customer (`?customer=ID`, as linked from the customer file).
#[component]
pub fn NewDealPage() -> impl IntoView {
    let query = use_query_map();
    let customer = query.read_untracked().get("customer").unwrap_or_default();
    let save = ServerAction::<SaveDeal>::new();
    let error = action_error(save);
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            navigate("/pipeline", Default::default());
        }
    });
    let text = move |label: fn(&Texts) -> &'static str,
                     field: &'static str,
                     kind: &'static str,
                     value: String| {
        view! {
            <Field label error field>
                <input name=format!("form[{field}]") type=kind value=value aria-invalid=invalid(error, field) />
            </Field>
        }
    };
    view! {
        <PageHeader title=tr(|t| t.pipeline.new_deal) />
        <ActionForm action=save attr:class="form grid-form card" attr:novalidate=true>
            <input type="hidden" name="form[version]" value="0" />
            {text(|t| t.pipeline.customer_id, "customer_id", "number", customer)}
            {text(|t| t.pipeline.deal_title, "title", "text", String::new())}
            {text(|t| t.pipeline.amount, "amount", "text", String::new())}
            {text(|t| t.pipeline.expected_close, "expected_close_on", "date", String::new())}
            {text(|t| t.pipeline.next_step, "next_step", "text", String::new())}
            {text(|t| t.pipeline.competitor, "competitor", "text", String::new())}
            <FormMessage error fields=&["customer_id", "title", "amount", "expected_close_on", "next_step", "competitor"] />
            <FormActions pending=save.pending().into() cancel_href=Some("/pipeline".to_string()) />
        </ActionForm>
    }.into_any()
}

/// The deals of a customer, loaded by the customer page itself (a resource created inside the
/// page's Suspense can reach the browser after its HTML and break hydration).
pub fn customer_deals_resource(
    customer_id: Memo<i64>,
) -> Resource<Result<Vec<super::Card>, AppError>> {
    Resource::new(move || customer_id.get(), customer_deals)
}

/// The customer file's deals panel (see `customers::FilePanels`).
pub fn customer_deals_panel(customer_id: Memo<i64>) -> ViewFn {
    let deals = customer_deals_resource(customer_id);
    ViewFn::from(move || view! { <CustomerDeals deals /> })
}

/// The deals of a customer on the customer file, newest first.
#[component]
pub fn CustomerDeals(deals: Resource<Result<Vec<super::Card>, AppError>>) -> AnyView {
    let i18n = use_i18n();
    view! {
        <section class="card" data-testid="customer-deals">
            <h2>{tr(|t| t.pipeline.deals_of_customer)}</h2>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match deals.await {
                        Ok(deals) if deals.is_empty() => view! { <p class="hint">{tr(|t| t.pipeline.no_deals)}</p> }.into_any(),
                        Ok(deals) => view! {
                            <ul class="plain-list">
                                {deals.into_iter().map(|deal| {
                                    let close = deal.expected_close_on;
                                    view! {
                                        <li>
                                            <a href=format!("/pipeline/deals/{}", deal.id)>{deal.title}</a>
                                            " " <strong>{format_money(deal.amount_fen)}</strong>
                                            {close.map(|d| view! { " · " {move || format_date(d, i18n.locale.get())} })}
                                            " · " {deal.owner_name}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
    .into_any()
}
