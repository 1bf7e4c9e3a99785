//! Changing one's own password and signing out one's other sessions.
use crate::auth::{hash_password, password_matches, Actor};
use crate::domain::forms::ErrorCode;
use crate::entities::user;
use crate::error::{AppError, AppResult};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionSession,
};

/// A signed-in user changes their own password: the current one must be right, and every other
/// session of theirs ends (a stolen session does not survive the change).
pub async fn change_own_password(
    db: &DatabaseConnection,
    actor: &Actor,
    session_id: &str,
    current: String,
    new: &str,
) -> AppResult<()> {
    use crate::domain::forms::{parse_new_password, Checks};
    let mut checks = Checks::default();
    let new = checks.check("new_password", parse_new_password(new));
    checks.into_result().map_err(AppError::Validation)?;
    if !password_matches(current, actor.user.password_hash.clone()).await? {
        return Err(AppError::field(
            "current_password",
            ErrorCode::BadCredentials,
        ));
    }
    let new_hash = tokio::task::spawn_blocking(move || hash_password(&new.unwrap_or_default()))
        .await
        .map_err(AppError::internal)?;
    let txn = crate::db::begin_write(db).await?;
    user::Entity::update_many()
        .col_expr(
            user::Column::PasswordHash,
            sea_orm::sea_query::Expr::value(new_hash),
        )
        .col_expr(
            user::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(crate::clock::now()),
        )
        .filter(user::Column::Id.eq(actor.user.id))
        .exec(&txn)
        .await?;
    let ended = end_other_sessions(&txn, actor.user.id, session_id).await?;
    crate::audit::record(
        &txn,
        actor,
        crate::audit::Action::PasswordChanged,
        crate::audit::Subject::User(actor.user.id),
        serde_json::json!({}),
        serde_json::json!({ "by": "self", "other_sessions_ended": ended }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Signs the user out everywhere but here; returns how many sessions ended.
pub async fn sign_out_other_sessions(
    db: &DatabaseConnection,
    actor: &Actor,
    session_id: &str,
) -> AppResult<u64> {
    let txn = crate::db::begin_write(db).await?;
    let ended = end_other_sessions(&txn, actor.user.id, session_id).await?;
    crate::audit::record(
        &txn,
        actor,
        crate::audit::Action::SessionsRevoked,
        crate::audit::Subject::User(actor.user.id),
        serde_json::json!({}),
        serde_json::json!({ "ended": ended }),
    )
    .await?;
    txn.commit().await?;
    Ok(ended)
}

async fn end_other_sessions(db: &impl ConnectionTrait, user_id: i64, keep: &str) -> AppResult<u64> {
    use crate::entities::session;
    let result = session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::Id.ne(keep))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
