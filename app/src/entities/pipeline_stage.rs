use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pipeline_stages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub pipeline_id: i64,
    /// A built-in stage's key (its label is translated); empty for a stage an admin named.
    pub key: String,
    pub name: String,
    pub position: i32,
    pub probability_percent: i32,
    pub won: bool,
    pub lost: bool,
    pub stale_after_days: Option<i32>,
    pub colour: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
