//! [`ApiError`]: every failure the API reports, mapped to an RFC 9457 problem in ONE place
//! ([`ApiError::to_problem`]), with the codes of [`codes`].

pub mod codes;
mod microsoft;

use actix_web::http::StatusCode;
use actix_web::http::header::HeaderName;
use actix_web::{HttpResponse, ResponseError};
use pa_http::Problem;

pub use microsoft::{MicrosoftFailure, Retry};
pub(crate) use pa_telemetry::error_chain;

use crate::domain::Step;
use crate::repo::links::LinkStatus;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("malformed or unknown setup token")]
    SetupLinkInvalid,
    #[error("setup link not usable: {0:?}")]
    SetupLink(LinkStatus),
    #[error("too many bad setup-link attempts")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("no wizard session")]
    SessionRequired,
    #[error("invalid wizard session")]
    SessionInvalid,
    #[error("wizard session expired")]
    SessionExpired,
    #[error("CSRF check failed: {0}")]
    CsrfFailed(&'static str),
    #[error("step {0} is not done")]
    StepOutOfOrder(Step),
    #[error("setup is completed")]
    SetupCompleted,
    #[error("the wizard changed meanwhile")]
    WizardChanged,
    #[error("invalid directory: {0}")]
    InvalidDirectory(String),
    #[error("directory not found")]
    DirectoryNotFound(Box<MicrosoftFailure>),
    #[error("not an organization: {0}")]
    NotAnOrganization(String),
    #[error("directory in use")]
    DirectoryInUse,
    #[error("invalid consent callback: {0}")]
    InvalidConsentCallback(String),
    #[error("unknown consent state")]
    ConsentStateUnknown,
    #[error("expired consent state")]
    ConsentStateExpired,
    #[error("replayed consent state")]
    ConsentStateReplayed,
    #[error("consent state mismatch: {0}")]
    ConsentStateMismatch(&'static str),
    #[error("no consent reported yet")]
    ConsentNotClaimed,
    /// Microsoft answered about the consent (`failure.code` is pa-entra's kind name).
    #[error("consent not verified: {}", .0.code)]
    Consent(Box<MicrosoftFailure>),
    #[error("consent revoked")]
    ConsentRevoked(Box<MicrosoftFailure>),
    #[error("permission missing")]
    PermissionMissing(Box<MicrosoftFailure>),
    #[error("invalid UPN: {0}")]
    InvalidUpn(String),
    #[error("user not found")]
    UserNotFound(String),
    #[error("user disabled")]
    UserDisabled(String),
    /// A chosen group is unacceptable (`code` from [`codes`]).
    #[error("group {field}: {code}")]
    Group {
        field: String,
        code: &'static str,
        message: String,
    },
    #[error("Microsoft unavailable")]
    MicrosoftUnavailable(Box<MicrosoftFailure>),
    #[error("Microsoft error")]
    Microsoft(Box<MicrosoftFailure>),
    #[error("invalid field {field}: {message}")]
    InvalidField { field: String, message: String },
    #[error("invalid query parameter {name}: {message}")]
    InvalidQuery { name: &'static str, message: String },
    #[error("database unavailable")]
    Unavailable(#[source] pa_db::DbError),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

fn gone(code: &str, title: &str, detail: &str) -> Problem {
    Problem::new(StatusCode::GONE, code, title).with_detail(detail)
}

impl ApiError {
    /// The problem document (the single mapping from errors to HTTP).
    pub fn to_problem(&self) -> Problem {
        use codes::*;
        let unauthorized = |code: &str, detail: &str| {
            Problem::new(StatusCode::UNAUTHORIZED, code, "Unauthorized").with_detail(detail)
        };
        let conflict = |code: &str, title: &str| Problem::new(StatusCode::CONFLICT, code, title);
        let unprocessable = |code: &str, title: &str, field: &str, message: &str| {
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, code, title)
                .with_detail(format!("`{field}`: {message}"))
                .with_field_error_code(field, code, message)
        };
        let bad = |code: &str, title: &str| Problem::new(StatusCode::BAD_REQUEST, code, title);
        match self {
            Self::SetupLinkInvalid => unauthorized(
                SETUP_LINK_INVALID,
                "This setup link is not valid. Open the most recent setup e-mail and use its link \
                 exactly as sent; ask Patient Access for a new link if it keeps failing.",
            ),
            Self::SetupLink(status) => link_problem(*status),
            Self::TooManyAttempts { retry_after_secs } => Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                TOO_MANY_ATTEMPTS,
                "Too many attempts",
            )
            .with_detail(
                "too many invalid setup links were tried from this address; wait and try again",
            )
            .with_header(
                HeaderName::from_static("retry-after"),
                retry_after_secs.to_string(),
            ),
            Self::SessionRequired => unauthorized(
                WIZARD_SESSION_REQUIRED,
                "open the setup link from your e-mail to start (or resume) the setup wizard",
            ),
            Self::SessionInvalid => unauthorized(
                WIZARD_SESSION_INVALID,
                "this setup session is not valid; open the setup link from your e-mail again",
            ),
            Self::SessionExpired => unauthorized(
                WIZARD_SESSION_EXPIRED,
                "this setup session expired; open the setup link from your e-mail again to resume",
            ),
            Self::CsrfFailed(why) => {
                Problem::new(StatusCode::FORBIDDEN, CSRF_FAILED, "Forbidden").with_detail(*why)
            }
            Self::StepOutOfOrder(missing) => conflict(STEP_OUT_OF_ORDER, "Step out of order")
                .with_detail(format!("complete the `{missing}` step first"))
                .with_field_error_code("missing_step", missing.as_str(), "this step is not done"),
            Self::WizardChanged => conflict(WIZARD_CHANGED, "Wizard changed").with_detail(
                "the directory was changed (in another browser?) while this step ran; reload \
                 the wizard and try again",
            ),
            Self::SetupCompleted => conflict(SETUP_COMPLETED, "Setup completed").with_detail(
                "setup is complete; nothing can change here any more (use the admin console)",
            ),
            Self::InvalidDirectory(message) => {
                unprocessable(INVALID_DIRECTORY, "Invalid directory", "tenant", message)
            }
            Self::DirectoryNotFound(f) => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                DIRECTORY_NOT_FOUND,
                "Directory not found",
            )
            .with_detail(f.remediation.clone())
            .with_field_error_code("tenant", DIRECTORY_NOT_FOUND, f.message.clone()),
            Self::NotAnOrganization(message) => unprocessable(
                NOT_AN_ORGANIZATION,
                "Not an organization",
                "tenant",
                message,
            ),
            Self::DirectoryInUse => conflict(DIRECTORY_IN_USE, "Directory in use")
                .with_detail(
                    "this Microsoft Entra directory is already connected to another Patient \
                     Access production tenant; contact Patient Access support",
                )
                .with_field_error_code("tenant", DIRECTORY_IN_USE, "already connected"),
            Self::InvalidConsentCallback(message) => {
                bad(INVALID_CONSENT_CALLBACK, "Invalid consent callback")
                    .with_detail(format!("not an admin-consent response: {message}"))
            }
            Self::ConsentStateUnknown => bad(CONSENT_STATE_UNKNOWN, "Unknown consent state")
                .with_detail("`state` was not issued by this wizard")
                .with_field_error_code("state", CONSENT_STATE_UNKNOWN, "not issued here"),
            Self::ConsentStateExpired => bad(CONSENT_STATE_EXPIRED, "Consent state expired")
                .with_detail("the consent request is too old; continue to Microsoft again")
                .with_field_error_code("state", CONSENT_STATE_EXPIRED, "expired"),
            Self::ConsentStateReplayed => conflict(CONSENT_STATE_REPLAYED, "Consent state used")
                .with_detail("this consent response was already received")
                .with_field_error_code("state", CONSENT_STATE_REPLAYED, "already used"),
            Self::ConsentStateMismatch(why) => Problem::new(
                StatusCode::FORBIDDEN,
                CONSENT_STATE_MISMATCH,
                "Consent state mismatch",
            )
            .with_detail(*why)
            .with_field_error_code("state", CONSENT_STATE_MISMATCH, *why),
            Self::ConsentNotClaimed => conflict(CONSENT_NOT_CLAIMED, "No consent to check")
                .with_detail(
                    "Microsoft has not reported a consent for this directory yet; continue to \
                     Microsoft Authentication first",
                ),
            Self::Consent(f) => f.problem(StatusCode::CONFLICT, None),
            Self::ConsentRevoked(f) => f.problem(StatusCode::CONFLICT, Some(CONSENT_REVOKED)),
            Self::PermissionMissing(f) => f.problem(StatusCode::CONFLICT, Some(PERMISSION_MISSING)),
            Self::InvalidUpn(message) => unprocessable(
                INVALID_UPN,
                "Invalid user principal name",
                "user_principal_name",
                message,
            ),
            Self::UserNotFound(upn) => unprocessable(
                USER_NOT_FOUND,
                "User not found",
                "user_principal_name",
                &format!("no user {upn} in the directory"),
            ),
            Self::UserDisabled(upn) => unprocessable(
                USER_DISABLED,
                "User disabled",
                "user_principal_name",
                &format!("{upn} is disabled in Microsoft Entra ID; choose an enabled user"),
            ),
            Self::Group {
                field,
                code,
                message,
            } => unprocessable(code, "Group not acceptable", field, message),
            Self::MicrosoftUnavailable(f) => {
                f.problem(StatusCode::SERVICE_UNAVAILABLE, Some(MICROSOFT_UNAVAILABLE))
            }
            Self::Microsoft(f) => f.problem(StatusCode::BAD_GATEWAY, Some(MICROSOFT_ERROR)),
            Self::InvalidField { field, message } => {
                Problem::invalid_field(field.clone(), message.clone())
            }
            Self::InvalidQuery { name, message } => Problem::new(
                StatusCode::BAD_REQUEST,
                pa_http::codes::INVALID_QUERY_PARAMETER,
                "Invalid query parameter",
            )
            .with_detail(format!("query parameter `{name}`: {message}"))
            .with_field_error(*name, message.clone()),
            Self::Unavailable(_) => {
                Problem::service_unavailable("a dependency is unavailable; retry later")
            }
            Self::Internal(_) => Problem::internal_error(),
        }
    }
}

fn link_problem(status: LinkStatus) -> Problem {
    use codes::*;
    match status {
        LinkStatus::Expired => gone(
            SETUP_LINK_EXPIRED,
            "Setup link expired",
            "this setup link has expired; ask Patient Access for a new one (a newer link may \
             already be in your inbox)",
        ),
        LinkStatus::Revoked => gone(
            SETUP_LINK_REVOKED,
            "Setup link revoked",
            "this setup link was revoked by Patient Access; ask for a new one",
        ),
        LinkStatus::Regenerated => gone(
            SETUP_LINK_REGENERATED,
            "Setup link replaced",
            "a newer setup link replaced this one; use the link in the most recent setup e-mail",
        ),
        LinkStatus::Used => gone(
            SETUP_LINK_USED,
            "Setup link used",
            "setup was already completed with this link; sign in to the admin console instead",
        ),
        LinkStatus::TenantUnavailable | LinkStatus::TenantDeprovisioned => Problem::new(
            StatusCode::FORBIDDEN,
            TENANT_UNAVAILABLE,
            "Tenant unavailable",
        )
        .with_detail("this Patient Access tenant is not available; contact Patient Access support"),
        // Never reported as an error (the caller only maps unusable statuses).
        LinkStatus::Active => Problem::internal_error(),
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
