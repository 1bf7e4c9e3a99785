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
    Id,
    Name,
    NameKey,
    ShortName,
    Phone,
    PhoneKey,
    TaxId,
    TaxKey,
    Province,
    City,
    District,
    Street,
    Website,
    Industry,
    Source,
    LadderStage,
    OwnerId,
    OwnedSince,
    LastFollowUpAt,
    Notes,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
    CustomerId,
    Name,
    Title,
    Phone,
    Email,
    Wechat,
    BuyingRole,
    IsPrimary,
    CreatedAt,
}

#[derive(DeriveIden)]
enum FollowUps {
    Table,
    Id,
    CustomerId,
    AuthorId,
    Kind,
    ContactId,
    Summary,
    Intent,
    NextDate,
    NextAction,
    NextDone,
    HappenedAt,
}

#[derive(DeriveIden)]
enum CustomerEvents {
    Table,
    Id,
    CustomerId,
    ActorId,
    Kind,
    Detail,
    At,
}

fn index(name: &str, table: impl IntoIden, columns: Vec<DynIden>) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(column);
    }
    index.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let to_user = |name: &str, from: (DynIden, DynIden), action: ForeignKeyAction| {
            ForeignKey::create()
                .name(name)
                .from(from.0, from.1)
                .to(Users::Table, Users::Id)
                .on_delete(action)
                .to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(Customers::Table)
                    .col(big_pk_auto(Customers::Id))
                    .col(string_len(Customers::Name, 100))
                    .col(string_len(Customers::NameKey, 100))
                    .col(string_len(Customers::ShortName, 50).default(""))
                    .col(string_len(Customers::Phone, 40).default(""))
                    .col(string_len(Customers::PhoneKey, 40).default(""))
                    .col(string_len(Customers::TaxId, 30).default(""))
                    .col(string_len(Customers::TaxKey, 30).default(""))
                    .col(string_len(Customers::Province, 20).default(""))
                    .col(string_len(Customers::City, 20).default(""))
                    .col(string_len(Customers::District, 20).default(""))
                    .col(string_len(Customers::Street, 100).default(""))
                    .col(string_len(Customers::Website, 100).default(""))
                    .col(string_len(Customers::Industry, 40).default(""))
                    .col(string_len(Customers::Source, 20).default(""))
                    .col(string_len(Customers::LadderStage, 16))
                    .col(big_integer_null(Customers::OwnerId))
                    .col(timestamp_with_time_zone_null(Customers::OwnedSince))
                    .col(timestamp_with_time_zone_null(Customers::LastFollowUpAt))
                    .col(text(Customers::Notes).default(""))
                    .col(integer(Customers::Version).default(1))
                    .col(timestamp_with_time_zone(Customers::CreatedAt))
                    .col(timestamp_with_time_zone(Customers::UpdatedAt))
                    .foreign_key(&mut to_user(
                        "fk_customers_owner",
                        (Customers::Table.into_iden(), Customers::OwnerId.into_iden()),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "idx_customers_owner_stage",
                vec![
                    Customers::OwnerId.into_iden(),
                    Customers::LadderStage.into_iden(),
                ],
            ),
            (
                "idx_customers_name_key",
                vec![Customers::NameKey.into_iden()],
            ),
            (
                "idx_customers_phone_key",
                vec![Customers::PhoneKey.into_iden()],
            ),
            ("idx_customers_tax_key", vec![Customers::TaxKey.into_iden()]),
            (
                "idx_customers_updated",
                vec![Customers::UpdatedAt.into_iden()],
            ),
        ] {
            manager
                .create_index(index(name, Customers::Table, columns))
                .await?;
        }

        let to_customer = |name: &str, table: DynIden, column: DynIden| {
            ForeignKey::create()
                .name(name)
                .from(table, column)
                .to(Customers::Table, Customers::Id)
                .on_delete(ForeignKeyAction::Cascade)
                .to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(Contacts::Table)
                    .col(big_pk_auto(Contacts::Id))
                    .col(big_integer(Contacts::CustomerId))
                    .col(string_len(Contacts::Name, 50))
                    .col(string_len(Contacts::Title, 50).default(""))
                    .col(string_len(Contacts::Phone, 40).default(""))
                    .col(string_len(Contacts::Email, 100).default(""))
                    .col(string_len(Contacts::Wechat, 50).default(""))
                    .col(string_len(Contacts::BuyingRole, 20).default(""))
                    .col(boolean(Contacts::IsPrimary).default(false))
                    .col(timestamp_with_time_zone(Contacts::CreatedAt))
                    .foreign_key(&mut to_customer(
                        "fk_contacts_customer",
                        Contacts::Table.into_iden(),
                        Contacts::CustomerId.into_iden(),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_contacts_customer",
                Contacts::Table,
                vec![Contacts::CustomerId.into_iden()],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FollowUps::Table)
                    .col(big_pk_auto(FollowUps::Id))
                    .col(big_integer(FollowUps::CustomerId))
                    .col(big_integer(FollowUps::AuthorId))
                    .col(string_len(FollowUps::Kind, 20))
                    .col(big_integer_null(FollowUps::ContactId))
                    .col(text(FollowUps::Summary))
                    .col(string_len(FollowUps::Intent, 10))
                    .col(date_null(FollowUps::NextDate))
                    .col(string_len(FollowUps::NextAction, 200).default(""))
                    .col(boolean(FollowUps::NextDone).default(false))
                    .col(timestamp_with_time_zone(FollowUps::HappenedAt))
                    .foreign_key(&mut to_customer(
                        "fk_follow_ups_customer",
                        FollowUps::Table.into_iden(),
                        FollowUps::CustomerId.into_iden(),
                    ))
                    .foreign_key(&mut to_user(
                        "fk_follow_ups_author",
                        (
                            FollowUps::Table.into_iden(),
                            FollowUps::AuthorId.into_iden(),
                        ),
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_follow_ups_customer",
                FollowUps::Table,
                vec![
                    FollowUps::CustomerId.into_iden(),
                    FollowUps::HappenedAt.into_iden(),
                ],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_follow_ups_author_next",
                FollowUps::Table,
                vec![
                    FollowUps::AuthorId.into_iden(),
                    FollowUps::NextDone.into_iden(),
                    FollowUps::NextDate.into_iden(),
                ],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CustomerEvents::Table)
                    .col(big_pk_auto(CustomerEvents::Id))
                    .col(big_integer(CustomerEvents::CustomerId))
                    .col(big_integer_null(CustomerEvents::ActorId))
                    .col(string_len(CustomerEvents::Kind, 20))
                    .col(text(CustomerEvents::Detail))
                    .col(timestamp_with_time_zone(CustomerEvents::At))
                    .foreign_key(&mut to_customer(
                        "fk_customer_events_customer",
                        CustomerEvents::Table.into_iden(),
                        CustomerEvents::CustomerId.into_iden(),
                    ))
                    .foreign_key(&mut to_user(
                        "fk_customer_events_actor",
                        (
                            CustomerEvents::Table.into_iden(),
                            CustomerEvents::ActorId.into_iden(),
                        ),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_customer_events_customer",
                CustomerEvents::Table,
                vec![
                    CustomerEvents::CustomerId.into_iden(),
                    CustomerEvents::At.into_iden(),
                ],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CustomerEvents::Table.into_iden(),
            FollowUps::Table.into_iden(),
            Contacts::Table.into_iden(),
            Customers::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
