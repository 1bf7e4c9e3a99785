//! Quote pages: the editor (new quote for a deal, or a draft), the printable quote with its status
//! actions, revisions and contract, and the quote lists on the deal page and the customer file.
use super::quotes::{
    customer_quotes, deal_quotes, load_quote, load_quote_draft, CreateContract, CustomerQuote,
    QuoteDraft, QuoteSummary, QuoteView, ReviseQuote, SaveQuote, SetContractStatus, SetQuoteStatus,
};
use crate::domain::format::{format_date, format_money};
use crate::domain::forms::money_input_value;
use crate::domain::pipeline::{
    contract_status_may_change, quote_status_may_change, ContractStatus, QuoteStatus,
};
use crate::error::AppError;
use crate::i18n::{tr, use_i18n, Texts};
use crate::ui::{action_error, ErrorPanel, Field, FormActions, FormMessage, Loading, PageHeader};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

fn id_param(name: &'static str) -> Memo<Option<i64>> {
    let params = use_params_map();
    Memo::new(move |_| {
        params
            .read()
            .get(name)
            .and_then(|id| id.parse::<i64>().ok())
    })
}

fn status_label(t: &Texts, status: &str) -> &'static str {
    QuoteStatus::parse(status)
        .map(|s| t.quotes.status[s.index()])
        .unwrap_or("")
}

fn discount_text(bp: u16) -> String {
    if bp == 0 {
        return String::new();
    }
    let percent = money_input_value(i64::from(bp));
    let percent = if percent.contains('.') {
        percent.trim_end_matches('0').trim_end_matches('.')
    } else {
        percent.as_str()
    };
    format!("−{percent}%")
}

/// The message of a field the shared `Field` cannot name (its name carries the line number).
fn line_error(error: Signal<Option<AppError>>, field: String) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        error.get().and_then(|error| {
            error.field_errors().iter().find(|e| e.field == field).map(|e| view! { <p class="field-error" role="alert" data-field=field.clone()>{i18n.t().field_error(&e.code)}</p> })
        })
    }
}

