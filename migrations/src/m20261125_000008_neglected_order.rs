use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// "Longest without a follow-up first" reads customers in (last_follow_up_at NULLS FIRST, id)
/// order. SQLite's index on last_follow_up_at already yields it (nulls sort first and the rowid
/// is the last key); PostgreSQL puts nulls last unless told, so it gets an index of its own.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("CREATE INDEX idx_customers_neglected ON customers (last_follow_up_at ASC NULLS FIRST, id ASC)")
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP INDEX idx_customers_neglected")
                .await?;
        }
        Ok(())
    }
}
