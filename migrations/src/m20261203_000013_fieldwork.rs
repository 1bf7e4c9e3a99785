use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A rep's day on paper: the visit plan (kind `plan`) and the daily report (kind `report`) share
/// their life between the rep and the manager, so they share one table and one sign-off path.
#[derive(DeriveIden)]
enum DaySheets {
    Table,
    Id,
    Kind,
    OwnerId,
    Day,
    Status,
    Version,
    /// The plan's area.
    Area,
    /// The report's fields.
    Attendance,
    Complaints,
    Competitors,
    Feedback,
    Lessons,
    SubmittedAt,
    ReviewedBy,
    ReviewedAt,
    ReviewComment,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum VisitStops {
    Table,
    Id,
    SheetId,
    CustomerId,
    Position,
    TimeSlot,
    Purpose,
    Note,
}

#[derive(DeriveIden)]
enum CheckIns {
    Table,
    Id,
    OwnerId,
    CustomerId,
    StopId,
    /// The local calendar day of `at`, so days group without time-zone arithmetic in SQL.
    Day,
    At,
    LatitudeE6,
    LongitudeE6,
}

#[derive(DeriveIden)]
enum FieldExpenses {
    Table,
    Id,
    OwnerId,
    Day,
    CustomerId,
    Kind,
    AmountFen,
    Note,
    CreatedAt,
}

/// Coordinates in millionths of a degree (integers compare exactly and need no float column).
#[derive(DeriveIden)]
enum Customers {
    Table,
    LatitudeE6,
    LongitudeE6,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DaySheets::Table)
                    .col(big_pk_auto(DaySheets::Id))
                    .col(string_len(DaySheets::Kind, 16))
                    .col(big_integer(DaySheets::OwnerId))
                    .col(date(DaySheets::Day))
                    .col(string_len(DaySheets::Status, 16))
                    .col(integer(DaySheets::Version).default(1))
                    .col(text(DaySheets::Area).default(""))
                    .col(string_len(DaySheets::Attendance, 16).default(""))
                    .col(text(DaySheets::Complaints).default(""))
                    .col(text(DaySheets::Competitors).default(""))
                    .col(text(DaySheets::Feedback).default(""))
                    .col(text(DaySheets::Lessons).default(""))
                    .col(timestamp_with_time_zone_null(DaySheets::SubmittedAt))
                    .col(big_integer_null(DaySheets::ReviewedBy))
                    .col(timestamp_with_time_zone_null(DaySheets::ReviewedAt))
                    .col(text(DaySheets::ReviewComment).default(""))
                    .col(timestamp_with_time_zone(DaySheets::CreatedAt))
                    .col(timestamp_with_time_zone(DaySheets::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("day_sheets_owner_day")
                    .table(DaySheets::Table)
                    .col(DaySheets::Kind)
                    .col(DaySheets::OwnerId)
                    .col(DaySheets::Day)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("day_sheets_day")
                    .table(DaySheets::Table)
                    .col(DaySheets::Day)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(VisitStops::Table)
                    .col(big_pk_auto(VisitStops::Id))
                    .col(big_integer(VisitStops::SheetId))
                    .col(big_integer(VisitStops::CustomerId))
                    .col(integer(VisitStops::Position))
                    .col(string_len(VisitStops::TimeSlot, 32).default(""))
                    .col(string_len(VisitStops::Purpose, 16))
                    .col(text(VisitStops::Note).default(""))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("visit_stops_sheet")
                    .table(VisitStops::Table)
                    .col(VisitStops::SheetId)
                    .col(VisitStops::Position)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CheckIns::Table)
                    .col(big_pk_auto(CheckIns::Id))
                    .col(big_integer(CheckIns::OwnerId))
                    .col(big_integer(CheckIns::CustomerId))
                    .col(big_integer_null(CheckIns::StopId))
                    .col(date(CheckIns::Day))
                    .col(timestamp_with_time_zone(CheckIns::At))
                    .col(big_integer_null(CheckIns::LatitudeE6))
                    .col(big_integer_null(CheckIns::LongitudeE6))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("check_ins_owner_day")
                    .table(CheckIns::Table)
                    .col(CheckIns::OwnerId)
                    .col(CheckIns::Day)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FieldExpenses::Table)
                    .col(big_pk_auto(FieldExpenses::Id))
                    .col(big_integer(FieldExpenses::OwnerId))
                    .col(date(FieldExpenses::Day))
                    .col(big_integer_null(FieldExpenses::CustomerId))
                    .col(string_len(FieldExpenses::Kind, 16))
                    .col(big_integer(FieldExpenses::AmountFen))
                    .col(text(FieldExpenses::Note).default(""))
                    .col(timestamp_with_time_zone(FieldExpenses::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("field_expenses_owner_day")
                    .table(FieldExpenses::Table)
                    .col(FieldExpenses::OwnerId)
                    .col(FieldExpenses::Day)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .add_column(ColumnDef::new(Customers::LatitudeE6).big_integer().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .add_column(ColumnDef::new(Customers::LongitudeE6).big_integer().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .drop_column(Customers::LongitudeE6)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .drop_column(Customers::LatitudeE6)
                    .to_owned(),
            )
            .await?;
        for table in [
            DaySheets::Table.into_iden(),
            VisitStops::Table.into_iden(),
            CheckIns::Table.into_iden(),
            FieldExpenses::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
