//! Small database helpers shared by the services.
use crate::domain::forms::ErrorCode;
use crate::error::{AppError, AppResult};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, SqlErr, SqliteTransactionMode, TransactionOptions, TransactionTrait};

/// Writes `changes` only if the row still has `version`, and bumps the version. A changed row is
/// a `Conflict` (the user reloads and sees what changed), a missing one `NotFound`: never a
/// silent overwrite. A unique-constraint violation is reported at `unique_field`.
pub async fn update_versioned<E: EntityTrait>(
    db: &impl ConnectionTrait,
    changes: E::ActiveModel,
    (id_column, id): (E::Column, i64),
    (version_column, version): (E::Column, i32),
    unique_field: &str,
) -> AppResult<()> {
    let result = E::update_many()
        .set(changes)
        .col_expr(version_column, Expr::col(version_column).add(1))
        .filter(id_column.eq(id))
        .filter(version_column.eq(version))
        .exec(db)
        .await
        .map_err(|error| taken_or_internal(error, unique_field))?;
    if result.rows_affected == 1 {
        return Ok(());
    }
    let exists = E::find().filter(id_column.eq(id)).one(db).await?.is_some();
    Err(if exists { AppError::Conflict } else { AppError::NotFound })
}

/// Unique-constraint violations are the user's input clashing with another row: a field error.
pub fn taken_or_internal(error: DbErr, field: &str) -> AppError {
    if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
        AppError::field(field, ErrorCode::Taken)
    } else {
        error.into()
    }
}

/// Starts a transaction that will write. On SQLite it takes the write lock at `BEGIN`
/// (`BEGIN IMMEDIATE`): a deferred transaction that reads first cannot be upgraded once another
/// connection has committed, and SQLite then fails it at once instead of waiting its turn.
/// PostgreSQL ignores the mode.
pub async fn begin_write<C: TransactionTrait>(db: &C) -> Result<C::Transaction, DbErr> {
    db.begin_with_options(TransactionOptions { sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate), ..Default::default() }).await
}
