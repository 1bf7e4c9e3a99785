use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sales_orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub number: String,
    pub external_id: Option<String>,
    pub customer_id: i64,
    pub opportunity_id: Option<i64>,
    pub contract_id: Option<i64>,
    pub owner_id: i64,
    pub ordered_on: Date,
    pub amount_fen: i64,
    pub cost_fen: i64,
    pub paid_fen: i64,
    pub delivery_status: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
