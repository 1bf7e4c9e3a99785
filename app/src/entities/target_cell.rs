use sea_orm::entity::prelude::*;

/// A rep's target for one month of a plan (fen for money metrics, a count otherwise).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "target_cells")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub plan_id: i64,
    pub user_id: i64,
    pub month: i16,
    pub amount: i64,
    /// A locked cell keeps its amount when a change is spread over its neighbours.
    pub locked: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
