//! Customer queries and changes. Every read of customers goes through `visible` (or the explicit
//! pool / across-owners views); every change records a timeline event in the same transaction.
use super::*;
use crate::auth::names_of;
use crate::auth::scope::{across_owners, in_pool, visible};
use crate::auth::Actor;
use crate::db::update_versioned;
use crate::domain::customer::{
    self as rules, BuyingRole, CustomerSort, FollowUpKind, Intent, LadderStage, ProfileField,
    Source,
};
use crate::domain::events::{CustomerEvent, Notice};
use crate::domain::forms::{self, Checks, ErrorCode, FieldError};
use crate::domain::visibility::Role;
use crate::entities::{contact, customer, customer_event, follow_up, saved_filter, user};
use crate::error::{AppError, AppResult};
use crate::state::Settings;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, NullOrdering, Order, Query, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbBackend,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select, TransactionSession,
    TransactionTrait,
};
use std::collections::{BTreeMap, HashMap};

pub async fn record_event(
    db: &impl ConnectionTrait,
    customer_id: i64,
    actor_id: Option<i64>,
    event: CustomerEvent,
) -> AppResult<()> {
    event_row(customer_id, actor_id, &event, crate::clock::now())
        .insert(db)
        .await?;
    Ok(())
}

/// A timeline row not yet written, for callers that insert many at once (imports).
pub fn event_row(
    customer_id: i64,
    actor_id: Option<i64>,
    event: &CustomerEvent,
    at: chrono::DateTime<chrono::Utc>,
) -> customer_event::ActiveModel {
    customer_event::ActiveModel {
        customer_id: Set(customer_id),
        actor_id: Set(actor_id),
        kind: Set(event.kind().to_string()),
        detail: Set(event.detail()),
        at: Set(at),
        ..Default::default()
    }
}

/// Moves a customer to `owner` (None: the lead pool), restarting the ownership clock and bumping
/// the version. Callers add the row filter.
fn change_owner(
    owner: Option<i64>,
    now: chrono::DateTime<chrono::Utc>,
) -> sea_orm::UpdateMany<customer::Entity> {
    customer::Entity::update_many()
        .col_expr(customer::Column::OwnerId, Expr::value(owner))
        .col_expr(
            customer::Column::OwnedSince,
            Expr::value(owner.map(|_| now)),
        )
        .col_expr(
            customer::Column::Version,
            Expr::col(customer::Column::Version).add(1),
        )
}

mod exports;
mod file;
mod follow_ups;
mod merge;
mod ownership;
mod search;

pub use exports::{export, export_agenda, export_ladder};
pub(crate) use file::{check_customer, customer_columns, find_for, find_owned_for, may_edit};
pub use file::{delete_contact, detail, save, save_contact};
use file::{newness, stage_of};
pub use follow_ups::{
    agenda, check_follow_up, insert_follow_up, insert_follow_ups, log_follow_up, CheckedFollowUp,
    PastFollowUp,
};
pub use merge::{merge, merge_preview};
pub use ownership::{claim, handover_all, reassign, return_all_to_pool, return_neglected_to_pool};
pub(crate) use search::{customer_search, refresh_search_text, CustomerSearch};
pub use search::{
    delete_filter, fill_missing_search_text, filter_options, ladder_breakdown, list, name_initials,
    save_filter, stage_counts,
};
use search::{filtered, order_page, tags_of};
