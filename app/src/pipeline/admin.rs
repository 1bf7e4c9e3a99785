//! Sales settings for administrators: the stages of each pipeline (name, win probability, stale
//! threshold; a stage that holds deals cannot be deleted) and the product catalogue.
use super::board::stage_label;
use super::StageView;
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
pub struct SalesSettings {
    pub pipeline_id: i64,
    pub stages: Vec<StageRow>,
    pub products: Vec<ProductRow>,
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
pub async fn load_sales_settings() -> Result<SalesSettings, AppError> {
    let (state, actor) = crate::auth::service::current_actor().await?;
    service::settings(&state.db, &actor).await
}

#[server(endpoint = "pipeline/stage_save")]
pub async fn save_stage(form: StageForm) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::service::current_actor().await?;
    service::save_stage(&state.db, &actor, &form).await
}

#[server(endpoint = "pipeline/stage_delete")]
pub async fn delete_stage(id: i64) -> Result<(), AppError> {
    let (state, actor) = crate::auth::service::current_actor().await?;
    service::delete_stage(&state.db, &actor, id).await
}

#[server(endpoint = "pipeline/product_save")]
pub async fn save_product(form: ProductForm) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::service::current_actor().await?;
    service::save_product(&state.db, &actor, &form).await
}

/// `/settings/sales`: stages and products.
#[component]
pub fn SalesSettingsPage() -> impl IntoView {
    let save_stage = ServerAction::<SaveStage>::new();
    let delete_stage = ServerAction::<DeleteStage>::new();
    let save_product = ServerAction::<SaveProduct>::new();
    let settings = Resource::new(
        move || (save_stage.version().get(), delete_stage.version().get(), save_product.version().get()),
        |_| load_sales_settings(),
    );
    view! {
        <PageHeader title=tr(|t| t.sales_settings.title) />
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(settings) => view! { <SettingsView settings save_stage delete_stage save_product /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn SettingsView(settings: SalesSettings, save_stage: ServerAction<SaveStage>, delete_stage: ServerAction<DeleteStage>, save_product: ServerAction<SaveProduct>) -> AnyView {
    let i18n = use_i18n();
    let stage_error = Signal::derive(move || action_error(save_stage).get().or_else(|| action_error(delete_stage).get()));
    let product_error = action_error(save_product);
    let pipeline_id = settings.pipeline_id;
    view! {
        <section class="card" id="stages">
            <h2>{tr(|t| t.sales_settings.stages)}</h2>
            <p class="hint">{tr(|t| t.sales_settings.stages_hint)}</p>
            <div class="table-wrap">
                <table class="table" data-testid="stages-table">
                    <thead><tr>
                        <th>{tr(|t| t.pipeline.stage)}</th>
                        <th>{tr(|t| t.sales_settings.probability)}</th>
                        <th>{tr(|t| t.sales_settings.stale_after)}</th>
                        <th class="num">{tr(|t| t.sales_settings.deals)}</th>
                        <th></th>
                    </tr></thead>
                    <tbody>
                        {settings.stages.into_iter().map(|row| {
                            let stage = row.stage.clone();
                            let label = stage.clone();
                            let closed = stage.closed();
                            let form_id = format!("stage-{}", stage.id);
                            view! {
                                <tr data-stage=stage.id>
                                    <td>
                                        <input form=form_id.clone() name="form[name]" value=move || stage_label(i18n.t(), &label) aria-label=move || i18n.t().pipeline.stage />
                                    </td>
                                    <td><input form=form_id.clone() name="form[probability]" inputmode="numeric" size="4" value=stage.probability_percent.to_string() disabled=closed aria-label=move || i18n.t().sales_settings.probability /></td>
                                    <td><input form=form_id.clone() name="form[stale_after_days]" inputmode="numeric" size="4" value=stage.stale_after_days.map(|d| d.to_string()).unwrap_or_default() disabled=closed aria-label=move || i18n.t().sales_settings.stale_after /></td>
                                    <td class="num">{row.deals}</td>
                                    <td class="row-actions">
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
        <section class="card" id="products">
            <h2>{tr(|t| t.sales_settings.products)}</h2>
            <div class="table-wrap">
                <table class="table" data-testid="products-table">
                    <thead><tr>
                        <th>{tr(|t| t.sales_settings.code)}</th>
                        <th>{tr(|t| t.pipeline.product)}</th>
                        <th>{tr(|t| t.sales_settings.category)}</th>
                        <th class="num">{tr(|t| t.sales_settings.list_price)}</th>
                        <th class="num">{tr(|t| t.sales_settings.cost_price)}</th>
                        <th></th>
                    </tr></thead>
                    <tbody>
                        {settings.products.into_iter().map(|p| view! {
                            <tr class:inactive=!p.active>
                                <td>{p.code.clone()}</td>
                                <td>{format!("{} ({})", p.name, p.unit)}</td>
                                <td>{p.category.clone()}</td>
                                <td class="num">{format_money(p.list_price_fen)}</td>
                                <td class="num">{format_money(p.cost_price_fen)}</td>
                                <td><a href=format!("/settings/sales?product={}#product-form", p.id)>{tr(|t| t.sales_settings.edit)}</a></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <ProductEditor save_product error=product_error />
        </section>
    }
    .into_any()
}

#[component]
fn ProductEditor(save_product: ServerAction<SaveProduct>, error: Signal<Option<AppError>>) -> AnyView {
    let query = leptos_router::hooks::use_query_map();
    let editing = query.read_untracked().get("product").and_then(|id| id.parse::<i64>().ok());
    let product = Resource::new(move || editing, |id| async move {
        match id {
            Some(id) => load_sales_settings().await.map(|s| s.products.into_iter().find(|p| p.id == id)),
            None => Ok(None),
        }
    });
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                let p = product.await.ok().flatten();
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
            })}
        </Suspense>
    }
    .into_any()
}

#[cfg(feature = "ssr")]
pub mod service {
    use super::*;
    use crate::auth::scope::across_owners;
    use crate::auth::service::Actor;
    use crate::db::{begin_write, update_versioned};
    use crate::domain::forms::{self, Checks, ErrorCode};
    use crate::domain::visibility::Role;
    use crate::entities::{opportunity, pipeline_stage, product};
    use crate::error::AppResult;
    use crate::pipeline::service::{chosen_pipeline, stage_view, stages_of};
    use chrono::Utc;
    use sea_orm::sea_query::{Expr, ExprTrait};
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionSession, TransactionTrait};
    use std::collections::HashMap;

    pub async fn settings(db: &impl ConnectionTrait, actor: &Actor) -> AppResult<SalesSettings> {
        actor.require(&[Role::Admin])?;
        let (_, pipeline_id) = chosen_pipeline(db, None).await?;
        let stages = stages_of(db, pipeline_id).await?;
        let counts: HashMap<i64, i64> = across_owners::<opportunity::Entity>()
            .select_only()
            .column(opportunity::Column::StageId)
            .column_as(Expr::col(opportunity::Column::Id).count(), "deals")
            .filter(opportunity::Column::PipelineId.eq(pipeline_id))
            .group_by(opportunity::Column::StageId)
            .into_tuple::<(i64, i64)>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        let products = product::Entity::find().order_by_asc(product::Column::Category).order_by_asc(product::Column::Code).all(db).await?;
        Ok(SalesSettings {
            pipeline_id,
            stages: stages.iter().map(|s| StageRow { stage: stage_view(s), deals: Ord::max(counts.get(&s.id).copied().unwrap_or(0), 0) as u64 }).collect(),
            products: products
                .into_iter()
                .map(|p| ProductRow { id: p.id, code: p.code, name: p.name, category: p.category, unit: p.unit, list_price_fen: p.list_price_fen, cost_price_fen: p.cost_price_fen, active: p.active, version: p.version })
                .collect(),
        })
    }

    /// Saves a stage. A built-in stage renamed keeps its key but shows the new name; the closing
    /// stages keep their fixed probabilities (0 and 100).
    pub async fn save_stage(db: &(impl ConnectionTrait + TransactionTrait), actor: &Actor, form: &StageForm) -> AppResult<i64> {
        actor.require(&[Role::Admin])?;
        let mut checks = Checks::default();
        let name = checks.check("name", forms::parse_name(&form.name).and_then(|n| if n.chars().count() > 30 { Err(ErrorCode::TooLong { max: 30 }) } else { Ok(n) }));
        let probability = checks.check("probability", forms::parse_whole_number(&form.probability, 0, 100));
        let stale = checks.check("stale_after_days", if form.stale_after_days.trim().is_empty() { Ok(None) } else { forms::parse_whole_number(&form.stale_after_days, 1, 365).map(Some) });
        let txn = begin_write(db).await?;
        let stages = stages_of(&txn, form.pipeline_id).await?;
        if stages.is_empty() {
            return Err(AppError::NotFound);
        }
        let existing = match form.id {
            Some(id) => Some(stages.iter().find(|s| s.id == id).ok_or(AppError::NotFound)?.clone()),
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
                let label_unchanged = !stage.key.is_empty() && stage.name.is_empty() && [crate::i18n::texts(crate::domain::format::Locale::ZhCn), crate::i18n::texts(crate::domain::format::Locale::En)].iter().any(|t| (t.pipeline.stage_name)(&stage.key) == name);
                let mut changes = pipeline_stage::ActiveModel { id: Set(stage.id), ..Default::default() };
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
                let at = stages.iter().find(|s| s.won || s.lost).map(|s| s.position).unwrap_or(stages.len() as i32);
                pipeline_stage::Entity::update_many()
                    .col_expr(pipeline_stage::Column::Position, Expr::col(pipeline_stage::Column::Position).add(1))
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

    /// Deletes an open stage that holds no deals (of anyone: the check looks across owners).
    pub async fn delete_stage(db: &(impl ConnectionTrait + TransactionTrait), actor: &Actor, id: i64) -> AppResult<()> {
        actor.require(&[Role::Admin])?;
        let txn = begin_write(db).await?;
        let stage = pipeline_stage::Entity::find_by_id(id).one(&txn).await?.ok_or(AppError::NotFound)?;
        if stage.won || stage.lost {
            return Err(AppError::field("stage", ErrorCode::UnknownChoice));
        }
        let deals = across_owners::<opportunity::Entity>().filter(opportunity::Column::StageId.eq(id)).count(&txn).await?;
        if deals > 0 {
            return Err(AppError::field("stage", ErrorCode::StageInUse { deals }));
        }
        let open = stages_of(&txn, stage.pipeline_id).await?.iter().filter(|s| !s.won && !s.lost).count();
        if open <= 1 {
            return Err(AppError::field("stage", ErrorCode::UnknownChoice));
        }
        pipeline_stage::Entity::delete_by_id(id).exec(&txn).await?;
        txn.commit().await?;
        Ok(())
    }

    pub async fn save_product(db: &(impl ConnectionTrait + TransactionTrait), actor: &Actor, form: &ProductForm) -> AppResult<i64> {
        actor.require(&[Role::Admin])?;
        let mut checks = Checks::default();
        let code = checks.check("code", forms::parse_name(&form.code).and_then(|c| if c.chars().count() > 30 { Err(ErrorCode::TooLong { max: 30 }) } else { Ok(c) }));
        let name = checks.check("name", forms::parse_name(&form.name).and_then(|n| if n.chars().count() > 100 { Err(ErrorCode::TooLong { max: 100 }) } else { Ok(n) }));
        let category = checks.check("category", forms::parse_optional_text(&form.category, 40));
        let unit = checks.check("unit", forms::parse_optional_text(&form.unit, 10));
        let list = checks.check("list_price", forms::parse_money(&form.list_price).and_then(|f| if f >= 0 { Ok(f) } else { Err(ErrorCode::InvalidAmount) }));
        let cost = checks.check("cost_price", forms::parse_money(&form.cost_price).and_then(|f| if f >= 0 { Ok(f) } else { Err(ErrorCode::InvalidAmount) }));
        let txn = begin_write(db).await?;
        if let Some(code) = &code {
            let taken = product::Entity::find().filter(product::Column::Code.eq(code.as_str())).one(&txn).await?;
            if taken.is_some_and(|p| Some(p.id) != form.id) {
                checks.0.push(forms::FieldError::new("code", ErrorCode::Taken));
            }
        }
        checks.into_result().map_err(AppError::Validation)?;
        let (code, name, category, unit, list, cost) =
            (code.ok_or(AppError::Internal)?, name.ok_or(AppError::Internal)?, category.unwrap_or_default(), unit.unwrap_or_default(), list.unwrap_or(0), cost.unwrap_or(0));
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
                let changes = product::ActiveModel { active: Set(form.active), ..fields };
                update_versioned::<product::Entity>(&txn, changes, (product::Column::Id, id), (product::Column::Version, form.version), "code").await?;
                id
            }
            None => product::ActiveModel { active: Set(true), version: Set(1), created_at: Set(Utc::now()), ..fields }.insert(&txn).await?.id,
        };
        txn.commit().await?;
        Ok(id)
    }
}
