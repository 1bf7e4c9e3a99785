//! The account's server functions.
use crate::error::AppError;
use leptos::prelude::*;

/// The current session's id (the one a password change or "sign out elsewhere" keeps).
#[cfg(feature = "ssr")]
async fn current_session_id() -> Result<String, AppError> {
    let auth = crate::auth::auth_session().await?;
    auth.session
        .id()
        .map(|id| id.to_string())
        .ok_or(AppError::Unauthorized)
}

#[server(endpoint = "account/password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    let session_id = current_session_id().await?;
    super::service::change_own_password(
        &state.db,
        &actor,
        &session_id,
        current_password,
        &new_password,
    )
    .await
}

#[server(endpoint = "account/sign_out_others")]
pub async fn sign_out_others() -> Result<u64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    let session_id = current_session_id().await?;
    super::service::sign_out_other_sessions(&state.db, &actor, &session_id).await
}
