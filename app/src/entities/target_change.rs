use sea_orm::entity::prelude::*;

/// A change to a published plan: who set which cell (`team:3`, `2026-Q1`) from what to what.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "target_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub plan_id: i64,
    pub actor_id: Option<i64>,
    pub at: DateTimeUtc,
    pub node: String,
    pub period: String,
    pub old_amount: i64,
    pub new_amount: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
