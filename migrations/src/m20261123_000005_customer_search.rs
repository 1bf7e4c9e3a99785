//! One search column per customer (names, pinyin initials, phone digits, contacts), so a search is
//! a single `LIKE` over one column instead of several columns and a contacts subquery. PostgreSQL
//! gets a trigram index on it (pg_trgm is a trusted extension: the database owner may install it).
//! The application fills the column (it needs the pinyin table) when it starts.
use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Customers {
    Table,
    SearchText,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .add_column(text(Customers::SearchText).default(""))
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            let db = manager.get_connection();
            db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                .await?;
            db.execute_unprepared("CREATE INDEX idx_customers_search_trgm ON customers USING gin (search_text gin_trgm_ops)").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP INDEX IF EXISTS idx_customers_search_trgm")
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .drop_column(Customers::SearchText)
                    .to_owned(),
            )
            .await
    }
}
