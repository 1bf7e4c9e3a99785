//! Thin server functions: who is asking, then the service (which applies the visibility rule).
use super::{
    Agenda, ContactForm, CustomerDetail, CustomerFilter, CustomerForm, CustomerPage, FilterOptions,
    FollowUpForm, LadderBreakdown, MergeForm, StageCounts,
};
use crate::error::AppError;
use leptos::prelude::*;

/// Comma-separated ids from a form ("3,5,8"); anything else is refused at `field`.
#[cfg(feature = "ssr")]
fn id_list(raw: &str, field: &str) -> Result<Vec<i64>, AppError> {
    raw.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse()
                .map_err(|_| AppError::field(field, crate::domain::forms::ErrorCode::UnknownChoice))
        })
        .collect()
}

#[server(endpoint = "customers/list")]
pub async fn list_customers(
    #[server(default)] filter: CustomerFilter,
) -> Result<CustomerPage, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::list(&state.db, &actor, &filter).await
}

#[server(endpoint = "customers/detail")]
pub async fn load_customer(id: i64) -> Result<CustomerDetail, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::detail(&state.db, &actor, id).await
}

#[server(endpoint = "customers/save")]
pub async fn save_customer(form: CustomerForm) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::save(&state.db, &actor, form).await
}

#[server(endpoint = "customers/follow_up")]
pub async fn log_follow_up(form: FollowUpForm) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::log_follow_up(&state.db, &actor, form).await
}

#[server(endpoint = "customers/agenda")]
pub async fn my_agenda() -> Result<Agenda, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::agenda(&state.db, &actor, crate::clock::today()).await
}

#[server(endpoint = "customers/claim")]
pub async fn claim_customer(id: i64) -> Result<(), AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::claim(&state.db, &actor, &state.settings, id).await
}

/// `customer_ids` and `to` are comma-separated ids; customers are spread over `to` in turn.
#[server(endpoint = "customers/reassign")]
pub async fn reassign_customers(customer_ids: String, to: String) -> Result<u64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    let customers = id_list(&customer_ids, "customer_ids")?;
    super::service::reassign(&state.db, &actor, &customers, &id_list(&to, "to")?).await
}

#[server(endpoint = "customers/handover")]
pub async fn handover_customers(from: i64, to: String) -> Result<u64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::handover_all(&state.db, &actor, from, &id_list(&to, "to")?).await
}

#[server(endpoint = "customers/stage_counts")]
pub async fn customer_stage_counts(
    #[server(default)] filter: CustomerFilter,
) -> Result<StageCounts, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::stage_counts(&state.db, &actor, &filter).await
}

#[server(endpoint = "customers/ladder")]
pub async fn load_ladder_breakdown() -> Result<LadderBreakdown, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::ladder_breakdown(&state.db, &actor).await
}

#[server(endpoint = "customers/filter_options")]
pub async fn customer_filter_options() -> Result<FilterOptions, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::filter_options(&state.db, &actor).await
}

#[server(endpoint = "customers/save_filter")]
pub async fn save_customer_filter(filter_name: String, query: String) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::save_filter(&state.db, &actor, &filter_name, &query).await
}

#[server(endpoint = "customers/delete_filter")]
pub async fn delete_customer_filter(id: i64) -> Result<(), AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::delete_filter(&state.db, &actor, id).await
}

#[server(endpoint = "customers/save_contact")]
pub async fn save_contact(form: ContactForm) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::save_contact(&state.db, &actor, form).await
}

#[server(endpoint = "customers/delete_contact")]
pub async fn delete_contact(id: i64) -> Result<(), AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::delete_contact(&state.db, &actor, id).await
}

/// What merging customer `id` into another would move; managers and above, for customers they may see.
#[server(endpoint = "customers/merge_preview")]
pub async fn merge_preview(id: i64) -> Result<super::RecordCounts, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::merge_preview(&state.db, &actor, id).await
}

#[server(endpoint = "customers/merge")]
pub async fn merge_customers(form: MergeForm) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::merge(&state.db, &actor, form).await
}
