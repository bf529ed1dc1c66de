//! Delta queries for users and groups (reference §5).
//!
//! A round starts from [`DeltaStart`] and is read page by page with [`DeltaPager::next_page`]; the
//! last page carries the [`DeltaCursor`] (the `@odata.deltaLink` URL, verbatim) to persist and resume
//! from next time. An expired or reset cursor (`syncStateNotFound`, `resyncRequired`, 410 Gone) is
//! reported as [`DeltaError::ResyncRequired`]: discard the cursor and run a full round.

use std::fmt;
use std::marker::PhantomData;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::GraphClient;
use super::groups::{GROUP_SELECT, Group};
use super::ids::{GroupId, UserId};
use super::members::MemberKind;
use super::query::Query;
use super::users::{USER_SELECT, User};
use crate::error::{EntraError, ErrorKind};
use crate::paging::PageBody;

/// A persisted delta position: the `@odata.deltaLink` URL. Opaque; serialises as the plain string.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeltaCursor(String);

impl DeltaCursor {
    /// Restores a cursor from its stored string.
    pub fn new(delta_link: impl Into<String>) -> Self {
        Self(delta_link.into())
    }

    /// The deltaLink URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DeltaCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The token is not a credential, but it is long; show its tail only.
        let start = self.0.char_indices().rev().nth(15).map_or(0, |(i, _)| i);
        let tail = &self.0[start..];
        write!(f, "DeltaCursor(…{tail})")
    }
}

/// Where a delta round starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeltaStart {
    /// A full initial round: every object, then a cursor.
    Initial,
    /// "Sync from now" (`$deltatoken=latest`): no objects, just a cursor.
    Latest,
    /// Changes since a stored cursor.
    Resume(DeltaCursor),
}

/// Why an object left the directory view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RemovalReason {
    /// Soft-deleted (restorable for 30 days) — `@removed.reason = changed`.
    Changed,
    /// Permanently deleted — `@removed.reason = deleted`.
    Deleted,
    /// A reason this client does not know (treat as removed).
    #[serde(other)]
    Unknown,
}

#[derive(Deserialize)]
struct Removed {
    reason: RemovalReason,
}

/// One user entry of a delta page.
// Upserts dominate delta pages; boxing the user would cost an allocation for each of them.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(from = "RawUserDelta")]
pub enum UserChange {
    /// Created or updated (all selected properties with their current values).
    Upserted(User),
    /// Soft- or hard-deleted.
    Removed {
        /// The user.
        id: UserId,
        /// Soft (`Changed`) or hard (`Deleted`).
        reason: RemovalReason,
    },
}

#[derive(Deserialize)]
struct RawUserDelta {
    #[serde(default, rename = "@removed")]
    removed: Option<Removed>,
    #[serde(flatten)]
    user: User,
}

impl From<RawUserDelta> for UserChange {
    fn from(raw: RawUserDelta) -> Self {
        match raw.removed {
            Some(r) => UserChange::Removed {
                id: raw.user.id,
                reason: r.reason,
            },
            None => UserChange::Upserted(raw.user),
        }
    }
}

/// A membership change inside `members@delta`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberChange {
    /// Member object id.
    pub id: Uuid,
    /// User, group or other.
    pub kind: MemberKind,
    /// `true` when the member was removed from the group.
    pub removed: bool,
}

#[derive(Deserialize)]
struct RawMemberDelta {
    id: Uuid,
    #[serde(default, rename = "@odata.type")]
    odata_type: Option<String>,
    #[serde(default, rename = "@removed")]
    removed: Option<serde::de::IgnoredAny>,
}

/// One group entry of a delta page.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(from = "RawGroupDelta")]
pub enum GroupChange {
    /// Created or updated. A large group's membership may be split over several entries (same id,
    /// different `members` slices, any order): merge by id.
    Upserted {
        /// The group's selected properties.
        group: Group,
        /// `members@delta` of this entry (empty when absent).
        members: Vec<MemberChange>,
    },
    /// Soft- or hard-deleted.
    Removed {
        /// The group.
        id: GroupId,
        /// Soft (`Changed`) or hard (`Deleted`).
        reason: RemovalReason,
    },
}

