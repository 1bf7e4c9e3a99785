//! Staged imports: a large customer import writes its rows in short chunks, each its own
//! transaction, so other people's writes get the database between them; the rows stay invisible
//! until one short transaction publishes the whole batch.
//!
//! - `import_batches`: one row per import being staged, touched after every chunk. A batch whose
//!   server died (killed, restarted) is recognised by its stale `touched_at` and swept.
//! - `customers.import_batch`: the batch a staged customer belongs to; NULL once published (and
//!   for every customer created any other way). Every read of customers filters on it.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ImportBatches {
    Table,
    Id,
    StartedBy,
    StartedAt,
    TouchedAt,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    ImportBatch,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ImportBatches::Table)
                    .col(big_pk_auto(ImportBatches::Id))
                    .col(big_integer(ImportBatches::StartedBy))
                    .col(timestamp_with_time_zone(ImportBatches::StartedAt))
                    .col(timestamp_with_time_zone(ImportBatches::TouchedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .add_column(big_integer_null(Customers::ImportBatch))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_customers_import_batch")
                    .table(Customers::Table)
                    .col(Customers::ImportBatch)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_customers_import_batch")
                    .table(Customers::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .drop_column(Customers::ImportBatch)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(ImportBatches::Table).to_owned())
            .await
    }
}
