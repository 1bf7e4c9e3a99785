//! Sales settings for administrators: the stages of each pipeline (name, win probability, stale
//! threshold; a stage that holds deals cannot be deleted) and the product catalogue.
use super::board::{lost_reason_label, pipeline_label, stage_label};
use super::{Choice, LostReasonView, StageView};
use crate::domain::format::format_money;
use crate::domain::forms::money_input_value;
use crate::error::AppError;
use crate::i18n::{tr, use_i18n};
use crate::ui::{action_error, ErrorPanel, Field, FormActions, FormMessage, Loading, PageHeader};
use leptos::form::ActionForm;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageRow {
    pub stage: StageView,
    pub deals: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub category: String,
    pub unit: String,
    pub list_price_fen: i64,
    pub cost_price_fen: i64,
    pub active: bool,
    pub version: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LostReasonRow {
    pub reason: LostReasonView,
    pub active: bool,
    /// Lost deals that give this reason.
    pub deals: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesSettings {
    /// Every active pipeline; an empty label is the built-in one.
    pub pipelines: Vec<Choice>,
    pub pipeline_id: i64,
    pub stages: Vec<StageRow>,
    pub lost_reasons: Vec<LostReasonRow>,
    pub products: Vec<ProductRow>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LostReasonForm {
    /// None: a new reason, listed last.
    pub id: Option<i64>,
    pub name: String,
    pub active: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StageForm {
    /// None: a new open stage, placed before the closing stages.
    pub id: Option<i64>,
    pub pipeline_id: i64,
    pub name: String,
    pub probability: String,
    pub stale_after_days: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProductForm {
    pub id: Option<i64>,
    pub version: i32,
    pub code: String,
    pub name: String,
    pub category: String,
    pub unit: String,
    pub list_price: String,
    pub cost_price: String,
    pub active: bool,
}

#[server(endpoint = "pipeline/settings")]
pub async fn load_sales_settings(
    #[server(default)] pipeline: Option<i64>,
) -> Result<SalesSettings, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::settings(&state.db, &actor, pipeline).await
}

/// Moves an open stage one place earlier (`up`) or later among the open stages.
#[server(endpoint = "pipeline/stage_move")]
pub async fn move_stage(id: i64, up: bool) -> Result<(), AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::move_stage(&state.db, &actor, id, up).await
}

/// A new pipeline named `name` with a copy of the stages of `copy_from`.
#[server(endpoint = "pipeline/pipeline_create")]
pub async fn create_pipeline(name: String, copy_from: i64) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::create_pipeline(&state.db, &actor, &name, copy_from).await
}

#[server(endpoint = "pipeline/lost_reason_save")]
pub async fn save_lost_reason(form: LostReasonForm) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::save_lost_reason(&state.db, &actor, &form).await
}

#[server(endpoint = "pipeline/stage_save")]
pub async fn save_stage(form: StageForm) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::save_stage(&state.db, &actor, &form).await
}

#[server(endpoint = "pipeline/stage_delete")]
pub async fn delete_stage(id: i64) -> Result<(), AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::delete_stage(&state.db, &actor, id).await
}

#[server(endpoint = "pipeline/product_save")]
pub async fn save_product(form: ProductForm) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::save_product(&state.db, &actor, &form).await
}

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

#[cfg(feature = "ssr")]
pub mod service {
    use super::*;
    use crate::auth::scope::across_owners;
    use crate::auth::Actor;
    use crate::db::{begin_write, update_versioned};
    use crate::domain::forms::{self, Checks, ErrorCode};
    use crate::domain::visibility::Role;
    use crate::entities::{
        lost_reason, opportunity, pipeline, pipeline_stage, product, stage_history,
    };
    use crate::error::AppResult;
    use crate::pipeline::service::{chosen_pipeline, pipeline_choices, stage_view, stages_of};
    use sea_orm::sea_query::{Expr, ExprTrait};
    use sea_orm::{
        ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait,
        PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
    };
    use std::collections::HashMap;