#[derive(Deserialize)]
struct RawGroupDelta {
    #[serde(default, rename = "@removed")]
    removed: Option<Removed>,
    #[serde(default, rename = "members@delta")]
    members: Option<Vec<RawMemberDelta>>,
    #[serde(flatten)]
    group: Group,
}

impl From<RawGroupDelta> for GroupChange {
    fn from(raw: RawGroupDelta) -> Self {
        match raw.removed {
            Some(r) => GroupChange::Removed {
                id: raw.group.id,
                reason: r.reason,
            },
            None => GroupChange::Upserted {
                group: raw.group,
                members: raw
                    .members
                    .unwrap_or_default()
                    .into_iter()
                    .map(|m| MemberChange {
                        id: m.id,
                        kind: MemberKind::from_odata_type(m.odata_type.as_deref()),
                        removed: m.removed.is_some(),
                    })
                    .collect(),
            },
        }
    }
}

/// A delta failure: either "start over" or an ordinary error.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeltaError {
    /// The cursor expired or the service reset sync state: drop the cursor and run
    /// [`DeltaStart::Initial`] (a full resync).
    #[error("delta state must be rebuilt (full resync): {code}")]
    ResyncRequired {
        /// Graph code (`syncStateNotFound`, `resyncRequired`, …) or why the cursor was refused.
        code: String,
        /// The `Location` of a 410 Gone (the initial query Graph suggests), if given.
        restart_url: Option<String>,
    },
    /// Any other failure.
    #[error(transparent)]
    Entra(#[from] EntraError),
}

impl DeltaError {
    /// The typed classification ([`ErrorKind::ResyncRequired`] for the resync signal).
    pub fn kind(&self) -> ErrorKind {
        match self {
            DeltaError::ResyncRequired { .. } => ErrorKind::ResyncRequired,
            DeltaError::Entra(e) => e.kind(),
        }
    }

    fn from_entra(e: EntraError) -> Self {
        match e {
            EntraError::Graph(g) if g.kind == ErrorKind::ResyncRequired => {
                DeltaError::ResyncRequired {
                    code: g.code,
                    restart_url: g.location,
                }
            }
            other => DeltaError::Entra(other),
        }
    }
}

/// One page of a delta round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeltaPage<T> {
    /// Changes on this page (an object can appear more than once per round).
    pub changes: Vec<T>,
    /// On the last page: the cursor to persist for the next round.
    pub cursor: Option<DeltaCursor>,
}

/// Page-by-page reader of one delta round.
#[derive(Debug)]
pub struct DeltaPager<T> {
    graph: GraphClient,
    next: Option<Result<String, DeltaError>>,
    pages_read: u64,
    _item: PhantomData<fn() -> T>,
}

impl<T: serde::de::DeserializeOwned> DeltaPager<T> {
    fn new(graph: GraphClient, resource: &str, select: String, start: DeltaStart) -> Self {
        let next = match start {
            DeltaStart::Initial => Ok(graph.url(
                &format!("{resource}/delta"),
                &Query::new().push("$select", select),
            )),
            DeltaStart::Latest => Ok(graph.url(
                &format!("{resource}/delta"),
                &Query::new()
                    .push("$select", select)
                    .push("$deltatoken", "latest"),
            )),
            DeltaStart::Resume(cursor) => match graph.check_link(cursor.as_str()) {
                Ok(()) => Ok(cursor.0),
                Err(_) => Err(DeltaError::ResyncRequired {
                    code: "cursorForAnotherGraphEndpoint".into(),
                    restart_url: None,
                }),
            },
        };
        Self {
            graph,
            next: Some(next),
            pages_read: 0,
            _item: PhantomData,
        }
    }

