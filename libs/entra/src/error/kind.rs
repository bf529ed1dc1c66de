//! The typed classification of every failure and the AADSTS / Graph code tables.

use reqwest::StatusCode;

/// What went wrong, independent of where. Branch on this (never on message text).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    // ---- detected locally -------------------------------------------------------------------
    /// The tenant identifier typed in is neither a GUID nor a DNS domain.
    InvalidTenantInput,
    /// `common`, `organizations`, `consumers` or the personal-account (MSA) tenant: not onboardable.
    NotATenant,
    /// The admin-consent callback query is not a consent response.
    InvalidConsentCallback,
    /// The callback `state` is not the one issued for this setup session.
    ConsentStateMismatch,
    /// Consent or token came from a different tenant than the one entered.
    TenantMismatch,
    /// Consent granted, but some required application permissions (roles) are missing.
    MissingPermissions,
    /// Consent not (yet) effective after the propagation window: the app still is not in the tenant.
    ConsentNotCompleted,
    /// The client's own configuration is invalid (bad PEM, missing redirect URI…).
    Configuration,
    /// Network failure or timeout talking to Microsoft.
    Transport,
    /// Microsoft answered something this client cannot interpret.
    UnexpectedResponse,

    // ---- security token service (AADSTS codes) ------------------------------------------------
    /// AADSTS700016: the application is not in the tenant (no consent yet / wrong tenant or cloud).
    AppNotInTenant,
    /// AADSTS7000215: invalid client secret.
    InvalidClientSecret,
    /// AADSTS7000222: the client secret has expired.
    ClientSecretExpired,
    /// AADSTS700027: client assertion signature / certificate not recognised.
    AssertionKeyNotFound,
    /// AADSTS700024: client assertion outside its valid time range (clock skew).
    AssertionTimeInvalid,
    /// AADSTS90002: tenant not found.
    UnknownTenant,
    /// AADSTS900023: tenant identifier malformed.
    MalformedTenant,
    /// AADSTS65004: the administrator declined consent.
    ConsentDeclined,
    /// AADSTS65001: no consent exists for the application.
    ConsentMissing,
    /// AADSTS90094/90095: the signed-in user cannot grant tenant-wide consent.
    AdminApprovalRequired,
    /// AADSTS53003: blocked by a Conditional Access policy.
    ConditionalAccessBlocked,
    /// AADSTS50076: multifactor authentication required.
    MfaRequired,
    /// AADSTS50079: the user must register for multifactor authentication.
    MfaRegistrationRequired,
    /// AADSTS50105: the user is not assigned to the application.
    UserNotAssigned,
    /// AADSTS50020: the account is from another directory.
    AccountNotInTenant,
    /// AADSTS50011: redirect URI not registered.
    RedirectUriMismatch,
    /// AADSTS1002012 / 70011 / 700022: invalid scope.
    InvalidScope,
    /// AADSTS500011: the resource (Graph) service principal is not in the tenant.
    ResourceNotInTenant,
    /// AADSTS7000112 / 70001: the application is disabled in the tenant.
    ApplicationDisabled,
    /// AADSTS50196 / 90055: token endpoint throttling.
    StsThrottled,
    /// Any other STS error.
    StsOther,

    // ---- Microsoft Graph ----------------------------------------------------------------------
    /// 403 `Authorization_RequestDenied` / `accessDenied`: a permission is missing.
    AccessDenied,
    /// 404 `Request_ResourceNotFound` / `itemNotFound`.
    NotFound,
    /// 400 `Request_UnsupportedQuery`.
    UnsupportedQuery,
    /// 400 `Request_BadRequest` / `invalidRequest` / `BadRequest`.
    BadRequest,
    /// 401 `InvalidAuthenticationToken`.
    InvalidAuthenticationToken,
    /// 429 `TooManyRequests` after the retry budget.
    Throttled,
    /// `syncStateNotFound` / `resyncRequired` / 410 Gone: a delta cursor is no longer usable.
    ResyncRequired,
    /// `serviceNotAvailable`, 503, 504 after the retry budget.
    ServiceUnavailable,
    /// Any other Graph error.
    GraphOther,
}

