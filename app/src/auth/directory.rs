//! Who the actor may see: people and teams by the visibility rule, and the names behind user ids
//! already obtained from a visible record. Every feature's pickers and owner columns use these.
use super::service::Actor;
use super::PersonRow;
use crate::auth::scope::visible;
use crate::domain::visibility::{Role, Scope};
use crate::entities::{team, user};
use crate::error::AppResult;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

/// People without a team first, then team by team, leaders before reps. Sorted here rather than
/// in SQL because SQLite and PostgreSQL order NULLs differently.
pub fn org_order(user: &user::Model) -> (Option<i64>, Role, String) {
    (user.team_id, user.role(), user.display_name.clone())
}

/// The active people the actor may see, by the visibility rule.
pub async fn visible_people(db: &impl ConnectionTrait, actor: &Actor) -> AppResult<Vec<PersonRow>> {
    let mut people = visible::<user::Entity>(&actor.scope())
        .filter(user::Column::Active.eq(true))
        .all(db)
        .await?;
    people.sort_by_key(org_order);
    let teams = team_names(db).await?;
    Ok(people
        .into_iter()
        .map(|u| PersonRow {
            id: u.id,
            role: u.role(),
            team_name: u.team_id.and_then(|id| teams.get(&id).cloned()),
            display_name: u.display_name,
        })
        .collect())
}

/// Active teams whose members the actor sees (admins all, directors their department's, managers
/// the teams they lead, reps none), for filter menus.
pub async fn visible_teams(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> AppResult<Vec<(i64, String)>> {
    let mut select = team::Entity::find().filter(team::Column::Active.eq(true));
    match actor.scope() {
        Scope::Everything => {}
        Scope::Teams { team_ids, .. } => select = select.filter(team::Column::Id.is_in(team_ids)),
        Scope::OwnRecords { .. } => return Ok(Vec::new()),
    }
    Ok(select
        .order_by_asc(team::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect())
}

/// Every team's name by id, for labelling rows whose team id came from a visible record.
pub async fn team_names(db: &impl ConnectionTrait) -> AppResult<HashMap<i64, String>> {
    Ok(team::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect())
}

/// Display names for user ids already obtained from a visible record (owners, authors).
pub async fn names_of(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<HashMap<i64, String>> {
    let ids: Vec<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}
