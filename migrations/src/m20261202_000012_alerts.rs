use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The alerts a scheduled job keeps current: one row per subject and kind while the condition
/// holds (deleted when it clears), with the figures behind it and the task a manager assigned.
#[derive(DeriveIden)]
enum Alerts {
    Table,
    Id,
    Kind,
    SubjectId,
    OwnerId,
    Figures,
    RaisedAt,
    UpdatedAt,
    TaskNote,
    TaskBy,
    TaskAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alerts::Table)
                    .col(big_pk_auto(Alerts::Id))
                    .col(string_len(Alerts::Kind, 32))
                    .col(big_integer(Alerts::SubjectId))
                    .col(big_integer(Alerts::OwnerId))
                    .col(text(Alerts::Figures))
                    .col(timestamp_with_time_zone(Alerts::RaisedAt))
                    .col(timestamp_with_time_zone(Alerts::UpdatedAt))
                    .col(text(Alerts::TaskNote).default(""))
                    .col(big_integer_null(Alerts::TaskBy))
                    .col(timestamp_with_time_zone_null(Alerts::TaskAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("alerts_subject")
                    .table(Alerts::Table)
                    .col(Alerts::Kind)
                    .col(Alerts::SubjectId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("alerts_owner")
                    .table(Alerts::Table)
                    .col(Alerts::OwnerId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alerts::Table).to_owned())
            .await
    }
}
