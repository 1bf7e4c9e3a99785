//! The sales flow after the customer: pipelines with stages, opportunities with their stage
//! history, products, quotes with revisions, contracts, sales orders with lines (price and cost)
//! and payments received. Money is integer fen throughout (SQLite would store a decimal as REAL).
//! `pipeline_events` is the change feed every app server polls to push board moves to open boards.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn name(identifier: &str) -> Alias {
    Alias::new(identifier)
}

fn foreign_key(
    table: &str,
    column: &str,
    to: &str,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(name(table), name(column))
        .to(name(to), name("id"))
        .on_delete(on_delete)
        .to_owned()
}

struct NewTable {
    table: &'static str,
    statement: TableCreateStatement,
}

impl NewTable {
    fn new(table: &'static str) -> Self {
        let mut statement = Table::create();
        statement.table(name(table)).col(big_pk_auto(name("id")));
        NewTable { table, statement }
    }

    fn col(mut self, column: impl IntoColumnDef) -> Self {
        self.statement.col(column.into_column_def());
        self
    }

    fn refers(mut self, column: &str, to: &str, on_delete: ForeignKeyAction) -> Self {
        self.statement
            .foreign_key(&mut foreign_key(self.table, column, to, on_delete));
        self
    }

    async fn create(self, manager: &SchemaManager<'_>, indexes: &[&[&str]]) -> Result<(), DbErr> {
        manager.create_table(self.statement).await?;
        for columns in indexes {
            let mut index = Index::create();
            index
                .name(format!("idx_{}_{}", self.table, columns.join("_")))
                .table(name(self.table));
            for column in *columns {
                index.col(name(column));
            }
            manager.create_index(index).await?;
        }
        Ok(())
    }
}

