use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alerts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `domain::alerts::AlertKind`.
    pub kind: String,
    /// The rep, customer or deal the alert is about.
    pub subject_id: i64,
    /// Who answers for it: the rep, the customer's owner or the deal's owner.
    pub owner_id: i64,
    /// JSON of `domain::alerts::Alert`.
    pub figures: String,
    pub raised_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub task_note: String,
    pub task_by: Option<i64>,
    pub task_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
