//! `/settings/sales`: pipelines and their stages, lost reasons and the product catalogue.
use super::*;
use crate::domain::format::format_money;
use crate::domain::forms::money_input_value;
use crate::error::AppError;
use crate::i18n::{tr, use_i18n};
use crate::pipeline::board::{lost_reason_label, pipeline_label, stage_label};
use crate::ui::{action_error, ErrorPanel, Field, FormActions, FormMessage, Loading, PageHeader};
use leptos::form::ActionForm;
use leptos::prelude::*;

/// Every change the settings page can make; the settings reload after any of them.
#[derive(Clone, Copy)]
struct SettingsActions {
    save_stage: ServerAction<SaveStage>,
    delete_stage: ServerAction<DeleteStage>,
    move_stage: ServerAction<MoveStage>,
    create_pipeline: ServerAction<CreatePipeline>,
    save_lost_reason: ServerAction<SaveLostReason>,
    save_product: ServerAction<SaveProduct>,
}

impl SettingsActions {
    fn new() -> Self {
        SettingsActions {
            save_stage: ServerAction::new(),
            delete_stage: ServerAction::new(),
            move_stage: ServerAction::new(),
            create_pipeline: ServerAction::new(),
            save_lost_reason: ServerAction::new(),
            save_product: ServerAction::new(),
        }
    }

    /// Changes with every finished action.
    fn generation(&self) -> usize {
        self.save_stage.version().get()
            + self.delete_stage.version().get()
            + self.move_stage.version().get()
            + self.create_pipeline.version().get()
            + self.save_lost_reason.version().get()
            + self.save_product.version().get()
    }
}

