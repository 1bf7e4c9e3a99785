//! Organisation administration. Everything here except `visible_people` is for admins only.
use super::{DepartmentRow, OrgOverview, TeamForm, TeamRow, UserForm, UserRow};
use crate::auth::directory::org_order;
use crate::auth::scope::{across_owners, visible};
use crate::auth::session_store::DbSessionStore;
use crate::auth::{hash_password, Actor};
use crate::db::{taken_or_internal, update_versioned};
use crate::domain::forms::{self, Checks, ErrorCode};
use crate::domain::visibility::Role;
use crate::entities::{customer, department, team, user};
use crate::error::{AppError, AppResult};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
};
use std::collections::HashMap;

pub async fn overview(db: &impl ConnectionTrait, actor: &Actor) -> AppResult<OrgOverview> {
    actor.require(&[Role::Admin])?;
    let departments = department::Entity::find()
        .order_by_asc(department::Column::Name)
        .all(db)
        .await?;
    let teams = team::Entity::find()
        .order_by_asc(team::Column::Name)
        .all(db)
        .await?;
    let mut users = visible::<user::Entity>(&actor.scope()).all(db).await?;
    users.sort_by_key(org_order);

    let department_names: HashMap<i64, &str> = departments
        .iter()
        .map(|d| (d.id, d.name.as_str()))
        .collect();
    let team_names: HashMap<i64, &str> = teams.iter().map(|t| (t.id, t.name.as_str())).collect();
    let user_names: HashMap<i64, &str> = users
        .iter()
        .map(|u| (u.id, u.display_name.as_str()))
        .collect();
    let mut members: HashMap<i64, u64> = HashMap::new();
    for team_id in users.iter().filter(|u| u.active).filter_map(|u| u.team_id) {
        *members.entry(team_id).or_default() += 1;
    }
    let mut teams_per_department: HashMap<i64, u64> = HashMap::new();
    for department_id in teams.iter().filter_map(|t| t.department_id) {
        *teams_per_department.entry(department_id).or_default() += 1;
    }

    // How many customers each person owns: deactivating one who owns any asks for a successor.
    let owned: HashMap<i64, u64> = across_owners::<customer::Entity>()
        .select_only()
        .column(customer::Column::OwnerId)
        .column_as(Expr::col(customer::Column::Id).count(), "owned")
        .filter(customer::Column::OwnerId.is_not_null())
        .group_by(customer::Column::OwnerId)
        .into_tuple::<(i64, i64)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(owner, count)| (owner, u64::try_from(count).unwrap_or(0)))
        .collect();

    Ok(OrgOverview {
        departments: departments
            .iter()
            .map(|d| DepartmentRow {
                id: d.id,
                name: d.name.clone(),
                team_count: teams_per_department.get(&d.id).copied().unwrap_or(0),
            })
            .collect(),
        teams: teams
            .iter()
            .map(|t| TeamRow {
                id: t.id,
                name: t.name.clone(),
                department_id: t.department_id,
                department_name: t
                    .department_id
                    .and_then(|id| department_names.get(&id))
                    .map(|s| s.to_string()),
                manager_id: t.manager_id,
                manager_name: t
                    .manager_id
                    .and_then(|id| user_names.get(&id))
                    .map(|s| s.to_string()),
                member_count: members.get(&t.id).copied().unwrap_or(0),
                active: t.active,
                version: t.version,
            })
            .collect(),
        users: users
            .iter()
            .map(|u| UserRow {
                id: u.id,
                username: u.username.clone(),
                display_name: u.display_name.clone(),
                role: u.role(),
                team_id: u.team_id,
                team_name: u
                    .team_id
                    .and_then(|id| team_names.get(&id))
                    .map(|s| s.to_string()),
                department_id: u.department_id,
                active: u.active,
                version: u.version,
                customers: owned.get(&u.id).copied().unwrap_or(0),
            })
            .collect(),
    })
}

/// A checked new user, as the settings form, the command line and the demo seed create them.
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub team_id: Option<i64>,
    pub department_id: Option<i64>,
    pub password: String,
}

impl NewUser {
    pub fn parse(
        username: &str,
        display_name: &str,
        role: Role,
        password: &str,
    ) -> Result<NewUser, AppError> {
        let mut checks = Checks::default();
        let username = checks.check("username", forms::parse_username(username));
        let display_name = checks.check("display_name", forms::parse_name(display_name));
        let password = checks.check("password", forms::parse_new_password(password));
        checks.into_result().map_err(AppError::Validation)?;
        Ok(NewUser {
            username: username.unwrap_or_default(),
            display_name: display_name.unwrap_or_default(),
            role,
            team_id: None,
            department_id: None,
            password: password.unwrap_or_default(),
        })
    }
}

