use sea_orm::entity::prelude::*;

/// A cost of field work, for a visit (customer) or for the day.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "field_expenses")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub owner_id: i64,
    pub day: Date,
    pub customer_id: Option<i64>,
    /// `domain::fieldwork::ExpenseKind`.
    pub kind: String,
    pub amount_fen: i64,
    pub note: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
