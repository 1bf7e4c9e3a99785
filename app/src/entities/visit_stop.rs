use sea_orm::entity::prelude::*;

/// One planned visit of a day's plan; read through its plan, which carries the owner.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "visit_stops")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub sheet_id: i64,
    pub customer_id: i64,
    pub position: i32,
    pub time_slot: String,
    /// `domain::fieldwork::VisitPurpose`.
    pub purpose: String,
    pub note: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
