//! Nothing recorded is deleted as a side effect: the foreign keys from business records to
//! customers, deals, orders, stages and users stop cascading and become `RESTRICT`.
//!
//! Migration 18 put guard triggers in front of the cascades; this removes the cascades
//! themselves, so a delete that slips past a guard (a stage, an order, a script) fails instead of
//! taking history, payments or targets with it. Lines of a deal, quote or order keep cascading
//! from their own record: they are parts of it, not records of their own.
//!
//! PostgreSQL changes a constraint in place. SQLite cannot, so each table is rebuilt the way
//! SQLite's documentation prescribes: on one connection with `foreign_keys=OFF` (a plain
//! `DROP TABLE` with foreign keys on would run the very cascades this removes), in one
//! transaction, with its indexes, every trigger and the `AUTOINCREMENT` high-water mark put back,
//! and `foreign_key_check` clean before the commit.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{
    sqlx, ConnectionTrait, DatabaseBackend, DatabaseExecutor, Statement,
};
use sqlx::AssertSqlSafe;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, column, parent): each of these cascaded until now.
pub const RESTRICTED: [(&str, &str, &str); 14] = [
    ("contacts", "customer_id", "customers"),
    ("follow_ups", "customer_id", "customers"),
    ("customer_events", "customer_id", "customers"),
    ("opportunities", "customer_id", "customers"),
    ("quotes", "customer_id", "customers"),
    ("contracts", "customer_id", "customers"),
    ("sales_orders", "customer_id", "customers"),
    ("payments", "customer_id", "customers"),
    ("quotes", "opportunity_id", "opportunities"),
    ("contracts", "opportunity_id", "opportunities"),
    ("stage_history", "opportunity_id", "opportunities"),
    ("stage_history", "to_stage_id", "pipeline_stages"),
    ("payments", "order_id", "sales_orders"),
    ("target_cells", "user_id", "users"),
];

/// `sql` (a table's `CREATE TABLE` as SQLite stores it) with the named foreign keys' `ON DELETE`
/// action changed from `from` to `to` and the table renamed to `new_name`. Every key must be
/// found with the expected action: a schema that differs from what this migration was written
/// for stops the migration rather than being half-changed.
pub fn rewrite_foreign_keys(
    sql: &str,
    table: &str,
    new_name: &str,
    keys: &[(&str, &str)],
    from: &str,
    to: &str,
) -> Result<String, String> {
    // SQLite keeps the text it was given, except that a rename writes the new name quoted or not.
    let named = sql.strip_prefix("CREATE TABLE ").map(str::trim_start);
    let rest = named
        .and_then(|s| {
            s.strip_prefix(&format!("\"{table}\""))
                .or_else(|| s.strip_prefix(table).filter(|r| r.starts_with([' ', '('])))
        })
        .ok_or_else(|| format!("{table}: unexpected definition {sql:.60}"))?;
    let mut out = format!("CREATE TABLE \"{new_name}\"{rest}");
    for (column, parent) in keys {
        let marker = format!("FOREIGN KEY (\"{column}\")");
        let start = out
            .find(&marker)
            .ok_or_else(|| format!("{table}.{column}: no foreign key"))?;
        let after = start + marker.len();
        let end = out[after..]
            .find("FOREIGN KEY")
            .map_or(out.len(), |i| after + i);
        let clause = &out[start..end];
        if !clause.contains(&format!("REFERENCES \"{parent}\"")) {
            return Err(format!("{table}.{column}: does not refer to {parent}"));
        }
        let action = format!("ON DELETE {from}");
        let at = clause
            .find(&action)
            .ok_or_else(|| format!("{table}.{column}: not ON DELETE {from}"))?;
        out.replace_range(
            start + at..start + at + action.len(),
            &format!("ON DELETE {to}"),
        );
    }
    Ok(out)
}

fn keys_of(table: &str) -> Vec<(&'static str, &'static str)> {
    RESTRICTED
        .iter()
        .filter(|(t, _, _)| *t == table)
        .map(|(_, column, parent)| (*column, *parent))
        .collect()
}

fn tables() -> Vec<&'static str> {
    let mut tables: Vec<&str> = RESTRICTED.iter().map(|(t, _, _)| *t).collect();
    tables.sort_unstable();
    tables.dedup();
    tables
}

fn sqlite_error(error: sqlx::Error) -> DbErr {
    DbErr::Migration(format!("rebuilding tables: {error}"))
}

