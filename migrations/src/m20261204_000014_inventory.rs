use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Stock at the end of each month per product (quantity and its value at cost), entered or
/// imported, for stock turnover; and a covering index so the period aggregates over sales orders
/// (ABC, customer and product analysis) read the index alone.
#[derive(DeriveIden)]
enum InventorySnapshots {
    Table,
    Id,
    ProductId,
    Month,
    Quantity,
    ValueFen,
    Version,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum SalesOrders {
    Table,
    OrderedOn,
    CustomerId,
    AmountFen,
    CostFen,
    OwnerId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InventorySnapshots::Table)
                    .col(big_pk_auto(InventorySnapshots::Id))
                    .col(big_integer(InventorySnapshots::ProductId))
                    .col(date(InventorySnapshots::Month))
                    .col(big_integer(InventorySnapshots::Quantity))
                    .col(big_integer(InventorySnapshots::ValueFen))
                    .col(integer(InventorySnapshots::Version))
                    .col(big_integer_null(InventorySnapshots::UpdatedBy))
                    .col(timestamp_with_time_zone(InventorySnapshots::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("inventory_snapshots_product_month")
                    .table(InventorySnapshots::Table)
                    .col(InventorySnapshots::ProductId)
                    .col(InventorySnapshots::Month)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("inventory_snapshots_month")
                    .table(InventorySnapshots::Table)
                    .col(InventorySnapshots::Month)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("sales_orders_period_cover")
                    .table(SalesOrders::Table)
                    .col(SalesOrders::OrderedOn)
                    .col(SalesOrders::CustomerId)
                    .col(SalesOrders::AmountFen)
                    .col(SalesOrders::CostFen)
                    .col(SalesOrders::OwnerId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("sales_orders_period_cover")
                    .table(SalesOrders::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(InventorySnapshots::Table).to_owned())
            .await
    }
}