/// `/pipeline/quotes/new?deal=ID` and `/pipeline/quotes/:id/edit` (drafts only).
#[component]
pub fn QuoteEditorPage() -> impl IntoView {
    let query = use_query_map();
    // Keyed on the live query: on a client-side navigation the component can be built before the
    // router's query reflects the new address, and a value read once would be the old page's.
    let deal = Memo::new(move |_| {
        query
            .read()
            .get("deal")
            .and_then(|id| id.parse::<i64>().ok())
    });
    let quote = id_param("id");
    let draft = Resource::new(
        move || (deal.get(), quote.get()),
        |(deal, quote)| load_quote_draft(deal, quote),
    );
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match draft.await {
                    Ok(draft) => view! { <QuoteEditor draft /> }.into_any(),
                    Err(AppError::NotFound) => view! { <crate::ui::NotFoundPanel /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn QuoteEditor(draft: QuoteDraft) -> AnyView {
    let i18n = use_i18n();
    let save = ServerAction::<SaveQuote>::new();
    let error = action_error(save);
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = save.value().get() {
            navigate(&format!("/pipeline/quotes/{id}"), Default::default());
        }
    });
    // Price warnings come back as field errors; once shown, the rep may confirm the prices.
    let price_warned = Signal::derive(move || {
        error.with(|e| {
            e.as_ref().is_some_and(|e| {
                e.field_errors().iter().any(|f| {
                    matches!(
                        f.code,
                        crate::domain::forms::ErrorCode::PriceDiffersFromAccepted { .. }
                    )
                })
            })
        })
    });
    let form = draft.form.clone();
    let products = StoredValue::new(draft.products.clone());
    let blank_rows = RwSignal::new(3usize);
    let existing = form.lines.len();
    let line_row = move |index: usize, line: super::quotes::QuoteLineForm| {
        let name = move |field: &str| format!("form[lines][{index}][{field}]");
        let field = move |field: &str| format!("lines.{index}.{field}");
        view! {
            <tr class="quote-line">
                <td>
                    <select name=name("product_id") aria-label=move || i18n.t().pipeline.product>
                        <option value="">"—"</option>
                        {products.with_value(|products| products.iter().map(|p| {
                            let label = format!("{} {} ({}/{})", p.code, p.name, format_money(p.list_price_fen), p.unit);
                            view! { <option value=p.id selected=line.product_id == Some(p.id)>{label}</option> }
                        }).collect_view())}
                    </select>
                    {line_error(error, field("product_id"))}
                </td>
                <td><input name=name("quantity") inputmode="numeric" size="5" value=line.quantity.clone() aria-label=move || i18n.t().pipeline.quantity placeholder=move || i18n.t().pipeline.quantity />{line_error(error, field("quantity"))}</td>
                <td><input name=name("unit_price") inputmode="decimal" size="10" value=line.unit_price.clone() aria-label=move || i18n.t().pipeline.unit_price placeholder=move || i18n.t().pipeline.unit_price />{line_error(error, field("unit_price"))}</td>
                <td><input name=name("discount") inputmode="decimal" size="5" value=line.discount.clone() aria-label=move || i18n.t().quotes.discount placeholder=move || i18n.t().quotes.discount />{line_error(error, field("discount"))}</td>
            </tr>
        }
    };
    let accepted = draft.accepted.clone();
    view! {
        <PageHeader title=tr(|t| t.quotes.editor_title) />
        <p class="hint">{draft.customer_name.clone()} " · " <a href=format!("/pipeline/deals/{}", form.opportunity_id)>{draft.deal_title.clone()}</a></p>
        {(!accepted.is_empty()).then(|| {
            let products = draft.products.clone();
            view! {
                <section class="card" data-testid="accepted-prices">
                    <h2>{tr(|t| t.quotes.accepted_prices)}</h2>
                    <ul class="plain-list">
                        {accepted.into_iter().map(|a| {
                            let name = products.iter().find(|p| p.id == a.product_id).map(|p| format!("{} {}", p.code, p.name)).unwrap_or_default();
                            view! { <li>{name} ": " <strong>{format_money(a.unit_price_fen)}</strong> " " {discount_text(a.discount_bp)} " (" {a.quote_number} ")"</li> }
                        }).collect_view()}
                    </ul>
                </section>
            }
        })}
        <ActionForm action=save attr:class="form card quote-form" attr:novalidate=true>
            <input type="hidden" name="form[opportunity_id]" value=form.opportunity_id />
            <input type="hidden" name="form[version]" value=form.version />
            {form.id.map(|id| view! { <input type="hidden" name="form[id]" value=id /> })}
            <div class="table-wrap">
                <table class="table quote-lines">
                    <thead><tr>
                        <th>{tr(|t| t.pipeline.product)}</th>
                        <th>{tr(|t| t.pipeline.quantity)}</th>
                        <th>{tr(|t| t.pipeline.unit_price)}</th>
                        <th>{tr(|t| t.quotes.discount)}</th>
                    </tr></thead>
                    <tbody>
                        {form.lines.clone().into_iter().enumerate().map(|(index, line)| line_row(index, line)).collect_view()}
                        {move || (0..blank_rows.get()).map(|n| line_row(existing + n, Default::default())).collect_view()}
                    </tbody>
                </table>
            </div>
            {line_error(error, "lines".to_string())}
            <button type="button" class="button subtle" on:click=move |_| blank_rows.update(|n| *n += 3)>{tr(|t| t.quotes.more_lines)}</button>
            <div class="grid-form">
                <Field label=|t| t.quotes.valid_until error field="valid_until">
                    <input type="date" name="form[valid_until]" value=form.valid_until.clone() />
                </Field>
                <Field label=|t| t.pipeline.note error field="notes">
                    <textarea name="form[notes]" rows="3">{form.notes.clone()}</textarea>
                </Field>
            </div>
            {move || price_warned.get().then(|| view! {
                <label class="checkbox warning-box"><input type="checkbox" name="form[confirm_prices]" value="true" /> {tr(|t| t.quotes.confirm_prices)}</label>
            })}
            <FormMessage error fields=&["valid_until", "notes"] />
            <FormActions pending=save.pending().into() cancel_href=Some(format!("/pipeline/deals/{}", form.opportunity_id)) />
        </ActionForm>
    }
    .into_any()
}

/// `/pipeline/quotes/:id`: the quote as the customer sees it (prints cleanly), with the actions
/// its status allows.
#[component]
pub fn QuotePage() -> impl IntoView {
    let id = id_param("id");
    let status = ServerAction::<SetQuoteStatus>::new();
    let revise = ServerAction::<ReviseQuote>::new();
    let contract = ServerAction::<CreateContract>::new();
    let contract_status = ServerAction::<SetContractStatus>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(new_id)) = revise.value().get() {
            navigate(
                &format!("/pipeline/quotes/{new_id}/edit"),
                Default::default(),
            );
        }
    });
    let quote = Resource::new(
        move || {
            (
                id.get(),
                status.version().get(),
                contract.version().get(),
                contract_status.version().get(),
            )
        },
        |(id, ..)| load_quote(id.unwrap_or(0)),
    );
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match quote.await {
                    Ok(quote) => view! { <QuoteSheet quote status revise contract contract_status /> }.into_any(),
                    Err(AppError::NotFound) => view! { <crate::ui::NotFoundPanel /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn QuoteSheet(
    quote: QuoteView,
    status: ServerAction<SetQuoteStatus>,
    revise: ServerAction<ReviseQuote>,
    contract: ServerAction<CreateContract>,
    contract_status: ServerAction<SetContractStatus>,
) -> AnyView {
    let i18n = use_i18n();
    let summary = quote.summary.clone();
    let current = QuoteStatus::parse(&summary.status);
    let status_error = Signal::derive(move || {
        action_error(status)
            .get()
            .or_else(|| action_error(revise).get())
            .or_else(|| action_error(contract_status).get())
    });
    let contract_error = action_error(contract);
    let title = format!("{} · {}", summary.number, summary.revision);
    let (id, version) = (summary.id, quote.version);
    let status_button = move |to: QuoteStatus| {
        current.filter(|from| quote_status_may_change(*from, to)).map(|_| {
            view! {
                <ActionForm action=status attr:class="inline-form">
                    <input type="hidden" name="id" value=id />
                    <input type="hidden" name="version" value=version />
                    <input type="hidden" name="status" value=to.as_str() />
                    <button type="submit" class=if to == QuoteStatus::Accepted { "button primary" } else { "button" } data-status=to.as_str()>
                        {move || i18n.t().quotes.to_status[to.index()]}
                    </button>
                </ActionForm>
            }
        })
    };
    let lines_total: i64 = quote.lines.iter().map(|l| l.amount_fen).sum();
    let valid_until = summary.valid_until;
    let created_on = summary.created_on;
    view! {
        <PageHeader title=Signal::derive(move || (i18n.t().quotes.sheet_title)(&title)) />
        <p class="no-print"><a href=format!("/pipeline/deals/{}", summary.deal_id)>{summary.deal_title.clone()}</a></p>
        <section class="card quote-sheet" data-testid="quote">
            <p><span class=format!("badge quote-{}", summary.status) data-testid="quote-status">{let status = summary.status.clone(); move || status_label(i18n.t(), &status)}</span></p>
            <dl class="facts">
                <dt>{tr(|t| t.pipeline.customer)}</dt><dd><a href=format!("/customers/{}", quote.customer_id)>{quote.customer_name.clone()}</a></dd>
                <dt>{tr(|t| t.pipeline.owner)}</dt><dd>{quote.owner_name.clone()}</dd>
                <dt>{tr(|t| t.quotes.created_on)}</dt><dd>{move || format_date(created_on, i18n.locale.get())}</dd>
                <dt>{tr(|t| t.quotes.valid_until)}</dt><dd>{move || crate::domain::format::or_dash(valid_until, |d| format_date(d, i18n.locale.get()))}</dd>
            </dl>
            <div class="table-wrap">
                <table class="table">
                    <thead><tr>
                        <th>{tr(|t| t.pipeline.product)}</th>
                        <th class="num">{tr(|t| t.pipeline.quantity)}</th>
                        <th class="num">{tr(|t| t.pipeline.unit_price)}</th>
                        <th class="num">{tr(|t| t.quotes.discount)}</th>
                        <th class="num">{tr(|t| t.pipeline.line_amount)}</th>
                    </tr></thead>
                    <tbody>
                        {quote.lines.iter().map(|l| view! {
                            <tr>
                                <td>{format!("{} {}", l.code, l.name)}</td>
                                <td class="num">{format!("{} {}", l.quantity, l.unit)}</td>
                                <td class="num">{format_money(l.unit_price_fen)}</td>
                                <td class="num">{discount_text(l.discount_bp)}</td>
                                <td class="num">{format_money(l.amount_fen)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                    <tfoot><tr><th colspan="4">{tr(|t| t.quotes.total)}</th><th class="num" data-testid="quote-total">{format_money(lines_total)}</th></tr></tfoot>
                </table>
            </div>
            {(!quote.notes.is_empty()).then(|| view! { <p class="quote-notes">{quote.notes.clone()}</p> })}
        </section>
        <div class="quote-actions no-print">
            {(current == Some(QuoteStatus::Draft)).then(|| view! { <a class="button" href=format!("/pipeline/quotes/{id}/edit")>{tr(|t| t.quotes.edit)}</a> })}
            {status_button(QuoteStatus::Sent)}
            {status_button(QuoteStatus::Accepted)}
            {status_button(QuoteStatus::Rejected)}
            {status_button(QuoteStatus::Expired)}
            {(current != Some(QuoteStatus::Draft)).then(|| view! {
                <ActionForm action=revise attr:class="inline-form">
                    <input type="hidden" name="id" value=id />
                    <input type="hidden" name="version" value=version />
                    <button type="submit" class="button">{tr(|t| t.quotes.revise)}</button>
                </ActionForm>
            })}
            <button type="button" class="button subtle" on:click=|_| {
                let _ = window().print();
            }>{tr(|t| t.quotes.print)}</button>
        </div>
        <FormMessage error=status_error />
        {match (quote.contract.clone(), current) {
            (Some(c), _) => {
                let c_status = ContractStatus::parse(&c.status);
                let buttons = ContractStatus::ALL.iter().copied().filter(|to| c_status.is_some_and(|from| contract_status_may_change(from, *to))).map(|to| view! {
                    <ActionForm action=contract_status attr:class="inline-form">
                        <input type="hidden" name="id" value=c.id />
                        <input type="hidden" name="version" value=c.version />
                        <input type="hidden" name="status" value=to.as_str() />
                        <button type="submit" class="button" data-contract-status=to.as_str()>{move || i18n.t().quotes.contract_to_status[to.index()]}</button>
                    </ActionForm>
                }).collect_view();
                let status_text = c.status.clone();
                view! {
                    <section class="card" data-testid="contract">
                        <h2>{tr(|t| t.quotes.contract)} " " {c.number.clone()}</h2>
                        <p><span class="badge" data-testid="contract-status">{move || ContractStatus::parse(&status_text).map(|s| i18n.t().quotes.contract_status[s.index()]).unwrap_or("")}</span></p>
                        <dl class="facts">
                            <dt>{tr(|t| t.pipeline.amount)}</dt><dd>{format_money(c.amount_fen)}</dd>
                            <dt>{tr(|t| t.quotes.signed_on)}</dt><dd>{move || crate::domain::format::or_dash(c.signed_on, |d| format_date(d, i18n.locale.get()))}</dd>
                            <dt>{tr(|t| t.quotes.term)}</dt><dd>{move || format!("{} – {}", c.starts_on.map(|d| format_date(d, i18n.locale.get())).unwrap_or_default(), c.ends_on.map(|d| format_date(d, i18n.locale.get())).unwrap_or_default())}</dd>
                        </dl>
                        <div class="quote-actions no-print">{buttons}</div>
                    </section>
                }.into_any()
            }
            (None, Some(QuoteStatus::Accepted)) => view! {
                <section class="card no-print">
                    <h2>{tr(|t| t.quotes.make_contract)}</h2>
                    <ActionForm action=contract attr:class="form grid-form" attr:novalidate=true>
                        <input type="hidden" name="form[quote_id]" value=id />
                        <input type="hidden" name="form[quote_version]" value=version />
                        <Field label=|t| t.quotes.signed_on error=contract_error field="signed_on"><input type="date" name="form[signed_on]" /></Field>
                        <Field label=|t| t.quotes.starts_on error=contract_error field="starts_on"><input type="date" name="form[starts_on]" /></Field>
                        <Field label=|t| t.quotes.ends_on error=contract_error field="ends_on"><input type="date" name="form[ends_on]" /></Field>
                        <FormMessage error=contract_error fields=&["signed_on", "starts_on", "ends_on"] />
                        <FormActions pending=contract.pending().into() />
                    </ActionForm>
                </section>
            }.into_any(),
            _ => ().into_any(),
        }}
        {(quote.revisions.len() > 1).then(|| view! {
            <section class="card no-print">
                <h2>{tr(|t| t.quotes.revisions)}</h2>
                <QuoteList quotes=quote.revisions.clone() current=id />
            </section>
        })}
    }
    .into_any()
}

#[component]
fn QuoteList(quotes: Vec<QuoteSummary>, #[prop(default = 0)] current: i64) -> AnyView {
    let i18n = use_i18n();
    view! {
        <ul class="plain-list quote-list">
            {quotes.into_iter().map(|q| {
                let created = q.created_on;
                let status = q.status.clone();
                let label = format!("{} · {}", q.number, q.revision);
                view! {
                    <li class:current=q.id == current>
                        <a href=format!("/pipeline/quotes/{}", q.id)>{move || (i18n.t().quotes.sheet_title)(&label)}</a>
                        " " <span class=format!("badge quote-{}", q.status)>{move || status_label(i18n.t(), &status)}</span>
                        " " <strong>{format_money(q.total_fen)}</strong>
                        " · " {move || format_date(created, i18n.locale.get())}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// The quotes of a deal, loaded by the page itself: a resource created inside the page's
/// Suspense can reach the browser after the HTML it belongs to and break hydration.
pub fn deal_quotes_resource(deal_id: Memo<i64>) -> Resource<Result<Vec<QuoteSummary>, AppError>> {
    Resource::new(move || deal_id.get(), deal_quotes)
}

/// Every quote of a customer, loaded by the customer page (see `deal_quotes_resource`).
pub fn customer_quotes_resource(
    customer_id: Memo<i64>,
) -> Resource<Result<Vec<CustomerQuote>, AppError>> {
    Resource::new(move || customer_id.get(), customer_quotes)
}

/// The customer file's quotes panel (see `customers::FilePanels`).
pub fn customer_quotes_panel(customer_id: Memo<i64>) -> ViewFn {
    let quotes = customer_quotes_resource(customer_id);
    ViewFn::from(move || view! { <CustomerQuotes quotes /> })
}

/// The quotes section of the deal page.
#[component]
pub fn DealQuotes(
    deal_id: i64,
    open: bool,
    quotes: Resource<Result<Vec<QuoteSummary>, AppError>>,
) -> AnyView {
    view! {
        <section class="card" data-testid="deal-quotes">
            <h2>{tr(|t| t.quotes.title)}</h2>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match quotes.await {
                        Ok(quotes) if quotes.is_empty() => view! { <p class="hint">{tr(|t| t.quotes.none)}</p> }.into_any(),
                        Ok(quotes) => view! { <QuoteList quotes /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
            {open.then(|| view! { <a class="button" href=format!("/pipeline/quotes/new?deal={deal_id}")>{tr(|t| t.quotes.new_quote)}</a> })}
        </section>
    }
    .into_any()
}

/// Every quote of a customer with its prices, on the customer file: the rep sees what was offered
/// and accepted before quoting again.
#[component]
pub fn CustomerQuotes(quotes: Resource<Result<Vec<CustomerQuote>, AppError>>) -> AnyView {
    let i18n = use_i18n();
    view! {
        <section class="card" data-testid="customer-quotes">
            <h2>{tr(|t| t.quotes.customer_title)}</h2>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match quotes.await {
                        Ok(quotes) if quotes.is_empty() => view! { <p class="hint">{tr(|t| t.quotes.none)}</p> }.into_any(),
                        Ok(quotes) => quotes.into_iter().map(|CustomerQuote { summary, lines }| {
                            let status = summary.status.clone();
                            let label = format!("{} · {}", summary.number, summary.revision);
                            let created = summary.created_on;
                            view! {
                                <details class="customer-quote">
                                    <summary>
                                        <a href=format!("/pipeline/quotes/{}", summary.id)>{move || (i18n.t().quotes.sheet_title)(&label)}</a>
                                        " " <span class=format!("badge quote-{}", summary.status)>{move || status_label(i18n.t(), &status)}</span>
                                        " " <strong>{format_money(summary.total_fen)}</strong> " · " {move || format_date(created, i18n.locale.get())}
                                    </summary>
                                    <ul class="plain-list">
                                        {lines.into_iter().map(|l| view! {
                                            <li>{format!("{} {} × {} @ {} {}", l.code, l.name, l.quantity, format_money(l.unit_price_fen), discount_text(l.discount_bp))}</li>
                                        }).collect_view()}
                                    </ul>
                                </details>
                            }
                        }).collect_view().into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
    .into_any()
}