    pub async fn settings(
        db: &impl ConnectionTrait,
        actor: &Actor,
        pipeline: Option<i64>,
    ) -> AppResult<SalesSettings> {
        actor.require(&[Role::Admin])?;
        let (pipelines, pipeline_id) = chosen_pipeline(db, pipeline).await?;
        let stages = stages_of(db, pipeline_id).await?;
        let per_stage = deal_counts(db, opportunity::Column::StageId, Some(pipeline_id)).await?;
        let per_reason = deal_counts(db, opportunity::Column::LostReasonId, None).await?;
        let reasons = lost_reason::Entity::find()
            .order_by_asc(lost_reason::Column::Position)
            .order_by_asc(lost_reason::Column::Id)
            .all(db)
            .await?;
        let products = product::Entity::find()
            .order_by_asc(product::Column::Category)
            .order_by_asc(product::Column::Code)
            .all(db)
            .await?;
        let count = |counts: &HashMap<i64, i64>, id: i64| {
            Ord::max(counts.get(&id).copied().unwrap_or(0), 0) as u64
        };
        Ok(SalesSettings {
            pipelines: pipeline_choices(pipelines),
            pipeline_id,
            stages: stages
                .iter()
                .map(|s| StageRow {
                    stage: stage_view(s),
                    deals: count(&per_stage, s.id),
                })
                .collect(),
            lost_reasons: reasons
                .into_iter()
                .map(|r| LostReasonRow {
                    deals: count(&per_reason, r.id),
                    active: r.active,
                    reason: LostReasonView {
                        id: r.id,
                        key: r.key,
                        name: r.name,
                    },
                })
                .collect(),
            products: products
                .into_iter()
                .map(|p| ProductRow {
                    id: p.id,
                    code: p.code,
                    name: p.name,
                    category: p.category,
                    unit: p.unit,
                    list_price_fen: p.list_price_fen,
                    cost_price_fen: p.cost_price_fen,
                    active: p.active,
                    version: p.version,
                })
                .collect(),
        })
    }

