//! [`ApiError`]: every failure the API reports, mapped to an RFC 9457 problem in ONE place
//! ([`ApiError::to_problem`]); the stable codes are the table in [`codes`].

use actix_web::http::StatusCode;
use actix_web::http::header::WWW_AUTHENTICATE;
use actix_web::{HttpResponse, ResponseError};
use pa_http::Problem;

/// Problem codes of this service (pa-http's common codes cover malformed bodies and queries).
/// Each is listed once with its status in [`codes::TABLE`].
pub mod codes {
    pub const UNAUTHORIZED: &str = "unauthorized";
    pub const SESSION_EXPIRED: &str = "session_expired";
    pub const CSRF_TOKEN_INVALID: &str = "csrf_token_invalid";
    pub const FORBIDDEN: &str = "forbidden";
    pub const INTERACTIVE_SESSION_REQUIRED: &str = "interactive_session_required";
    pub const HIGHER_ROLE: &str = "higher_role";
    pub const TENANT_UNKNOWN: &str = "tenant_unknown";
    pub const TENANT_NOT_ACTIVE: &str = "tenant_not_active";
    pub const USER_NOT_FOUND: &str = "user_not_found";
    pub const GROUP_NOT_FOUND: &str = "group_not_found";
    pub const RUN_NOT_FOUND: &str = "run_not_found";
    pub const SESSION_NOT_FOUND: &str = "session_not_found";
    pub const API_TOKEN_NOT_FOUND: &str = "api_token_not_found";
    pub const EMERGENCY_ACCOUNT_NOT_FOUND: &str = "emergency_account_not_found";
    pub const INVALID_CURSOR: &str = "invalid_cursor";
    pub const GROUP_ALREADY_CONFIGURED: &str = "group_already_configured";
    pub const GROUP_NOT_SECURITY: &str = "group_not_security";
    pub const GROUP_EMPTY: &str = "group_empty";
    pub const LAST_ADMIN_GROUP: &str = "last_admin_group";
    pub const RUN_NOT_HELD: &str = "run_not_held";
    pub const EMERGENCY_ACCOUNT_NAME_TAKEN: &str = "emergency_account_name_taken";
    pub const EMERGENCY_SIGNIN_FAILED: &str = "emergency_signin_failed";
    pub const EMERGENCY_ACCOUNT_LOCKED: &str = "emergency_account_locked";
    pub const DIRECTORY_UNAVAILABLE: &str = "directory_unavailable";
    // Sign-in (GET /auth/callback, or `?signin_error=` on the front-end URL).
    pub const SIGNIN_STATE_INVALID: &str = "signin_state_invalid";
    pub const PKCE_MISMATCH: &str = "pkce_mismatch";
    pub const ID_TOKEN_INVALID: &str = "id_token_invalid";
    pub const CODE_REDEMPTION_FAILED: &str = "code_redemption_failed";
    pub const MFA_REQUIRED: &str = "mfa_required";
    pub const CONDITIONAL_ACCESS_BLOCKED: &str = "conditional_access_blocked";
    pub const USER_NOT_ASSIGNED: &str = "user_not_assigned";
    pub const ACCOUNT_DISABLED: &str = "account_disabled";
    pub const SIGNIN_REFUSED: &str = "signin_refused";
    pub const NO_CONSOLE_ROLE: &str = "no_console_role";
    pub const USER_INACTIVE: &str = "user_inactive";
    pub const USER_BLOCKED: &str = "user_blocked";

    /// Every code with its HTTP status and title: the one table clients and the OpenAPI
    /// description are written from.
    pub const TABLE: &[(&str, u16, &str)] = &[
        (UNAUTHORIZED, 401, "Unauthorized"),
        (SESSION_EXPIRED, 401, "Session expired"),
        (CSRF_TOKEN_INVALID, 403, "CSRF token missing or invalid"),
        (FORBIDDEN, 403, "Forbidden"),
        (
            INTERACTIVE_SESSION_REQUIRED,
            403,
            "Interactive session required",
        ),
        (HIGHER_ROLE, 403, "Target has a higher role"),
        (TENANT_UNKNOWN, 404, "Tenant unknown"),
        (TENANT_NOT_ACTIVE, 403, "Tenant not active"),
        (USER_NOT_FOUND, 404, "User not found"),
        (GROUP_NOT_FOUND, 404, "Group not found"),
        (RUN_NOT_FOUND, 404, "Sync run not found"),
        (SESSION_NOT_FOUND, 404, "Session not found"),
        (API_TOKEN_NOT_FOUND, 404, "API token not found"),
        (
            EMERGENCY_ACCOUNT_NOT_FOUND,
            404,
            "Emergency account not found",
        ),
        (INVALID_CURSOR, 400, "Invalid cursor"),
        (GROUP_ALREADY_CONFIGURED, 409, "Group already configured"),
        (GROUP_NOT_SECURITY, 422, "Not a security group"),
        (GROUP_EMPTY, 422, "Group has no members"),
        (LAST_ADMIN_GROUP, 409, "Last admin group"),
        (RUN_NOT_HELD, 409, "Sync run not held"),
        (
            EMERGENCY_ACCOUNT_NAME_TAKEN,
            409,
            "Emergency account name taken",
        ),
        (EMERGENCY_SIGNIN_FAILED, 401, "Emergency sign-in failed"),
        (EMERGENCY_ACCOUNT_LOCKED, 429, "Emergency account locked"),
        (DIRECTORY_UNAVAILABLE, 503, "Directory unavailable"),
        (SIGNIN_STATE_INVALID, 400, "Sign-in state invalid"),
        (PKCE_MISMATCH, 401, "PKCE verifier mismatch"),
        (ID_TOKEN_INVALID, 401, "ID token invalid"),
        (CODE_REDEMPTION_FAILED, 401, "Authorization code refused"),
        (MFA_REQUIRED, 401, "Multifactor authentication required"),
        (
            CONDITIONAL_ACCESS_BLOCKED,
            403,
            "Blocked by Conditional Access",
        ),
        (
            USER_NOT_ASSIGNED,
            403,
            "User not assigned to the application",
        ),
        (ACCOUNT_DISABLED, 403, "Account disabled"),
        (SIGNIN_REFUSED, 401, "Sign-in refused"),
        (NO_CONSOLE_ROLE, 403, "No console role"),
        (USER_INACTIVE, 403, "User inactive"),
        (USER_BLOCKED, 403, "User deactivated in Patient Access"),
    ];

