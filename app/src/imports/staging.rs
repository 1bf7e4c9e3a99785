//! Staged customer imports. A large file is written in short chunks, each its own write
//! transaction, so other people's sign-ins, follow-ups and card moves get the database between
//! them (on SQLite a transaction holds the only writer). The new customers carry their batch in
//! `customers.import_batch`, which every read through `auth::scope` leaves out, so nobody sees
//! any of them until one short transaction publishes the whole batch: all or nothing, as before.
//!
//! A batch that fails is discarded; one whose server died (killed mid-import) is recognised by its
//! stale `touched_at` and swept by the next start or the hourly sweep.
use crate::auth::scope::with_staged;
use crate::auth::Actor;
use crate::entities::{contact, customer, customer_event, import_batch};
use crate::error::AppResult;
use sea_orm::sea_query::Expr;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
    TransactionSession, TransactionTrait,
};
use std::time::Duration;

/// A chunk ends once it has written for this long, so anyone waiting for the writer waits at most
/// about this much (plus the one row in progress).
pub const CHUNK_TIME: Duration = Duration::from_millis(50);

/// A batch not touched for this long belongs to a server that is gone: a chunk lasts
/// [`CHUNK_TIME`], so a live import touches its batch many times a second.
pub const STALE_AFTER: chrono::TimeDelta = chrono::TimeDelta::minutes(2);

/// Staged customers removed per transaction when a batch is discarded.
const DISCARD_CHUNK: u64 = 2_000;

/// Opens a batch for `actor`'s import.
pub async fn start(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<i64> {
    let txn = crate::db::begin_write(db).await?;
    let batch = import_batch::ActiveModel {
        started_by: Set(actor.user.id),
        started_at: Set(now),
        touched_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(batch.id)
}

/// Marks the batch alive; called in every chunk's transaction.
pub async fn touch(db: &impl ConnectionTrait, batch: i64) -> AppResult<()> {
    import_batch::Entity::update_many()
        .col_expr(
            import_batch::Column::TouchedAt,
            Expr::value(chrono::Utc::now()),
        )
        .filter(import_batch::Column::Id.eq(batch))
        .exec(db)
        .await?;
    Ok(())
}

/// Makes every customer of the batch part of the company's records, inside the caller's
/// (publishing) transaction. Fails when the batch is gone (swept as dead): its rows are then
/// missing, and publishing the rest would break all-or-nothing.
pub async fn publish(txn: &impl ConnectionTrait, batch: i64, staged: u64) -> AppResult<()> {
    let closed = import_batch::Entity::delete_many()
        .filter(import_batch::Column::Id.eq(batch))
        .exec(txn)
        .await?;
    let published = customer::Entity::update_many()
        .col_expr(
            customer::Column::ImportBatch,
            Expr::value(Option::<i64>::None),
        )
        .filter(customer::Column::ImportBatch.eq(batch))
        .exec(txn)
        .await?;
    if closed.rows_affected != 1 || published.rows_affected != staged {
        tracing::error!(
            batch,
            staged,
            published = published.rows_affected,
            "a staged import lost rows before it was published"
        );
        return Err(crate::error::AppError::Conflict);
    }
    Ok(())
}

/// Removes a batch and everything staged in it (its customers' contacts and history included),
/// a chunk per transaction.
pub async fn discard(
    db: &(impl ConnectionTrait + TransactionTrait),
    batch: i64,
) -> Result<u64, DbErr> {
    let mut removed = 0;
    loop {
        let ids: Vec<i64> = with_staged::<customer::Entity>()
            .select_only()
            .column(customer::Column::Id)
            .filter(customer::Column::ImportBatch.eq(batch))
            .limit(DISCARD_CHUNK)
            .into_tuple()
            .all(db)
            .await?;
        let txn = crate::db::begin_write(db).await?;
        if ids.is_empty() {
            import_batch::Entity::delete_many()
                .filter(import_batch::Column::Id.eq(batch))
                .exec(&txn)
                .await?;
            txn.commit().await?;
            return Ok(removed);
        }
        contact::Entity::delete_many()
            .filter(contact::Column::CustomerId.is_in(ids.iter().copied()))
            .exec(&txn)
            .await?;
        customer_event::Entity::delete_many()
            .filter(customer_event::Column::CustomerId.is_in(ids.iter().copied()))
            .exec(&txn)
            .await?;
        // Only rows still staged: a batch published meanwhile keeps every one.
        let gone = customer::Entity::delete_many()
            .filter(customer::Column::Id.is_in(ids.iter().copied()))
            .filter(customer::Column::ImportBatch.eq(batch))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        removed += gone.rows_affected;
    }
}

/// Discards the batches of imports that died with their server: all of them when `every` (a
/// SQLite server starting: it is the only one, so no import is running), otherwise those not
/// touched for [`STALE_AFTER`]. Returns the staged customers removed.
pub async fn sweep(
    db: &(impl ConnectionTrait + TransactionTrait),
    now: chrono::DateTime<chrono::Utc>,
    every: bool,
) -> Result<u64, DbErr> {
    let mut dead = import_batch::Entity::find()
        .select_only()
        .column(import_batch::Column::Id);
    if !every {
        dead = dead.filter(import_batch::Column::TouchedAt.lt(now - STALE_AFTER));
    }
    let dead: Vec<i64> = dead.into_tuple().all(db).await?;
    let mut removed = 0;
    for batch in dead {
        removed += discard(db, batch).await?;
    }
    Ok(removed)
}

/// Marks a chunk's transaction as this batch's and commits it.
pub async fn end_chunk<T: ConnectionTrait + TransactionSession>(
    txn: T,
    batch: i64,
) -> AppResult<()> {
    touch(&txn, batch).await?;
    txn.commit().await?;
    Ok(())
}
