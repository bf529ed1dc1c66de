//! [`Role`]: pa-events' `AccessRole` as it appears in this API's schema.

use pa_events::AccessRole;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The Patient Access role a group grants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Manager,
    Viewer,
}

impl From<AccessRole> for Role {
    fn from(r: AccessRole) -> Self {
        match r {
            AccessRole::Admin => Role::Admin,
            AccessRole::Manager => Role::Manager,
            AccessRole::Viewer => Role::Viewer,
        }
    }
}

impl From<Role> for AccessRole {
    fn from(r: Role) -> Self {
        match r {
            Role::Admin => AccessRole::Admin,
            Role::Manager => AccessRole::Manager,
            Role::Viewer => AccessRole::Viewer,
        }
    }
}
