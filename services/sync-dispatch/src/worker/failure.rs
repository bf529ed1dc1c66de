//! What a failed run means for the tenant: retry later, or stop until a person acts.

use pa_entra::{EntraError, ErrorKind};

use super::RunError;

/// How a failure is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// `sync_runs.error_code`: Microsoft's (`AADSTS700016`, a Graph code) or ours.
    pub code: String,
    pub message: String,
    /// Set when only the customer can fix it: no automatic retries until something changes.
    pub attention: Option<Attention>,
    /// Graph asked us to wait this long (seconds) before trying again.
    pub retry_after_secs: Option<u32>,
}

/// A "needs attention" state (`sync_tenants.attention_*`, `directory.needs_attention`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attention {
    /// `consent_revoked`, `conditional_access`, `permission_missing`, `application_disabled`,
    /// `tenant_not_found`.
    pub reason: &'static str,
    pub microsoft_code: Option<String>,
    pub remediation: String,
}

/// Classifies a run error.
pub fn classify(e: &RunError) -> Failure {
    match e {
        RunError::Graph(e) => classify_entra(e),
        RunError::NotActive(lifecycle) => Failure {
            code: "tenant_not_active".into(),
            message: format!("the tenant is {lifecycle}: its directory is not synced"),
            attention: None,
            retry_after_secs: None,
        },
        other => Failure {
            code: "internal_error".into(),
            message: other.to_string(),
            attention: None,
            retry_after_secs: None,
        },
    }
}

fn classify_entra(e: &EntraError) -> Failure {
    let microsoft_code = e
        .aadsts()
        .map(|n| format!("AADSTS{n}"))
        .or_else(|| e.graph_code().map(str::to_owned));
    let reason = match e.kind() {
        ErrorKind::AppNotInTenant | ErrorKind::ConsentMissing | ErrorKind::ConsentNotCompleted => {
            Some("consent_revoked")
        }
        ErrorKind::ConditionalAccessBlocked => Some("conditional_access"),
        ErrorKind::AccessDenied | ErrorKind::MissingPermissions => Some("permission_missing"),
        ErrorKind::ApplicationDisabled => Some("application_disabled"),
        ErrorKind::UnknownTenant => Some("tenant_not_found"),
        _ => None,
    };
    Failure {
        code: microsoft_code
            .clone()
            .unwrap_or_else(|| e.kind().as_str().to_owned()),
        message: e.to_string(),
        attention: reason.map(|reason| Attention {
            reason,
            microsoft_code,
            remediation: e.remediation().into_owned(),
        }),
        retry_after_secs: e
            .retry_after()
            .map(|d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX)),
    }
}
