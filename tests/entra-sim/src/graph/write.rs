//! Direct JSON writers for users and groups (no intermediate `serde_json::Value`).

use super::props::{GP, UP};
use crate::store::model::{Group, User};
use crate::util::iso_secs;

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

fn w_uuid(out: &mut Vec<u8>, id: uuid::Uuid) {
    out.push(b'"');
    out.extend_from_slice(
        id.hyphenated()
            .encode_lower(&mut uuid::Uuid::encode_buffer())
            .as_bytes(),
    );
    out.push(b'"');
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
                w_uuid(out, u.id);
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
                w_list(
                    out,
                    smtp.as_deref()
                        .map(|s| vec![s])
                        .unwrap_or_default()
                        .as_slice(),
                );
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
                w_uuid(out, g.id);
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
                w_key(
                    out,
                    first,
                    if *p == GP::CreatedDateTime {
                        "createdDateTime"
                    } else {
                        "renewedDateTime"
                    },
                );
                w_str(out, &iso_secs(g.created));
            }
            GP::DeletedDateTime => {
                w_key(out, first, "deletedDateTime");
                w_opt(out, g.deleted_at.map(iso_secs).as_deref());
            }
            GP::ProxyAddresses => {
                w_key(out, first, "proxyAddresses");
                let smtp = g.mail.as_ref().map(|m| format!("SMTP:{m}"));
                w_list(
                    out,
                    smtp.as_deref()
                        .map(|s| vec![s])
                        .unwrap_or_default()
                        .as_slice(),
                );
            }
            GP::SecurityIdentifier => {
                w_key(out, first, "securityIdentifier");
                let (a, b) = g.id.as_u64_pair();
                let sid = format!(
                    "S-1-12-1-{}-{}-{}-{}",
                    a >> 32,
                    a & 0xffff_ffff,
                    b >> 32,
                    b & 0xffff_ffff
                );
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
