//! Remediation texts: what a customer's IT administrator (or Patient Access support) can do.

use super::ErrorKind;

impl ErrorKind {
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
