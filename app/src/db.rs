//! Small database helpers shared by the services.
use crate::domain::forms::ErrorCode;
use crate::error::{AppError, AppResult};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, ExecResult,
    QueryFilter, QueryResult, SqlErr, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionSession, TransactionTrait,
};

/// `column LIKE '%needle%'` with the needle taken literally: a `%`, `_` or `\` that someone types
/// matches itself, not any text (sea-orm's `contains` passes them on as wildcards).
pub fn contains_literally(column: impl ColumnTrait, needle: &str) -> Expr {
    let escaped = needle
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    column.like(LikeExpr::new(format!("%{escaped}%")).escape('\\'))
}

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
    Err(if exists {
        AppError::Conflict
    } else {
        AppError::NotFound
    })
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
///
/// Writers in this process also queue for their turn first, in arrival order: otherwise every
/// waiting connection sits in SQLite's busy handler, which sleeps in growing steps (up to 100 ms)
/// and lets later writers overtake, so a burst of board moves had a p99 above a second. The turn
/// is held until the transaction commits or is dropped. PostgreSQL ignores the mode and needs no
/// queue.
///
/// Inside [`WriteTxn::nest`] the turn is already held by the enclosing transaction, and `db` is
/// that transaction: the new one is a savepoint of it.
pub async fn begin_write<C: ConnectionTrait + TransactionTrait>(
    db: &C,
) -> Result<WriteTxn<C::Transaction>, DbErr> {
    let nested = HOLDS_WRITER_TURN.try_with(|_| ()).is_ok();
    let turn = if db.get_database_backend() == DbBackend::Sqlite && !nested {
        Some(SQLITE_WRITER.clone().lock_owned().await)
    } else {
        None
    };
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?;
    Ok(WriteTxn { txn, _turn: turn })
}

static SQLITE_WRITER: std::sync::LazyLock<std::sync::Arc<tokio::sync::Mutex<()>>> =
    std::sync::LazyLock::new(Default::default);

/// A write transaction and this process's writer turn (SQLite).
pub struct WriteTxn<T> {
    txn: T,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

tokio::task_local! {
    static HOLDS_WRITER_TURN: ();
}

impl<T: TransactionTrait> WriteTxn<T> {
    /// Runs `work` on this transaction in a way that lets it call services which start their own
    /// write transaction: those become savepoints of this one (a refused row rolls back only its
    /// own writes) instead of waiting for the writer turn this transaction holds. Imports use it
    /// to apply each row through the same service a form uses, all rows in one transaction.
    pub async fn nest<'a, F: std::future::Future>(
        &'a self,
        work: impl FnOnce(&'a T) -> F,
    ) -> F::Output {
        HOLDS_WRITER_TURN.scope((), work(&self.txn)).await
    }
}

#[async_trait::async_trait]
impl<T: ConnectionTrait + Send + Sync> ConnectionTrait for WriteTxn<T> {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }
    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }
    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }
    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }
    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }
    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
    fn is_mock_connection(&self) -> bool {
        self.txn.is_mock_connection()
    }
}

#[async_trait::async_trait]
impl<T: TransactionSession + Send> TransactionSession for WriteTxn<T> {
    async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }
    async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

/// `SUM(expr)` as a plain 64-bit integer: PostgreSQL sums bigints as numeric, which would not
/// decode as `i64`.
pub fn sum_as_bigint(
    expr: impl Into<sea_orm::sea_query::SimpleExpr>,
) -> sea_orm::sea_query::SimpleExpr {
    Expr::expr(expr.into())
        .sum()
        .cast_as(sea_orm::sea_query::Alias::new("BIGINT"))
}

/// A company setting and its version; the type's default until an administrator saves one.
pub async fn load_setting<T: serde::de::DeserializeOwned + Default>(
    db: &impl ConnectionTrait,
    key: &str,
) -> AppResult<(T, i32)> {
    use crate::entities::company_setting;
    let Some(row) = company_setting::Entity::find_by_id(key.to_string())
        .one(db)
        .await?
    else {
        return Ok((T::default(), 0));
    };
    let value = serde_json::from_str(&row.value)
        .map_err(|error| AppError::internal(format!("setting {key}: {error}")))?;
    Ok((value, row.version))
}

/// Saves a setting if it still has `version` (0: never saved); otherwise `Conflict`.
pub async fn save_setting<T: serde::Serialize>(
    db: &impl ConnectionTrait,
    key: &str,
    value: &T,
    version: i32,
    actor_id: i64,
) -> AppResult<()> {
    use crate::entities::company_setting;
    use sea_orm::ActiveValue::Set;
    let json = serde_json::to_string(value)
        .map_err(|error| AppError::internal(format!("setting {key}: {error}")))?;
    let row = company_setting::ActiveModel {
        value: Set(json),
        updated_by: Set(Some(actor_id)),
        updated_at: Set(crate::clock::now()),
        ..Default::default()
    };
    if version == 0 {
        let mut row = row;
        row.key = Set(key.to_string());
        row.version = Set(1);
        return company_setting::Entity::insert(row)
            .exec(db)
            .await
            .map(|_| ())
            .map_err(|error| match error.sql_err() {
                Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict,
                _ => error.into(),
            });
    }
    let result = company_setting::Entity::update_many()
        .set(row)
        .col_expr(
            company_setting::Column::Version,
            Expr::col(company_setting::Column::Version).add(1),
        )
        .filter(company_setting::Column::Key.eq(key))
        .filter(company_setting::Column::Version.eq(version))
        .exec(db)
        .await?;
    if result.rows_affected == 1 {
        Ok(())
    } else {
        Err(AppError::Conflict)
    }
}

/// Bound parameters per multi-row insert: under SQLite's 32,766 and PostgreSQL's 65,535.
const PARAMETERS_PER_STATEMENT: usize = 30_000;

/// Inserts `rows` (each setting `columns` values) in as few multi-row statements as the
/// databases' limits on bound parameters allow.
pub async fn insert_in_chunks<A>(
    db: &impl ConnectionTrait,
    rows: Vec<A>,
    columns: usize,
) -> AppResult<()>
where
    A: ActiveModelTrait + Send,
{
    let per_statement = (PARAMETERS_PER_STATEMENT / columns).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(per_statement).collect();
        A::Entity::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}
