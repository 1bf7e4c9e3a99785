//! Thin server functions: who is asking, then the service.
use super::{OrgOverview, PersonRow, TeamForm, UserForm};
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "org/overview")]
pub async fn load_org() -> Result<OrgOverview, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::overview(&state.db, &actor).await
}

#[server(endpoint = "org/people")]
pub async fn visible_people() -> Result<Vec<PersonRow>, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    crate::auth::visible_people(&state.db, &actor).await
}

#[server(endpoint = "org/save_user")]
pub async fn save_user(form: UserForm) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::save_user(&state.db, &actor, form).await
}

#[server(endpoint = "org/set_user_active")]
pub async fn set_user_active(
    id: i64,
    active: bool,
    version: i32,
    successor: Option<String>,
) -> Result<(), AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::set_user_active(&state.db, &actor, id, active, version, successor.as_deref())
        .await
}

#[server(endpoint = "org/save_team")]
pub async fn save_team(form: TeamForm) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::save_team(&state.db, &actor, form).await
}

#[server(endpoint = "org/set_team_active")]
pub async fn set_team_active(id: i64, active: bool, version: i32) -> Result<(), AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::set_team_active(&state.db, &actor, id, active, version).await
}

#[server(endpoint = "org/create_department")]
pub async fn create_department(name: String) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::create_department(&state.db, &actor, &name).await
}

/// The company's time zone and its setting's version (administrators change it).
#[server(endpoint = "org/time_zone_current")]
pub async fn load_time_zone() -> Result<(String, i32), AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::company_zone(&state.db, &actor).await
}

#[server(endpoint = "org/time_zone")]
pub async fn set_time_zone(name: String, version: i32) -> Result<(), AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    super::service::set_company_zone(&state.db, &actor, &name, version).await
}
