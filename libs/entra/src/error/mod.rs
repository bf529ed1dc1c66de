//! One error type for everything the client does, typed by [`ErrorKind`], carrying the AADSTS code
//! or Graph `code`, the HTTP status and Microsoft's request / correlation ids, with a
//! [`EntraError::remediation`] an IT administrator can act on.
//!
//! No variant ever holds a token, secret or client assertion.

mod kind;
mod parse;
mod remediation;

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub use kind::ErrorKind;
pub use parse::parse_aadsts;
pub(crate) use parse::{graph_error, sts_error};

use crate::consent::ConsentDenial;
use crate::tenant::{EntraTenantId, TenantParseError};

/// Which Microsoft endpoint a failure came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// `/{tenant}/v2.0/.well-known/openid-configuration`.
    Discovery,
    /// `/{tenant}/oauth2/v2.0/token`.
    Token,
    /// Microsoft Graph.
    Graph,
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Endpoint::Discovery => "discovery",
            Endpoint::Token => "token endpoint",
            Endpoint::Graph => "Microsoft Graph",
        })
    }
}

/// Every failure of this crate.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EntraError {
    /// The tenant identifier was rejected locally (no request was sent).
    #[error("invalid tenant identifier: {0}")]
    InvalidTenantInput(#[from] TenantParseError),
    /// Discovery answered with the multi-tenant template: the input names no single tenant.
    #[error("`{input}` is not a single organisation's tenant")]
    NotATenant {
        /// What was looked up.
        input: String,
    },
    /// The security token service (token or discovery endpoint) returned an OAuth error.
    #[error(transparent)]
    Sts(Box<StsError>),
    /// Microsoft Graph returned an error envelope.
    #[error(transparent)]
    Graph(Box<GraphError>),
    /// The admin-consent callback reported an error (declined, not an admin, …).
    #[error("admin consent was not granted: {0}")]
    ConsentDenied(Box<ConsentDenial>),
    /// The admin-consent callback query could not be understood.
    #[error("invalid admin-consent callback: {0}")]
    InvalidConsentCallback(String),
    /// The callback `state` does not match the one issued.
    #[error("admin-consent callback state does not match this setup session")]
    ConsentStateMismatch,
    /// A different tenant answered than the one the administrator entered.
    #[error("expected tenant {expected}, but the response is for tenant {actual}")]
    TenantMismatch {
        /// The tenant the administrator entered.
        expected: EntraTenantId,
        /// The tenant claimed by the callback or found in the token's `tid`.
        actual: String,
    },
    /// Consent exists but lacks application permissions.
    #[error("consent in tenant {tenant} lacks application permissions: {}", missing.join(", "))]
    MissingPermissions {
        /// The tenant checked.
        tenant: EntraTenantId,
        /// Required roles absent from the token's `roles` claim.
        missing: Vec<String>,
        /// Roles present in the token.
        granted: Vec<String>,
    },
    /// The app was still not in the tenant when the consent propagation window ended.
    #[error("admin consent has not completed in tenant {tenant}: {last}")]
    ConsentNotCompleted {
        /// The tenant checked.
        tenant: EntraTenantId,
        /// The last token error (normally AADSTS700016).
        last: Box<EntraError>,
    },
    /// The client's own configuration is unusable.
    #[error("Entra client configuration: {0}")]
    Configuration(String),
    /// Network error or timeout (after retries).
    #[error("{endpoint} request failed: {source}")]
    Transport {
        /// Where the request went.
        endpoint: Endpoint,
        /// The underlying error (URL stripped).
        #[source]
        source: Arc<reqwest::Error>,
    },
    /// A success response that does not have the documented shape.
    #[error("unexpected response from {endpoint}: {detail}")]
    UnexpectedResponse {
        /// Where the response came from.
        endpoint: Endpoint,
        /// HTTP status, if any.
        status: Option<u16>,
        /// What was wrong (never response secrets).
        detail: String,
    },
}

impl EntraError {
    /// The typed classification.
    pub fn kind(&self) -> ErrorKind {
        match self {
            EntraError::InvalidTenantInput(e) => e.kind(),
            EntraError::NotATenant { .. } => ErrorKind::NotATenant,
            EntraError::Sts(e) => e.kind,
            EntraError::Graph(e) => e.kind,
            EntraError::ConsentDenied(d) => d.kind(),
            EntraError::InvalidConsentCallback(_) => ErrorKind::InvalidConsentCallback,
            EntraError::ConsentStateMismatch => ErrorKind::ConsentStateMismatch,
            EntraError::TenantMismatch { .. } => ErrorKind::TenantMismatch,
            EntraError::MissingPermissions { .. } => ErrorKind::MissingPermissions,
            EntraError::ConsentNotCompleted { .. } => ErrorKind::ConsentNotCompleted,
            EntraError::Configuration(_) => ErrorKind::Configuration,
            EntraError::Transport { .. } => ErrorKind::Transport,
            EntraError::UnexpectedResponse { .. } => ErrorKind::UnexpectedResponse,
        }
    }

    /// The AADSTS code, when Entra gave one (token, discovery, consent callback).
    pub fn aadsts(&self) -> Option<u32> {
        match self {
            EntraError::Sts(e) => e.aadsts,
            EntraError::ConsentDenied(d) => d.aadsts,
            EntraError::ConsentNotCompleted { last, .. } => last.aadsts(),
            _ => None,
        }
    }

    /// The Graph error `code` (e.g. `Authorization_RequestDenied`).
    pub fn graph_code(&self) -> Option<&str> {
        match self {
            EntraError::Graph(e) => Some(&e.code),
            _ => None,
        }
    }

