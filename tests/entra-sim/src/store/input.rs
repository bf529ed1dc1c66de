//! Inputs of the control API (Rust and HTTP): new users/groups and patches.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::model::{GroupKind, SizeClass};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TenantSpec {
    /// Tenant GUID; random when absent.
    pub id: Option<Uuid>,
    pub display_name: String,
    /// Verified domains; the first is the initial (`*.onmicrosoft.com`) one. Derived from the name when empty.
    pub domains: Vec<String>,
    /// RU class; derived from the live user count when absent.
    pub size_class: Option<SizeClass>,
    /// `tenant_region_scope` in discovery (default `WW`).
    pub region_scope: Option<String>,
    /// Admin consent already granted (all app roles) at creation.
    pub consented: bool,
}

impl TenantSpec {
    pub fn new(display_name: &str, domains: &[&str]) -> Self {
        Self {
            display_name: display_name.to_string(),
            domains: domains.iter().map(|d| d.to_string()).collect(),
            ..Self::default()
        }
    }

    pub fn with_id(mut self, id: Uuid) -> Self {
        self.id = Some(id);
        self
    }

    pub fn consented(mut self) -> Self {
        self.consented = true;
        self
    }

    pub fn size_class(mut self, c: SizeClass) -> Self {
        self.size_class = Some(c);
        self
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewUser {
    pub id: Option<Uuid>,
    pub user_principal_name: String,
    pub display_name: String,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    /// `None` → no mail ([`NewUser::new`] sets it to the UPN).
    pub mail: Option<String>,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub office_location: Option<String>,
    pub mobile_phone: Option<String>,
    pub business_phones: Vec<String>,
    pub preferred_language: Option<String>,
    pub employee_id: Option<String>,
    pub account_enabled: bool,
    /// `Member` or `Guest`.
    pub user_type: String,
}

impl Default for NewUser {
    fn default() -> Self {
        Self {
            id: None,
            user_principal_name: String::new(),
            display_name: String::new(),
            given_name: None,
            surname: None,
            mail: None,
            job_title: None,
            department: None,
            office_location: None,
            mobile_phone: None,
            business_phones: Vec::new(),
            preferred_language: None,
            employee_id: None,
            account_enabled: true,
            user_type: "Member".into(),
        }
    }
}

impl NewUser {
    /// A member user; `mail` = UPN, given/surname split from the display name.
    pub fn new(upn: &str, display_name: &str) -> Self {
        let mut parts = display_name.splitn(2, ' ');
        let given = parts.next().map(str::to_string).filter(|s| !s.is_empty());
        let surname = parts.next().map(str::to_string);
        Self {
            user_principal_name: upn.to_string(),
            display_name: display_name.to_string(),
            given_name: given,
            surname,
            mail: Some(upn.to_string()),
            ..Self::default()
        }
    }

    pub fn disabled(mut self) -> Self {
        self.account_enabled = false;
        self
    }

    pub fn guest(mut self) -> Self {
        self.user_type = "Guest".into();
        self
    }

    pub fn job_title(mut self, t: &str) -> Self {
        self.job_title = Some(t.to_string());
        self
    }

    pub fn department(mut self, d: &str) -> Self {
        self.department = Some(d.to_string());
        self
    }

    pub fn with_id(mut self, id: Uuid) -> Self {
        self.id = Some(id);
        self
    }
}

/// Partial update of a user; `Some(None)` clears an optional property.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UserPatch {
    pub display_name: Option<String>,
    #[serde(deserialize_with = "double_option")]
    pub given_name: Option<Option<String>>,
    #[serde(deserialize_with = "double_option")]
    pub surname: Option<Option<String>>,
    #[serde(deserialize_with = "double_option")]
    pub mail: Option<Option<String>>,
    #[serde(deserialize_with = "double_option")]
    pub job_title: Option<Option<String>>,
    #[serde(deserialize_with = "double_option")]
    pub department: Option<Option<String>>,
    #[serde(deserialize_with = "double_option")]
    pub office_location: Option<Option<String>>,
    #[serde(deserialize_with = "double_option")]
    pub mobile_phone: Option<Option<String>>,
    pub business_phones: Option<Vec<String>>,
    #[serde(deserialize_with = "double_option")]
    pub preferred_language: Option<Option<String>>,
    #[serde(deserialize_with = "double_option")]
    pub employee_id: Option<Option<String>>,
    pub account_enabled: Option<bool>,
    pub user_type: Option<String>,
    pub user_principal_name: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewGroup {
    pub id: Option<Uuid>,
    pub display_name: String,
    pub description: Option<String>,
    pub kind: GroupKind,
    /// Overrides derived from `kind` when given.
    pub mail_enabled: Option<bool>,
    pub security_enabled: Option<bool>,
    pub mail_nickname: Option<String>,
    pub visibility: Option<String>,
}

impl NewGroup {
    pub fn security(name: &str) -> Self {
        Self {
            display_name: name.to_string(),
            kind: GroupKind::Security,
            ..Self::default()
        }
    }

    pub fn m365(name: &str) -> Self {
        Self {
            display_name: name.to_string(),
            kind: GroupKind::M365,
            ..Self::default()
        }
    }

    pub fn description(mut self, d: &str) -> Self {
        self.description = Some(d.to_string());
        self
    }

    pub fn with_id(mut self, id: Uuid) -> Self {
        self.id = Some(id);
        self
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GroupPatch {
    pub display_name: Option<String>,
    #[serde(deserialize_with = "double_option")]
    pub description: Option<Option<String>>,
    pub mail_enabled: Option<bool>,
    pub security_enabled: Option<bool>,
    #[serde(deserialize_with = "double_option")]
    pub visibility: Option<Option<String>>,
}

/// What control calls return about a user.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct UserInfo {
    pub id: Uuid,
    pub user_principal_name: String,
    pub display_name: String,
    pub mail: Option<String>,
    pub account_enabled: bool,
    pub user_type: String,
    pub soft_deleted: bool,
    pub hard_deleted: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct GroupInfo {
    pub id: Uuid,
    pub display_name: String,
    pub description: Option<String>,
    pub mail: Option<String>,
    pub mail_enabled: bool,
    pub security_enabled: bool,
    pub group_types: Vec<String>,
    pub direct_members: usize,
    pub deleted: bool,
}

/// `absent` → `None`, `null` → `Some(None)`, value → `Some(Some(v))`.
fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}
