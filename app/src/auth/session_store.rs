//! tower-sessions store on our own SeaORM table, so every app server behind a load balancer
//! shares the sessions (there is no maintained store for SeaORM 2).
use crate::entities::session;
use axum_login::tower_sessions::session::{Id, Record};
use axum_login::tower_sessions::session_store::{Error, ExpiredDeletion, Result};
use axum_login::tower_sessions::SessionStore;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionSession,
};

#[derive(Debug, Clone)]
pub struct DbSessionStore {
    db: DatabaseConnection,
}

impl DbSessionStore {
    pub fn new(db: DatabaseConnection) -> Self {
        DbSessionStore { db }
    }

    /// Session writes queue for the writer's turn like every other write: on SQLite a write
    /// outside the queue waits in the busy handler and, behind a long transaction, fails.
    async fn write(&self) -> Result<crate::db::WriteTxn<sea_orm::DatabaseTransaction>> {
        crate::db::begin_write(&self.db).await.map_err(backend)
    }

    /// Ends every session of a user at once (deactivation, password reset).
    pub async fn delete_for_user(
        db: &impl sea_orm::ConnectionTrait,
        user_id: i64,
    ) -> std::result::Result<(), sea_orm::DbErr> {
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(user_id))
            .exec(db)
            .await?;
        Ok(())
    }
}

fn backend(error: sea_orm::DbErr) -> Error {
    Error::Backend(error.to_string())
}

fn expiry(record: &Record) -> Result<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::from_timestamp(record.expiry_date.unix_timestamp(), 0)
        .ok_or_else(|| Error::Encode("expiry out of range".into()))
}

/// axum-login keeps the signed-in user's id under this key; we copy it into its own column so a
/// user's sessions can be ended with one indexed delete.
const AUTH_DATA_KEY: &str = "axum-login.data";

fn signed_in_user(record: &Record) -> Option<i64> {
    record.data.get(AUTH_DATA_KEY)?.get("user_id")?.as_i64()
}

fn active_model(record: &Record) -> Result<session::ActiveModel> {
    Ok(session::ActiveModel {
        id: Set(record.id.to_string()),
        user_id: Set(signed_in_user(record)),
        data: Set(serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))?),
        expires_at: Set(expiry(record)?),
    })
}

#[async_trait::async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        let txn = self.write().await?;
        // Ids are random 128-bit values; on the rare collision draw a new one.
        loop {
            let exists = session::Entity::find_by_id(record.id.to_string())
                .one(&txn)
                .await
                .map_err(backend)?;
            if exists.is_none() {
                break;
            }
            record.id = Id::default();
        }
        session::Entity::insert(active_model(record)?)
            .exec(&txn)
            .await
            .map_err(backend)?;
        txn.commit().await.map_err(backend)
    }

    async fn save(&self, record: &Record) -> Result<()> {
        let txn = self.write().await?;
        session::Entity::insert(active_model(record)?)
            .on_conflict(
                OnConflict::column(session::Column::Id)
                    .update_columns([
                        session::Column::UserId,
                        session::Column::Data,
                        session::Column::ExpiresAt,
                    ])
                    .to_owned(),
            )
            .exec(&txn)
            .await
            .map_err(backend)?;
        txn.commit().await.map_err(backend)
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let Some(row) = session::Entity::find_by_id(id.to_string())
            .filter(session::Column::ExpiresAt.gt(chrono::Utc::now()))
            .one(&self.db)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let expiry_date = time::OffsetDateTime::from_unix_timestamp(row.expires_at.timestamp())
            .map_err(|e| Error::Decode(e.to_string()))?;
        let data = serde_json::from_str(&row.data).map_err(|e| Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        let txn = self.write().await?;
        session::Entity::delete_by_id(id.to_string())
            .exec(&txn)
            .await
            .map_err(backend)?;
        txn.commit().await.map_err(backend)
    }
}

#[async_trait::async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> Result<()> {
        let txn = self.write().await?;
        session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lte(chrono::Utc::now()))
            .exec(&txn)
            .await
            .map_err(backend)?;
        txn.commit().await.map_err(backend)
    }
}
