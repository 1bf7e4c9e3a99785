use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "opportunities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub pipeline_id: i64,
    pub stage_id: i64,
    pub customer_id: i64,
    pub contact_id: Option<i64>,
    pub owner_id: i64,
    pub title: String,
    pub amount_fen: i64,
    pub currency: String,
    pub expected_close_on: Option<Date>,
    pub source: String,
    pub next_step: String,
    pub competitor: String,
    /// Order within its stage's column (see `domain::pipeline::position_between`).
    pub position: i64,
    pub stage_entered_at: DateTimeUtc,
    pub won_amount_fen: Option<i64>,
    pub closed_on: Option<Date>,
    pub lost_reason_id: Option<i64>,
    pub lost_note: String,
    /// The deal's id in the system it was imported from (matches re-imports).
    pub external_id: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