use ForeignKeyAction::{Cascade, Restrict, SetNull};

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let money = |column: &str| big_integer(name(column)).default(0).to_owned();
        let created = || timestamp_with_time_zone(name("created_at"));
        let version = || integer(name("version")).default(1).to_owned();

        NewTable::new("pipelines")
            .col(string_len(name("name"), 50))
            .col(integer(name("position")).default(0))
            .col(boolean(name("active")).default(true))
            .col(created())
            .create(manager, &[])
            .await?;
        // `key` names a built-in stage (its label is translated); custom stages have their own name.
        NewTable::new("pipeline_stages")
            .col(big_integer(name("pipeline_id")))
            .col(string_len(name("key"), 30).default(""))
            .col(string_len(name("name"), 40).default(""))
            .col(integer(name("position")))
            .col(integer(name("probability_percent")))
            .col(boolean(name("won")).default(false))
            .col(boolean(name("lost")).default(false))
            .col(integer_null(name("stale_after_days")))
            .col(string_len(name("colour"), 9).default(""))
            .refers("pipeline_id", "pipelines", Cascade)
            .create(manager, &[&["pipeline_id", "position"]])
            .await?;
        NewTable::new("lost_reasons")
            .col(string_len(name("key"), 30).default(""))
            .col(string_len(name("name"), 60).default(""))
            .col(integer(name("position")).default(0))
            .col(boolean(name("active")).default(true))
            .create(manager, &[])
            .await?;
        NewTable::new("products")
            .col(string_len(name("code"), 40).unique_key())
            .col(string_len(name("name"), 100))
            .col(string_len(name("category"), 40).default(""))
            .col(string_len(name("unit"), 10).default(""))
            .col(money("list_price_fen"))
            .col(money("cost_price_fen"))
            .col(boolean(name("active")).default(true))
            .col(version())
            .col(created())
            .create(manager, &[&["category"]])
            .await?;

        NewTable::new("opportunities")
            .col(big_integer(name("pipeline_id")))
            .col(big_integer(name("stage_id")))
            .col(big_integer(name("customer_id")))
            .col(big_integer_null(name("contact_id")))
            .col(big_integer(name("owner_id")))
            .col(string_len(name("title"), 100))
            .col(money("amount_fen"))
            .col(string_len(name("currency"), 3).default("CNY"))
            .col(date_null(name("expected_close_on")))
            .col(string_len(name("source"), 20).default(""))
            .col(string_len(name("next_step"), 200).default(""))
            .col(string_len(name("competitor"), 100).default(""))
            .col(big_integer(name("position")))
            .col(timestamp_with_time_zone(name("stage_entered_at")))
            .col(big_integer_null(name("won_amount_fen")))
            .col(date_null(name("closed_on")))
            .col(big_integer_null(name("lost_reason_id")))
            .col(string_len(name("lost_note"), 200).default(""))
            .col(version())
            .col(created())
            .col(timestamp_with_time_zone(name("updated_at")))
            .refers("pipeline_id", "pipelines", Restrict)
            .refers("stage_id", "pipeline_stages", Restrict)
            .refers("customer_id", "customers", Cascade)
            .refers("contact_id", "contacts", SetNull)
            .refers("owner_id", "users", Restrict)
            .refers("lost_reason_id", "lost_reasons", SetNull)
            .create(
                manager,
                &[
                    &["stage_id", "position"],
                    &["owner_id", "stage_id"],
                    &["customer_id"],
                    &["expected_close_on"],
                    &["closed_on"],
                ],
            )
            .await?;
        NewTable::new("opportunity_lines")
            .col(big_integer(name("opportunity_id")))
            .col(big_integer(name("product_id")))
            .col(big_integer(name("quantity")))
            .col(money("unit_price_fen"))
            .refers("opportunity_id", "opportunities", Cascade)
            .refers("product_id", "products", Restrict)
            .create(manager, &[&["opportunity_id"]])
            .await?;
        NewTable::new("stage_history")
            .col(big_integer(name("opportunity_id")))
            .col(big_integer_null(name("from_stage_id")))
            .col(big_integer(name("to_stage_id")))
            .col(big_integer_null(name("actor_id")))
            .col(timestamp_with_time_zone(name("at")))
            .refers("opportunity_id", "opportunities", Cascade)
            .refers("from_stage_id", "pipeline_stages", SetNull)
            .refers("to_stage_id", "pipeline_stages", Cascade)
            .refers("actor_id", "users", SetNull)
            .create(
                manager,
                &[&["opportunity_id", "at"], &["to_stage_id", "at"]],
            )
            .await?;
        // No foreign key: the feed outlives deleted opportunities (a board must drop the card).
        NewTable::new("pipeline_events")
            .col(big_integer(name("opportunity_id")))
            .col(big_integer(name("owner_id")))
            .col(big_integer_null(name("owner_team_id")))
            .col(timestamp_with_time_zone(name("at")))
            .create(manager, &[&["at"]])
            .await?;

        // Revisions share `number`; the newest revision is the live one, older ones are kept as sent.
        NewTable::new("quotes")
            .col(big_integer(name("opportunity_id")))
            .col(big_integer(name("customer_id")))
            .col(big_integer(name("owner_id")))
            .col(string_len(name("number"), 30))
            .col(integer(name("revision")).default(1))
            .col(string_len(name("status"), 10))
            .col(date_null(name("valid_until")))
            .col(money("total_fen"))
            .col(text(name("notes")).default(""))
            .col(version())
            .col(created())
            .refers("opportunity_id", "opportunities", Cascade)
            .refers("customer_id", "customers", Cascade)
            .refers("owner_id", "users", Restrict)
            .create(manager, &[&["opportunity_id"], &["customer_id"]])
            .await?;
        // Discount in basis points (1250 = 12.5 %), so a line total is exact integer arithmetic.
        NewTable::new("quote_lines")
            .col(big_integer(name("quote_id")))
            .col(big_integer(name("product_id")))
            .col(big_integer(name("quantity")))
            .col(money("unit_price_fen"))
            .col(integer(name("discount_bp")).default(0))
            .col(money("amount_fen"))
            .refers("quote_id", "quotes", Cascade)
            .refers("product_id", "products", Restrict)
            .create(manager, &[&["quote_id"], &["product_id"]])
            .await?;
        NewTable::new("contracts")
            .col(big_integer_null(name("quote_id")))
            .col(big_integer(name("opportunity_id")))
            .col(big_integer(name("customer_id")))
            .col(big_integer(name("owner_id")))
            .col(string_len(name("number"), 30).unique_key())
            .col(date_null(name("signed_on")))
            .col(date_null(name("starts_on")))
            .col(date_null(name("ends_on")))
            .col(money("amount_fen"))
            .col(string_len(name("status"), 10))
            .col(version())
            .col(created())
            .refers("quote_id", "quotes", SetNull)
            .refers("opportunity_id", "opportunities", Cascade)
            .refers("customer_id", "customers", Cascade)
            .refers("owner_id", "users", Restrict)
            .create(manager, &[&["opportunity_id"], &["customer_id"]])
            .await?;
        // `external_id` keeps an imported order's number so a second import finds it again.
        NewTable::new("sales_orders")
            .col(string_len(name("number"), 30).unique_key())
            .col(string_len_null(name("external_id"), 60).unique_key())
            .col(big_integer(name("customer_id")))
            .col(big_integer_null(name("opportunity_id")))
            .col(big_integer_null(name("contract_id")))
            .col(big_integer(name("owner_id")))
            .col(date(name("ordered_on")))
            .col(money("amount_fen"))
            .col(money("cost_fen"))
            .col(money("paid_fen"))
            .col(string_len(name("delivery_status"), 12))
            .col(version())
            .col(created())
            .refers("customer_id", "customers", Cascade)
            .refers("opportunity_id", "opportunities", SetNull)
            .refers("contract_id", "contracts", SetNull)
            .refers("owner_id", "users", Restrict)
            .create(
                manager,
                &[
                    &["owner_id", "ordered_on"],
                    &["customer_id", "ordered_on"],
                    &["ordered_on"],
                    &["opportunity_id"],
                ],
            )
            .await?;
        NewTable::new("order_lines")
            .col(big_integer(name("order_id")))
            .col(big_integer(name("product_id")))
            .col(big_integer(name("quantity")))
            .col(money("unit_price_fen"))
            .col(money("unit_cost_fen"))
            .col(money("amount_fen"))
            .col(money("cost_fen"))
            .refers("order_id", "sales_orders", Cascade)
            .refers("product_id", "products", Restrict)
            .create(manager, &[&["order_id"], &["product_id"]])
            .await?;
        NewTable::new("payments")
            .col(big_integer(name("order_id")))
            .col(big_integer(name("customer_id")))
            .col(big_integer(name("owner_id")))
            .col(date(name("received_on")))
            .col(money("amount_fen"))
            .col(string_len(name("method"), 20).default(""))
            .col(string_len(name("note"), 200).default(""))
            .col(big_integer_null(name("recorded_by")))
            .col(created())
            .refers("order_id", "sales_orders", Cascade)
            .refers("customer_id", "customers", Cascade)
            .refers("owner_id", "users", Restrict)
            .refers("recorded_by", "users", SetNull)
            .create(
                manager,
                &[
                    &["order_id"],
                    &["owner_id", "received_on"],
                    &["customer_id", "received_on"],
                ],
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "payments",
            "order_lines",
            "sales_orders",
            "contracts",
            "quote_lines",
            "quotes",
            "pipeline_events",
            "stage_history",
            "opportunity_lines",
            "opportunities",
            "products",
            "lost_reasons",
            "pipeline_stages",
            "pipelines",
        ] {
            manager
                .drop_table(Table::drop().table(name(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
