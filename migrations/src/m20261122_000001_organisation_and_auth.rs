use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Departments {
    Table,
    Id,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Teams {
    Table,
    Id,
    Name,
    DepartmentId,
    ManagerId,
    Version,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    DisplayName,
    PasswordHash,
    Role,
    TeamId,
    DepartmentId,
    Locale,
    Active,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    Data,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    Id,
    Username,
    Address,
    Succeeded,
    AttemptedAt,
}

fn team_manager_fk() -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name("fk_teams_manager")
        .from(Teams::Table, Teams::ManagerId)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::SetNull)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sqlite = manager.get_database_backend() == DatabaseBackend::Sqlite;
        manager
            .create_table(
                Table::create()
                    .table(Departments::Table)
                    .col(big_pk_auto(Departments::Id))
                    .col(string_len_uniq(Departments::Name, 100))
                    .col(timestamp_with_time_zone(Departments::CreatedAt))
                    .to_owned(),
            )
            .await?;

        // teams.manager_id and users.team_id refer to each other. SQLite accepts the forward
        // reference at creation and cannot add it later; PostgreSQL needs users to exist first.
        let mut teams = Table::create();
        teams
            .table(Teams::Table)
            .col(big_pk_auto(Teams::Id))
            .col(string_len_uniq(Teams::Name, 100))
            .col(big_integer_null(Teams::DepartmentId))
            .col(big_integer_null(Teams::ManagerId))
            .col(integer(Teams::Version).default(1))
            .col(timestamp_with_time_zone(Teams::CreatedAt))
            .foreign_key(
                ForeignKey::create()
                    .name("fk_teams_department")
                    .from(Teams::Table, Teams::DepartmentId)
                    .to(Departments::Table, Departments::Id)
                    .on_delete(ForeignKeyAction::SetNull),
            );
        if sqlite {
            teams.foreign_key(&mut team_manager_fk());
        }
        manager.create_table(teams.to_owned()).await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(big_pk_auto(Users::Id))
                    .col(string_len_uniq(Users::Username, 32))
                    .col(string_len(Users::DisplayName, 50))
                    .col(string(Users::PasswordHash))
                    .col(string_len(Users::Role, 16))
                    .col(big_integer_null(Users::TeamId))
                    .col(big_integer_null(Users::DepartmentId))
                    .col(string_len(Users::Locale, 8).default("zh-CN"))
                    .col(boolean(Users::Active).default(true))
                    .col(integer(Users::Version).default(1))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_users_team")
                            .from(Users::Table, Users::TeamId)
                            .to(Teams::Table, Teams::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_users_department")
                            .from(Users::Table, Users::DepartmentId)
                            .to(Departments::Table, Departments::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        if !sqlite {
            manager.create_foreign_key(team_manager_fk()).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_users_team")
                    .table(Users::Table)
                    .col(Users::TeamId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(string_len(Sessions::Id, 64).primary_key())
                    .col(big_integer_null(Sessions::UserId))
                    .col(text(Sessions::Data))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sessions_expires")
                    .table(Sessions::Table)
                    .col(Sessions::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sessions_user")
                    .table(Sessions::Table)
                    .col(Sessions::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LoginAttempts::Table)
                    .col(big_pk_auto(LoginAttempts::Id))
                    .col(string_len(LoginAttempts::Username, 64))
                    .col(string_len(LoginAttempts::Address, 64))
                    .col(boolean(LoginAttempts::Succeeded))
                    .col(timestamp_with_time_zone(LoginAttempts::AttemptedAt))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_login_attempts_username", LoginAttempts::Username),
            ("idx_login_attempts_address", LoginAttempts::Address),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(LoginAttempts::Table)
                        .col(column)
                        .col(LoginAttempts::AttemptedAt)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Sqlite {
            manager
                .drop_foreign_key(
                    ForeignKey::drop()
                        .name("fk_teams_manager")
                        .table(Teams::Table)
                        .to_owned(),
                )
                .await?;
        }
        for table in [
            LoginAttempts::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
            Teams::Table.into_iden(),
            Departments::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
