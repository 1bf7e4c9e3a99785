//! Thin server functions: who is asking, then the service.
use super::{AuditEntry, AuditPerson, AuditQuery};
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "audit/search")]
pub async fn search_audit(
    #[server(default)] query: AuditQuery,
) -> Result<Vec<AuditEntry>, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::search(&state.db, &actor, &query).await
}

/// Everyone who may appear in the log as its actor, people who have left included.
#[server(endpoint = "audit/people")]
pub async fn audit_people() -> Result<Vec<AuditPerson>, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::people(&state.db, &actor).await
}
