//! Group membership: direct and transitive members, all objects or users only (OData cast), counts.

use serde::Deserialize;

use super::GraphClient;
use super::groups::Group;
use super::ids::GroupId;
use super::query::{PageSize, Query};
use super::users::{USER_SELECT, User};
use crate::error::EntraError;
use crate::paging::Pager;

/// Direct members only, or the flattened nested membership.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberScope {
    /// `/members`.
    Direct,
    /// `/transitiveMembers` (nested groups flattened; the nested groups themselves are listed too).
    Transitive,
}

impl MemberScope {
    fn segment(self) -> &'static str {
        match self {
            MemberScope::Direct => "members",
            MemberScope::Transitive => "transitiveMembers",
        }
    }
}

/// The type of a directory object, from its `@odata.type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemberKind {
    /// `#microsoft.graph.user`.
    User,
    /// `#microsoft.graph.group`.
    Group,
    /// Devices, service principals, org contacts…
    Other,
}

impl MemberKind {
    pub(crate) fn from_odata_type(t: Option<&str>) -> Self {
        match t.map(|t| t.trim_start_matches('#').to_ascii_lowercase()) {
            Some(t) if t == "microsoft.graph.user" => MemberKind::User,
            Some(t) if t == "microsoft.graph.group" => MemberKind::Group,
            _ => MemberKind::Other,
        }
    }
}

/// A member of a group (default properties of its type).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "@odata.type")]
pub enum DirectoryObject {
    /// A user.
    #[serde(rename = "#microsoft.graph.user")]
    User(User),
    /// A (nested) group.
    #[serde(rename = "#microsoft.graph.group")]
    Group(Group),
    /// Another kind of member (device, service principal, contact): not synchronised.
    #[serde(other)]
    Other,
}

impl GraphClient {
    /// `GET /groups/{id}/members|transitiveMembers?$top=…`: users, groups and other objects.
    pub fn members(
        &self,
        group: GroupId,
        scope: MemberScope,
        page_size: PageSize,
    ) -> Pager<DirectoryObject> {
        let query = Query::new().push("$top", page_size.get().to_string());
        Pager::new(
            self.clone(),
            self.url(&format!("groups/{group}/{}", scope.segment()), &query),
            false,
        )
    }

    /// `GET /groups/{id}/members|transitiveMembers/microsoft.graph.user?$select=…&$count=true&$top=…`
    /// — users only, with the [`USER_SELECT`] properties. Sent as an advanced query
    /// (`ConsistencyLevel: eventual` + `$count=true`, on every page), as Graph documents for casts.
    pub fn member_users(
        &self,
        group: GroupId,
        scope: MemberScope,
        page_size: PageSize,
    ) -> Pager<User> {
        let query = Query::new()
            .push("$select", USER_SELECT)
            .push("$count", "true")
            .push("$top", page_size.get().to_string());
        let path = format!("groups/{group}/{}/microsoft.graph.user", scope.segment());
        Pager::new(self.clone(), self.url(&path, &query), true)
    }

    /// `GET /groups/{id}/members|transitiveMembers/microsoft.graph.group?$select=…&$count=true&$top=…`
    /// — nested groups only (with the [`GROUP_SELECT`](super::GROUP_SELECT) properties), sent as an
    /// advanced query like [`Self::member_users`]. With [`MemberScope::Transitive`]: every group
    /// nested at any depth, which a sync needs because delta reports a nested group's membership
    /// change on that group only, never on its parents. Graph answers 400 for a Microsoft 365 group
    /// (it cannot contain groups).
    pub fn member_groups(
        &self,
        group: GroupId,
        scope: MemberScope,
        page_size: PageSize,
    ) -> Pager<Group> {
        let query = Query::new()
            .push("$select", super::GROUP_SELECT)
            .push("$count", "true")
            .push("$top", page_size.get().to_string());
        let path = format!("groups/{group}/{}/microsoft.graph.group", scope.segment());
        Pager::new(self.clone(), self.url(&path, &query), true)
    }

    /// `GET /groups/{id}/members|transitiveMembers[/microsoft.graph.user]/$count`.
    pub async fn count_members(
        &self,
        group: GroupId,
        scope: MemberScope,
        users_only: bool,
    ) -> Result<u64, EntraError> {
        let cast = if users_only {
            "/microsoft.graph.user"
        } else {
            ""
        };
        let url = self.url(
            &format!("groups/{group}/{}{cast}/$count", scope.segment()),
            &Query::new(),
        );
        self.get_count(&url).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_typed_by_odata_type() {
        let items: Vec<DirectoryObject> = serde_json::from_str(
            r##"[{"@odata.type":"#microsoft.graph.user","id":"87d349ed-44d7-43e1-9a83-5f2406dee5bd","displayName":"A"},
                {"@odata.type":"#microsoft.graph.group","id":"97d349ed-44d7-43e1-9a83-5f2406dee5bd","displayName":"G"},
                {"@odata.type":"#microsoft.graph.device","id":"x"}]"##,
        )
        .unwrap();
        assert!(
            matches!(&items[0], DirectoryObject::User(u) if u.display_name.as_deref() == Some("A"))
        );
        assert!(
            matches!(&items[1], DirectoryObject::Group(g) if g.display_name.as_deref() == Some("G"))
        );
        assert_eq!(items[2], DirectoryObject::Other);
        assert_eq!(
            MemberKind::from_odata_type(Some("#microsoft.graph.user")),
            MemberKind::User
        );
    }
}