impl ErrorKind {
    /// The typed meaning of an AADSTS code, if this client knows it.
    pub fn from_aadsts(code: u32) -> Option<Self> {
        use ErrorKind::*;
        Some(match code {
            700016 => AppNotInTenant,
            7000215 => InvalidClientSecret,
            7000222 => ClientSecretExpired,
            700027 | 50012 => AssertionKeyNotFound,
            700024 => AssertionTimeInvalid,
            90002 => UnknownTenant,
            900023 => MalformedTenant,
            65004 => ConsentDeclined,
            65001 => ConsentMissing,
            90094 | 90095 => AdminApprovalRequired,
            53003 => ConditionalAccessBlocked,
            50076 => MfaRequired,
            50079 => MfaRegistrationRequired,
            50105 => UserNotAssigned,
            50020 => AccountNotInTenant,
            50011 => RedirectUriMismatch,
            1002012 | 70011 | 700022 => InvalidScope,
            500011 => ResourceNotInTenant,
            7000112 | 70001 => ApplicationDisabled,
            50196 | 90055 => StsThrottled,
            _ => return None,
        })
    }

    /// The typed meaning of a Graph error `code` (falling back on the HTTP status).
    pub fn from_graph_code(code: &str, status: StatusCode) -> Self {
        use ErrorKind::*;
        match code {
            "Authorization_RequestDenied" | "accessDenied" | "Authorization_IdentityNotFound" => {
                AccessDenied
            }
            "Request_ResourceNotFound" | "itemNotFound" | "ResourceNotFound" => NotFound,
            "Request_UnsupportedQuery" => UnsupportedQuery,
            "Request_BadRequest" | "invalidRequest" | "BadRequest" | "InvalidRequest" => BadRequest,
            "InvalidAuthenticationToken" | "unauthenticated" => InvalidAuthenticationToken,
            "TooManyRequests" | "activityLimitReached" => Throttled,
            "syncStateNotFound" | "resyncRequired" | "syncStateInvalid" => ResyncRequired,
            "serviceNotAvailable" | "ServiceUnavailable" => ServiceUnavailable,
            _ => Self::from_status(status),
        }
    }

    /// The kind implied by an HTTP status alone (Graph).
    pub fn from_status(status: StatusCode) -> Self {
        use ErrorKind::*;
        match status {
            StatusCode::UNAUTHORIZED => InvalidAuthenticationToken,
            StatusCode::FORBIDDEN => AccessDenied,
            StatusCode::NOT_FOUND => NotFound,
            StatusCode::GONE => ResyncRequired,
            StatusCode::TOO_MANY_REQUESTS => Throttled,
            StatusCode::BAD_REQUEST => BadRequest,
            s if is_unavailable(s) => ServiceUnavailable,
            _ => GraphOther,
        }
    }

    /// A stable snake_case name (for logs, metrics and problem codes).
    pub fn as_str(self) -> &'static str {
        use ErrorKind::*;
        match self {
            InvalidTenantInput => "invalid_tenant_input",
            NotATenant => "not_a_tenant",
            InvalidConsentCallback => "invalid_consent_callback",
            ConsentStateMismatch => "consent_state_mismatch",
            TenantMismatch => "tenant_mismatch",
            MissingPermissions => "missing_permissions",
            ConsentNotCompleted => "consent_not_completed",
            Configuration => "configuration",
            Transport => "transport",
            UnexpectedResponse => "unexpected_response",
            AppNotInTenant => "app_not_in_tenant",
            InvalidClientSecret => "invalid_client_secret",
            ClientSecretExpired => "client_secret_expired",
            AssertionKeyNotFound => "assertion_key_not_found",
            AssertionTimeInvalid => "assertion_time_invalid",
            UnknownTenant => "unknown_tenant",
            MalformedTenant => "malformed_tenant",
            ConsentDeclined => "consent_declined",
            ConsentMissing => "consent_missing",
            AdminApprovalRequired => "admin_approval_required",
            ConditionalAccessBlocked => "conditional_access_blocked",
            MfaRequired => "mfa_required",
            MfaRegistrationRequired => "mfa_registration_required",
            UserNotAssigned => "user_not_assigned",
            AccountNotInTenant => "account_not_in_tenant",
            RedirectUriMismatch => "redirect_uri_mismatch",
            InvalidScope => "invalid_scope",
            ResourceNotInTenant => "resource_not_in_tenant",
            ApplicationDisabled => "application_disabled",
            StsThrottled => "sts_throttled",
            StsOther => "sts_error",
            AccessDenied => "access_denied",
            NotFound => "not_found",
            UnsupportedQuery => "unsupported_query",
            BadRequest => "bad_request",
            InvalidAuthenticationToken => "invalid_authentication_token",
            Throttled => "throttled",
            ResyncRequired => "resync_required",
            ServiceUnavailable => "service_unavailable",
            GraphOther => "graph_error",
        }
    }

    /// Whether waiting and trying again may succeed without anyone changing anything.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            ErrorKind::Transport
                | ErrorKind::Throttled
                | ErrorKind::ServiceUnavailable
                | ErrorKind::StsThrottled
                | ErrorKind::ConsentNotCompleted
        )
    }
}