/// `/settings/sales?pipeline=ID`: pipelines and their stages, lost reasons and products.
#[component]
pub fn SalesSettingsPage() -> impl IntoView {
    let actions = SettingsActions::new();
    let query = leptos_router::hooks::use_query_map();
    let pipeline = Memo::new(move |_| {
        query
            .read()
            .get("pipeline")
            .and_then(|id| id.parse::<i64>().ok())
    });
    let settings = Resource::new(
        move || (pipeline.get(), actions.generation()),
        |(pipeline, _)| load_sales_settings(pipeline),
    );
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = actions.create_pipeline.value().get() {
            navigate(
                &format!("/settings/sales?pipeline={id}"),
                Default::default(),
            );
        }
    });
    view! {
        <PageHeader title=tr(|t| t.sales_settings.title) />
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(settings) => view! { <SettingsView settings actions /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn SettingsView(settings: SalesSettings, actions: SettingsActions) -> AnyView {
    let i18n = use_i18n();
    let SettingsActions {
        save_stage,
        delete_stage,
        move_stage,
        create_pipeline,
        save_lost_reason,
        save_product,
    } = actions;
    let stage_error = Signal::derive(move || {
        action_error(save_stage)
            .get()
            .or_else(|| action_error(delete_stage).get())
            .or_else(|| action_error(move_stage).get())
    });
    let pipeline_error = action_error(create_pipeline);
    let product_error = action_error(save_product);
    let pipeline_id = settings.pipeline_id;
    let open_stages: Vec<i64> = settings
        .stages
        .iter()
        .filter(|r| !r.stage.closed())
        .map(|r| r.stage.id)
        .collect();
    let (first_open, last_open) = (open_stages.first().copied(), open_stages.last().copied());
    view! {
        <section class="card" id="pipelines">
            <h2>{tr(|t| t.sales_settings.pipelines)}</h2>
            <nav class="view-switch" aria-label=move || i18n.t().sales_settings.pipelines>
                {settings.pipelines.iter().cloned().map(|p| {
                    let current = p.id == pipeline_id;
                    let href = format!("/settings/sales?pipeline={}", p.id);
                    view! { <a href=href class:current=current aria-current=current.then_some("page")>{move || pipeline_label(i18n.t(), &p)}</a> }
                }).collect_view()}
            </nav>
            <ActionForm action=create_pipeline attr:class="form grid-form" attr:novalidate=true attr:data-testid="new-pipeline">
                <input type="hidden" name="copy_from" value=pipeline_id />
                <Field label=|t| t.sales_settings.new_pipeline error=pipeline_error field="name"><input name="name" /></Field>
                <p class="hint">{tr(|t| t.sales_settings.new_pipeline_hint)}</p>
                <FormActions pending=create_pipeline.pending().into() />
            </ActionForm>
        </section>
        <section class="card" id="stages">
            <h2>{tr(|t| t.sales_settings.stages)}</h2>
            <p class="hint">{tr(|t| t.sales_settings.stages_hint)}</p>
            <div class="table-wrap">
                <table class="table" data-testid="stages-table">
                    {header_row(&[(|t| t.pipeline.stage, false), (|t| t.sales_settings.probability, false), (|t| t.sales_settings.stale_after, false), (|t| t.sales_settings.deals, true)])}
                    <tbody>
                        {settings.stages.into_iter().map(|row| {
                            let stage = row.stage.clone();
                            let label = stage.clone();
                            let closed = stage.closed();
                            let form_id = format!("stage-{}", stage.id);
                            let mover = move |up: bool| {
                                let at_end = if up { first_open == Some(stage.id) } else { last_open == Some(stage.id) };
                                (!closed && !at_end).then(|| view! {
                                    <ActionForm action=move_stage attr:class="inline-form">
                                        <input type="hidden" name="id" value=stage.id />
                                        <input type="hidden" name="up" value=up.to_string() />
                                        <button type="submit" class="button small subtle" data-move-stage=format!("{}-{}", stage.id, if up { "up" } else { "down" })
                                            aria-label=move || if up { i18n.t().sales_settings.move_up } else { i18n.t().sales_settings.move_down }>
                                            {if up { "↑" } else { "↓" }}
                                        </button>
                                    </ActionForm>
                                })
                            };
                            view! {
                                <tr data-stage=stage.id>
                                    <td>
                                        <input form=form_id.clone() name="form[name]" value=move || stage_label(i18n.t(), &label) aria-label=move || i18n.t().pipeline.stage />
                                    </td>
                                    <td><input form=form_id.clone() name="form[probability]" inputmode="numeric" size="4" value=stage.probability_percent.to_string() disabled=closed aria-label=move || i18n.t().sales_settings.probability /></td>
                                    <td><input form=form_id.clone() name="form[stale_after_days]" inputmode="numeric" size="4" value=stage.stale_after_days.map(|d| d.to_string()).unwrap_or_default() disabled=closed aria-label=move || i18n.t().sales_settings.stale_after /></td>
                                    <td class="num">{row.deals}</td>
                                    <td class="row-actions">
                                        {mover(true)}
                                        {mover(false)}
                                        <ActionForm action=save_stage attr:id=form_id attr:class="inline-form">
                                            <input type="hidden" name="form[id]" value=stage.id />
                                            <input type="hidden" name="form[pipeline_id]" value=pipeline_id />
                                            <button type="submit" class="button small">{tr(|t| t.save)}</button>
                                        </ActionForm>
                                        {(!closed).then(|| view! {
                                            <ActionForm action=delete_stage attr:class="inline-form">
                                                <input type="hidden" name="id" value=stage.id />
                                                <button type="submit" class="button small subtle" data-delete-stage=stage.id>{tr(|t| t.sales_settings.delete)}</button>
                                            </ActionForm>
                                        })}
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <FormMessage error=stage_error />
            <ActionForm action=save_stage attr:class="form grid-form" attr:novalidate=true>
                <input type="hidden" name="form[pipeline_id]" value=pipeline_id />
                <Field label=|t| t.sales_settings.new_stage error=stage_error field="name"><input name="form[name]" /></Field>
                <Field label=|t| t.sales_settings.probability error=stage_error field="probability"><input name="form[probability]" inputmode="numeric" /></Field>
                <Field label=|t| t.sales_settings.stale_after error=stage_error field="stale_after_days"><input name="form[stale_after_days]" inputmode="numeric" /></Field>
                <FormActions pending=save_stage.pending().into() />
            </ActionForm>
        </section>
        <LostReasons reasons=settings.lost_reasons save=save_lost_reason />
        <section class="card" id="products">
            <h2>{tr(|t| t.sales_settings.products)} " " <crate::ui::ExportLinks list="products" query=String::new() /></h2>
            <div class="table-wrap">
                <table class="table" data-testid="products-table">
                    {header_row(&[(|t| t.sales_settings.code, false), (|t| t.pipeline.product, false), (|t| t.sales_settings.category, false), (|t| t.sales_settings.list_price, true), (|t| t.sales_settings.cost_price, true)])}
                    <tbody>
                        {settings.products.iter().map(|p| view! {
                            <tr class:inactive=!p.active>
                                <td>{p.code.clone()}</td>
                                <td>{format!("{} ({})", p.name, p.unit)}</td>
                                <td>{p.category.clone()}</td>
                                <td class="num">{format_money(p.list_price_fen)}</td>
                                <td class="num">{format_money(p.cost_price_fen)}</td>
                                <td><a href=format!("/settings/sales?product={}#product-form", p.id)>{tr(|t| t.edit)}</a></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <ProductEditor products=settings.products save_product error=product_error />
        </section>
    }
    .into_any()
}

/// A settings table's header: each column's label and whether it holds numbers, then an empty
/// cell over the row actions.
fn header_row(columns: &[(fn(&crate::i18n::Texts) -> &'static str, bool)]) -> impl IntoView {
    view! {
        <thead><tr>
            {columns.iter().map(|&(label, numeric)| view! { <th class:num=numeric>{tr(label)}</th> }).collect_view()}
            <th></th>
        </tr></thead>
    }
}

#[component]
fn LostReasons(reasons: Vec<LostReasonRow>, save: ServerAction<SaveLostReason>) -> impl IntoView {
    let i18n = use_i18n();
    let error = action_error(save);
    let new_reason = NodeRef::<leptos::html::Form>::new();
    // A saved new reason clears the form for the next one.
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(form)) = (save.value().get(), new_reason.get()) {
            form.reset();
        }
    });
    view! {
        <section class="card" id="lost-reasons">
            <h2>{tr(|t| t.sales_settings.lost_reasons)}</h2>
            <p class="hint">{tr(|t| t.sales_settings.lost_reasons_hint)}</p>
            <div class="table-wrap">
                <table class="table" data-testid="lost-reasons-table">
                    {header_row(&[(|t| t.pipeline.lost_reason, false), (|t| t.sales_settings.active, false), (|t| t.sales_settings.lost_deals, true)])}
                    <tbody>
                        {reasons.into_iter().map(|row| {
                            let form_id = format!("lost-reason-{}", row.reason.id);
                            let reason = row.reason.clone();
                            view! {
                                <tr data-lost-reason=row.reason.id class:inactive=!row.active>
                                    <td><input form=form_id.clone() name="form[name]" value=move || lost_reason_label(i18n.t(), &reason) aria-label=move || i18n.t().pipeline.lost_reason /></td>
                                    <td><input form=form_id.clone() type="checkbox" name="form[active]" value="true" checked=row.active aria-label=move || i18n.t().sales_settings.active /></td>
                                    <td class="num">{row.deals}</td>
                                    <td class="row-actions">
                                        <ActionForm action=save attr:id=form_id attr:class="inline-form">
                                            <input type="hidden" name="form[id]" value=row.reason.id />
                                            <button type="submit" class="button small">{tr(|t| t.save)}</button>
                                        </ActionForm>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <FormMessage error fields=&["name"] />
            <ActionForm action=save node_ref=new_reason attr:class="form grid-form" attr:novalidate=true attr:data-testid="new-lost-reason">
                <input type="hidden" name="form[active]" value="true" />
                <Field label=|t| t.sales_settings.new_lost_reason error field="name"><input name="form[name]" /></Field>
                <FormActions pending=save.pending().into() />
            </ActionForm>
        </section>
    }
}

#[component]
fn ProductEditor(
    products: Vec<ProductRow>,
    save_product: ServerAction<SaveProduct>,
    error: Signal<Option<AppError>>,
) -> AnyView {
    let query = leptos_router::hooks::use_query_map();
    let editing = Memo::new(move |_| {
        query
            .read()
            .get("product")
            .and_then(|id| id.parse::<i64>().ok())
    });
    view! {
        {move || {
                let p = editing.get().and_then(|id| products.iter().find(|p| p.id == id).cloned());
                let value = |f: fn(&ProductRow) -> String| p.as_ref().map(f).unwrap_or_default();
                let (code, name, category, unit) = (value(|p| p.code.clone()), value(|p| p.name.clone()), value(|p| p.category.clone()), value(|p| p.unit.clone()));
                let (list_price, cost_price) = (value(|p| money_input_value(p.list_price_fen)), value(|p| money_input_value(p.cost_price_fen)));
                view! {
                    <ActionForm action=save_product attr:class="form grid-form" attr:id="product-form" attr:novalidate=true>
                        {p.as_ref().map(|p| view! { <input type="hidden" name="form[id]" value=p.id /> })}
                        <input type="hidden" name="form[version]" value=p.as_ref().map(|p| p.version).unwrap_or(0) />
                        <Field label=|t| t.sales_settings.code error field="code"><input name="form[code]" value=code /></Field>
                        <Field label=|t| t.pipeline.product error field="name"><input name="form[name]" value=name /></Field>
                        <Field label=|t| t.sales_settings.category error field="category"><input name="form[category]" value=category /></Field>
                        <Field label=|t| t.sales_settings.unit error field="unit"><input name="form[unit]" value=unit /></Field>
                        <Field label=|t| t.sales_settings.list_price error field="list_price"><input name="form[list_price]" inputmode="decimal" value=list_price /></Field>
                        <Field label=|t| t.sales_settings.cost_price error field="cost_price"><input name="form[cost_price]" inputmode="decimal" value=cost_price /></Field>
                        <label class="checkbox"><input type="checkbox" name="form[active]" value="true" checked=p.as_ref().is_none_or(|p| p.active) /> {tr(|t| t.sales_settings.active)}</label>
                        <FormMessage error fields=&["code", "name", "category", "unit", "list_price", "cost_price"] />
                        <FormActions pending=save_product.pending().into() cancel_href=p.as_ref().map(|_| "/settings/sales".to_string()) />
                    </ActionForm>
                }
        }}
    }
    .into_any()
}