    /// Deals of every owner per value of `column` (a stage or a lost reason).
    async fn deal_counts(
        db: &impl ConnectionTrait,
        column: opportunity::Column,
        pipeline_id: Option<i64>,
    ) -> AppResult<HashMap<i64, i64>> {
        let mut select = across_owners::<opportunity::Entity>()
            .select_only()
            .column(column)
            .column_as(Expr::col(opportunity::Column::Id).count(), "deals");
        if let Some(id) = pipeline_id {
            select = select.filter(opportunity::Column::PipelineId.eq(id));
        }
        let rows: Vec<(Option<i64>, i64)> = select
            .filter(column.is_not_null())
            .group_by(column)
            .into_tuple()
            .all(db)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, n)| id.map(|id| (id, n)))
            .collect())
    }

    /// A built-in row (a key, no name of its own) keeps showing its translated label unless the
    /// administrator really typed another name.
    fn keeps_builtin_label(
        key: &str,
        stored_name: &str,
        typed: &str,
        label: fn(&crate::i18n::Texts, &str) -> String,
    ) -> bool {
        !key.is_empty()
            && stored_name.is_empty()
            && [
                crate::domain::format::Locale::ZhCn,
                crate::domain::format::Locale::En,
            ]
            .iter()
            .any(|&locale| label(crate::i18n::texts(locale), key) == typed)
    }

    fn parse_short_name(raw: &str) -> Result<String, ErrorCode> {
        forms::parse_name(raw).and_then(|n| {
            if n.chars().count() > 30 {
                Err(ErrorCode::TooLong { max: 30 })
            } else {
                Ok(n)
            }
        })
    }

    pub async fn move_stage(
        db: &(impl ConnectionTrait + TransactionTrait),
        actor: &Actor,
        id: i64,
        up: bool,
    ) -> AppResult<()> {
        actor.require(&[Role::Admin])?;
        let txn = begin_write(db).await?;
        let stage = pipeline_stage::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        if stage.won || stage.lost {
            return Err(AppError::field("stage", ErrorCode::UnknownChoice));
        }
        // Open stages move among themselves; the closing stages stay last.
        let open: Vec<pipeline_stage::Model> = stages_of(&txn, stage.pipeline_id)
            .await?
            .into_iter()
            .filter(|s| !s.won && !s.lost)
            .collect();
        let at = open
            .iter()
            .position(|s| s.id == id)
            .ok_or(AppError::NotFound)?;
        let neighbour = if up { at.checked_sub(1) } else { Some(at + 1) }.and_then(|i| open.get(i));
        if let Some(neighbour) = neighbour {
            for (row, position) in [(&stage, neighbour.position), (neighbour, stage.position)] {
                pipeline_stage::ActiveModel {
                    id: Set(row.id),
                    position: Set(position),
                    ..Default::default()
                }
                .update(&txn)
                .await?;
            }
        }
        txn.commit().await?;
        Ok(())
    }

    pub async fn create_pipeline(
        db: &(impl ConnectionTrait + TransactionTrait),
        actor: &Actor,
        name: &str,
        copy_from: i64,
    ) -> AppResult<i64> {
        actor.require(&[Role::Admin])?;
        let name = parse_short_name(name).map_err(|code| AppError::field("name", code))?;
        let txn = begin_write(db).await?;
        let (pipelines, source) = chosen_pipeline(&txn, Some(copy_from)).await?;
        if pipelines.iter().any(|p| p.name == name) {
            return Err(AppError::field("name", ErrorCode::Taken));
        }
        let created = pipeline::ActiveModel {
            name: Set(name),
            position: Set(pipelines.iter().map(|p| p.position).max().unwrap_or(0) + 1),
            active: Set(true),
            created_at: Set(crate::clock::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        for stage in stages_of(&txn, source).await? {
            let mut copy = pipeline_stage::ActiveModel::from(stage).reset_all();
            copy.id = sea_orm::ActiveValue::NotSet;
            copy.pipeline_id = Set(created.id);
            copy.insert(&txn).await?;
        }
        txn.commit().await?;
        Ok(created.id)
    }

    pub async fn save_lost_reason(
        db: &(impl ConnectionTrait + TransactionTrait),
        actor: &Actor,
        form: &LostReasonForm,
    ) -> AppResult<i64> {
        actor.require(&[Role::Admin])?;
        let name = parse_short_name(&form.name).map_err(|code| AppError::field("name", code))?;
        let txn = begin_write(db).await?;
        let reasons = lost_reason::Entity::find().all(&txn).await?;
        let id = match form.id {
            Some(id) => {
                let reason = reasons
                    .iter()
                    .find(|r| r.id == id)
                    .ok_or(AppError::NotFound)?;
                if !form.active && !reasons.iter().any(|r| r.active && r.id != id) {
                    return Err(AppError::field("active", ErrorCode::LastOne));
                }
                let keep_label = keeps_builtin_label(&reason.key, &reason.name, &name, |t, key| {
                    (t.pipeline.lost_reason_name)(key).to_string()
                });
                lost_reason::ActiveModel {
                    id: Set(id),
                    name: Set(if keep_label { String::new() } else { name }),
                    active: Set(form.active),
                    ..Default::default()
                }
                .update(&txn)
                .await?;
                id
            }
            None => {
                let position = reasons.iter().map(|r| r.position).max().unwrap_or(0) + 1;
                lost_reason::ActiveModel {
                    key: Set(String::new()),
                    name: Set(name),
                    position: Set(position),
                    active: Set(true),
                    ..Default::default()
                }
                .insert(&txn)
                .await?
                .id
            }
        };
        txn.commit().await?;
        Ok(id)
    }

    /// Saves a stage. A built-in stage renamed keeps its key but shows the new name; the closing
    /// stages keep their fixed probabilities (0 and 100).
    pub async fn save_stage(
        db: &(impl ConnectionTrait + TransactionTrait),
        actor: &Actor,
        form: &StageForm,
    ) -> AppResult<i64> {
        actor.require(&[Role::Admin])?;
        let mut checks = Checks::default();
        let name = checks.check("name", parse_short_name(&form.name));
        let probability = checks.check(
            "probability",
            forms::parse_whole_number(&form.probability, 0, 100),
        );
        let stale = checks.check(
            "stale_after_days",
            if form.stale_after_days.trim().is_empty() {
                Ok(None)
            } else {
                forms::parse_whole_number(&form.stale_after_days, 1, 365).map(Some)
            },
        );
        let txn = begin_write(db).await?;
        let stages = stages_of(&txn, form.pipeline_id).await?;
        if stages.is_empty() {
            return Err(AppError::NotFound);
        }
        let existing = match form.id {
            Some(id) => Some(
                stages
                    .iter()
                    .find(|s| s.id == id)
                    .ok_or(AppError::NotFound)?
                    .clone(),
            ),
            None => None,
        };
        let closing = existing.as_ref().is_some_and(|s| s.won || s.lost);
        if closing {
            // Closing stages: only the name is theirs to change.
            checks.0.retain(|e| e.field == "name");
        }
        checks.into_result().map_err(AppError::Validation)?;
        let name = name.ok_or(AppError::Internal)?;
        let id = match existing {
            Some(stage) => {
                // A built-in stage keeps its translated label unless it really was renamed.
                let label_unchanged =
                    keeps_builtin_label(&stage.key, &stage.name, &name, |t, key| {
                        (t.pipeline.stage_name)(key).to_string()
                    });
                let mut changes = pipeline_stage::ActiveModel {
                    id: Set(stage.id),
                    ..Default::default()
                };
                changes.name = Set(if label_unchanged { String::new() } else { name });
                if !closing {
                    changes.probability_percent = Set(probability.unwrap_or(0) as i32);
                    changes.stale_after_days = Set(stale.flatten().map(|d| d as i32));
                }
                changes.update(&txn).await?;
                stage.id
            }
            None => {
                // New open stages go just before the first closing stage.
                let at = stages
                    .iter()
                    .find(|s| s.won || s.lost)
                    .map(|s| s.position)
                    .unwrap_or(stages.len() as i32);
                pipeline_stage::Entity::update_many()
                    .col_expr(
                        pipeline_stage::Column::Position,
                        Expr::col(pipeline_stage::Column::Position).add(1),
                    )
                    .filter(pipeline_stage::Column::PipelineId.eq(form.pipeline_id))
                    .filter(pipeline_stage::Column::Position.gte(at))
                    .exec(&txn)
                    .await?;
                pipeline_stage::ActiveModel {
                    pipeline_id: Set(form.pipeline_id),
                    key: Set(String::new()),
                    name: Set(name),
                    position: Set(at),
                    probability_percent: Set(probability.unwrap_or(0) as i32),
                    won: Set(false),
                    lost: Set(false),
                    stale_after_days: Set(stale.flatten().map(|d| d as i32)),
                    colour: Set(String::new()),
                    ..Default::default()
                }
                .insert(&txn)
                .await?
                .id
            }
        };
        txn.commit().await?;
        Ok(id)
    }

    /// Deletes an open stage that holds no deals (of anyone: the check looks across owners) and that
    /// no deal ever entered: stage history is what the funnel review reads.
    pub async fn delete_stage(
        db: &(impl ConnectionTrait + TransactionTrait),
        actor: &Actor,
        id: i64,
    ) -> AppResult<()> {
        actor.require(&[Role::Admin])?;
        let txn = begin_write(db).await?;
        let stage = pipeline_stage::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        if stage.won || stage.lost {
            return Err(AppError::field("stage", ErrorCode::UnknownChoice));
        }
        let deals = across_owners::<opportunity::Entity>()
            .filter(opportunity::Column::StageId.eq(id))
            .count(&txn)
            .await?;
        if deals > 0 {
            return Err(AppError::field("stage", ErrorCode::StageInUse { deals }));
        }
        let moves = stage_history::Entity::find()
            .filter(stage_history::Column::ToStageId.eq(id))
            .count(&txn)
            .await?;
        if moves > 0 {
            return Err(AppError::field(
                "stage",
                ErrorCode::StageHasHistory { moves },
            ));
        }
        let open = stages_of(&txn, stage.pipeline_id)
            .await?
            .iter()
            .filter(|s| !s.won && !s.lost)
            .count();
        if open <= 1 {
            return Err(AppError::field("stage", ErrorCode::LastOne));
        }
        pipeline_stage::Entity::delete_by_id(id).exec(&txn).await?;
        txn.commit().await?;
        Ok(())
    }

    pub async fn save_product(
        db: &(impl ConnectionTrait + TransactionTrait),
        actor: &Actor,
        form: &ProductForm,
    ) -> AppResult<i64> {
        actor.require(&[Role::Admin])?;
        let mut checks = Checks::default();
        let code = checks.check(
            "code",
            forms::parse_name(&form.code).and_then(|c| {
                if c.chars().count() > 30 {
                    Err(ErrorCode::TooLong { max: 30 })
                } else {
                    Ok(c)
                }
            }),
        );
        let name = checks.check(
            "name",
            forms::parse_name(&form.name).and_then(|n| {
                if n.chars().count() > 100 {
                    Err(ErrorCode::TooLong { max: 100 })
                } else {
                    Ok(n)
                }
            }),
        );
        let category = checks.check("category", forms::parse_optional_text(&form.category, 40));
        let unit = checks.check("unit", forms::parse_optional_text(&form.unit, 10));
        let list = checks.check(
            "list_price",
            forms::parse_money(&form.list_price).and_then(|f| {
                if f >= 0 {
                    Ok(f)
                } else {
                    Err(ErrorCode::InvalidAmount)
                }
            }),
        );
        let cost = checks.check(
            "cost_price",
            forms::parse_money(&form.cost_price).and_then(|f| {
                if f >= 0 {
                    Ok(f)
                } else {
                    Err(ErrorCode::InvalidAmount)
                }
            }),
        );
        let txn = begin_write(db).await?;
        if let Some(code) = &code {
            let taken = product::Entity::find()
                .filter(product::Column::Code.eq(code.as_str()))
                .one(&txn)
                .await?;
            if taken.is_some_and(|p| Some(p.id) != form.id) {
                checks
                    .0
                    .push(forms::FieldError::new("code", ErrorCode::Taken));
            }
        }
        checks.into_result().map_err(AppError::Validation)?;
        let (code, name, category, unit, list, cost) = (
            code.ok_or(AppError::Internal)?,
            name.ok_or(AppError::Internal)?,
            category.unwrap_or_default(),
            unit.unwrap_or_default(),
            list.unwrap_or(0),
            cost.unwrap_or(0),
        );
        let fields = product::ActiveModel {
            code: Set(code),
            name: Set(name),
            category: Set(category),
            unit: Set(unit),
            list_price_fen: Set(list),
            cost_price_fen: Set(cost),
            ..Default::default()
        };
        let id = match form.id {
            Some(id) => {
                let changes = product::ActiveModel {
                    active: Set(form.active),
                    ..fields
                };
                update_versioned::<product::Entity>(
                    &txn,
                    changes,
                    (product::Column::Id, id),
                    (product::Column::Version, form.version),
                    "code",
                )
                .await?;
                id
            }
            None => {
                product::ActiveModel {
                    active: Set(true),
                    version: Set(1),
                    created_at: Set(crate::clock::now()),
                    ..fields
                }
                .insert(&txn)
                .await?
                .id
            }
        };
        txn.commit().await?;
        Ok(id)
    }

    /// The product catalogue, headed like the products import reads it (export, edit, import back).
    pub async fn export_products(
        db: &impl ConnectionTrait,
        actor: &Actor,
        locale: crate::domain::format::Locale,
    ) -> AppResult<crate::exports::ExportTable> {
        use crate::exports::Cell;
        actor.require(&[Role::Admin])?;
        let t = crate::i18n::texts(locale);
        let products = product::Entity::find()
            .order_by_asc(product::Column::Category)
            .order_by_asc(product::Column::Code)
            .all(db)
            .await?;
        let label = t.imports.field_label;
        Ok(crate::exports::ExportTable {
            sheet: t.sales_settings.products.to_string(),
            headers: [
                "code",
                "name",
                "category",
                "unit",
                "list_price",
                "cost_price",
            ]
            .iter()
            .map(|f| label(f).to_string())
            .chain([t.status.to_string()])
            .collect(),
            rows: products
                .into_iter()
                .map(|p| {
                    vec![
                        Cell::Text(p.code),
                        Cell::Text(p.name),
                        Cell::Text(p.category),
                        Cell::Text(p.unit),
                        Cell::Money(p.list_price_fen),
                        Cell::Money(p.cost_price_fen),
                        Cell::Text(if p.active { t.active } else { t.inactive }.to_string()),
                    ]
                })
                .collect(),
        })
    }
}