    /// The status and title of `code`.
    pub fn lookup(code: &str) -> (u16, &'static str) {
        TABLE
            .iter()
            .find(|(c, _, _)| *c == code)
            .map(|(_, s, t)| (*s, *t))
            .unwrap_or((500, "Internal server error"))
    }
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A coded failure from [`codes::TABLE`] with a human detail (never secrets).
    #[error("{code}: {detail}")]
    Coded {
        code: &'static str,
        detail: String,
        field: Option<&'static str>,
    },
    /// A path segment is not the expected UUID.
    #[error("invalid path parameter {0}")]
    InvalidPathParameter(&'static str),
    /// A query parameter is out of range.
    #[error("invalid query parameter {name}: {message}")]
    InvalidQueryParameter { name: &'static str, message: String },
    /// A body field is syntactically fine but unacceptable (422).
    #[error("invalid field {field}: {message}")]
    InvalidField {
        field: &'static str,
        message: String,
    },
    /// Microsoft Entra ID / Graph failed (503 or 502).
    #[error("directory call failed")]
    Directory(#[source] pa_entra::EntraError),
    #[error("database unavailable")]
    Unavailable(#[source] pa_db::DbError),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// A coded failure.
    pub fn coded(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Coded {
            code,
            detail: detail.into(),
            field: None,
        }
    }

    /// A coded failure naming a body field.
    pub fn coded_field(code: &'static str, field: &'static str, detail: impl Into<String>) -> Self {
        Self::Coded {
            code,
            detail: detail.into(),
            field: Some(field),
        }
    }

    pub fn unauthorized() -> Self {
        Self::coded(
            codes::UNAUTHORIZED,
            "sign in (cookie `pa_console`) or send `Authorization: Bearer pa_api_…`",
        )
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::coded(codes::FORBIDDEN, detail)
    }

    /// The problem's `code`.
    pub fn code(&self) -> &str {
        match self {
            Self::Coded { code, .. } => code,
            Self::InvalidPathParameter(_) => pa_http::codes::INVALID_PATH_PARAMETER,
            Self::InvalidQueryParameter { .. } => pa_http::codes::INVALID_QUERY_PARAMETER,
            Self::InvalidField { .. } => pa_http::codes::INVALID_FIELD,
            Self::Directory(_) => codes::DIRECTORY_UNAVAILABLE,
            Self::Unavailable(_) => pa_http::codes::SERVICE_UNAVAILABLE,
            Self::Internal(_) => pa_http::codes::INTERNAL_ERROR,
        }
    }

    /// The problem document (the single mapping from errors to HTTP).
    pub fn to_problem(&self) -> Problem {
        match self {
            Self::Coded {
                code,
                detail,
                field,
            } => {
                let (status, title) = codes::lookup(code);
                let status =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let mut p = Problem::new(status, *code, title).with_detail(detail.clone());
                if let Some(field) = field {
                    p = p.with_field_error(*field, detail.clone());
                }
                if status == StatusCode::UNAUTHORIZED && !code.starts_with("emergency") {
                    p = p.with_header(WWW_AUTHENTICATE, r#"Bearer realm="patient-access-console""#);
                }
                p
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
            Self::InvalidField { field, message } => {
                Problem::invalid_field(*field, message.clone())
            }
            Self::Directory(e) => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                codes::DIRECTORY_UNAVAILABLE,
                "Directory unavailable",
            )
            .with_detail(format!(
                "Microsoft Entra ID could not be reached or refused the request ({}): {}",
                e.kind().as_str(),
                e.remediation()
            )),
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

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Unavailable(e) => {
                tracing::error!(error = %error_chain(e), "database unavailable")
            }
            Self::Internal(e) => tracing::error!(error = format!("{e:#}"), "internal error"),
            Self::Directory(e) => tracing::warn!(
                kind = e.kind().as_str(),
                aadsts = e.aadsts(),
                "directory call failed"
            ),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_once_with_a_client_or_availability_status() {
        let mut seen = std::collections::HashSet::new();
        for (code, status, _) in codes::TABLE {
            assert!(seen.insert(code), "{code} twice");
            assert!((400..=503).contains(status), "{code}");
        }
    }
}
