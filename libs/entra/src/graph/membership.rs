//! Membership checks: is this user in this group, directly or through nested groups?

use super::GraphClient;
use super::ids::{GroupId, UserId};
use super::query::{Query, odata_string};
use crate::error::EntraError;
use crate::paging::Page;

impl GraphClient {
    /// Whether `user` is a transitive member of `group`:
    /// `GET /groups/{id}/transitiveMembers/microsoft.graph.user?$filter=id eq '{user}'&$select=id&$count=true`
    /// with `ConsistencyLevel: eventual` (an advanced query, as Graph requires for filters on a
    /// cast). One request whatever the group's size.
    pub async fn has_transitive_member(
        &self,
        group: GroupId,
        user: UserId,
    ) -> Result<bool, EntraError> {
        let query = Query::new()
            .push(
                "$filter",
                format!("id eq {}", odata_string(&user.to_string())),
            )
            .push("$select", "id")
            .push("$count", "true");
        let url = self.url(
            &format!("groups/{group}/transitiveMembers/microsoft.graph.user"),
            &query,
        );
        let mut pager = crate::paging::Pager::<IdOnly>::new(self.clone(), url, true);
        while let Some(Page { items, .. }) = pager.next_page().await? {
            if items.iter().any(|u| u.id == user) {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

#[derive(serde::Deserialize)]
struct IdOnly {
    id: UserId,
}
