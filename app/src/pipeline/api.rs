//! Thin server functions: who is asking, then the service (which applies the visibility rule).
use super::{
    Board, BoardFilter, Card, ColumnTotals, DealDetail, DealForm, DealTable, MoveRequest,
    PaymentForm, TableOrder,
};
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "pipeline/board")]
pub async fn load_board(#[server(default)] filter: BoardFilter) -> Result<Board, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::board(&state.db, &actor, &filter).await
}

#[server(endpoint = "pipeline/table")]
pub async fn load_deal_table(
    #[server(default)] filter: BoardFilter,
    #[server(default)] order: TableOrder,
) -> Result<DealTable, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::table(&state.db, &actor, &filter, &order).await
}

/// The page of `stage_id`'s column after the card at (`after_position`, `after_id`).
#[server(endpoint = "pipeline/more")]
pub async fn load_more_cards(
    #[server(default)] filter: BoardFilter,
    stage_id: i64,
    after_position: i64,
    after_id: i64,
) -> Result<Vec<Card>, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::more_cards(
        &state.db,
        &actor,
        &filter,
        stage_id,
        (after_position, after_id),
    )
    .await
}

#[server(endpoint = "pipeline/totals")]
pub async fn load_column_totals(
    #[server(default)] filter: BoardFilter,
) -> Result<Vec<ColumnTotals>, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::totals(&state.db, &actor, &filter).await
}

#[server(endpoint = "pipeline/card")]
pub async fn load_card(id: i64) -> Result<Option<Card>, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::card(&state.db, &actor, id).await
}

#[server(endpoint = "pipeline/move")]
pub async fn move_deal(request: MoveRequest) -> Result<Card, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::move_card(&state.db, &actor, &request).await
}

#[server(endpoint = "pipeline/save")]
pub async fn save_deal(form: DealForm) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::save_deal(&state.db, &actor, &form).await
}

#[server(endpoint = "pipeline/deal")]
pub async fn load_deal(id: i64) -> Result<DealDetail, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::deal(&state.db, &actor, id).await
}

#[server(endpoint = "pipeline/payment")]
pub async fn record_payment(form: PaymentForm) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::record_payment(&state.db, &actor, &form).await
}

#[server(endpoint = "pipeline/customer_deals")]
pub async fn customer_deals(customer_id: i64) -> Result<Vec<Card>, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::deals_of_customer(&state.db, &actor, customer_id).await
}
