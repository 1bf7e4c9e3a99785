//! The orders' index by customer now also carries the figures a per-customer analysis sums, so a
//! report over a long period (most of the orders) reads them in customer order from the index
//! alone, without sorting the period's orders by customer first. It replaces the index on
//! (customer_id, ordered_on), whose look-ups it serves as well.
use crate::m20261204_000014_inventory::SalesOrders;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const OLD: &str = "idx_sales_orders_customer_id_ordered_on";
const COVER: &str = "sales_orders_customer_cover";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let index = Index::create()
            .name(COVER)
            .table(SalesOrders::Table)
            .col(SalesOrders::CustomerId)
            .col(SalesOrders::OrderedOn)
            .col(SalesOrders::AmountFen)
            .col(SalesOrders::CostFen)
            .col(SalesOrders::OwnerId)
            .to_owned();
        manager.create_index(index).await?;
        manager
            .drop_index(Index::drop().name(OLD).table(SalesOrders::Table).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let index = Index::create()
            .name(OLD)
            .table(SalesOrders::Table)
            .col(SalesOrders::CustomerId)
            .col(SalesOrders::OrderedOn)
            .to_owned();
        manager.create_index(index).await?;
        manager
            .drop_index(
                Index::drop()
                    .name(COVER)
                    .table(SalesOrders::Table)
                    .to_owned(),
            )
            .await
    }
}