/// Rebuilds every table of [`RESTRICTED`] with its keys' action changed, on `conn` (foreign keys
/// already off). Runs inside the caller's transaction.
async fn rebuild_sqlite(
    conn: &mut sqlx::SqliteConnection,
    from: &str,
    to: &str,
) -> Result<(), DbErr> {
    use sqlx::Row;
    // Triggers (on any table: their bodies name the rebuilt tables) and views are dropped first
    // and put back last, so no statement in between sees a half-renamed schema.
    let dependants = sqlx::query("SELECT type, name, sql FROM sqlite_master WHERE type IN ('trigger', 'view') AND sql IS NOT NULL ORDER BY type, name")
        .fetch_all(&mut *conn)
        .await
        .map_err(sqlite_error)?;
    for row in &dependants {
        let (kind, name): (String, String) = (row.get(0), row.get(1));
        sqlx::query(AssertSqlSafe(format!(
            "DROP {} \"{name}\"",
            kind.to_uppercase()
        )))
        .execute(&mut *conn)
        .await
        .map_err(sqlite_error)?;
    }
    for table in tables() {
        let definition: String =
            sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?")
                .bind(table)
                .fetch_one(&mut *conn)
                .await
                .map_err(sqlite_error)?;
        let indexes: Vec<String> = sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL").bind(table).fetch_all(&mut *conn).await.map_err(sqlite_error)?;
        let sequence: Option<i64> =
            sqlx::query_scalar("SELECT seq FROM sqlite_sequence WHERE name = ?")
                .bind(table)
                .fetch_optional(&mut *conn)
                .await
                .map_err(sqlite_error)?;
        let rebuilt = format!("{table}_rebuilt");
        let create = rewrite_foreign_keys(&definition, table, &rebuilt, &keys_of(table), from, to)
            .map_err(DbErr::Migration)?;
        for statement in [
            create,
            format!("INSERT INTO \"{rebuilt}\" SELECT * FROM \"{table}\""),
            format!("DROP TABLE \"{table}\""),
            format!("ALTER TABLE \"{rebuilt}\" RENAME TO \"{table}\""),
        ] {
            sqlx::query(AssertSqlSafe(statement))
                .execute(&mut *conn)
                .await
                .map_err(sqlite_error)?;
        }
        for index in indexes {
            sqlx::query(AssertSqlSafe(index))
                .execute(&mut *conn)
                .await
                .map_err(sqlite_error)?;
        }
        // The copy sets the counter to the highest id left; ids of deleted rows are not reused.
        if let Some(sequence) = sequence {
            sqlx::query("DELETE FROM sqlite_sequence WHERE name = ?")
                .bind(table)
                .execute(&mut *conn)
                .await
                .map_err(sqlite_error)?;
            sqlx::query("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)")
                .bind(table)
                .bind(sequence)
                .execute(&mut *conn)
                .await
                .map_err(sqlite_error)?;
        }
    }
    for row in &dependants {
        // The schema's own text, written back as it was.
        let sql: String = row.get(2);
        sqlx::query(AssertSqlSafe(sql))
            .execute(&mut *conn)
            .await
            .map_err(sqlite_error)?;
    }
    let broken = sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(&mut *conn)
        .await
        .map_err(sqlite_error)?;
    if !broken.is_empty() {
        return Err(DbErr::Migration(format!(
            "{} rows refer to records that do not exist",
            broken.len()
        )));
    }
    Ok(())
}

async fn change_sqlite(manager: &SchemaManager<'_>, from: &str, to: &str) -> Result<(), DbErr> {
    let DatabaseExecutor::Connection(db) = manager.get_connection() else {
        return Err(DbErr::Migration(
            "rebuilding tables needs its own connection, not a transaction".into(),
        ));
    };
    // `foreign_keys` is a setting of one connection and is ignored inside a transaction.
    let mut conn = db
        .get_sqlite_connection_pool()
        .acquire()
        .await
        .map_err(sqlite_error)?;
    sqlx::query("PRAGMA foreign_keys = OFF")
        .execute(&mut *conn)
        .await
        .map_err(sqlite_error)?;
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut *conn)
        .await
        .map_err(sqlite_error)?;
    let outcome = rebuild_sqlite(&mut conn, from, to).await;
    let ended = sqlx::query(if outcome.is_ok() {
        "COMMIT"
    } else {
        "ROLLBACK"
    })
    .execute(&mut *conn)
    .await
    .map_err(sqlite_error);
    let restored = sqlx::query("PRAGMA foreign_keys = ON")
        .execute(&mut *conn)
        .await
        .map_err(sqlite_error);
    if ended.is_err() || restored.is_err() {
        // Never hand a connection without foreign keys back to the pool.
        conn.close_on_drop();
    }
    outcome.and(ended).and(restored).map(|_| ())
}

