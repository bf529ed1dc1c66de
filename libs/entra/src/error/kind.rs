//! The typed classification of every failure, the AADSTS / Graph code tables and the remediation
//! text shown to a customer's IT administrator.

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

    /// What a customer's IT administrator (or, for our own misconfiguration, Patient Access support)
    /// can do about it. Plain sentences, referencing the setup guide where it has a step.
    pub fn remediation(self) -> &'static str {
        use ErrorKind::*;
        match self {
            InvalidTenantInput => {
                "Enter your Microsoft Entra tenant ID (a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47, \
                 found in the Entra admin center under Overview) or a verified domain such as contoso.onmicrosoft.com."
            }
            NotATenant => {
                "'common', 'organizations', 'consumers' and personal Microsoft accounts are not organisations. \
                 Enter your organisation's own tenant ID or verified domain."
            }
            InvalidConsentCallback => {
                "The response from Microsoft was incomplete. Start the permission step of the setup wizard again."
            }
            ConsentStateMismatch => {
                "This consent response does not belong to your current setup session (it may be old or opened in \
                 another browser). Start the permission step of the setup wizard again from the same browser."
            }
            TenantMismatch => {
                "Consent was granted in a different Microsoft Entra tenant than the one you entered. Sign in with \
                 a Global Administrator or Privileged Role Administrator of the tenant you entered (setup wizard \
                 step 2), or go back and enter the correct tenant ID."
            }
            MissingPermissions => {
                "Admin consent was granted but some application permissions are missing. Ask a Global \
                 Administrator to run the permission step again and accept all requested permissions, or grant \
                 them under Enterprise applications > Patient Access > Permissions > Grant admin consent."
            }
            ConsentNotCompleted => {
                "Patient Access is not yet authorised in your tenant. If an administrator has just accepted the \
                 permissions, wait a few minutes and try again; otherwise complete the permission step of the \
                 setup wizard (setup guide step 2) with a Global Administrator or Privileged Role Administrator."
            }
            Configuration => {
                "Patient Access is misconfigured for Microsoft Entra ID. Contact Patient Access support."
            }
            Transport => {
                "Microsoft Entra ID could not be reached. This is usually temporary; try again in a few minutes."
            }
            UnexpectedResponse => {
                "Microsoft Entra ID returned an unexpected response. Try again; if it persists, contact Patient \
                 Access support."
            }
            AppNotInTenant => {
                "Patient Access is not registered in this tenant: admin consent has not been granted (or was \
                 removed), or the tenant ID belongs to another tenant or cloud. A Global Administrator or \
                 Privileged Role Administrator must grant consent in the setup wizard (setup guide step 2)."
            }
            InvalidClientSecret | ClientSecretExpired | AssertionKeyNotFound
            | AssertionTimeInvalid | InvalidScope | RedirectUriMismatch => {
                "Patient Access could not authenticate its own application to Microsoft Entra ID. Nothing needs \
                 to change in your tenant; contact Patient Access support (operators: check the application \
                 credential, certificate, clock and redirect URI configuration)."
            }
            UnknownTenant => {
                "No Microsoft Entra tenant exists with the ID or domain you entered. Check the tenant ID in the \
                 Entra admin center (Overview > Tenant ID) or use a verified domain, and make sure the tenant is \
                 in the Microsoft public cloud."
            }
            MalformedTenant => {
                "The tenant identifier is not valid. Enter the tenant ID GUID or a verified domain name such as \
                 contoso.onmicrosoft.com."
            }
            ConsentDeclined => {
                "The administrator declined the permission request. Start the permission step again and choose \
                 Accept on the Microsoft permissions page."
            }
            ConsentMissing => {
                "Patient Access has not been granted consent in your tenant. A Global Administrator or Privileged \
                 Role Administrator must complete the permission step of the setup wizard (setup guide step 2)."
            }
            AdminApprovalRequired => {
                "The account used cannot grant consent for the organisation. Sign in as a Global Administrator or \
                 Privileged Role Administrator to accept the permissions (setup guide step 2)."
            }
            ConditionalAccessBlocked => {
                "A Conditional Access policy blocks the Patient Access application. In Microsoft Entra ID > \
                 Security > Conditional Access, exclude the Patient Access application from policies that require \
                 MFA or restrict locations, and add the Patient Access IP addresses as a trusted named location \
                 (setup guide preparation step 1 and setup step 3)."
            }
            MfaRequired => {
                "Multifactor authentication is required by a policy that applies to Patient Access. Exclude the \
                 Patient Access application from Conditional Access policies that require MFA, or add the Patient \
                 Access IP addresses as MFA trusted IPs (setup guide preparation step 2 and setup step 3)."
            }
            MfaRegistrationRequired => {
                "The user must register for multifactor authentication before signing in. Complete MFA \
                 registration at https://aka.ms/mfasetup, or exclude Patient Access from the MFA registration \
                 policy (setup guide step 3)."
            }
            UserNotAssigned => {
                "The user is not assigned to the Patient Access enterprise application, which requires \
                 assignment. In Entra admin center > Enterprise applications > Patient Access > Users and groups, \
                 assign the user or their group, or set 'Assignment required' to No."
            }
            AccountNotInTenant => {
                "The account used belongs to a different Microsoft Entra directory. Sign in with an account of \
                 your organisation's own tenant (or invite the account as a guest first)."
            }
            ResourceNotInTenant => {
                "Microsoft Graph is not available to Patient Access in this tenant. Check the tenant ID, then grant \
                 admin consent again (setup guide step 2)."
            }
            ApplicationDisabled => {
                "The Patient Access application is disabled in your tenant. In Entra admin center > Enterprise \
                 applications > Patient Access > Properties, set 'Enabled for users to sign in' to Yes."
            }
            StsThrottled | Throttled => {
                "Microsoft is temporarily limiting requests from Patient Access for your tenant. Synchronisation \
                 resumes automatically; no action is needed."
            }
            StsOther => {
                "Microsoft Entra ID refused the request. The error code identifies the cause \
                 (https://login.microsoftonline.com/error); contact Patient Access support if it persists."
            }
            AccessDenied => {
                "Patient Access lacks a Microsoft Graph permission in your tenant. Ask a Global Administrator to \
                 grant admin consent again so that all requested permissions (Read directory data, Read all \
                 groups, Read all users' full profiles) are granted (setup guide step 2)."
            }
            NotFound => {
                "The user or group no longer exists in your directory (it may have been deleted or renamed)."
            }
            UnsupportedQuery | BadRequest | GraphOther => {
                "Microsoft Graph rejected a request from Patient Access. Contact Patient Access support."
            }
            InvalidAuthenticationToken => {
                "Microsoft Graph rejected Patient Access's access token. This usually resolves itself; if it \
                 persists, check that admin consent is still in place (setup guide step 2)."
            }
            ResyncRequired => {
                "The directory change history expired; Patient Access runs a full synchronisation automatically."
            }
            ServiceUnavailable => {
                "Microsoft Graph is temporarily unavailable. Synchronisation retries automatically."
            }
        }
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