fn is_unavailable(status: StatusCode) -> bool {
    status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::GATEWAY_TIMEOUT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_onboarding_aadsts_code_has_a_typed_kind() {
        let table = [
            (700016, ErrorKind::AppNotInTenant),
            (7000215, ErrorKind::InvalidClientSecret),
            (7000222, ErrorKind::ClientSecretExpired),
            (700027, ErrorKind::AssertionKeyNotFound),
            (700024, ErrorKind::AssertionTimeInvalid),
            (90002, ErrorKind::UnknownTenant),
            (900023, ErrorKind::MalformedTenant),
            (65004, ErrorKind::ConsentDeclined),
            (65001, ErrorKind::ConsentMissing),
            (90094, ErrorKind::AdminApprovalRequired),
            (53003, ErrorKind::ConditionalAccessBlocked),
            (50076, ErrorKind::MfaRequired),
            (50079, ErrorKind::MfaRegistrationRequired),
            (50105, ErrorKind::UserNotAssigned),
            (50020, ErrorKind::AccountNotInTenant),
            (50011, ErrorKind::RedirectUriMismatch),
            (1002012, ErrorKind::InvalidScope),
            (500011, ErrorKind::ResourceNotInTenant),
            (7000112, ErrorKind::ApplicationDisabled),
        ];
        for (code, kind) in table {
            assert_eq!(ErrorKind::from_aadsts(code), Some(kind), "AADSTS{code}");
        }
        assert_eq!(ErrorKind::from_aadsts(12345), None);
    }

    #[test]
    fn graph_codes_map_to_kinds() {
        let s = StatusCode::BAD_REQUEST;
        assert_eq!(
            ErrorKind::from_graph_code("Authorization_RequestDenied", StatusCode::FORBIDDEN),
            ErrorKind::AccessDenied
        );
        assert_eq!(
            ErrorKind::from_graph_code("Request_ResourceNotFound", s),
            ErrorKind::NotFound
        );
        assert_eq!(
            ErrorKind::from_graph_code("Request_UnsupportedQuery", s),
            ErrorKind::UnsupportedQuery
        );
        assert_eq!(
            ErrorKind::from_graph_code("Request_BadRequest", s),
            ErrorKind::BadRequest
        );
        assert_eq!(
            ErrorKind::from_graph_code("InvalidAuthenticationToken", StatusCode::UNAUTHORIZED),
            ErrorKind::InvalidAuthenticationToken
        );
        assert_eq!(
            ErrorKind::from_graph_code("TooManyRequests", StatusCode::TOO_MANY_REQUESTS),
            ErrorKind::Throttled
        );
        assert_eq!(
            ErrorKind::from_graph_code("syncStateNotFound", s),
            ErrorKind::ResyncRequired
        );
        assert_eq!(
            ErrorKind::from_graph_code("resyncRequired", StatusCode::GONE),
            ErrorKind::ResyncRequired
        );
        assert_eq!(
            ErrorKind::from_graph_code("serviceNotAvailable", StatusCode::SERVICE_UNAVAILABLE),
            ErrorKind::ServiceUnavailable
        );
        assert_eq!(
            ErrorKind::from_graph_code("somethingNew", StatusCode::GONE),
            ErrorKind::ResyncRequired
        );
    }

    #[test]
    fn conditional_access_remediation_points_at_the_setup_guide() {
        let text = ErrorKind::ConditionalAccessBlocked.remediation();
        assert!(
            text.starts_with("A Conditional Access policy blocks the Patient Access application")
        );
        assert!(text.contains("setup step 3"));
    }
}
