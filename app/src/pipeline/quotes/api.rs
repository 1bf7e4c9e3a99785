//! The quote and contract server functions: who asks, then the service.
use super::*;
use leptos::prelude::*;

#[server(endpoint = "pipeline/quote_draft")]
pub async fn load_quote_draft(
    #[server(default)] deal: Option<i64>,
    #[server(default)] quote: Option<i64>,
) -> Result<QuoteDraft, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::draft(&state.db, &actor, deal, quote).await
}

#[server(endpoint = "pipeline/quote_save")]
pub async fn save_quote(form: QuoteForm) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::save(&state.db, &actor, &form).await
}

#[server(endpoint = "pipeline/quote")]
pub async fn load_quote(id: i64) -> Result<QuoteView, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::quote(&state.db, &actor, id).await
}

#[server(endpoint = "pipeline/quote_status")]
pub async fn set_quote_status(id: i64, version: i32, status: String) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::set_status(&state.db, &actor, id, version, &status).await
}

/// A new draft revision of a quote that went out; returns its id.
#[server(endpoint = "pipeline/quote_revise")]
pub async fn revise_quote(id: i64, version: i32) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::revise(&state.db, &actor, id, version).await
}

#[server(endpoint = "pipeline/deal_quotes")]
pub async fn deal_quotes(deal_id: i64) -> Result<Vec<QuoteSummary>, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::quotes_of_deal(&state.db, &actor, deal_id).await
}

#[server(endpoint = "pipeline/customer_quotes")]
pub async fn customer_quotes(customer_id: i64) -> Result<Vec<CustomerQuote>, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::quotes_of_customer(&state.db, &actor, customer_id).await
}

#[server(endpoint = "pipeline/contract_create")]
pub async fn create_contract(form: ContractForm) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::create_contract(&state.db, &actor, &form).await
}

#[server(endpoint = "pipeline/contract_status")]
pub async fn set_contract_status(id: i64, version: i32, status: String) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::set_contract_status(&state.db, &actor, id, version, &status).await
}
