//! Deals, the board, sales orders and payments. Every read of deals, orders and payments goes
//! through `visible` (or `across_owners` for neighbour positions and labels); every change to a
//! deal writes the change feed (`pipeline_events`) in its transaction, so open boards follow.
use super::*;
use crate::auth::scope::{across_owners, visible};
use crate::auth::Actor;
use crate::customers::{customer_search, CustomerSearch};
use crate::db::{begin_write, update_versioned};
use crate::domain::events::CustomerEvent;
use crate::domain::forms::{self, Checks, ErrorCode};
use crate::domain::pipeline::{self as rules, card_alert, weighted_fen, DeliveryStatus};
use crate::entities::{
    customer, lost_reason, opportunity, opportunity_line, order_line, payment, pipeline,
    pipeline_event, pipeline_stage, product, sales_order, stage_history, team, user,
};
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbBackend,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select, Statement,
    TransactionSession, TransactionTrait,
};
use std::collections::HashMap;

/// Installs the default pipeline and lost reasons on an empty database (idempotent).
pub async fn ensure_defaults(db: &(impl ConnectionTrait + TransactionTrait)) -> AppResult<()> {
    let txn = begin_write(db).await?;
    if pipeline::Entity::find().count(&txn).await? == 0 {
        // An empty name is the built-in pipeline, labelled in the reader's language.
        let created = pipeline::ActiveModel {
            name: Set(String::new()),
            position: Set(0),
            active: Set(true),
            created_at: Set(crate::clock::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        for (position, spec) in rules::default_stages().into_iter().enumerate() {
            pipeline_stage::ActiveModel {
                pipeline_id: Set(created.id),
                key: Set(spec.key.to_string()),
                name: Set(String::new()),
                position: Set(position as i32),
                probability_percent: Set(i32::from(spec.probability_percent)),
                won: Set(spec.won),
                lost: Set(spec.lost),
                stale_after_days: Set(spec.stale_after_days.map(|d| d as i32)),
                colour: Set(String::new()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    if lost_reason::Entity::find().count(&txn).await? == 0 {
        for (position, key) in rules::DEFAULT_LOST_REASONS.iter().enumerate() {
            lost_reason::ActiveModel {
                key: Set(key.to_string()),
                name: Set(String::new()),
                position: Set(position as i32),
                active: Set(true),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    txn.commit().await?;
    Ok(())
}

pub(crate) fn stage_view(stage: &pipeline_stage::Model) -> StageView {
    StageView {
        id: stage.id,
        key: stage.key.clone(),
        name: stage.name.clone(),
        probability_percent: stage.probability_percent.clamp(0, 100) as u8,
        won: stage.won,
        lost: stage.lost,
        stale_after_days: stage.stale_after_days.map(|d| Ord::max(d, 0) as u32),
    }
}

pub(crate) async fn stages_of(
    db: &impl ConnectionTrait,
    pipeline_id: i64,
) -> AppResult<Vec<pipeline_stage::Model>> {
    Ok(pipeline_stage::Entity::find()
        .filter(pipeline_stage::Column::PipelineId.eq(pipeline_id))
        .order_by_asc(pipeline_stage::Column::Position)
        .all(db)
        .await?)
}

pub(crate) async fn pipelines(db: &impl ConnectionTrait) -> AppResult<Vec<pipeline::Model>> {
    Ok(pipeline::Entity::find()
        .filter(pipeline::Column::Active.eq(true))
        .order_by_asc(pipeline::Column::Position)
        .order_by_asc(pipeline::Column::Id)
        .all(db)
        .await?)
}

async fn lost_reasons(db: &impl ConnectionTrait) -> AppResult<Vec<LostReasonView>> {
    Ok(lost_reason::Entity::find()
        .filter(lost_reason::Column::Active.eq(true))
        .order_by_asc(lost_reason::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|r| LostReasonView {
            id: r.id,
            key: r.key,
            name: r.name,
        })
        .collect())
}

mod deals;
mod listing;
mod moves;
mod orders;

pub use deals::{deal, deals_of_customer, record_payment, save_deal};
use listing::cards;
pub use listing::{board, card, export, more_cards, table, totals};
pub(crate) use listing::{chosen_pipeline, pipeline_choices};
pub(in crate::pipeline) use listing::{deals_of, filter_choices};
pub use moves::move_card;
pub(crate) use moves::{publish, top_position};
pub(crate) use orders::record_on_customer;
use orders::{create_order_for_won_deal, has_orders};
pub use orders::{insert_order, mark_first_order, OrderColumns};