pub async fn insert_user(db: &impl ConnectionTrait, new: NewUser) -> AppResult<user::Model> {
    let hash = hash_password(&new.password);
    insert_user_with_hash(db, new, hash).await
}

/// Inserts `new` with a stored hash as is (ignoring `new.password`): an imported user gets
/// [`crate::auth::NO_PASSWORD`].
pub async fn insert_user_with_hash(
    db: &impl ConnectionTrait,
    new: NewUser,
    hash: String,
) -> AppResult<user::Model> {
    let now = crate::clock::now();
    user::ActiveModel {
        username: Set(new.username),
        display_name: Set(new.display_name),
        password_hash: Set(hash),
        role: Set(new.role.as_str().to_string()),
        team_id: Set(new.team_id),
        department_id: Set(new.department_id),
        locale: Set(crate::domain::format::Locale::default().tag().to_string()),
        active: Set(true),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| taken_or_internal(e, "username"))
}

async fn check_reference<E: EntityTrait>(
    db: &impl ConnectionTrait,
    checks: &mut Checks,
    field: &str,
    id: Option<i64>,
) -> AppResult<()>
where
    E::PrimaryKey: sea_orm::PrimaryKeyTrait<ValueType = i64>,
{
    if let Some(id) = id {
        if E::find_by_id(id).one(db).await?.is_none() {
            checks
                .0
                .push(forms::FieldError::new(field, ErrorCode::UnknownChoice));
        }
    }
    Ok(())
}

fn parse_version(raw: &str) -> AppResult<i32> {
    raw.trim()
        .parse()
        .map_err(|_| AppError::field("version", ErrorCode::Stale))
}

pub async fn save_user(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    form: UserForm,
) -> AppResult<i64> {
    actor.require(&[Role::Admin])?;
    let id = forms::parse_optional_id(&form.id).map_err(|_| AppError::NotFound)?;
    let mut checks = Checks::default();
    let username = checks.check("username", forms::parse_username(&form.username));
    let display_name = checks.check("display_name", forms::parse_name(&form.display_name));
    let role = checks.check("role", forms::parse_role(&form.role));
    let team_id = checks
        .check("team_id", forms::parse_optional_id(&form.team_id))
        .flatten();
    let department_id = checks
        .check(
            "department_id",
            forms::parse_optional_id(&form.department_id),
        )
        .flatten();
    let password = match (id, form.password.is_empty()) {
        (Some(_), true) => None,
        _ => checks.check("password", forms::parse_new_password(&form.password)),
    };
    if id == Some(actor.user.id) && role.is_some_and(|r| r != Role::Admin) {
        checks
            .0
            .push(forms::FieldError::new("role", ErrorCode::OwnAccount));
    }
    check_reference::<team::Entity>(db, &mut checks, "team_id", team_id).await?;
    if let Some(team) = team_id {
        let chosen = team::Entity::find_by_id(team).one(db).await?;
        if chosen.is_some_and(|t| !t.active) && id.is_none() {
            checks
                .0
                .push(forms::FieldError::new("team_id", ErrorCode::UnknownChoice));
        }
    }
    check_reference::<department::Entity>(db, &mut checks, "department_id", department_id).await?;
    checks.into_result().map_err(AppError::Validation)?;
    let (username, display_name, role) = (
        username.unwrap_or_default(),
        display_name.unwrap_or_default(),
        role.unwrap_or(Role::Rep),
    );

    match id {
        None => {
            let new = NewUser {
                username,
                display_name,
                role,
                team_id,
                department_id,
                password: password.unwrap_or_default(),
            };
            Ok(insert_user(db, new).await?.id)
        }
        Some(id) => {
            let version = parse_version(&form.version)?;
            let (username_after, display_name_after) = (username.clone(), display_name.clone());
            let mut changes = user::ActiveModel {
                username: Set(username),
                display_name: Set(display_name),
                role: Set(role.as_str().to_string()),
                team_id: Set(team_id),
                department_id: Set(department_id),
                updated_at: Set(crate::clock::now()),
                ..Default::default()
            };
            let password_changed = password.is_some();
            if let Some(password) = password {
                changes.password_hash = Set(hash_password(&password));
            }
            let txn = crate::db::begin_write(db).await?;
            let before = user::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .ok_or(AppError::NotFound)?;
            update_versioned::<user::Entity>(
                &txn,
                changes,
                (user::Column::Id, id),
                (user::Column::Version, version),
                "username",
            )
            .await?;
            let placed = |u: &user::Model| serde_json::json!({ "role": u.role, "team_id": u.team_id, "department_id": u.department_id, "username": u.username, "display_name": u.display_name });
            let after = serde_json::json!({ "role": role.as_str(), "team_id": team_id, "department_id": department_id, "username": username_after, "display_name": display_name_after });
            if placed(&before) != after {
                crate::audit::record(
                    &txn,
                    actor,
                    crate::audit::Action::UserRoleChanged,
                    crate::audit::Subject::User(id),
                    placed(&before),
                    after,
                )
                .await?;
            }
            if password_changed {
                DbSessionStore::delete_for_user(&txn, id).await?;
                crate::audit::record(
                    &txn,
                    actor,
                    crate::audit::Action::PasswordChanged,
                    crate::audit::Subject::User(id),
                    serde_json::json!({}),
                    serde_json::json!({ "sessions_revoked": true }),
                )
                .await?;
            }
            txn.commit().await?;
            Ok(id)
        }
    }
}

