//! Data in: upload a CSV or XLSX file, map its columns to fields, dry-run, commit (all rows or
//! none). The CLI's presets for public data sets live in `presets`.
#[cfg(feature = "ssr")]
mod bulk;
#[cfg(feature = "ssr")]
mod customers;
#[cfg(feature = "ssr")]
mod follow_ups;
#[cfg(feature = "ssr")]
mod orders;
pub mod page;
#[cfg(feature = "ssr")]
pub mod presets;
#[cfg(feature = "ssr")]
mod related;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod staging;
#[cfg(feature = "ssr")]
pub mod table;

use crate::domain::import::RowError;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The largest file the upload form takes.
pub const UPLOAD_LIMIT_BYTES: usize = 20 * 1024 * 1024;
/// Rows shown from the file while mapping.
pub const SAMPLE_ROWS: usize = 5;

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    /// Rows equal to a record already stored (imported before), left alone.
    #[serde(default)]
    pub unchanged: u64,
    /// All row errors; `errors` holds the first of them.
    pub error_count: u64,
    pub errors: Vec<RowError>,
    pub committed: bool,
}

/// An uploaded file as the mapping step shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadPreview {
    pub upload_id: i64,
    pub file_name: String,
    pub encoding: String,
    pub headers: Vec<String>,
    pub sample: Vec<Vec<String>>,
    pub rows: u64,
    /// Per column, the guessed field for the chosen kind ("" for none).
    pub guesses: Vec<String>,
}

#[cfg(feature = "ssr")]
mod uploads {
    use super::*;
    use crate::auth::Actor;
    use crate::domain::import::{guess_mapping, ImportKind, Mapping, MatchBy};
    use crate::entities::import_upload;
    use crate::error::AppResult;
    use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

    /// The actor's own upload (another user's is not found).
    pub async fn find(
        db: &impl ConnectionTrait,
        actor: &Actor,
        upload_id: i64,
    ) -> AppResult<import_upload::Model> {
        import_upload::Entity::find()
            .filter(import_upload::Column::Id.eq(upload_id))
            .filter(import_upload::Column::UserId.eq(actor.user.id))
            .one(db)
            .await?
            .ok_or(AppError::NotFound)
    }

    pub fn kind(raw: &str) -> AppResult<ImportKind> {
        ImportKind::parse(raw)
            .ok_or_else(|| AppError::field("kind", crate::domain::forms::ErrorCode::UnknownChoice))
    }

    pub fn table_of(upload: &import_upload::Model) -> AppResult<super::table::Table> {
        super::table::read_table(&upload.content).map_err(|code| AppError::field("file", code))
    }

    pub fn preview(upload: &import_upload::Model, kind: ImportKind) -> AppResult<UploadPreview> {
        let table = table_of(upload)?;
        Ok(UploadPreview {
            upload_id: upload.id,
            file_name: upload.file_name.clone(),
            encoding: table.encoding.to_string(),
            guesses: guess_mapping(kind, &table.headers)
                .into_iter()
                .map(|g| g.unwrap_or("").to_string())
                .collect(),
            sample: table
                .rows
                .iter()
                .take(SAMPLE_ROWS)
                .map(|r| r.cells.clone())
                .collect(),
            rows: table.rows.len() as u64,
            headers: table.headers,
        })
    }

    pub fn request(
        kind: ImportKind,
        match_by: &str,
        choices: &str,
        columns: usize,
        file_name: &str,
    ) -> AppResult<super::service::ImportRequest> {
        let choices: Vec<String> = choices.split(',').map(str::to_string).collect();
        let mapping =
            Mapping::from_choices(kind, &choices, columns).map_err(AppError::Validation)?;
        let match_by = if kind.match_choices().is_empty() {
            kind.default_match()
        } else {
            MatchBy::parse(match_by)
                .filter(|m| kind.match_choices().contains(m))
                .ok_or_else(|| {
                    AppError::field("match_by", crate::domain::forms::ErrorCode::UnknownChoice)
                })?
        };
        Ok(super::service::ImportRequest {
            kind,
            mapping,
            match_by,
            file_name: file_name.to_string(),
        })
    }
}

#[server(endpoint = "imports/preview")]
pub async fn load_upload_preview(upload_id: i64, kind: String) -> Result<UploadPreview, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    let kind = uploads::kind(&kind)?;
    service::may_import(&actor, kind)?;
    let upload = uploads::find(&state.db, &actor, upload_id).await?;
    uploads::preview(&upload, kind)
}

/// How far a running import of this upload is: (rows done, rows in all). None when no import of it
/// runs on the server answering (it finished, or runs on another app server).
#[server(endpoint = "imports/progress")]
pub async fn load_import_progress(upload_id: i64) -> Result<Option<(u64, u64)>, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    uploads::find(&state.db, &actor, upload_id).await?;
    Ok(progress::get(upload_id))
}

/// Dry run (`commit` false) or commit of an uploaded file. `choices` holds, per column, the
/// field it fills ("" for none), separated by commas.
#[server(endpoint = "imports/run")]
pub async fn run_import(
    upload_id: i64,
    kind: String,
    match_by: String,
    choices: String,
    commit: bool,
) -> Result<ImportReport, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    let kind = uploads::kind(&kind)?;
    service::may_import(&actor, kind)?;
    let upload = uploads::find(&state.db, &actor, upload_id).await?;
    let table = uploads::table_of(&upload)?;
    let request = uploads::request(
        kind,
        &match_by,
        &choices,
        table.headers.len(),
        &upload.file_name,
    )?;
    let report = service::run(
        &state.db,
        &actor,
        &table,
        &request,
        commit,
        &|done, total| progress::set(upload_id, done, total),
    )
    .await;
    progress::clear(upload_id);
    let report = report?;
    if report.committed {
        use sea_orm::ModelTrait;
        // The file has served its purpose; a failed delete only leaves it for the next upload's sweep.
        if let Err(error) = upload.delete(&state.db).await {
            tracing::warn!(%error, "could not delete a committed upload");
        }
    }
    Ok(report)
}

