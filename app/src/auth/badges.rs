//! The counts beside the user's name. Each belongs to a feature, which registers its counter with
//! the state at start-up (`jingxi::app_state`), so auth names none of them.
use super::service::Actor;
use crate::error::AppResult;
use futures::future::BoxFuture;
use sea_orm::DatabaseConnection;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Badge {
    UnreadNotifications,
    OpenAlerts,
}

/// Counts one badge for the signed-in user.
pub type BadgeCounter =
    for<'a> fn(&'a DatabaseConnection, &'a Actor) -> BoxFuture<'a, AppResult<u64>>;

#[derive(Clone, Default)]
pub struct BadgeCounters(Vec<(Badge, BadgeCounter)>);

impl BadgeCounters {
    pub fn with(mut self, badge: Badge, counter: BadgeCounter) -> Self {
        self.0.retain(|(registered, _)| *registered != badge);
        self.0.push((badge, counter));
        self
    }

    /// A badge no feature registered counts nothing.
    pub async fn count(
        &self,
        badge: Badge,
        db: &DatabaseConnection,
        actor: &Actor,
    ) -> AppResult<u64> {
        match self.0.iter().find(|(registered, _)| *registered == badge) {
            Some((_, counter)) => counter(db, actor).await,
            None => Ok(0),
        }
    }
}
