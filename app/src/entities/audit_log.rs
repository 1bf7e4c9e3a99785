use sea_orm::entity::prelude::*;

/// One change that matters, append-only (database triggers refuse updates and deletes).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub actor_id: Option<i64>,
    /// The actor's display name at the time (a renamed user keeps their old entries legible).
    pub actor_name: String,
    pub address: String,
    /// `audit::Action`.
    pub action: String,
    /// `audit::Subject`'s kind, and its id where it has one.
    pub subject_kind: String,
    pub subject_id: Option<i64>,
    /// JSON.
    pub before: String,
    /// JSON.
    pub after: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
