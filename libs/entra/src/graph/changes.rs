//! The entries of delta pages (users, groups, `members@delta`) and the persisted cursor.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::groups::Group;
use super::ids::{GroupId, UserId};
use super::members::MemberKind;
use super::users::User;

/// A persisted delta position: the `@odata.deltaLink` URL. Opaque; serialises as the plain string.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeltaCursor(pub(crate) String);

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
