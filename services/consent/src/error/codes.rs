//! The stable problem codes this service adds to pa-http's common ones. One table: every
//! code a client may branch on, with its HTTP status (the OpenAPI descriptions name them).

/// 401: the setup token is malformed or unknown (a bad attempt: rate-limited per client).
pub const SETUP_LINK_INVALID: &str = "setup_link_invalid";
/// 410: the link expired (or expired and a newer one was sent).
pub const SETUP_LINK_EXPIRED: &str = "setup_link_expired";
/// 410: an operator revoked the link.
pub const SETUP_LINK_REVOKED: &str = "setup_link_revoked";
/// 410: the link was replaced by a newer one (regenerated).
pub const SETUP_LINK_REGENERATED: &str = "setup_link_regenerated";
/// 410: setup was already completed with this tenant's link.
pub const SETUP_LINK_USED: &str = "setup_link_used";
/// 403: the tenant is suspended, deprovisioned or purged.
pub const TENANT_UNAVAILABLE: &str = "tenant_unavailable";
/// 429: too many bad setup-link attempts from this client.
pub const TOO_MANY_ATTEMPTS: &str = "too_many_attempts";

/// 401: no wizard session cookie.
pub const WIZARD_SESSION_REQUIRED: &str = "wizard_session_required";
/// 401: the cookie is malformed, unknown or signed out.
pub const WIZARD_SESSION_INVALID: &str = "wizard_session_invalid";
/// 401: the session passed its idle or absolute lifetime.
pub const WIZARD_SESSION_EXPIRED: &str = "wizard_session_expired";
/// 403: missing/wrong `X-CSRF-Token`, or a foreign `Origin`.
pub const CSRF_FAILED: &str = "csrf_failed";

/// 409: an earlier step is not done (the problem's `errors[0].code` names it).
pub const STEP_OUT_OF_ORDER: &str = "step_out_of_order";
/// 409: the directory changed (another browser) while this step talked to Microsoft.
pub const WIZARD_CHANGED: &str = "wizard_changed";
/// 409: the wizard is finished; nothing changes any more.
pub const SETUP_COMPLETED: &str = "setup_completed";

/// 422: the tenant ID / domain is malformed.
pub const INVALID_DIRECTORY: &str = "invalid_directory";
/// 422: no Entra tenant has this ID or domain.
pub const DIRECTORY_NOT_FOUND: &str = "directory_not_found";
/// 422: `common`, `organizations`, `consumers` or the personal-account tenant.
pub const NOT_AN_ORGANIZATION: &str = "not_an_organization";
/// 409: another live production tenant of ours is connected to this directory.
pub const DIRECTORY_IN_USE: &str = "directory_in_use";

/// 400: the callback query is not an admin-consent response.
pub const INVALID_CONSENT_CALLBACK: &str = "invalid_consent_callback";
/// 400: the callback's `state` was never issued.
pub const CONSENT_STATE_UNKNOWN: &str = "consent_state_unknown";
/// 400: the callback's `state` expired.
pub const CONSENT_STATE_EXPIRED: &str = "consent_state_expired";
/// 409: the callback's `state` was already used.
pub const CONSENT_STATE_REPLAYED: &str = "consent_state_replayed";
/// 403: the `state` belongs to another session (or to a directory entered before).
pub const CONSENT_STATE_MISMATCH: &str = "consent_state_mismatch";
/// 409: "check again" before Microsoft ever reported a grant for the directory.
pub const CONSENT_NOT_CLAIMED: &str = "consent_not_claimed";
/// 409: Microsoft no longer knows the application in the directory (AADSTS700016 after the
/// grant): the consent step must be done again.
pub const CONSENT_REVOKED: &str = "consent_revoked";
/// 409: Microsoft Graph denied a read: a permission is missing.
pub const PERMISSION_MISSING: &str = "permission_missing";

/// 422: the UPN is malformed.
pub const INVALID_UPN: &str = "invalid_upn";
/// 422: no user has this UPN in the directory.
pub const USER_NOT_FOUND: &str = "user_not_found";
/// 422: the user's account is disabled.
pub const USER_DISABLED: &str = "user_disabled";

/// 422: no group has this id in the directory (another directory's group, a deleted one).
pub const GROUP_NOT_FOUND: &str = "group_not_found";
/// 422: the id is a user, not a group.
pub const NOT_A_GROUP: &str = "not_a_group";
/// 422: a Microsoft 365 or distribution group: only security groups grant access.
pub const NOT_A_SECURITY_GROUP: &str = "not_a_security_group";
/// 422: an admin group without any (transitive) user member.
pub const GROUP_EMPTY: &str = "group_empty";
/// 422: the same group twice.
pub const DUPLICATE_GROUP: &str = "duplicate_group";
/// 422: no admin group chosen.
pub const ADMIN_GROUP_REQUIRED: &str = "admin_group_required";

/// 503: Microsoft could not be reached or throttled us beyond the retry budget.
pub const MICROSOFT_UNAVAILABLE: &str = "microsoft_unavailable";
/// 502: Microsoft refused in a way the wizard does not know (its code is in `errors`).
pub const MICROSOFT_ERROR: &str = "microsoft_error";
