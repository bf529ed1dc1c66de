//! [`ApiError`]: every failure the API reports, mapped to an RFC 9457 problem in ONE place
//! ([`ApiError::to_problem`]). The stable codes this service adds to pa-http's are in
//! [`codes`].

use actix_web::http::StatusCode;
use actix_web::http::header::HeaderName;
use actix_web::{HttpResponse, ResponseError};
use pa_http::Problem;
use time::OffsetDateTime;

use crate::domain::{InvalidTransition, TenantStatus};

/// Problem codes specific to this service (pa-http's common codes cover the rest).
pub mod codes {
    pub const TENANT_NOT_FOUND: &str = "tenant_not_found";
    pub const SETUP_LINK_NOT_FOUND: &str = "setup_link_not_found";
    pub const OPERATOR_KEY_NOT_FOUND: &str = "operator_key_not_found";
    pub const INVALID_STATE_TRANSITION: &str = "invalid_state_transition";
    pub const INVALID_TENANT_STATE: &str = "invalid_tenant_state";
    pub const SETUP_LINK_ALREADY_ACTIVE: &str = "setup_link_already_active";
    pub const EXTERNAL_REF_CONFLICT: &str = "external_ref_conflict";
    pub const INVALID_CURSOR: &str = "invalid_cursor";
    pub const INVALID_IDEMPOTENCY_KEY: &str = "invalid_idempotency_key";
    pub const IDEMPOTENCY_KEY_REUSED: &str = "idempotency_key_reused";
    pub const IDEMPOTENCY_KEY_IN_USE: &str = "idempotency_key_in_use";
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("tenant not found")]
    TenantNotFound,
    #[error("setup link not found")]
    SetupLinkNotFound,
    #[error("operator key not found")]
    OperatorKeyNotFound,
    #[error(transparent)]
    InvalidTransition(#[from] InvalidTransition),
    /// The operation is not allowed while the tenant is in `current`.
    #[error("cannot {operation} a tenant that is {current}")]
    InvalidTenantState {
        operation: &'static str,
        current: TenantStatus,
    },
    #[error("an unexpired setup link is already active")]
    SetupLinkAlreadyActive { expires_at: OffsetDateTime },
    #[error("a live production tenant already has this external_ref")]
    ExternalRefConflict,
    /// A path segment is not the expected UUID.
    #[error("invalid path parameter {0}")]
    InvalidPathParameter(&'static str),
    /// A query parameter is out of range.
    #[error("invalid query parameter {name}: {message}")]
    InvalidQueryParameter { name: &'static str, message: String },
    #[error("invalid cursor")]
    InvalidCursor,
    /// A body field is syntactically fine but unacceptable (422).
    #[error("invalid field {field}: {message}")]
    InvalidField {
        field: &'static str,
        message: String,
    },
    #[error("invalid Idempotency-Key header: {0}")]
    InvalidIdempotencyKey(String),
    #[error("idempotency key reused with a different request")]
    IdempotencyKeyReused,
    #[error("idempotency key in use by a request still running")]
    IdempotencyKeyInUse,
    #[error("database unavailable")]
    Unavailable(#[source] pa_db::DbError),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// The problem document (the single mapping from errors to HTTP).
    pub fn to_problem(&self) -> Problem {
        use codes::*;
        let conflict = |code: &str, title: &str| Problem::new(StatusCode::CONFLICT, code, title);
        match self {
            Self::TenantNotFound => {
                Problem::new(StatusCode::NOT_FOUND, TENANT_NOT_FOUND, "Tenant not found")
                    .with_detail("no tenant has this id")
            }
            Self::SetupLinkNotFound => Problem::new(
                StatusCode::NOT_FOUND,
                SETUP_LINK_NOT_FOUND,
                "Setup link not found",
            )
            .with_detail("the tenant has no such setup link"),
            Self::OperatorKeyNotFound => Problem::new(
                StatusCode::NOT_FOUND,
                OPERATOR_KEY_NOT_FOUND,
                "Operator key not found",
            )
            .with_detail("no operator key has this id"),
            Self::InvalidTransition(t) => {
                conflict(INVALID_STATE_TRANSITION, "Invalid state transition").with_detail(format!(
                    "cannot {} a tenant whose status is {}",
                    t.action.as_str(),
                    t.current
                ))
            }
            Self::InvalidTenantState { operation, current } => {
                conflict(INVALID_TENANT_STATE, "Invalid tenant state").with_detail(format!(
                    "cannot {operation} a tenant whose status is {current}"
                ))
            }
            Self::SetupLinkAlreadyActive { expires_at } => conflict(
                SETUP_LINK_ALREADY_ACTIVE,
                "Setup link already active",
            )
            .with_detail(format!(
                "the tenant has an active setup link until {}; regenerate it or revoke it first",
                crate::timefmt::rfc3339(*expires_at)
            )),
            Self::ExternalRefConflict => {
                conflict(EXTERNAL_REF_CONFLICT, "External reference in use")
                    .with_detail(
                        "another production tenant that is not deprovisioned has this external_ref",
                    )
                    .with_field_error("external_ref", "already used by a live production tenant")
            }
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
            Self::InvalidField { field, message } => {
                Problem::invalid_field(*field, message.clone())
            }
            Self::InvalidIdempotencyKey(message) => Problem::new(
                StatusCode::BAD_REQUEST,
                INVALID_IDEMPOTENCY_KEY,
                "Invalid Idempotency-Key",
            )
            .with_detail(format!("the Idempotency-Key header {message}")),
            Self::IdempotencyKeyReused => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                IDEMPOTENCY_KEY_REUSED,
                "Idempotency key reused",
            )
            .with_detail("this Idempotency-Key was used with a different request; use a new key"),
            Self::IdempotencyKeyInUse => conflict(IDEMPOTENCY_KEY_IN_USE, "Idempotency key in use")
                .with_detail(
                    "a request with this Idempotency-Key is still being processed; retry shortly",
                )
                .with_header(HeaderName::from_static("retry-after"), "1"),
            Self::Unavailable(_) => {
                Problem::service_unavailable("a dependency is unavailable; retry later")
            }
            Self::Internal(_) => Problem::internal_error(),
        }
    }
}

pub(crate) use pa_telemetry::error_chain;

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.to_problem().status()
    }

    /// Logs the cause of a 5xx once, here (building the problem never logs, so
    /// `status_code` can call it freely), then answers with the generic problem.
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

impl From<getrandom::Error> for ApiError {
    fn from(e: getrandom::Error) -> Self {
        Self::Internal(anyhow::anyhow!(
            "the OS random number generator failed: {e}"
        ))
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        Self::Internal(e.into())
    }
}
