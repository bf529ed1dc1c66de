//! Users: get by id or UPN, list with filters, count.

use serde::{Deserialize, Serialize};

use super::GraphClient;
use super::ids::UserId;
use super::query::{PageSize, Query, and_clauses, id_in, odata_string, percent_encode};
use crate::error::EntraError;
use crate::paging::Pager;

/// The user properties Patient Access reads (`$select`); `id` is always returned.
pub const USER_SELECT: &str = "id,userPrincipalName,displayName,givenName,surname,mail,accountEnabled,userType,jobTitle,department,employeeId";

/// A directory user with the properties of [`USER_SELECT`]. Unknown properties are ignored; every
/// property but `id` may be absent (default selection, delta with `Prefer: return=minimal`, …).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Object id.
    pub id: UserId,
    /// User principal name (sign-in name; can change).
    #[serde(default)]
    pub user_principal_name: Option<String>,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Given name.
    #[serde(default)]
    pub given_name: Option<String>,
    /// Surname.
    #[serde(default)]
    pub surname: Option<String>,
    /// Primary SMTP address.
    #[serde(default)]
    pub mail: Option<String>,
    /// Whether sign-in is allowed (only with `$select`).
    #[serde(default)]
    pub account_enabled: Option<bool>,
    /// `Member` or `Guest` (only with `$select`).
    #[serde(default)]
    pub user_type: Option<String>,
    /// Job title.
    #[serde(default)]
    pub job_title: Option<String>,
    /// Department (only with `$select`).
    #[serde(default)]
    pub department: Option<String>,
    /// Employee id (only with `$select`).
    #[serde(default)]
    pub employee_id: Option<String>,
}

/// `$filter` on users (default-supported operators only: no advanced query needed).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserFilter {
    /// `accountEnabled eq …`.
    pub account_enabled: Option<bool>,
    /// `startswith(userPrincipalName,'…')`.
    pub upn_starts_with: Option<String>,
    /// `startswith(displayName,'…')`.
    pub display_name_starts_with: Option<String>,
    /// `id in (…)`.
    pub ids: Vec<UserId>,
}

impl UserFilter {
    pub(crate) fn to_odata(&self) -> Option<String> {
        let mut clauses = Vec::new();
        if let Some(enabled) = self.account_enabled {
            clauses.push(format!("accountEnabled eq {enabled}"));
        }
        if let Some(prefix) = &self.upn_starts_with {
            clauses.push(format!(
                "startswith(userPrincipalName,{})",
                odata_string(prefix)
            ));
        }
        if let Some(prefix) = &self.display_name_starts_with {
            clauses.push(format!("startswith(displayName,{})", odata_string(prefix)));
        }
        clauses.extend(id_in(self.ids.iter().map(ToString::to_string)));
        and_clauses(clauses)
    }
}

/// The path addressing a user by UPN: percent-encoded, or `users('…')` for a UPN starting with `$`.
pub(crate) fn upn_path(upn: &str) -> String {
    if upn.starts_with('$') {
        format!("users({})", percent_encode(&odata_string(upn)))
    } else {
        format!("users/{}", percent_encode(upn))
    }
}

impl GraphClient {
    /// `GET /users/{id}?$select=…`.
    pub async fn user(&self, id: UserId) -> Result<User, EntraError> {
        let url = self.url(
            &format!("users/{id}"),
            &Query::new().push("$select", USER_SELECT),
        );
        self.get_json(&url, false).await
    }

    /// `GET /users/{upn}?$select=…` with the UPN percent-encoded (guest `#EXT#` UPNs included).
    pub async fn user_by_upn(&self, upn: &str) -> Result<User, EntraError> {
        let url = self.url(
            &upn_path(upn.trim()),
            &Query::new().push("$select", USER_SELECT),
        );
        self.get_json(&url, false).await
    }

    /// `GET /users?$select=…&$top=…[&$filter=…]`, streamed page by page.
    pub fn users(&self, filter: &UserFilter, page_size: PageSize) -> Pager<User> {
        let query = Query::new()
            .push("$select", USER_SELECT)
            .push_opt("$filter", filter.to_odata())
            .push("$top", page_size.get().to_string());
        Pager::new(self.clone(), self.url("users", &query), false)
    }

    /// `GET /users/$count[?$filter=…]` (`ConsistencyLevel: eventual`).
    pub async fn count_users(&self, filter: &UserFilter) -> Result<u64, EntraError> {
        let url = self.url(
            "users/$count",
            &Query::new().push_opt("$filter", filter.to_odata()),
        );
        self.get_count(&url).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_filter_combines_clauses() {
        let f = UserFilter {
            account_enabled: Some(false),
            upn_starts_with: Some("o'neil".into()),
            ..UserFilter::default()
        };
        assert_eq!(
            f.to_odata().as_deref(),
            Some("accountEnabled eq false and startswith(userPrincipalName,'o''neil')")
        );
        assert_eq!(UserFilter::default().to_odata(), None);
    }

    #[test]
    fn upns_are_percent_encoded_in_paths() {
        assert_eq!(upn_path("ada@contoso.com"), "users/ada%40contoso.com");
        assert_eq!(
            upn_path("jo_x.com#EXT#@contoso.com"),
            "users/jo_x.com%23EXT%23%40contoso.com"
        );
        assert_eq!(
            upn_path("$adm@contoso.com"),
            "users(%27%24adm%40contoso.com%27)"
        );
    }

    #[test]
    fn users_deserialise_ignoring_unknown_properties() {
        let u: User = serde_json::from_str(
            r#"{"id":"87d349ed-44d7-43e1-9a83-5f2406dee5bd","displayName":"Adele","businessPhones":[],"accountEnabled":true}"#,
        )
        .unwrap();
        assert_eq!(u.display_name.as_deref(), Some("Adele"));
        assert_eq!(u.account_enabled, Some(true));
        assert_eq!(u.mail, None);
    }
}
