//! Trust: what is recorded stays recorded.
//!
//! - `audit_log`: who changed what, when, from where, with the values before and after.
//!   Append-only: triggers refuse `UPDATE` and `DELETE` (and `TRUNCATE` on PostgreSQL).
//! - A customer or a deal that still has business records cannot be deleted: the foreign keys of
//!   migrations 2, 4 and 6 cascade, so a guard trigger refuses the delete before any cascade runs
//!   (merges move every record first, so the emptied file can go).
//! - `job_runs`: one row per scheduled job and slot (the hour it is due), inserted by the server
//!   that runs it; a second server's insert fails on the key, so each slot runs once however
//!   many app servers share the database.
//! - Board positions: duplicates renumbered in their column's order, then unique per stage.
use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorId,
    ActorName,
    Address,
    Action,
    SubjectKind,
    SubjectId,
    Before,
    After,
}

#[derive(DeriveIden)]
enum JobRuns {
    Table,
    Job,
    Slot,
    Holder,
    StartedAt,
}

/// What a customer keeps: a delete is refused while any of these names it.
const CUSTOMER_RECORDS: [&str; 9] = [
    "sales_orders",
    "payments",
    "opportunities",
    "quotes",
    "contracts",
    "follow_ups",
    "check_ins",
    "visit_stops",
    "field_expenses",
];
/// What a deal keeps.
const DEAL_RECORDS: [&str; 3] = ["sales_orders", "quotes", "contracts"];

fn any_record(tables: &[&str], column: &str) -> String {
    tables
        .iter()
        .map(|t| format!("EXISTS (SELECT 1 FROM {t} WHERE {column} = OLD.id)"))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// Positions renumbered per stage in their current order (ties by id): through a ranking table,
/// so no row reads positions the same statement already changed.
const RENUMBER: [&str; 3] = [
    "CREATE TABLE position_renumber AS SELECT id, ROW_NUMBER() OVER (PARTITION BY stage_id ORDER BY position, id) AS place FROM opportunities",
    "UPDATE opportunities SET position = 65536 * (SELECT place FROM position_renumber r WHERE r.id = opportunities.id)",
    "DROP TABLE position_renumber",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == DatabaseBackend::Postgres;
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(big_pk_auto(AuditLog::Id))
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .col(big_integer_null(AuditLog::ActorId))
                    .col(string(AuditLog::ActorName))
                    .col(string(AuditLog::Address))
                    .col(string(AuditLog::Action))
                    .col(string(AuditLog::SubjectKind))
                    .col(big_integer_null(AuditLog::SubjectId))
                    .col(text(AuditLog::Before))
                    .col(text(AuditLog::After))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("audit_log_at")
                    .table(AuditLog::Table)
                    .col(AuditLog::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("audit_log_actor")
                    .table(AuditLog::Table)
                    .col(AuditLog::ActorId)
                    .col(AuditLog::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("audit_log_subject")
                    .table(AuditLog::Table)
                    .col(AuditLog::SubjectKind)
                    .col(AuditLog::SubjectId)
                    .col(AuditLog::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(JobRuns::Table)
                    .col(string(JobRuns::Job))
                    .col(string(JobRuns::Slot))
                    .col(string(JobRuns::Holder))
                    .col(timestamp_with_time_zone(JobRuns::StartedAt))
                    .primary_key(Index::create().col(JobRuns::Job).col(JobRuns::Slot))
                    .to_owned(),
            )
            .await?;

        let refuse_customer = any_record(&CUSTOMER_RECORDS, "customer_id");
        let refuse_deal = any_record(&DEAL_RECORDS, "opportunity_id");
        if postgres {
            for statement in [
                "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'insufficient_privilege'; END $$"
                    .to_string(),
                "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()".to_string(),
                "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()".to_string(),
                format!(
                    "CREATE FUNCTION customers_keep_records() RETURNS trigger LANGUAGE plpgsql AS $$
                     BEGIN IF {refuse_customer} THEN RAISE EXCEPTION 'customer % still has business records', OLD.id USING ERRCODE = 'restrict_violation'; END IF; RETURN OLD; END $$"
                ),
                "CREATE TRIGGER customers_keep_records BEFORE DELETE ON customers FOR EACH ROW EXECUTE FUNCTION customers_keep_records()".to_string(),
                format!(
                    "CREATE FUNCTION opportunities_keep_records() RETURNS trigger LANGUAGE plpgsql AS $$
                     BEGIN IF {refuse_deal} THEN RAISE EXCEPTION 'deal % still has business records', OLD.id USING ERRCODE = 'restrict_violation'; END IF; RETURN OLD; END $$"
                ),
                "CREATE TRIGGER opportunities_keep_records BEFORE DELETE ON opportunities FOR EACH ROW EXECUTE FUNCTION opportunities_keep_records()".to_string(),
            ] {
                db.execute_unprepared(&statement).await?;
            }
        } else {
            for statement in [
                "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END".to_string(),
                "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END".to_string(),
                format!("CREATE TRIGGER customers_keep_records BEFORE DELETE ON customers WHEN {refuse_customer} BEGIN SELECT RAISE(ABORT, 'customer still has business records'); END"),
                format!("CREATE TRIGGER opportunities_keep_records BEFORE DELETE ON opportunities WHEN {refuse_deal} BEGIN SELECT RAISE(ABORT, 'deal still has business records'); END"),
            ] {
                db.execute_unprepared(&statement).await?;
            }
        }

        // Positions: a total order per column, kept by a unique index from now on.
        for statement in RENUMBER {
            db.execute_unprepared(statement).await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("idx_opportunities_stage_id_position")
                    .table(Alias::new("opportunities"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("opportunities_stage_position_unique")
                    .table(Alias::new("opportunities"))
                    .col(Alias::new("stage_id"))
                    .col(Alias::new("position"))
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        manager
            .drop_index(
                Index::drop()
                    .name("opportunities_stage_position_unique")
                    .table(Alias::new("opportunities"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_opportunities_stage_id_position")
                    .table(Alias::new("opportunities"))
                    .col(Alias::new("stage_id"))
                    .col(Alias::new("position"))
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            for statement in [
                "DROP TRIGGER IF EXISTS customers_keep_records ON customers",
                "DROP TRIGGER IF EXISTS opportunities_keep_records ON opportunities",
                "DROP FUNCTION IF EXISTS customers_keep_records()",
                "DROP FUNCTION IF EXISTS opportunities_keep_records()",
                "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
                "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
                "DROP FUNCTION IF EXISTS audit_log_append_only()",
            ] {
                db.execute_unprepared(statement).await?;
            }
        } else {
            for name in [
                "customers_keep_records",
                "opportunities_keep_records",
                "audit_log_no_update",
                "audit_log_no_delete",
            ] {
                db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name}"))
                    .await?;
            }
        }
        manager
            .drop_table(Table::drop().table(JobRuns::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AuditLog::Table).to_owned())
            .await
    }
}
