//! [`AccessRole`]: the three console roles, ordered by privilege.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A Patient Access role. `Admin` > `Manager` > `Viewer`: when several groups grant a user
/// roles, the highest wins (`Ord` follows privilege, so `max()` picks it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessRole {
    Viewer,
    Manager,
    Admin,
}

impl AccessRole {
    /// Every role, lowest privilege first.
    pub const ALL: [AccessRole; 3] = [AccessRole::Viewer, AccessRole::Manager, AccessRole::Admin];

    /// The lowercase name used on the wire and in the database (`admin`, `manager`, `viewer`).
    pub const fn as_str(self) -> &'static str {
        match self {
            AccessRole::Viewer => "viewer",
            AccessRole::Manager => "manager",
            AccessRole::Admin => "admin",
        }
    }
}

impl fmt::Display for AccessRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text was not `admin`, `manager` or `viewer`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRole(pub String);

impl fmt::Display for UnknownRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown role {:?}: expected admin, manager or viewer",
            self.0
        )
    }
}

impl std::error::Error for UnknownRole {}

impl FromStr for AccessRole {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "admin" => Ok(AccessRole::Admin),
            "manager" => Ok(AccessRole::Manager),
            "viewer" => Ok(AccessRole::Viewer),
            other => Err(UnknownRole(other.to_owned())),
        }
    }
}
