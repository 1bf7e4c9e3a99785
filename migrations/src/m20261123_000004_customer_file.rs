//! The full customer file (profile fields, tags, pinyin initials, first order date), contact
//! details, saved list filters and in-app notifications.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Profile,
    Tags,
    NameInitials,
    FirstOrderOn,
    Province,
    Industry,
    LastFollowUpAt,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Birthday,
    Interests,
}

#[derive(DeriveIden)]
enum SavedFilters {
    Table,
    Id,
    UserId,
    Name,
    Query,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    Kind,
    Body,
    Link,
    CreatedAt,
    ReadAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        let customer_columns = [
            text(Customers::Profile).default("{}").to_owned(),
            string_len(Customers::Tags, 200).default("").to_owned(),
            string_len(Customers::NameInitials, 100)
                .default("")
                .to_owned(),
            date_null(Customers::FirstOrderOn).to_owned(),
        ];
        for mut column in customer_columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Customers::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        for mut column in [
            date_null(Contacts::Birthday).to_owned(),
            string_len(Contacts::Interests, 200).default("").to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Contacts::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        for (name, column) in [
            ("idx_customers_province", Customers::Province),
            ("idx_customers_industry", Customers::Industry),
            ("idx_customers_last_follow_up", Customers::LastFollowUpAt),
            ("idx_customers_initials", Customers::NameInitials),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Customers::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }

        let to_user = |name: &str, table: DynIden, column: DynIden| {
            ForeignKey::create()
                .name(name)
                .from(table, column)
                .to(Users::Table, Users::Id)
                .on_delete(ForeignKeyAction::Cascade)
                .to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(SavedFilters::Table)
                    .col(big_pk_auto(SavedFilters::Id))
                    .col(big_integer(SavedFilters::UserId))
                    .col(string_len(SavedFilters::Name, 40))
                    .col(string_len(SavedFilters::Query, 500))
                    .col(timestamp_with_time_zone(SavedFilters::CreatedAt))
                    .foreign_key(&mut to_user(
                        "fk_saved_filters_user",
                        SavedFilters::Table.into_iden(),
                        SavedFilters::UserId.into_iden(),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_saved_filters_user_name")
                    .table(SavedFilters::Table)
                    .col(SavedFilters::UserId)
                    .col(SavedFilters::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(big_pk_auto(Notifications::Id))
                    .col(big_integer(Notifications::UserId))
                    .col(string_len(Notifications::Kind, 20))
                    .col(text(Notifications::Body))
                    .col(string_len(Notifications::Link, 200).default(""))
                    .col(timestamp_with_time_zone(Notifications::CreatedAt))
                    .col(timestamp_with_time_zone_null(Notifications::ReadAt))
                    .foreign_key(&mut to_user(
                        "fk_notifications_user",
                        Notifications::Table.into_iden(),
                        Notifications::UserId.into_iden(),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_notifications_user")
                    .table(Notifications::Table)
                    .col(Notifications::UserId)
                    .col(Notifications::ReadAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Notifications::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(SavedFilters::Table).to_owned())
            .await?;
        for name in [
            "idx_customers_province",
            "idx_customers_industry",
            "idx_customers_last_follow_up",
            "idx_customers_initials",
        ] {
            manager
                .drop_index(Index::drop().name(name).table(Customers::Table).to_owned())
                .await?;
        }
        for column in [Contacts::Birthday, Contacts::Interests] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Contacts::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            Customers::Profile,
            Customers::Tags,
            Customers::NameInitials,
            Customers::FirstOrderOn,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Customers::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
