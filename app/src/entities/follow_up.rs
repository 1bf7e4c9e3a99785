use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "follow_ups")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub customer_id: i64,
    pub author_id: i64,
    pub kind: String,
    pub contact_id: Option<i64>,
    pub summary: String,
    pub intent: String,
    pub next_date: Option<Date>,
    pub next_action: String,
    pub next_done: bool,
    pub happened_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