async fn change_postgres(manager: &SchemaManager<'_>, from: &str, to: &str) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let expected = if from == "CASCADE" { "c" } else { "r" };
    for (table, column, parent) in RESTRICTED {
        let found = db
            .query_one_raw(Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT con.conname::text, con.confdeltype::text FROM pg_constraint con \
                 JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = ANY (con.conkey) \
                 WHERE con.contype = 'f' AND con.conrelid = to_regclass($1) AND att.attname = $2 AND con.confrelid = to_regclass($3)",
                [table.into(), column.into(), parent.into()],
            ))
            .await?
            .ok_or_else(|| DbErr::Migration(format!("{table}.{column}: no foreign key to {parent}")))?;
        let (name, action): (String, String) =
            (found.try_get_by_index(0)?, found.try_get_by_index(1)?);
        if action != expected {
            return Err(DbErr::Migration(format!(
                "{table}.{column}: ON DELETE is '{action}', not {from}"
            )));
        }
        db.execute_unprepared(&format!(
            "ALTER TABLE \"{table}\" DROP CONSTRAINT \"{name}\", ADD CONSTRAINT \"{name}\" FOREIGN KEY (\"{column}\") REFERENCES \"{parent}\" (\"id\") ON DELETE {to}"
        ))
        .await?;
    }
    Ok(())
}

async fn change(manager: &SchemaManager<'_>, from: &str, to: &str) -> Result<(), DbErr> {
    if manager.get_database_backend() == DatabaseBackend::Postgres {
        change_postgres(manager, from, to).await
    } else {
        change_sqlite(manager, from, to).await
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        change(manager, "CASCADE", "RESTRICT").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        change(manager, "RESTRICT", "CASCADE").await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEAL: &str = r#"CREATE TABLE "stage_history" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "opportunity_id" bigint NOT NULL, "to_stage_id" bigint NOT NULL, "from_stage_id" bigint NULL, CONSTRAINT "fk_a" FOREIGN KEY ("opportunity_id") REFERENCES "opportunities" ("id") ON DELETE CASCADE, CONSTRAINT "fk_b" FOREIGN KEY ("from_stage_id") REFERENCES "pipeline_stages" ("id") ON DELETE SET NULL, CONSTRAINT "fk_c" FOREIGN KEY ("to_stage_id") REFERENCES "pipeline_stages" ("id") ON DELETE CASCADE )"#;

    #[test]
    fn only_the_named_keys_change_and_the_table_is_renamed() {
        let out = rewrite_foreign_keys(
            DEAL,
            "stage_history",
            "stage_history_rebuilt",
            &[
                ("opportunity_id", "opportunities"),
                ("to_stage_id", "pipeline_stages"),
            ],
            "CASCADE",
            "RESTRICT",
        )
        .unwrap();
        assert!(out.starts_with(r#"CREATE TABLE "stage_history_rebuilt" ( "id""#));
        assert_eq!(out.matches("ON DELETE RESTRICT").count(), 2);
        assert!(out.contains(r#"FOREIGN KEY ("from_stage_id") REFERENCES "pipeline_stages" ("id") ON DELETE SET NULL"#), "the other key is left alone");
        assert!(!out.contains("CASCADE"));
        let back = rewrite_foreign_keys(
            &out.replace("stage_history_rebuilt", "stage_history"),
            "stage_history",
            "stage_history",
            &[
                ("opportunity_id", "opportunities"),
                ("to_stage_id", "pipeline_stages"),
            ],
            "RESTRICT",
            "CASCADE",
        )
        .unwrap();
        assert_eq!(back, DEAL);
        let unquoted = DEAL.replacen("\"stage_history\"", "stage_history", 1);
        assert!(rewrite_foreign_keys(
            &unquoted,
            "stage_history",
            "y",
            &[("to_stage_id", "pipeline_stages")],
            "CASCADE",
            "RESTRICT"
        )
        .unwrap()
        .starts_with("CREATE TABLE \"y\" ("));
        assert!(
            rewrite_foreign_keys(
                &unquoted.replacen("stage_history", "stage_historyx", 1),
                "stage_history",
                "y",
                &[],
                "CASCADE",
                "RESTRICT"
            )
            .is_err(),
            "a name that only starts the same"
        );
    }

    #[test]
    fn a_schema_it_was_not_written_for_stops_the_migration() {
        let keys = [("opportunity_id", "opportunities")];
        assert!(
            rewrite_foreign_keys(DEAL, "quotes", "x", &keys, "CASCADE", "RESTRICT").is_err(),
            "another table"
        );
        assert!(
            rewrite_foreign_keys(
                DEAL,
                "stage_history",
                "x",
                &[("owner_id", "users")],
                "CASCADE",
                "RESTRICT"
            )
            .is_err(),
            "no such key"
        );
        assert!(
            rewrite_foreign_keys(
                DEAL,
                "stage_history",
                "x",
                &[("opportunity_id", "customers")],
                "CASCADE",
                "RESTRICT"
            )
            .is_err(),
            "another parent"
        );
        assert!(
            rewrite_foreign_keys(
                DEAL,
                "stage_history",
                "x",
                &[("from_stage_id", "pipeline_stages")],
                "CASCADE",
                "RESTRICT"
            )
            .is_err(),
            "another action"
        );
    }

    #[test]
    fn every_table_is_rebuilt_once() {
        let all = tables();
        assert_eq!(all.len(), 10);
        assert!(all.windows(2).all(|w| w[0] < w[1]));
    }
}
