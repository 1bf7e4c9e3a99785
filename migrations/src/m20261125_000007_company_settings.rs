use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Company-wide rules an administrator edits in the app (ladder thresholds first), one JSON value
/// per key, versioned like every other edited row.
#[derive(DeriveIden)]
enum CompanySettings {
    Table,
    Key,
    Value,
    Version,
    UpdatedBy,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CompanySettings::Table)
                    .col(string_len(CompanySettings::Key, 64).primary_key())
                    .col(text(CompanySettings::Value))
                    .col(integer(CompanySettings::Version).default(1))
                    .col(big_integer_null(CompanySettings::UpdatedBy))
                    .col(timestamp_with_time_zone(CompanySettings::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CompanySettings::Table).to_owned())
            .await
    }
}
