//! Sales settings in the database: stages, pipelines, lost reasons and products, each change audited.
use super::*;
use crate::auth::scope::across_owners;
use crate::auth::Actor;
use crate::db::{begin_write, update_versioned};
use crate::domain::forms::{self, Checks, ErrorCode};
use crate::domain::visibility::Role;
use crate::entities::{lost_reason, opportunity, pipeline, pipeline_stage, product, stage_history};
use crate::error::AppError;
use crate::error::AppResult;
use crate::pipeline::service::{chosen_pipeline, pipeline_choices, stage_view, stages_of};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
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
            let label_unchanged = keeps_builtin_label(&stage.key, &stage.name, &name, |t, key| {
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
