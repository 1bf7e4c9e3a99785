use sea_orm::entity::prelude::*;

/// A rep's visit plan or daily report for one day (`domain::fieldwork::SheetKind`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "day_sheets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: String,
    pub owner_id: i64,
    pub day: Date,
    /// `domain::fieldwork::SheetStatus`.
    pub status: String,
    pub version: i32,
    pub area: String,
    /// `domain::fieldwork::Attendance`, empty until the report is written.
    pub attendance: String,
    pub complaints: String,
    pub competitors: String,
    pub feedback: String,
    pub lessons: String,
    pub submitted_at: Option<DateTimeUtc>,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub review_comment: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