    /// Fetches the next page of the round; `Ok(None)` once the cursor has been returned.
    pub async fn next_page(&mut self) -> Result<Option<DeltaPage<T>>, DeltaError> {
        let url = match self.next.take() {
            None => return Ok(None),
            Some(next) => next?,
        };
        let body: PageBody<T> = self
            .graph
            .get_json(&url, false)
            .await
            .map_err(DeltaError::from_entra)?;
        self.pages_read += 1;
        let cursor = match (body.next_link, body.delta_link) {
            (Some(next), _) => {
                self.graph.check_link(&next)?;
                self.next = Some(Ok(next));
                None
            }
            (None, Some(delta)) => {
                self.graph.check_link(&delta)?;
                Some(DeltaCursor(delta))
            }
            (None, None) => {
                return Err(DeltaError::Entra(EntraError::unexpected(
                    crate::error::Endpoint::Graph,
                    Some(200),
                    "delta page has neither @odata.nextLink nor @odata.deltaLink",
                )));
            }
        };
        Ok(Some(DeltaPage {
            changes: body.value,
            cursor,
        }))
    }

    /// Pages fetched so far.
    pub fn pages_read(&self) -> u64 {
        self.pages_read
    }
}

impl GraphClient {
    /// A users delta round (`/users/delta?$select=…`).
    pub fn users_delta(&self, start: DeltaStart) -> DeltaPager<UserChange> {
        DeltaPager::new(self.clone(), "users", USER_SELECT.to_owned(), start)
    }

    /// A groups delta round (`/groups/delta?$select=…,members`), with `members@delta`.
    pub fn groups_delta(&self, start: DeltaStart) -> DeltaPager<GroupChange> {
        DeltaPager::new(
            self.clone(),
            "groups",
            format!("{GROUP_SELECT},members"),
            start,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_delta_entries_are_typed() {
        let page: Vec<UserChange> = serde_json::from_str(
            r#"[{"id":"87d349ed-44d7-43e1-9a83-5f2406dee5bd","displayName":"A","accountEnabled":false},
                {"id":"97d349ed-44d7-43e1-9a83-5f2406dee5bd","@removed":{"reason":"changed"}},
                {"id":"a7d349ed-44d7-43e1-9a83-5f2406dee5bd","@removed":{"reason":"deleted"}}]"#,
        )
        .unwrap();
        assert!(matches!(&page[0], UserChange::Upserted(u) if u.account_enabled == Some(false)));
        assert!(matches!(
            page[1],
            UserChange::Removed {
                reason: RemovalReason::Changed,
                ..
            }
        ));
        assert!(matches!(
            page[2],
            UserChange::Removed {
                reason: RemovalReason::Deleted,
                ..
            }
        ));
    }

    #[test]
    fn group_delta_entries_carry_member_changes() {
        let page: Vec<GroupChange> = serde_json::from_str(
            r##"[{"id":"87d349ed-44d7-43e1-9a83-5f2406dee5bd","displayName":"G","members@delta":[
                   {"@odata.type":"#microsoft.graph.user","id":"97d349ed-44d7-43e1-9a83-5f2406dee5bd"},
                   {"@odata.type":"#microsoft.graph.user","id":"a7d349ed-44d7-43e1-9a83-5f2406dee5bd","@removed":{"reason":"deleted"}}]},
                 {"id":"b7d349ed-44d7-43e1-9a83-5f2406dee5bd","@removed":{"reason":"deleted"}}]"##,
        )
        .unwrap();
        let GroupChange::Upserted { group, members } = &page[0] else {
            panic!("{page:?}")
        };
        assert_eq!(group.display_name.as_deref(), Some("G"));
        assert_eq!(members.len(), 2);
        assert!(!members[0].removed && members[1].removed);
        assert_eq!(members[0].kind, MemberKind::User);
        assert!(matches!(
            page[1],
            GroupChange::Removed {
                reason: RemovalReason::Deleted,
                ..
            }
        ));
    }

    #[test]
    fn cursor_serialises_as_the_delta_link() {
        let c = DeltaCursor::new("https://graph.microsoft.com/v1.0/users/delta?$deltatoken=abc");
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(
            json,
            "\"https://graph.microsoft.com/v1.0/users/delta?$deltatoken=abc\""
        );
        assert_eq!(serde_json::from_str::<DeltaCursor>(&json).unwrap(), c);
    }
}
