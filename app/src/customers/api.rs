//! Thin server functions: who is asking, then the service (which applies the visibility rule).
use super::{Agenda, CustomerDetail, CustomerFilter, CustomerForm, CustomerPage, FollowUpForm};
use crate::error::AppError;
use leptos::prelude::*;

/// Comma-separated ids from a form ("3,5,8"); anything else is refused at `field`.
#[cfg(feature = "ssr")]
fn id_list(raw: &str, field: &str) -> Result<Vec<i64>, AppError> {
    raw.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| part.parse().map_err(|_| AppError::field(field, crate::domain::forms::ErrorCode::UnknownChoice)))
        .collect()
}

#[server(endpoint = "customers/list")]
pub async fn list_customers(#[server(default)] filter: CustomerFilter) -> Result<CustomerPage, AppError> {
    let (state, actor) = crate::auth::service::current_actor().await?;
    super::service::list(&state.db, &actor, &filter).await
}

#[server(endpoint = "customers/detail")]
pub async fn load_customer(id: i64) -> Result<CustomerDetail, AppError> {
    let (state, actor) = crate::auth::service::current_actor().await?;
    super::service::detail(&state.db, &actor, id).await
}

#[server(endpoint = "customers/save")]
pub async fn save_customer(form: CustomerForm) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::service::current_actor().await?;
    super::service::save(&state.db, &actor, form).await
}

#[server(endpoint = "customers/follow_up")]
pub async fn log_follow_up(form: FollowUpForm) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::service::current_actor().await?;
    super::service::log_follow_up(&state.db, &actor, form).await
}

#[server(endpoint = "customers/agenda")]
pub async fn my_agenda() -> Result<Agenda, AppError> {
    let (state, actor) = crate::auth::service::current_actor().await?;
    super::service::agenda(&state.db, &actor, chrono::Local::now().date_naive()).await
}

#[server(endpoint = "customers/claim")]
pub async fn claim_customer(id: i64) -> Result<(), AppError> {
    let (state, actor) = crate::auth::service::current_actor().await?;
    super::service::claim(&state.db, &actor, &state.settings, id).await
}

/// `customer_ids` and `to` are comma-separated ids; customers are spread over `to` in turn.
#[server(endpoint = "customers/reassign")]
pub async fn reassign_customers(customer_ids: String, to: String) -> Result<u64, AppError> {
    let (state, actor) = crate::auth::service::current_actor().await?;
    let customers = id_list(&customer_ids, "customer_ids")?;
    super::service::reassign(&state.db, &actor, &customers, &id_list(&to, "to")?).await
}

#[server(endpoint = "customers/handover")]
pub async fn handover_customers(from: i64, to: String) -> Result<u64, AppError> {
    let (state, actor) = crate::auth::service::current_actor().await?;
    super::service::handover_all(&state.db, &actor, from, &id_list(&to, "to")?).await
}
