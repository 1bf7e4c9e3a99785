//! Authentication and the acting user. Every server function starts with [`current_actor`].
use super::CurrentUser;
use crate::domain::forms::ErrorCode;
use crate::domain::throttle;
use crate::domain::visibility::{scope_for, Role, Scope, Viewer};
use crate::entities::{login_attempt, team, user};
use crate::error::{AppError, AppResult};
use crate::state::{app_state, AppState};
use axum_login::{AuthUser, AuthnBackend, UserId};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, TransactionSession,
};

/// The user as axum-login keeps it for a request.
#[derive(Clone)]
pub struct SessionUser(pub user::Model);

impl std::fmt::Debug for SessionUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionUser")
            .field("id", &self.0.id)
            .field("username", &self.0.username)
            .finish()
    }
}

impl AuthUser for SessionUser {
    type Id = i64;

    fn id(&self) -> i64 {
        self.0.id
    }

    /// Changing the password ends the user's other sessions.
    fn session_auth_hash(&self) -> &[u8] {
        self.0.password_hash.as_bytes()
    }
}

pub struct Credentials {
    pub username: String,
    pub password: String,
}

#[derive(Clone)]
pub struct Backend {
    pub db: DatabaseConnection,
}

impl AuthnBackend for Backend {
    type User = SessionUser;
    type Credentials = Credentials;
    type Error = sea_orm::DbErr;

    async fn authenticate(&self, creds: Credentials) -> Result<Option<SessionUser>, Self::Error> {
        let found = user::Entity::find()
            .filter(user::Column::Username.eq(creds.username.trim().to_lowercase()))
            .filter(user::Column::Active.eq(true))
            .one(&self.db)
            .await?;
        // Verify even for unknown users so response time does not reveal which names exist.
        let hash = found
            .as_ref()
            .map(|u| u.password_hash.clone())
            .unwrap_or_else(|| DUMMY_HASH.clone());
        let password = creds.password;
        let verified = tokio::task::spawn_blocking(move || {
            password_auth::verify_password(password, &hash).is_ok()
        })
        .await
        .unwrap_or(false);
        Ok(found.filter(|_| verified).map(SessionUser))
    }

    /// Called on every request: a deactivated user is signed out at once.
    async fn get_user(&self, user_id: &UserId<Self>) -> Result<Option<SessionUser>, Self::Error> {
        Ok(user::Entity::find_by_id(*user_id)
            .filter(user::Column::Active.eq(true))
            .one(&self.db)
            .await?
            .map(SessionUser))
    }
}

static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| password_auth::generate_hash("not a real password"));

pub type AuthSession = axum_login::AuthSession<Backend>;

/// The stored hash of someone who has no password yet (an imported user): it is no valid hash,
/// so nobody signs in as them until an administrator sets one.
pub const NO_PASSWORD: &str = "!imported";

pub fn hash_password(password: &str) -> String {
    password_auth::generate_hash(password)
}

/// Refuses the attempt while the account or the address has too many recent failures.
/// Reserves the attempt before any password is checked (it counts as a failure until it
/// succeeds, so concurrent attempts all count) and judges it against the failures recorded
/// before it. The reservation and the count happen in one write transaction: SQLite has one
/// writer, and PostgreSQL queues attempts for one account on an advisory lock.
pub async fn reserve_attempt(
    db: &DatabaseConnection,
    username: &str,
    address: &str,
    now: DateTime<Utc>,
) -> AppResult<(i64, throttle::Verdict)> {
    let username: String = username.chars().take(64).collect();
    let address: String = address.chars().take(64).collect();
    let txn = crate::db::begin_write(db).await?;
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        txn.execute_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtext($1))",
            [username.clone().into()],
        ))
        .await?;
    }
    let since = now - Duration::minutes(throttle::WINDOW_MINUTES);
    let failures = || {
        login_attempt::Entity::find()
            .filter(login_attempt::Column::Succeeded.eq(false))
            .filter(login_attempt::Column::AttemptedAt.gt(since))
    };
    let counted = throttle::Failures {
        pair: failures()
            .filter(login_attempt::Column::Username.eq(&username))
            .filter(login_attempt::Column::Address.eq(&address))
            .count(&txn)
            .await?,
        address: failures()
            .filter(login_attempt::Column::Address.eq(&address))
            .count(&txn)
            .await?,
        account: failures()
            .filter(login_attempt::Column::Username.eq(&username))
            .count(&txn)
            .await?,
    };
    let oldest = failures()
        .filter(login_attempt::Column::Address.eq(&address))
        .order_by_asc(login_attempt::Column::AttemptedAt)
        .one(&txn)
        .await?;
    let minutes_since_oldest = oldest
        .map(|a| (now - a.attempted_at).num_minutes())
        .unwrap_or(0);
    let reserved = login_attempt::Entity::insert(login_attempt::ActiveModel {
        username: Set(username),
        address: Set(address),
        succeeded: Set(false),
        attempted_at: Set(now),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    txn.commit().await?;
    Ok((
        reserved.last_insert_id,
        throttle::verdict(counted, minutes_since_oldest),
    ))
}

/// Password hashes are checked a few at a time: each costs tens of milliseconds of a core, and a
/// burst of attempts must not starve every other request.
static HASHING: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
});

