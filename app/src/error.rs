//! The one error type of every server function. Internal details stay in the server log; the
//! browser gets a variant it can translate.
use crate::domain::forms::FieldError;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("not signed in")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    #[error("changed by someone else")]
    Conflict,
    #[error("too many attempts")]
    RateLimited { retry_after_minutes: i64 },
    #[error("internal error")]
    Internal,
    /// A request the server could not read (missing or mistyped arguments): a client's mistake.
    #[error("malformed request")]
    BadRequest,
    /// The request did not reach the server or its answer could not be read.
    #[error("request failed")]
    Transport,
}

impl AppError {
    pub fn field(field: &str, code: crate::domain::forms::ErrorCode) -> Self {
        AppError::Validation(vec![FieldError::new(field, code)])
    }

    /// A server-side failure the user cannot act on: logged here, sent as `Internal`.
    #[cfg(feature = "ssr")]
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "internal error");
        AppError::Internal
    }

    /// The HTTP status that says what happened: 500 only for faults.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Unauthorized => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Conflict => 409,
            AppError::Validation(_) => 422,
            AppError::RateLimited { .. } => 429,
            AppError::BadRequest => 400,
            AppError::Internal => 500,
            // Never sent by a server; a client-side reading of a failed request.
            AppError::Transport => 502,
        }
    }

    /// A short name for the kind of error, for API clients.
    pub fn kind(&self) -> &'static str {
        match self {
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Conflict => "conflict",
            AppError::Validation(_) => "validation",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::BadRequest => "bad_request",
            AppError::Internal => "internal",
            AppError::Transport => "transport",
        }
    }

    /// The field errors of a validation failure (empty for other errors).
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            AppError::Validation(errors) => errors,
            _ => &[],
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        #[cfg(feature = "ssr")]
        tracing::warn!(error = %value, "server function plumbing failed");
        match value {
            ServerFnErrorErr::ServerError(_) | ServerFnErrorErr::MiddlewareError(_) => {
                AppError::Internal
            }
            // On the server: arguments that do not decode, or a method the function does not take.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::UnsupportedRequestMethod(_) => AppError::BadRequest,
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Registration(_) => AppError::NotFound,
            _ => AppError::Transport,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sea_orm::DbErr> for AppError {
    fn from(error: sea_orm::DbErr) -> Self {
        tracing::error!(%error, "database error");
        AppError::Internal
    }
}

#[cfg(feature = "ssr")]
impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(error: sea_orm::TransactionError<AppError>) -> Self {
        match error {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(app) => app,
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
