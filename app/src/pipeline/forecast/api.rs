//! The forecast's server function.
use super::*;
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "pipeline/forecast")]
pub async fn load_forecast(
    #[server(default)] filter: ForecastFilter,
) -> Result<Forecast, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::forecast(&state.db, &actor, &filter).await
}