    /// The HTTP status of the failing response.
    pub fn status(&self) -> Option<u16> {
        match self {
            EntraError::Sts(e) => Some(e.status),
            EntraError::Graph(e) => Some(e.status),
            EntraError::UnexpectedResponse { status, .. } => *status,
            EntraError::ConsentNotCompleted { last, .. } => last.status(),
            _ => None,
        }
    }

    /// Microsoft's request id (Graph `request-id`, STS `trace_id`) for support tickets.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            EntraError::Sts(e) => e.trace_id.as_deref(),
            EntraError::Graph(e) => e.request_id.as_deref(),
            EntraError::ConsentDenied(d) => d.trace_id.as_deref(),
            EntraError::ConsentNotCompleted { last, .. } => last.request_id(),
            _ => None,
        }
    }

    /// The correlation id (STS `correlation_id`, Graph `client-request-id`).
    pub fn correlation_id(&self) -> Option<&str> {
        match self {
            EntraError::Sts(e) => e.correlation_id.as_deref(),
            EntraError::Graph(e) => e.client_request_id.as_deref(),
            EntraError::ConsentDenied(d) => d.correlation_id.as_deref(),
            EntraError::ConsentNotCompleted { last, .. } => last.correlation_id(),
            _ => None,
        }
    }

    /// The server-requested delay of a throttling error that exceeded the in-line retry budget.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            EntraError::Graph(e) => e.retry_after,
            EntraError::Sts(e) => e.retry_after,
            _ => None,
        }
    }

    /// Whether trying again later may succeed without anyone changing anything.
    pub fn is_transient(&self) -> bool {
        self.kind().is_transient()
    }

    /// A message an IT administrator can act on (names missing permissions where relevant).
    pub fn remediation(&self) -> Cow<'static, str> {
        let base = self.kind().remediation();
        match self {
            EntraError::MissingPermissions { missing, .. } => Cow::Owned(format!(
                "{base} Missing permissions: {}.",
                missing.join(", ")
            )),
            EntraError::TenantMismatch { expected, .. } => {
                Cow::Owned(format!("{base} Tenant entered: {expected}."))
            }
            _ => Cow::Borrowed(base),
        }
    }

    /// Types a raw STS error response (token, discovery or authorization-code redemption done
    /// elsewhere): reads `error`, `error_codes` / the leading `AADSTSnnnn`, trace and correlation ids.
    pub fn from_sts_response(endpoint: Endpoint, status: u16, body: &[u8]) -> Self {
        let status =
            reqwest::StatusCode::from_u16(status).unwrap_or(reqwest::StatusCode::BAD_REQUEST);
        parse::sts_error_from_parts(endpoint, status, &reqwest::header::HeaderMap::new(), body)
    }

    pub(crate) fn transport(endpoint: Endpoint, source: reqwest::Error) -> Self {
        EntraError::Transport {
            endpoint,
            source: Arc::new(source.without_url()),
        }
    }

    pub(crate) fn unexpected(
        endpoint: Endpoint,
        status: Option<u16>,
        detail: impl Into<String>,
    ) -> Self {
        EntraError::UnexpectedResponse {
            endpoint,
            status,
            detail: detail.into(),
        }
    }
}

/// An OAuth error from the Entra security token service.
#[derive(Clone, Debug)]
pub struct StsError {
    /// Typed meaning.
    pub kind: ErrorKind,
    /// `AADSTSnnnn` code (from `error_codes` or the description).
    pub aadsts: Option<u32>,
    /// OAuth `error` (`invalid_client`, `unauthorized_client`, …).
    pub error: String,
    /// `error_description` (Microsoft's text: diagnostics only, never branched on).
    pub description: Option<String>,
    /// `suberror` (`consent_required`, `basic_action`, …).
    pub suberror: Option<String>,
    /// HTTP status.
    pub status: u16,
    /// `trace_id` (or the `x-ms-request-id` header).
    pub trace_id: Option<String>,
    /// `correlation_id`.
    pub correlation_id: Option<String>,
    /// Which STS endpoint answered.
    pub endpoint: Endpoint,
    /// `Retry-After` of a throttled token request.
    pub retry_after: Option<Duration>,
}

impl fmt::Display for StsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Entra ID {} returned ", self.endpoint)?;
        if let Some(code) = self.aadsts {
            write!(f, "AADSTS{code} ")?;
        }
        write!(f, "{} (HTTP {})", self.error, self.status)?;
        if let Some(first) = self.description.as_deref().and_then(|d| d.lines().next()) {
            write!(f, ": {first}")?;
        }
        Ok(())
    }
}

impl std::error::Error for StsError {}

/// A Microsoft Graph error envelope.
#[derive(Clone, Debug)]
pub struct GraphError {
    /// Typed meaning.
    pub kind: ErrorKind,
    /// Graph `error.code` (or the status text when the body was not an envelope).
    pub code: String,
    /// Graph `error.message` (diagnostics only).
    pub message: String,
    /// HTTP status.
    pub status: u16,
    /// `request-id`.
    pub request_id: Option<String>,
    /// `client-request-id` (ours, echoed).
    pub client_request_id: Option<String>,
    /// `Retry-After` of a throttled / unavailable response.
    pub retry_after: Option<Duration>,
    /// `Location` header (410 Gone on delta: the initial query to restart from).
    pub location: Option<String>,
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Microsoft Graph returned {} (HTTP {}): {}",
            self.code, self.status, self.message
        )?;
        if let Some(id) = &self.request_id {
            write!(f, " [request-id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for GraphError {}
