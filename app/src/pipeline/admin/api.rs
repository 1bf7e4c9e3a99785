//! The sales settings' server functions: who asks, then the service.
use super::*;
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "pipeline/settings")]
pub async fn load_sales_settings(
    #[server(default)] pipeline: Option<i64>,
) -> Result<SalesSettings, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::settings(&state.db, &actor, pipeline).await
}

/// Moves an open stage one place earlier (`up`) or later among the open stages.
#[server(endpoint = "pipeline/stage_move")]
pub async fn move_stage(id: i64, up: bool) -> Result<(), AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::move_stage(&state.db, &actor, id, up).await
}

/// A new pipeline named `name` with a copy of the stages of `copy_from`.
#[server(endpoint = "pipeline/pipeline_create")]
pub async fn create_pipeline(name: String, copy_from: i64) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::create_pipeline(&state.db, &actor, &name, copy_from).await
}

#[server(endpoint = "pipeline/lost_reason_save")]
pub async fn save_lost_reason(form: LostReasonForm) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::save_lost_reason(&state.db, &actor, &form).await
}

#[server(endpoint = "pipeline/stage_save")]
pub async fn save_stage(form: StageForm) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::save_stage(&state.db, &actor, &form).await
}

#[server(endpoint = "pipeline/stage_delete")]
pub async fn delete_stage(id: i64) -> Result<(), AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::delete_stage(&state.db, &actor, id).await
}

#[server(endpoint = "pipeline/product_save")]
pub async fn save_product(form: ProductForm) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::save_product(&state.db, &actor, &form).await
}
