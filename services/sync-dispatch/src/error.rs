//! [`ApiError`]: every failure the REST API reports, mapped to an RFC 9457 problem in ONE
//! place ([`ApiError::to_problem`]). The codes this service adds to pa-http's are in [`codes`].

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use pa_http::Problem;

pub use pa_telemetry::error_chain;

/// Problem codes specific to this service (pa-http's common codes cover the rest).
pub mod codes {
    /// The tenant is not registered for sync (its setup has not completed, or it was purged).
    pub const TENANT_NOT_FOUND: &str = "tenant_not_found";
    pub const RUN_NOT_FOUND: &str = "run_not_found";
    /// The tenant is suspended or deprovisioned: nothing is synced.
    pub const TENANT_NOT_SYNCABLE: &str = "tenant_not_syncable";
    pub const INVALID_CURSOR: &str = "invalid_cursor";
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("tenant not registered for sync")]
    TenantNotFound,
    #[error("run not found")]
    RunNotFound,
    #[error("tenant is {0}")]
    TenantNotSyncable(String),
    #[error("invalid path parameter {0}")]
    InvalidPathParameter(&'static str),
    #[error("invalid query parameter {name}: {message}")]
    InvalidQueryParameter { name: &'static str, message: String },
    #[error("invalid cursor")]
    InvalidCursor,
    #[error("database unavailable")]
    Unavailable(#[source] pa_db::DbError),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// The problem document (the single mapping from errors to HTTP).
    pub fn to_problem(&self) -> Problem {
        use codes::*;
        match self {
            Self::TenantNotFound => {
                Problem::new(StatusCode::NOT_FOUND, TENANT_NOT_FOUND, "Tenant not found")
                    .with_detail("no tenant with this id is registered for directory sync")
            }
            Self::RunNotFound => {
                Problem::new(StatusCode::NOT_FOUND, RUN_NOT_FOUND, "Run not found")
                    .with_detail("the tenant has no sync run with this id")
            }
            Self::TenantNotSyncable(lifecycle) => Problem::new(
                StatusCode::CONFLICT,
                TENANT_NOT_SYNCABLE,
                "Tenant not syncable",
            )
            .with_detail(format!(
                "the tenant is {lifecycle}: its directory is not synced"
            )),
            Self::InvalidPathParameter(name) => Problem::new(
                StatusCode::BAD_REQUEST,
                pa_http::codes::INVALID_PATH_PARAMETER,
                "Invalid path parameter",
            )
            .with_detail(format!("`{name}` must be a UUID"))
            .with_field_error(*name, "must be a UUID"),
            Self::InvalidQueryParameter { name, message } => Problem::new(
                StatusCode::BAD_REQUEST,
                pa_http::codes::INVALID_QUERY_PARAMETER,
                "Invalid query parameter",
            )
            .with_detail(format!("query parameter `{name}`: {message}"))
            .with_field_error(*name, message.clone()),
            Self::InvalidCursor => {
                Problem::new(StatusCode::BAD_REQUEST, INVALID_CURSOR, "Invalid cursor")
                    .with_detail(
                        "`cursor` must be the next_cursor of a previous page of the same list",
                    )
                    .with_field_error("cursor", "not a cursor issued by this API")
            }
            Self::Unavailable(_) => {
                Problem::service_unavailable("a dependency is unavailable; retry later")
            }
            Self::Internal(_) => Problem::internal_error(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.to_problem().status()
    }

    /// Logs the cause of a 5xx once, here, then answers with the generic problem.
    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Unavailable(e) => {
                tracing::error!(error = %error_chain(e), "database unavailable")
            }
            Self::Internal(e) => tracing::error!(error = format!("{e:#}"), "internal error"),
            _ => {}
        }
        self.to_problem().error_response()
    }
}

impl From<pa_db::DbError> for ApiError {
    fn from(e: pa_db::DbError) -> Self {
        if e.is_transient() {
            Self::Unavailable(e)
        } else {
            Self::Internal(e.into())
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        pa_db::DbError::from(e).into()
    }
}

impl From<pa_audit::AuditError> for ApiError {
    fn from(e: pa_audit::AuditError) -> Self {
        match e {
            pa_audit::AuditError::Db(db) => db.into(),
            other => Self::Internal(other.into()),
        }
    }
}

impl From<pa_messaging::MessagingError> for ApiError {
    fn from(e: pa_messaging::MessagingError) -> Self {
        match e {
            pa_messaging::MessagingError::Db(db) => db.into(),
            other => Self::Internal(other.into()),
        }
    }
}

impl From<crate::domain::UnknownValue> for ApiError {
    fn from(e: crate::domain::UnknownValue) -> Self {
        Self::Internal(e.into())
    }
}
