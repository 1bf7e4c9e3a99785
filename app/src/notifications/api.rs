use super::NotificationView;
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "notifications/list")]
pub async fn list_notifications() -> Result<Vec<NotificationView>, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::list(&state.db, &actor).await
}

#[server(endpoint = "notifications/read")]
pub async fn mark_notifications_read() -> Result<u64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::mark_all_read(&state.db, &actor).await
}
