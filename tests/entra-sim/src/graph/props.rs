//! Property sets of `microsoft.graph.user` and `microsoft.graph.group`, `$select` resolution, and direct JSON
//! writers (no intermediate `serde_json::Value`, so 999-object pages serialise quickly).

use super::response::GraphError;
use crate::store::model::{Group, User};
use crate::util::iso_secs;

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
    "onPremisesSyncEnabled", "onPremisesImmutableId", "onPremisesSamAccountName", "onPremisesDistinguishedName",
    "onPremisesDomainName", "onPremisesUserPrincipalName", "onPremisesSecurityIdentifier", "onPremisesLastSyncDateTime",
    "companyName", "city", "country", "state", "streetAddress", "postalCode", "usageLocation", "employeeType",
    "employeeHireDate", "ageGroup", "consentProvidedForMinor", "legalAgeGroupClassification", "externalUserState",
    "externalUserStateChangeDateTime", "creationType", "faxNumber", "passwordPolicies", "preferredDataLocation",
    "showInAddressList", "signInSessionsValidFromDateTime", "lastPasswordChangeDateTime", "securityIdentifier",
    "signInActivity", "manager", "aboutMe", "birthday", "hireDate", "mySite", "preferredName",
];
const USER_EMPTIES: &[&str] = &[
    "imAddresses", "identities", "assignedLicenses", "assignedPlans", "provisionedPlans", "onPremisesExtensionAttributes",
    "onPremisesProvisioningErrors", "memberOf", "interests", "schools", "skills", "pastProjects", "responsibilities",
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
                UP::Empty(USER_EMPTIES.iter().find(|n| n.eq_ignore_ascii_case(other))?)
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
        other => return GROUP_DEFAULT.iter().copied().find(|g| matches!(g, GP::Null(n) | GP::Empty(n) if n.eq_ignore_ascii_case(other))),
    };
    Some(p)
}

pub fn no_such_property(name: &str, ty: &str) -> GraphError {
    GraphError::bad_request(format!("Could not find a property named '{name}' on type 'microsoft.graph.{ty}'."))
}

