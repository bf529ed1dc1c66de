//! Property sets of `microsoft.graph.user` and `microsoft.graph.group`, `$select` resolution, and direct JSON
//! writers (no intermediate `serde_json::Value`, so 999-object pages serialise quickly).

use super::response::GraphError;
pub use super::write::{w_str, write_group_fields, write_user_fields};

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum UP {
    Id,
    UserPrincipalName,
    DisplayName,
    GivenName,
    Surname,
    Mail,
    MailNickname,
    JobTitle,
    Department,
    OfficeLocation,
    MobilePhone,
    BusinessPhones,
    PreferredLanguage,
    EmployeeId,
    AccountEnabled,
    UserType,
    CreatedDateTime,
    DeletedDateTime,
    OtherMails,
    ProxyAddresses,
    /// A real Graph property the simulator does not model: `null`.
    Null(&'static str),
    /// A real collection property the simulator does not model: `[]`.
    Empty(&'static str),
}

pub const USER_DEFAULT: &[UP] = &[
    UP::BusinessPhones,
    UP::DisplayName,
    UP::GivenName,
    UP::JobTitle,
    UP::Mail,
    UP::MobilePhone,
    UP::OfficeLocation,
    UP::PreferredLanguage,
    UP::Surname,
    UP::UserPrincipalName,
    UP::Id,
];

const USER_NULLS: &[&str] = &[
    "onPremisesSyncEnabled",
    "onPremisesImmutableId",
    "onPremisesSamAccountName",
    "onPremisesDistinguishedName",
    "onPremisesDomainName",
    "onPremisesUserPrincipalName",
    "onPremisesSecurityIdentifier",
    "onPremisesLastSyncDateTime",
    "companyName",
    "city",
    "country",
    "state",
    "streetAddress",
    "postalCode",
    "usageLocation",
    "employeeType",
    "employeeHireDate",
    "ageGroup",
    "consentProvidedForMinor",
    "legalAgeGroupClassification",
    "externalUserState",
    "externalUserStateChangeDateTime",
    "creationType",
    "faxNumber",
    "passwordPolicies",
    "preferredDataLocation",
    "showInAddressList",
    "signInSessionsValidFromDateTime",
    "lastPasswordChangeDateTime",
    "securityIdentifier",
    "signInActivity",
    "manager",
    "aboutMe",
    "birthday",
    "hireDate",
    "mySite",
    "preferredName",
];
const USER_EMPTIES: &[&str] = &[
    "imAddresses",
    "identities",
    "assignedLicenses",
    "assignedPlans",
    "provisionedPlans",
    "onPremisesExtensionAttributes",
    "onPremisesProvisioningErrors",
    "memberOf",
    "interests",
    "schools",
    "skills",
    "pastProjects",
    "responsibilities",
];

pub fn user_prop(name: &str) -> Option<UP> {
    let p = match name.to_ascii_lowercase().as_str() {
        "id" => UP::Id,
        "userprincipalname" => UP::UserPrincipalName,
        "displayname" => UP::DisplayName,
        "givenname" => UP::GivenName,
        "surname" => UP::Surname,
        "mail" => UP::Mail,
        "mailnickname" => UP::MailNickname,
        "jobtitle" => UP::JobTitle,
        "department" => UP::Department,
        "officelocation" => UP::OfficeLocation,
        "mobilephone" => UP::MobilePhone,
        "businessphones" => UP::BusinessPhones,
        "preferredlanguage" => UP::PreferredLanguage,
        "employeeid" => UP::EmployeeId,
        "accountenabled" => UP::AccountEnabled,
        "usertype" => UP::UserType,
        "createddatetime" => UP::CreatedDateTime,
        "deleteddatetime" => UP::DeletedDateTime,
        "othermails" => UP::OtherMails,
        "proxyaddresses" => UP::ProxyAddresses,
        other => {
            if let Some(n) = USER_NULLS.iter().find(|n| n.eq_ignore_ascii_case(other)) {
                UP::Null(n)
            } else {
                UP::Empty(
                    USER_EMPTIES
                        .iter()
                        .find(|n| n.eq_ignore_ascii_case(other))?,
                )
            }
        }
    };
    Some(p)
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum GP {
    Id,
    DisplayName,
    Description,
    Mail,
    MailEnabled,
    MailNickname,
    SecurityEnabled,
    GroupTypes,
    Visibility,
    CreatedDateTime,
    RenewedDateTime,
    DeletedDateTime,
    ProxyAddresses,
    SecurityIdentifier,
    /// `members` in `$select` (delta: include `members@delta`).
    Members,
    Null(&'static str),
    Empty(&'static str),
}

pub const GROUP_DEFAULT: &[GP] = &[
    GP::Id,
    GP::DeletedDateTime,
    GP::Null("classification"),
    GP::CreatedDateTime,
    GP::Empty("creationOptions"),
    GP::Description,
    GP::DisplayName,
    GP::Null("expirationDateTime"),
    GP::GroupTypes,
    GP::Null("isAssignableToRole"),
    GP::Mail,
    GP::MailEnabled,
    GP::MailNickname,
    GP::Null("membershipRule"),
    GP::Null("membershipRuleProcessingState"),
    GP::Null("onPremisesDomainName"),
    GP::Null("onPremisesLastSyncDateTime"),
    GP::Null("onPremisesNetBiosName"),
    GP::Null("onPremisesSamAccountName"),
    GP::Null("onPremisesSecurityIdentifier"),
    GP::Null("onPremisesSyncEnabled"),
    GP::Null("preferredDataLocation"),
    GP::Null("preferredLanguage"),
    GP::ProxyAddresses,
    GP::RenewedDateTime,
    GP::Empty("resourceBehaviorOptions"),
    GP::Empty("resourceProvisioningOptions"),
    GP::SecurityEnabled,
    GP::SecurityIdentifier,
    GP::Null("theme"),
    GP::Null("uniqueName"),
    GP::Visibility,
    GP::Empty("onPremisesProvisioningErrors"),
    GP::Empty("serviceProvisioningErrors"),
];

pub fn group_prop(name: &str) -> Option<GP> {
    let p = match name.to_ascii_lowercase().as_str() {
        "id" => GP::Id,
        "displayname" => GP::DisplayName,
        "description" => GP::Description,
        "mail" => GP::Mail,
        "mailenabled" => GP::MailEnabled,
        "mailnickname" => GP::MailNickname,
        "securityenabled" => GP::SecurityEnabled,
        "grouptypes" => GP::GroupTypes,
        "visibility" => GP::Visibility,
        "createddatetime" => GP::CreatedDateTime,
        "reneweddatetime" => GP::RenewedDateTime,
        "deleteddatetime" => GP::DeletedDateTime,
        "proxyaddresses" => GP::ProxyAddresses,
        "securityidentifier" => GP::SecurityIdentifier,
        "members" => GP::Members,
        other => {
            return GROUP_DEFAULT.iter().copied().find(
                |g| matches!(g, GP::Null(n) | GP::Empty(n) if n.eq_ignore_ascii_case(other)),
            );
        }
    };
    Some(p)
}

pub fn no_such_property(name: &str, ty: &str) -> GraphError {
    GraphError::bad_request(format!(
        "Could not find a property named '{name}' on type 'microsoft.graph.{ty}'."
    ))
}

/// `$select` for users: `id` always included (Graph returns it), unknown names rejected.
pub fn user_select(select: Option<&Vec<String>>) -> Result<Vec<UP>, GraphError> {
    let Some(sel) = select else {
        return Ok(USER_DEFAULT.to_vec());
    };
    let mut out = Vec::with_capacity(sel.len() + 1);
    for s in sel {
        let p = user_prop(s).ok_or_else(|| no_such_property(s, "user"))?;
        if !out.contains(&p) {
            out.push(p);
        }
    }
    if !out.contains(&UP::Id) {
        out.push(UP::Id);
    }
    Ok(out)
}

pub fn group_select(select: Option<&Vec<String>>) -> Result<Vec<GP>, GraphError> {
    let Some(sel) = select else {
        return Ok(GROUP_DEFAULT.to_vec());
    };
    let mut out = Vec::with_capacity(sel.len() + 1);
    for s in sel {
        let p = group_prop(s).ok_or_else(|| no_such_property(s, "group"))?;
        if !out.contains(&p) {
            out.push(p);
        }
    }
    if !out.contains(&GP::Id) {
        out.push(GP::Id);
    }
    Ok(out)
}

/// `…/$metadata#users` or `…/$metadata#users(displayName,id)`.
pub fn context(graph_base: &str, set: &str, select: Option<&Vec<String>>, entity: bool) -> String {
    let mut s = format!("{graph_base}/v1.0/$metadata#{set}");
    if let Some(sel) = select.filter(|s| !s.is_empty()) {
        s.push('(');
        s.push_str(&sel.join(","));
        s.push(')');
    }
    if entity {
        s.push_str("/$entity");
    }
    s
}
