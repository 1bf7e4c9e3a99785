use sea_orm::entity::prelude::*;

/// A rep's arrival at a customer: the time, and where if the rep let the browser tell.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "check_ins")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub owner_id: i64,
    pub customer_id: i64,
    /// The planned visit it fulfils, if it was planned.
    pub stop_id: Option<i64>,
    /// The local calendar day of `at`.
    pub day: Date,
    pub at: DateTimeUtc,
    pub latitude_e6: Option<i64>,
    pub longitude_e6: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
