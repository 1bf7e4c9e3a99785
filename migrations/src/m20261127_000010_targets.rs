//! Targets: one plan per year and metric, holding an amount per rep and month. Every other figure
//! of the breakdown (a team's quarter, the company's year, a week) is a sum of these cells, so
//! the levels always add up. Changes to a published plan are kept in `target_changes`.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TargetPlans {
    Table,
    Id,
    Year,
    Metric,
    Status,
    Version,
    CreatedAt,
    UpdatedAt,
    PublishedAt,
}

#[derive(DeriveIden)]
enum TargetCells {
    Table,
    Id,
    PlanId,
    UserId,
    Month,
    Amount,
    Locked,
}

#[derive(DeriveIden)]
enum TargetChanges {
    Table,
    Id,
    PlanId,
    ActorId,
    At,
    Node,
    Period,
    OldAmount,
    NewAmount,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TargetPlans::Table)
                    .col(big_pk_auto(TargetPlans::Id))
                    .col(integer(TargetPlans::Year))
                    .col(string_len(TargetPlans::Metric, 20))
                    .col(string_len(TargetPlans::Status, 12))
                    .col(integer(TargetPlans::Version))
                    .col(timestamp_with_time_zone(TargetPlans::CreatedAt))
                    .col(timestamp_with_time_zone(TargetPlans::UpdatedAt))
                    .col(timestamp_with_time_zone_null(TargetPlans::PublishedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_target_plans_year_metric")
                    .table(TargetPlans::Table)
                    .col(TargetPlans::Year)
                    .col(TargetPlans::Metric)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TargetCells::Table)
                    .col(big_pk_auto(TargetCells::Id))
                    .col(big_integer(TargetCells::PlanId))
                    .col(big_integer(TargetCells::UserId))
                    .col(small_integer(TargetCells::Month))
                    .col(big_integer(TargetCells::Amount))
                    .col(boolean(TargetCells::Locked))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_target_cells_plan_id")
                            .from(TargetCells::Table, TargetCells::PlanId)
                            .to(TargetPlans::Table, TargetPlans::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_target_cells_user_id")
                            .from(TargetCells::Table, TargetCells::UserId)
                            .to(Alias::new("users"), Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_target_cells_plan_user_month")
                    .table(TargetCells::Table)
                    .col(TargetCells::PlanId)
                    .col(TargetCells::UserId)
                    .col(TargetCells::Month)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TargetChanges::Table)
                    .col(big_pk_auto(TargetChanges::Id))
                    .col(big_integer(TargetChanges::PlanId))
                    .col(big_integer_null(TargetChanges::ActorId))
                    .col(timestamp_with_time_zone(TargetChanges::At))
                    .col(string_len(TargetChanges::Node, 40))
                    .col(string_len(TargetChanges::Period, 10))
                    .col(big_integer(TargetChanges::OldAmount))
                    .col(big_integer(TargetChanges::NewAmount))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_target_changes_plan_id")
                            .from(TargetChanges::Table, TargetChanges::PlanId)
                            .to(TargetPlans::Table, TargetPlans::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_target_changes_plan_at")
                    .table(TargetChanges::Table)
                    .col(TargetChanges::PlanId)
                    .col(TargetChanges::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TargetChanges::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(TargetCells::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(TargetPlans::Table).to_owned())
            .await
    }
}
