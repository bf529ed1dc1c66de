//! Request bodies and the smaller responses. Length and character rules are in the schema;
//! the service checks them again when it parses.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::role::Role;

/// `POST /v1/wizard/sessions`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartIn {
    /// The token from the setup link's URL fragment (`…/setup#token=<token>`), exactly as
    /// mailed. Never stored, logged or echoed.
    #[schema(
        pattern = "^pa_setup_[A-Za-z0-9_-]{43}$",
        min_length = 52,
        max_length = 52
    )]
    pub token: String,
}

/// `PUT /v1/wizard/directory`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectoryIn {
    /// The Microsoft Entra tenant ID (a GUID, Entra admin center > Overview) or one of the
    /// tenant's verified domains (e.g. `contoso.onmicrosoft.com`).
    #[schema(
        min_length = 1,
        max_length = 253,
        pattern = "^ *([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|[A-Za-z0-9.-]+\\.[A-Za-z0-9-]+\\.?) *$",
        example = "contosohealth.onmicrosoft.com"
    )]
    pub tenant: String,
}

/// `PUT /v1/wizard/admin`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminIn {
    /// The user principal name of the first Patient Access administrator: any enabled user of
    /// the directory, not only a directory administrator.
    #[schema(
        min_length = 3,
        max_length = 113,
        pattern = "^ *[A-Za-z0-9'._!#^~$+-]+@[A-Za-z0-9.-]+\\.[A-Za-z0-9-]+ *$",
        example = "avery.admin@contosohealth.onmicrosoft.com"
    )]
    pub user_principal_name: String,
}

/// A user group and the role its members get.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserGroupIn {
    pub group_id: Uuid,
    pub role: Role,
}

/// `PUT /v1/wizard/groups`: the whole selection (it replaces the previous one).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupsIn {
    /// Security groups whose members administer Patient Access (role `admin`); at least one,
    /// each with at least one member.
    #[schema(min_items = 1, max_items = 20)]
    pub admin_groups: Vec<Uuid>,
    /// Optional groups whose members get `manager` or `viewer` (or `admin`).
    #[serde(default)]
    #[schema(max_items = 100)]
    pub user_groups: Vec<UserGroupIn>,
}

/// `GET /v1/wizard/groups`: type-ahead over the directory's security groups.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GroupSearchQuery {
    /// Words of the group's display name (Graph `$search`, word prefixes in any order).
    /// Empty: the first groups.
    #[param(max_length = 256)]
    pub search: Option<String>,
    /// Page number, 1-20 (default 1).
    #[param(minimum = 1, maximum = 20)]
    pub page: Option<u32>,
    /// Groups per page, 1-50 (default 20).
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<u32>,
}

/// A group offered by the type-ahead.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupCandidateOut {
    pub group_id: Uuid,
    pub display_name: String,
    pub description: Option<String>,
    /// `true` for mail-enabled security groups.
    pub mail_enabled: bool,
}

/// One page of type-ahead results.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupSearchOut {
    pub items: Vec<GroupCandidateOut>,
    pub page: u32,
    /// The next page's number; `null` on the last page.
    pub next_page: Option<u32>,
}

/// `POST /v1/wizard/consent-requests`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentRequestOut {
    /// Microsoft's admin-consent page for the entered directory; navigate the browser there
    /// (top level). It carries a one-time `state` bound to this session.
    pub consent_url: String,
    /// The `state` (and so this URL) stops working then.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// Where Microsoft sends the browser back (registered on the application).
    pub redirect_uri: String,
}