/// Who takes over the customers of someone deactivated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Successor {
    Pool,
    Person(i64),
}

/// The form's `successor`: empty (none chosen), `pool`, or a person's id.
fn parse_successor(value: Option<&str>, leaving: i64) -> AppResult<Option<Successor>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some("pool") => Ok(Some(Successor::Pool)),
        Some(other) => match other.parse::<i64>() {
            Ok(id) if id > 0 && id != leaving => Ok(Some(Successor::Person(id))),
            _ => Err(AppError::field("successor", ErrorCode::UnknownChoice)),
        },
    }
}

/// Activates or deactivates an account. Deactivating someone who still owns customers needs a
/// successor (a person, who also takes their open deals, quotes and contracts, or the lead pool);
/// the move and the deactivation happen together or not at all.
pub async fn set_user_active(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    id: i64,
    active: bool,
    version: i32,
    successor: Option<&str>,
) -> AppResult<()> {
    actor.require(&[Role::Admin])?;
    if id == actor.user.id && !active {
        return Err(AppError::field("active", ErrorCode::OwnAccount));
    }
    let successor = if active {
        None
    } else {
        parse_successor(successor, id)?
    };
    let owned = across_owners::<customer::Entity>()
        .filter(customer::Column::OwnerId.eq(id))
        .count(db)
        .await?;
    if !active && owned > 0 && successor.is_none() {
        return Err(AppError::field(
            "successor",
            ErrorCode::SuccessorRequired { customers: owned },
        ));
    }
    let changes = user::ActiveModel {
        active: Set(active),
        updated_at: Set(crate::clock::now()),
        ..Default::default()
    };
    let txn = crate::db::begin_write(db).await?;
    update_versioned::<user::Entity>(
        &txn,
        changes,
        (user::Column::Id, id),
        (user::Column::Version, version),
        "active",
    )
    .await?;
    if !active {
        DbSessionStore::delete_for_user(&txn, id).await?;
        let handed = match successor {
            Some(Successor::Person(to)) => {
                let to = [to];
                txn.nest(|t| crate::customers::handover_all(t, actor, id, &to))
                    .await
            }
            Some(Successor::Pool) => {
                txn.nest(|t| crate::customers::return_all_to_pool(t, actor, id))
                    .await
            }
            None => Ok(0),
        };
        // The successor is checked by the handover (an active person the admin sees).
        handed.map_err(|error| match error {
            AppError::Validation(_) => AppError::field("successor", ErrorCode::UnknownChoice),
            other => other,
        })?;
    }
    crate::audit::record(
        &txn,
        actor,
        crate::audit::Action::UserDeactivated,
        crate::audit::Subject::User(id),
        serde_json::json!({ "active": !active }),
        serde_json::json!({ "active": active }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub async fn save_team(db: &impl ConnectionTrait, actor: &Actor, form: TeamForm) -> AppResult<i64> {
    actor.require(&[Role::Admin])?;
    let id = forms::parse_optional_id(&form.id).map_err(|_| AppError::NotFound)?;
    let mut checks = Checks::default();
    let name = checks.check("name", forms::parse_name(&form.name));
    let department_id = checks
        .check(
            "department_id",
            forms::parse_optional_id(&form.department_id),
        )
        .flatten();
    let manager_id = checks
        .check("manager_id", forms::parse_optional_id(&form.manager_id))
        .flatten();
    check_reference::<department::Entity>(db, &mut checks, "department_id", department_id).await?;
    check_reference::<user::Entity>(db, &mut checks, "manager_id", manager_id).await?;
    checks.into_result().map_err(AppError::Validation)?;
    let name = name.unwrap_or_default();
    match id {
        None => {
            let row = team::ActiveModel {
                name: Set(name),
                department_id: Set(department_id),
                manager_id: Set(manager_id),
                active: Set(true),
                version: Set(1),
                created_at: Set(crate::clock::now()),
                ..Default::default()
            }
            .insert(db)
            .await
            .map_err(|e| taken_or_internal(e, "name"))?;
            Ok(row.id)
        }
        Some(id) => {
            let version = parse_version(&form.version)?;
            let changes = team::ActiveModel {
                name: Set(name),
                department_id: Set(department_id),
                manager_id: Set(manager_id),
                ..Default::default()
            };
            update_versioned::<team::Entity>(
                db,
                changes,
                (team::Column::Id, id),
                (team::Column::Version, version),
                "name",
            )
            .await?;
            Ok(id)
        }
    }
}

/// A deactivated team keeps its members and history but can no longer be picked for users.
pub async fn set_team_active(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    active: bool,
    version: i32,
) -> AppResult<()> {
    actor.require(&[Role::Admin])?;
    let changes = team::ActiveModel {
        active: Set(active),
        ..Default::default()
    };
    update_versioned::<team::Entity>(
        db,
        changes,
        (team::Column::Id, id),
        (team::Column::Version, version),
        "active",
    )
    .await
}

pub async fn create_department(
    db: &impl ConnectionTrait,
    actor: &Actor,
    name: &str,
) -> AppResult<i64> {
    actor.require(&[Role::Admin])?;
    let name = forms::parse_name(name).map_err(|code| AppError::field("name", code))?;
    let row = department::ActiveModel {
        name: Set(name),
        created_at: Set(crate::clock::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| taken_or_internal(e, "name"))?;
    Ok(row.id)
}

/// Everyone with their role, team and department, headed like the users import reads them, so
/// an exported file can be edited and imported back.
pub async fn export_users(
    db: &impl ConnectionTrait,
    actor: &Actor,
    locale: crate::domain::format::Locale,
) -> AppResult<crate::exports::ExportTable> {
    use crate::exports::Cell;
    let org = overview(db, actor).await?;
    let t = crate::i18n::texts(locale);
    let departments: HashMap<i64, String> = org
        .departments
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    let label = t.imports.field_label;
    Ok(crate::exports::ExportTable {
        sheet: t.users.to_string(),
        headers: ["username", "display_name", "role", "team", "department"]
            .iter()
            .map(|f| label(f).to_string())
            .chain([t.status.to_string()])
            .collect(),
        rows: org
            .users
            .into_iter()
            .map(|u| {
                vec![
                    Cell::Text(u.username),
                    Cell::Text(u.display_name),
                    Cell::Text(t.role(u.role).to_string()),
                    Cell::Text(u.team_name.unwrap_or_default()),
                    Cell::Text(
                        u.department_id
                            .and_then(|id| departments.get(&id).cloned())
                            .unwrap_or_default(),
                    ),
                    Cell::Text(if u.active { t.active } else { t.inactive }.to_string()),
                ]
            })
            .collect(),
    })
}

/// The company setting that names its time zone (an IANA name; `Asia/Shanghai` until set).
pub const TIME_ZONE_KEY: &str = "time_zone";

/// Sets the clock's zone from the company setting (at start-up, and hourly so that every server
/// follows a change made on another).
pub async fn load_company_zone(db: &impl ConnectionTrait) -> AppResult<()> {
    let (name, _) = crate::db::load_setting::<String>(db, TIME_ZONE_KEY).await?;
    let zone = crate::clock::parse_zone(&name).unwrap_or(crate::clock::DEFAULT_TIME_ZONE);
    crate::clock::set_zone(zone);
    Ok(())
}

/// Administrators set the company's time zone; it decides every day, week and due time.
pub async fn set_company_zone(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    name: &str,
    version: i32,
) -> AppResult<()> {
    actor.require(&[Role::Admin])?;
    let zone = crate::clock::parse_zone(name)
        .ok_or_else(|| AppError::field("time_zone", ErrorCode::UnknownChoice))?;
    let txn = crate::db::begin_write(db).await?;
    let (before, _) = crate::db::load_setting::<String>(&txn, TIME_ZONE_KEY).await?;
    crate::db::save_setting(
        &txn,
        TIME_ZONE_KEY,
        &zone.name().to_string(),
        version,
        actor.user.id,
    )
    .await?;
    crate::audit::record(
        &txn,
        actor,
        crate::audit::Action::CompanySettingsChanged,
        crate::audit::Subject::Setting(TIME_ZONE_KEY.into()),
        serde_json::json!(before),
        serde_json::json!(zone.name()),
    )
    .await?;
    txn.commit().await?;
    crate::clock::set_zone(zone);
    Ok(())
}

pub async fn company_zone(db: &impl ConnectionTrait, actor: &Actor) -> AppResult<(String, i32)> {
    actor.require(&[Role::Admin])?;
    let (name, version) = crate::db::load_setting::<String>(db, TIME_ZONE_KEY).await?;
    Ok((
        if name.is_empty() {
            crate::clock::DEFAULT_TIME_ZONE.name().to_string()
        } else {
            name
        },
        version,
    ))
}
