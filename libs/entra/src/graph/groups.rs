//! Groups: get, list with filters, `$search` type-ahead, count.

use serde::{Deserialize, Deserializer, Serialize};

use super::GraphClient;
use super::ids::GroupId;
use super::query::{PageSize, Query, and_clauses, id_in, odata_string, search_clause};
use crate::error::EntraError;
use crate::paging::Pager;

/// The group properties Patient Access reads (`$select`).
pub const GROUP_SELECT: &str =
    "id,displayName,description,mail,mailEnabled,securityEnabled,groupTypes";

/// A directory group with the properties of [`GROUP_SELECT`].
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// Object id.
    pub id: GroupId,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Primary SMTP address (mail-enabled groups).
    #[serde(default)]
    pub mail: Option<String>,
    /// Mail-enabled.
    #[serde(default)]
    pub mail_enabled: Option<bool>,
    /// Security group (can be used for access control).
    #[serde(default)]
    pub security_enabled: Option<bool>,
    /// `["Unified"]` for Microsoft 365 groups, `["DynamicMembership"]` for dynamic groups.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub group_types: Vec<String>,
}

impl Group {
    /// Microsoft 365 ("Unified") group.
    pub fn is_microsoft_365(&self) -> bool {
        self.group_types
            .iter()
            .any(|t| t.eq_ignore_ascii_case("Unified"))
    }
}

fn null_as_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(d)?.unwrap_or_default())
}

/// `$filter` on groups (default-supported operators only).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupFilter {
    /// `securityEnabled eq …`.
    pub security_enabled: Option<bool>,
    /// `mailEnabled eq …`.
    pub mail_enabled: Option<bool>,
    /// `startswith(displayName,'…')`.
    pub display_name_starts_with: Option<String>,
    /// `displayName eq '…'`.
    pub display_name: Option<String>,
    /// `id in (…)`.
    pub ids: Vec<GroupId>,
}

impl GroupFilter {
    /// Security groups only.
    pub fn security() -> Self {
        Self {
            security_enabled: Some(true),
            ..Self::default()
        }
    }

    pub(crate) fn to_odata(&self) -> Option<String> {
        let mut clauses = Vec::new();
        if let Some(v) = self.security_enabled {
            clauses.push(format!("securityEnabled eq {v}"));
        }
        if let Some(v) = self.mail_enabled {
            clauses.push(format!("mailEnabled eq {v}"));
        }
        if let Some(prefix) = &self.display_name_starts_with {
            clauses.push(format!("startswith(displayName,{})", odata_string(prefix)));
        }
        if let Some(name) = &self.display_name {
            clauses.push(format!("displayName eq {}", odata_string(name)));
        }
        clauses.extend(id_in(self.ids.iter().map(ToString::to_string)));
        and_clauses(clauses)
    }
}

impl GraphClient {
    /// `GET /groups/{id}?$select=…`.
    pub async fn group(&self, id: GroupId) -> Result<Group, EntraError> {
        let url = self.url(
            &format!("groups/{id}"),
            &Query::new().push("$select", GROUP_SELECT),
        );
        self.get_json(&url, false).await
    }

    /// `GET /groups?$select=…&$top=…[&$filter=…]`, streamed page by page.
    pub fn groups(&self, filter: &GroupFilter, page_size: PageSize) -> Pager<Group> {
        let query = Query::new()
            .push("$select", GROUP_SELECT)
            .push_opt("$filter", filter.to_odata())
            .push("$top", page_size.get().to_string());
        Pager::new(self.clone(), self.url("groups", &query), false)
    }

    /// Type-ahead: `GET /groups?$search="displayName:{text}"&$count=true[&$filter=…]` with
    /// `ConsistencyLevel: eventual` on every page. Matches whole words / word prefixes of the display
    /// name, in any order. Typically only the first page is read. Blank `text` lists groups instead.
    /// Double quotes and backslashes in `text` are treated as word separators.
    pub fn search_groups(
        &self,
        text: &str,
        filter: &GroupFilter,
        page_size: PageSize,
    ) -> Pager<Group> {
        let Some(clause) = search_clause("displayName", text) else {
            return self.groups(filter, page_size);
        };
        let query = Query::new()
            .push("$search", clause)
            .push_opt("$filter", filter.to_odata())
            .push("$select", GROUP_SELECT)
            .push("$count", "true")
            .push("$top", page_size.get().to_string());
        Pager::new(self.clone(), self.url("groups", &query), true)
    }

    /// `GET /groups/$count[?$filter=…]` (`ConsistencyLevel: eventual`).
    pub async fn count_groups(&self, filter: &GroupFilter) -> Result<u64, EntraError> {
        let url = self.url(
            "groups/$count",
            &Query::new().push_opt("$filter", filter.to_odata()),
        );
        self.get_count(&url).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_filter_combines_clauses() {
        let f = GroupFilter {
            display_name_starts_with: Some("Nur".into()),
            ..GroupFilter::security()
        };
        assert_eq!(
            f.to_odata().as_deref(),
            Some("securityEnabled eq true and startswith(displayName,'Nur')")
        );
    }

    #[test]
    fn null_group_types_read_as_empty() {
        let g: Group = serde_json::from_str(
            r#"{"id":"87d349ed-44d7-43e1-9a83-5f2406dee5bd","groupTypes":null}"#,
        )
        .unwrap();
        assert!(g.group_types.is_empty());
        assert!(!g.is_microsoft_365());
    }
}
