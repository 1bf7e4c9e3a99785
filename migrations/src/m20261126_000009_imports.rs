//! Imports: customers and opportunities remember the id they had in the system they came from
//! (a second import of the same file finds them again instead of creating duplicates), and an
//! uploaded file waits in `import_uploads` while its owner maps its columns. The upload lives in
//! the database, not on one server's disk, so any app server can continue the import.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Customers {
    Table,
    ExternalId,
}

#[derive(DeriveIden)]
enum Opportunities {
    Table,
    ExternalId,
}

#[derive(DeriveIden)]
enum ImportUploads {
    Table,
    Id,
    UserId,
    FileName,
    Content,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .add_column(string_len_null(Customers::ExternalId, 60))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_customers_external_id")
                    .table(Customers::Table)
                    .col(Customers::ExternalId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Opportunities::Table)
                    .add_column(string_len_null(Opportunities::ExternalId, 60))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_opportunities_external_id")
                    .table(Opportunities::Table)
                    .col(Opportunities::ExternalId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ImportUploads::Table)
                    .col(big_pk_auto(ImportUploads::Id))
                    .col(big_integer(ImportUploads::UserId))
                    .col(string_len(ImportUploads::FileName, 200))
                    .col(blob(ImportUploads::Content))
                    .col(timestamp_with_time_zone(ImportUploads::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_import_uploads_user_id")
                            .from(ImportUploads::Table, ImportUploads::UserId)
                            .to(Alias::new("users"), Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ImportUploads::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_opportunities_external_id")
                    .table(Opportunities::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Opportunities::Table)
                    .drop_column(Opportunities::ExternalId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_customers_external_id")
                    .table(Customers::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .drop_column(Customers::ExternalId)
                    .to_owned(),
            )
            .await
    }
}