/// `$select` for users: `id` always included (Graph returns it), unknown names rejected.
pub fn user_select(select: Option<&Vec<String>>) -> Result<Vec<UP>, GraphError> {
    let Some(sel) = select else { return Ok(USER_DEFAULT.to_vec()) };
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
    let Some(sel) = select else { return Ok(GROUP_DEFAULT.to_vec()) };
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

// ---- writers ----

pub fn w_str(out: &mut Vec<u8>, s: &str) {
    // serde_json escapes correctly and quickly; writing to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

fn w_key(out: &mut Vec<u8>, first: &mut bool, k: &str) {
    if !*first {
        out.push(b',');
    }
    *first = false;
    out.push(b'"');
    out.extend_from_slice(k.as_bytes());
    out.extend_from_slice(b"\":");
}

fn w_opt(out: &mut Vec<u8>, v: Option<&str>) {
    match v {
        Some(s) => w_str(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

fn w_list(out: &mut Vec<u8>, items: &[&str]) {
    out.push(b'[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        w_str(out, s);
    }
    out.push(b']');
}

fn w_bool(out: &mut Vec<u8>, b: bool) {
    out.extend_from_slice(if b { b"true" } else { b"false" });
}

/// Write the object's properties (no braces) after optional leading fields; `first` tracks commas.
pub fn write_user_fields(out: &mut Vec<u8>, u: &User, props: &[UP], first: &mut bool) {
    for p in props {
        match *p {
            UP::Id => {
                w_key(out, first, "id");
                out.push(b'"');
                out.extend_from_slice(u.id.hyphenated().encode_lower(&mut uuid::Uuid::encode_buffer()).as_bytes());
                out.push(b'"');
            }
            UP::UserPrincipalName => {
                w_key(out, first, "userPrincipalName");
                w_str(out, &u.upn);
            }
            UP::DisplayName => {
                w_key(out, first, "displayName");
                w_str(out, &u.display_name);
            }
            UP::GivenName => {
                w_key(out, first, "givenName");
                w_opt(out, u.given_name.as_deref());
            }
            UP::Surname => {
                w_key(out, first, "surname");
                w_opt(out, u.surname.as_deref());
            }
            UP::Mail => {
                w_key(out, first, "mail");
                w_opt(out, u.mail.as_deref());
            }
            UP::MailNickname => {
                w_key(out, first, "mailNickname");
                w_str(out, &u.mail_nickname);
            }
            UP::JobTitle => {
                w_key(out, first, "jobTitle");
                w_opt(out, u.job_title.as_deref());
            }
            UP::Department => {
                w_key(out, first, "department");
                w_opt(out, u.department.as_deref());
            }
            UP::OfficeLocation => {
                w_key(out, first, "officeLocation");
                w_opt(out, u.office_location.as_deref());
            }
            UP::MobilePhone => {
                w_key(out, first, "mobilePhone");
                w_opt(out, u.mobile_phone.as_deref());
            }
            UP::BusinessPhones => {
                w_key(out, first, "businessPhones");
                let v: Vec<&str> = u.business_phones.iter().map(String::as_str).collect();
                w_list(out, &v);
            }
            UP::PreferredLanguage => {
                w_key(out, first, "preferredLanguage");
                w_opt(out, u.preferred_language.as_deref());
            }
            UP::EmployeeId => {
                w_key(out, first, "employeeId");
                w_opt(out, u.employee_id.as_deref());
            }
            UP::AccountEnabled => {
                w_key(out, first, "accountEnabled");
                w_bool(out, u.account_enabled);
            }
            UP::UserType => {
                w_key(out, first, "userType");
                w_str(out, &u.user_type);
            }
            UP::CreatedDateTime => {
                w_key(out, first, "createdDateTime");
                w_str(out, &iso_secs(u.created));
            }
            UP::DeletedDateTime => {
                w_key(out, first, "deletedDateTime");
                w_opt(out, u.deleted_at.map(iso_secs).as_deref());
            }
            UP::OtherMails => {
                w_key(out, first, "otherMails");
                w_list(out, &[]);
            }
            UP::ProxyAddresses => {
                w_key(out, first, "proxyAddresses");
                let smtp = u.mail.as_ref().map(|m| format!("SMTP:{m}"));
                w_list(out, smtp.as_deref().map(|s| vec![s]).unwrap_or_default().as_slice());
            }
            UP::Null(n) => {
                w_key(out, first, n);
                out.extend_from_slice(b"null");
            }
            UP::Empty(n) => {
                w_key(out, first, n);
                out.extend_from_slice(b"[]");
            }
        }
    }
}

pub fn write_group_fields(out: &mut Vec<u8>, g: &Group, props: &[GP], first: &mut bool) {
    for p in props {
        match *p {
            GP::Id => {
                w_key(out, first, "id");
                out.push(b'"');
                out.extend_from_slice(g.id.hyphenated().encode_lower(&mut uuid::Uuid::encode_buffer()).as_bytes());
                out.push(b'"');
            }
            GP::DisplayName => {
                w_key(out, first, "displayName");
                w_str(out, &g.display_name);
            }
            GP::Description => {
                w_key(out, first, "description");
                w_opt(out, g.description.as_deref());
            }
            GP::Mail => {
                w_key(out, first, "mail");
                w_opt(out, g.mail.as_deref());
            }
            GP::MailEnabled => {
                w_key(out, first, "mailEnabled");
                w_bool(out, g.mail_enabled);
            }
            GP::MailNickname => {
                w_key(out, first, "mailNickname");
                w_str(out, &g.mail_nickname);
            }
            GP::SecurityEnabled => {
                w_key(out, first, "securityEnabled");
                w_bool(out, g.security_enabled);
            }
            GP::GroupTypes => {
                w_key(out, first, "groupTypes");
                w_list(out, g.group_types());
            }
            GP::Visibility => {
                w_key(out, first, "visibility");
                w_opt(out, g.visibility.as_deref());
            }
            GP::CreatedDateTime | GP::RenewedDateTime => {
                w_key(out, first, if *p == GP::CreatedDateTime { "createdDateTime" } else { "renewedDateTime" });
                w_str(out, &iso_secs(g.created));
            }
            GP::DeletedDateTime => {
                w_key(out, first, "deletedDateTime");
                w_opt(out, g.deleted_at.map(iso_secs).as_deref());
            }
            GP::ProxyAddresses => {
                w_key(out, first, "proxyAddresses");
                let smtp = g.mail.as_ref().map(|m| format!("SMTP:{m}"));
                w_list(out, smtp.as_deref().map(|s| vec![s]).unwrap_or_default().as_slice());
            }
            GP::SecurityIdentifier => {
                w_key(out, first, "securityIdentifier");
                let (a, b) = g.id.as_u64_pair();
                let sid = format!("S-1-12-1-{}-{}-{}-{}", a >> 32, a & 0xffff_ffff, b >> 32, b & 0xffff_ffff);
                w_str(out, &sid);
            }
            GP::Members => {}
            GP::Null(n) => {
                w_key(out, first, n);
                out.extend_from_slice(b"null");
            }
            GP::Empty(n) => {
                w_key(out, first, n);
                out.extend_from_slice(b"[]");
            }
        }
    }
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
