//! [`MicrosoftFailure`]: what Microsoft said, kept for the wizard state and mapped to
//! problems. Built from a pa-entra error; never holds a token, secret or `state`.

use actix_web::http::StatusCode;
use pa_entra::{EntraError, ErrorKind};
use pa_http::Problem;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

/// What fixes a failed step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Retry {
    /// Continue to Microsoft again (consent declined, wrong tenant, sign-in blocked, …).
    Consent,
    /// Fix it in Entra ID (or wait), then "check again": the consent itself was given.
    Verify,
    /// Run the pre-flight checks again after fixing it.
    Preflight,
    /// Try the same request again later (Microsoft unreachable).
    Later,
}

/// A failure reported by Microsoft (or found checking Microsoft's answer), with the fix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MicrosoftFailure {
    /// Stable reason, e.g. `consent_declined`, `conditional_access_blocked`, `mfa_required`,
    /// `admin_approval_required`, `tenant_mismatch`, `missing_permissions`,
    /// `consent_not_completed` (still propagating), `app_not_in_tenant`, `access_denied`.
    pub code: String,
    /// Microsoft's own code: `AADSTS53003`, or a Graph error code such as
    /// `Authorization_RequestDenied`.
    pub microsoft_code: Option<String>,
    /// Microsoft's message (first line), for the record and support.
    pub message: String,
    /// What the customer's IT administrator should do.
    pub remediation: String,
    /// Microsoft's request / trace id, for a support ticket.
    pub request_id: Option<String>,
    /// How to retry once fixed.
    pub retry: Retry,
    /// Application permissions missing from the grant (`missing_permissions`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_permissions: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl MicrosoftFailure {
    /// From a pa-entra error seen at `at`.
    pub fn from_entra(e: &EntraError, at: OffsetDateTime) -> Self {
        let kind = e.kind();
        let microsoft_code = e
            .aadsts()
            .map(|c| format!("AADSTS{c}"))
            .or_else(|| e.graph_code().map(str::to_owned));
        let missing_permissions = match e {
            EntraError::MissingPermissions { missing, .. } => missing.clone(),
            _ => Vec::new(),
        };
        Self {
            code: kind.as_str().to_owned(),
            microsoft_code,
            message: first_line(&e.to_string()),
            remediation: e.remediation().into_owned(),
            request_id: e.request_id().map(str::to_owned),
            retry: retry_of(kind),
            missing_permissions,
            at,
        }
    }

    /// The same failure with another retry (a denial in the callback is always retried
    /// by consenting again, whatever its kind).
    pub fn with_retry(mut self, retry: Retry) -> Self {
        self.retry = retry;
        self
    }

    /// The pa-entra kind is transient (network, throttling): try later.
    pub fn is_unavailable(e: &EntraError) -> bool {
        matches!(
            e.kind(),
            ErrorKind::Transport
                | ErrorKind::Throttled
                | ErrorKind::ServiceUnavailable
                | ErrorKind::StsThrottled
        )
    }

    /// A problem with `status` and `code` (default: this failure's own code), whose detail is
    /// the remediation and whose `errors` carry Microsoft's code and message.
    pub fn problem(&self, status: StatusCode, code: Option<&str>) -> Problem {
        let code = code.unwrap_or(&self.code);
        let mut p = Problem::new(status, code, title(code))
            .with_detail(self.remediation.clone())
            .with_field_error_code(
                "microsoft",
                self.microsoft_code
                    .clone()
                    .unwrap_or_else(|| self.code.clone()),
                self.message.clone(),
            );
        for missing in &self.missing_permissions {
            p = p.with_field_error_code("missing_permissions", "missing_permission", missing);
        }
        p
    }
}

fn title(code: &str) -> String {
    let mut t = code.replace('_', " ");
    if let Some(first) = t.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    t
}

fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or_default().trim();
    line.chars().take(500).collect()
}

fn retry_of(kind: ErrorKind) -> Retry {
    use ErrorKind::*;
    match kind {
        ConsentNotCompleted
        | ConditionalAccessBlocked
        | MissingPermissions
        | AccessDenied
        | ApplicationDisabled => Retry::Verify,
        Transport | Throttled | ServiceUnavailable | StsThrottled | UnexpectedResponse => {
            Retry::Later
        }
        _ => Retry::Consent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_read_as_words() {
        assert_eq!(title("consent_not_completed"), "Consent not completed");
    }
}
