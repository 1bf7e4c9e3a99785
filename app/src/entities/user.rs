use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub team_id: Option<i64>,
    pub department_id: Option<i64>,
    pub locale: String,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// Stored roles are written only through `Role::as_str`; an unknown value gets the least access.
    pub fn role(&self) -> crate::domain::visibility::Role {
        crate::domain::visibility::Role::parse(&self.role)
            .unwrap_or(crate::domain::visibility::Role::Rep)
    }
}
