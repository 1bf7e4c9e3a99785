use sea_orm::entity::prelude::*;

/// A customer import being staged in chunks; its rows stay invisible until it is published.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_batches")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub started_by: i64,
    pub started_at: DateTimeUtc,
    /// Touched after every chunk: a batch left untouched longer than its server could take for
    /// one chunk belongs to a server that died, and is swept.
    pub touched_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
