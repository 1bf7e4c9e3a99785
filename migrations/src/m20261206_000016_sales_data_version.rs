//! A version number for the data the sales reports are built from, raised by triggers on every
//! change to it, so that a server may keep a computed report until the data under it changes
//! (several servers on one PostgreSQL each compare their kept report's version with the
//! database's). What raises it: any written or removed sales order; a customer's name, external
//! id, industry or region changed, or the customer removed; a user moved to another team.
//!
//! SQLite raises it once per row; PostgreSQL once per statement, so a bulk import of orders raises
//! it once. On PostgreSQL the one row is a point every order-writing transaction passes through
//! until it commits: order writes are rare next to reads in a sales team.
use sea_orm_migration::{prelude::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: [&str; 2] = [
    "CREATE TABLE sales_data_version (id integer PRIMARY KEY CHECK (id = 1), version bigint NOT NULL)",
    "INSERT INTO sales_data_version (id, version) VALUES (1, 0)",
];

const RAISE_SQLITE: &str = "UPDATE sales_data_version SET version = version + 1;";

/// (trigger name, the event it follows) on SQLite.
const SQLITE_TRIGGERS: [(&str, &str); 6] = [
    (
        "sales_orders_inserted_version",
        "AFTER INSERT ON sales_orders",
    ),
    (
        "sales_orders_updated_version",
        "AFTER UPDATE ON sales_orders",
    ),
    (
        "sales_orders_deleted_version",
        "AFTER DELETE ON sales_orders",
    ),
    (
        "customers_relabelled_version",
        "AFTER UPDATE OF name, external_id, industry, province ON customers",
    ),
    ("customers_deleted_version", "AFTER DELETE ON customers"),
    ("users_moved_version", "AFTER UPDATE OF team_id ON users"),
];

const POSTGRES: [&str; 4] = [
    "CREATE FUNCTION raise_sales_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN UPDATE sales_data_version SET version = version + 1; RETURN NULL; END $$",
    "CREATE TRIGGER sales_orders_changed_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sales_orders
     FOR EACH STATEMENT EXECUTE FUNCTION raise_sales_data_version()",
    "CREATE TRIGGER customers_relabelled_version AFTER UPDATE OF name, external_id, industry, province OR DELETE ON customers
     FOR EACH STATEMENT EXECUTE FUNCTION raise_sales_data_version()",
    "CREATE TRIGGER users_moved_version AFTER UPDATE OF team_id ON users
     FOR EACH STATEMENT EXECUTE FUNCTION raise_sales_data_version()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for statement in TABLE {
            db.execute_unprepared(statement).await?;
        }
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            for statement in POSTGRES {
                db.execute_unprepared(statement).await?;
            }
        } else {
            for (name, event) in SQLITE_TRIGGERS {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER {name} {event} BEGIN {RAISE_SQLITE} END"
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            for (trigger, table) in [
                ("sales_orders_changed_version", "sales_orders"),
                ("customers_relabelled_version", "customers"),
                ("users_moved_version", "users"),
            ] {
                db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {trigger} ON {table}"))
                    .await?;
            }
            db.execute_unprepared("DROP FUNCTION IF EXISTS raise_sales_data_version()")
                .await?;
        } else {
            for (name, _) in SQLITE_TRIGGERS {
                db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name}"))
                    .await?;
            }
        }
        db.execute_unprepared("DROP TABLE IF EXISTS sales_data_version")
            .await?;
        Ok(())
    }
}