/// Whether `plain` matches a stored hash, checked in turn with the other hashings.
pub async fn password_matches(plain: String, hash: String) -> AppResult<bool> {
    let _turn = HASHING.acquire().await.map_err(|_| AppError::Internal)?;
    Ok(
        tokio::task::spawn_blocking(move || password_auth::verify_password(plain, &hash).is_ok())
            .await
            .unwrap_or(false),
    )
}

/// Checks the throttle, the password, records the attempt and starts the session.
pub async fn sign_in(
    auth: &mut AuthSession,
    db: &DatabaseConnection,
    username: &str,
    password: String,
    address: &str,
) -> AppResult<user::Model> {
    let username = username.trim().to_lowercase();
    let now = crate::clock::now();
    let (attempt_id, verdict) = reserve_attempt(db, &username, address, now).await?;
    match verdict {
        throttle::Verdict::Refused {
            retry_after_minutes,
        } => {
            return Err(AppError::RateLimited {
                retry_after_minutes,
            })
        }
        throttle::Verdict::Proceed { delay_seconds } if delay_seconds > 0 => {
            tokio::time::sleep(std::time::Duration::from_secs(delay_seconds)).await
        }
        throttle::Verdict::Proceed { .. } => {}
    }
    let user = {
        let _turn = HASHING.acquire().await.map_err(|_| AppError::Internal)?;
        auth.authenticate(Credentials {
            username: username.clone(),
            password,
        })
        .await
        .map_err(|error| {
            tracing::error!(%error, "authentication backend failed");
            AppError::Internal
        })?
    };
    let user = user.ok_or_else(|| AppError::field("password", ErrorCode::BadCredentials))?;
    let txn = crate::db::begin_write(db).await?;
    login_attempt::Entity::update_many()
        .col_expr(
            login_attempt::Column::Succeeded,
            sea_orm::sea_query::Expr::value(true),
        )
        .filter(login_attempt::Column::Id.eq(attempt_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    auth.login(&user).await.map_err(|error| {
        tracing::error!(%error, "could not start session");
        AppError::Internal
    })?;
    Ok(user.0)
}

/// The signed-in user with what the visibility rule needs.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: user::Model,
    pub viewer: Viewer,
    /// The client's address when the actor is a signed-in request (the audit log names it).
    pub address: Option<String>,
}

impl Actor {
    pub fn role(&self) -> Role {
        self.viewer.role
    }

    pub fn scope(&self) -> Scope {
        scope_for(&self.viewer)
    }

    pub fn require(&self, allowed: &[Role]) -> AppResult<()> {
        if allowed.contains(&self.role()) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

pub async fn load_actor(db: &impl ConnectionTrait, user: user::Model) -> AppResult<Actor> {
    let role = user.role();
    let team_ids = |rows: Vec<team::Model>| rows.into_iter().map(|t| t.id).collect::<Vec<_>>();
    let led_team_ids = match role {
        Role::Manager => team_ids(
            team::Entity::find()
                .filter(team::Column::ManagerId.eq(user.id))
                .all(db)
                .await?,
        ),
        _ => Vec::new(),
    };
    let department_team_ids = match (role, user.department_id) {
        (Role::Director, Some(department)) => team_ids(
            team::Entity::find()
                .filter(team::Column::DepartmentId.eq(department))
                .all(db)
                .await?,
        ),
        _ => Vec::new(),
    };
    let viewer = Viewer {
        user_id: user.id,
        role,
        led_team_ids,
        department_team_ids,
    };
    Ok(Actor {
        user,
        viewer,
        address: None,
    })
}

pub async fn auth_session() -> AppResult<AuthSession> {
    leptos_axum::extract::<AuthSession>()
        .await
        .map_err(|error| {
            tracing::error!(%error, "auth layer missing");
            AppError::Internal
        })
}

/// The state and the signed-in user, or `Unauthorized`.
pub async fn current_actor() -> AppResult<(AppState, Actor)> {
    let state = app_state()?;
    let user = auth_session().await?.user.ok_or(AppError::Unauthorized)?;
    let mut actor = load_actor(&state.db, user.0).await?;
    actor.address = Some(crate::auth::api::client_address(&state).await);
    Ok((state, actor))
}

pub async fn current_user_view(state: &AppState, user: &user::Model) -> AppResult<CurrentUser> {
    use super::badges::{Badge, BadgeCounters};
    let db = &state.db;
    let team_name = match user.team_id {
        Some(id) => team::Entity::find_by_id(id).one(db).await?.map(|t| t.name),
        None => None,
    };
    let actor = load_actor(db, user.clone()).await?;
    let badges = state.part::<BadgeCounters>()?;
    Ok(CurrentUser {
        id: user.id,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: user.role(),
        team_name,
        unread_notifications: badges.count(Badge::UnreadNotifications, db, &actor).await?,
        open_alerts: badges.count(Badge::OpenAlerts, db, &actor).await?,
    })
}

pub async fn has_any_user(db: &impl ConnectionTrait) -> AppResult<bool> {
    Ok(user::Entity::find().count(db).await? > 0)
}
