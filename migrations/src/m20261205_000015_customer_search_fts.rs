//! SQLite: a trigram full-text index over `customers.search_text`, so a search reads the matching
//! customers from the index instead of testing `LIKE '%…%'` on every row (PostgreSQL has had its
//! pg_trgm index on the column since migration 5).
//!
//! The index is contentless and kept by triggers, so every writer of `search_text` (the
//! application's forms and a bulk import alike) keeps it right. Each text is indexed with a
//! trailing space: then every pair of adjacent characters begins some trigram, and a two-character
//! needle (a two-character Chinese word is the most common search) is found through the index's
//! vocabulary (`customer_search_terms`) as the trigrams that begin with it.
use sea_orm_migration::{prelude::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: [&str; 6] = [
    "CREATE VIRTUAL TABLE customer_search USING fts5(search_text, content='', tokenize='trigram')",
    "CREATE VIRTUAL TABLE customer_search_terms USING fts5vocab(customer_search, 'row')",
    "INSERT INTO customer_search(rowid, search_text) SELECT id, search_text || ' ' FROM customers",
    "CREATE TRIGGER customer_search_insert AFTER INSERT ON customers BEGIN
       INSERT INTO customer_search(rowid, search_text) VALUES (new.id, new.search_text || ' ');
     END",
    "CREATE TRIGGER customer_search_delete AFTER DELETE ON customers BEGIN
       INSERT INTO customer_search(customer_search, rowid, search_text) VALUES ('delete', old.id, old.search_text || ' ');
     END",
    "CREATE TRIGGER customer_search_update AFTER UPDATE OF search_text ON customers BEGIN
       INSERT INTO customer_search(customer_search, rowid, search_text) VALUES ('delete', old.id, old.search_text || ' ');
       INSERT INTO customer_search(rowid, search_text) VALUES (new.id, new.search_text || ' ');
     END",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Sqlite {
            for statement in UP {
                manager
                    .get_connection()
                    .execute_unprepared(statement)
                    .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Sqlite {
            for trigger in [
                "customer_search_insert",
                "customer_search_delete",
                "customer_search_update",
            ] {
                manager
                    .get_connection()
                    .execute_unprepared(&format!("DROP TRIGGER IF EXISTS {trigger}"))
                    .await?;
            }
            manager
                .get_connection()
                .execute_unprepared("DROP TABLE IF EXISTS customer_search_terms")
                .await?;
            manager
                .get_connection()
                .execute_unprepared("DROP TABLE IF EXISTS customer_search")
                .await?;
        }
        Ok(())
    }
}