/// Progress of the imports running in this process, by upload.
#[cfg(feature = "ssr")]
mod progress {
    use std::collections::HashMap;
    use std::sync::{LazyLock, Mutex};

    static RUNNING: LazyLock<Mutex<HashMap<i64, (u64, u64)>>> = LazyLock::new(Default::default);

    pub fn set(upload_id: i64, done: u64, total: u64) {
        if let Ok(mut running) = RUNNING.lock() {
            running.insert(upload_id, (done, total));
        }
    }

    pub fn get(upload_id: i64) -> Option<(u64, u64)> {
        RUNNING
            .lock()
            .ok()
            .and_then(|running| running.get(&upload_id).copied())
    }

    pub fn clear(upload_id: i64) {
        if let Ok(mut running) = RUNNING.lock() {
            running.remove(&upload_id);
        }
    }
}

#[cfg(feature = "ssr")]
pub use upload_route::{sweep_uploads, upload, UPLOADS_KEPT_PER_USER};

#[cfg(feature = "ssr")]
mod upload_route {
    use super::*;
    use crate::auth::{load_actor, AuthSession};
    use crate::entities::import_upload;
    use crate::state::AppState;
    use axum::extract::Multipart;
    use axum::response::{IntoResponse, Redirect, Response};
    use http::StatusCode;
    use sea_orm::{
        ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
        QueryFilter, QueryOrder, QuerySelect,
    };

    /// Uploads older than this are swept (hourly, and when the same user uploads again).
    const UPLOAD_KEPT_HOURS: i64 = 24;
    /// Uploads kept per person: an upload is a file waiting for its import, not storage, so a new
    /// one beyond this replaces that person's oldest (at most this × `UPLOAD_LIMIT_BYTES` each).
    pub const UPLOADS_KEPT_PER_USER: u64 = 5;

    /// Deletes uploads older than a day (of `user`, or everyone's) and, for `user`, all but the
    /// newest `UPLOADS_KEPT_PER_USER`.
    pub async fn sweep_uploads(
        db: &impl ConnectionTrait,
        user: Option<i64>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<u64, DbErr> {
        let mut expired = import_upload::Entity::delete_many().filter(
            import_upload::Column::CreatedAt.lt(now - chrono::Duration::hours(UPLOAD_KEPT_HOURS)),
        );
        if let Some(user) = user {
            expired = expired.filter(import_upload::Column::UserId.eq(user));
        }
        let mut swept = expired.exec(db).await?.rows_affected;
        if let Some(user) = user {
            let newest_first: Vec<i64> = import_upload::Entity::find()
                .select_only()
                .column(import_upload::Column::Id)
                .filter(import_upload::Column::UserId.eq(user))
                .order_by_desc(import_upload::Column::Id)
                .into_tuple()
                .all(db)
                .await?;
            let beyond: Vec<i64> = newest_first
                .into_iter()
                .skip(UPLOADS_KEPT_PER_USER as usize)
                .collect();
            if !beyond.is_empty() {
                swept += import_upload::Entity::delete_many()
                    .filter(import_upload::Column::Id.is_in(beyond))
                    .exec(db)
                    .await?
                    .rows_affected;
            }
        }
        Ok(swept)
    }

    /// `POST /api/imports/upload` (multipart, field `file`): keeps the file for the mapping step
    /// and redirects there. A plain form post, so it works before the page is hydrated.
    pub async fn upload(
        state: AppState,
        auth: AuthSession,
        headers: axum::http::HeaderMap,
        mut multipart: Multipart,
    ) -> Response {
        let Some(user) = auth.user else {
            // A browser's form post goes to the sign-in page; any other client hears 401.
            let browser = headers
                .get(axum::http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|accept| accept.contains("text/html"));
            return if browser {
                Redirect::to("/login").into_response()
            } else {
                StatusCode::UNAUTHORIZED.into_response()
            };
        };
        let actor = match load_actor(&state.db, user.0).await {
            Ok(actor) => actor,
            Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        };
        if service::may_import(&actor, crate::domain::import::ImportKind::Customers).is_err() {
            return StatusCode::FORBIDDEN.into_response();
        }
        let mut file = None;
        loop {
            match multipart.next_field().await {
                Ok(Some(field)) if field.name() == Some("file") => {
                    let name = field
                        .file_name()
                        .unwrap_or("upload.csv")
                        .chars()
                        .take(200)
                        .collect::<String>();
                    match field.bytes().await {
                        Ok(bytes) => file = Some((name, bytes)),
                        Err(_) => return Redirect::to("/import?error=too_large").into_response(),
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(_) => return Redirect::to("/import?error=too_large").into_response(),
            }
        }
        let Some((file_name, content)) = file.filter(|(_, bytes)| !bytes.is_empty()) else {
            return Redirect::to("/import?error=empty").into_response();
        };
        let now = crate::clock::now();
        let saved = import_upload::ActiveModel {
            user_id: Set(actor.user.id),
            file_name: Set(file_name),
            content: Set(content.to_vec()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&state.db)
        .await;
        match saved {
            Ok(upload) => {
                if let Err(error) = sweep_uploads(&state.db, Some(actor.user.id), now).await {
                    tracing::warn!(%error, "could not sweep old uploads");
                }
                Redirect::to(&format!("/import/{}", upload.id)).into_response()
            }
            Err(error) => {
                tracing::error!(%error, "could not store an upload");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}
