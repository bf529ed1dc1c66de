//! Produced by sync-dispatch: a person's access changed (joiner, mover, leaver).
//! admin-console ends the user's sessions on `user.deactivated` and `user.role_changed`.

use pa_domain::TenantId;
use pa_messaging::Event;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::role::AccessRole;

/// Why a user lost access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeactivationReason {
    /// No longer a (transitive) member of any configured group, and no direct assignment.
    RemovedFromGroups,
    /// `accountEnabled` turned false in Entra ID.
    Disabled,
    /// Deleted in Entra ID, restorable for 30 days.
    SoftDeleted,
    /// Permanently deleted in Entra ID.
    HardDeleted,
    /// An Admin removed their direct assignment and no group grants a role.
    AssignmentRemoved,
    /// The tenant's synced data was purged.
    TenantPurged,
}

/// A joiner, or a leaver who came back (re-enabled, restored, re-added to a group).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserActivated {
    pub tenant_id: TenantId,
    /// Entra object id (`oid`).
    pub object_id: Uuid,
    pub user_principal_name: String,
    pub role: AccessRole,
    /// The sync run that made the change (none when a configuration change did).
    pub run_id: Option<Uuid>,
}

impl Event for UserActivated {
    const TYPE: &'static str = "user.activated";
}

/// A leaver: every session of this user must end now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDeactivated {
    pub tenant_id: TenantId,
    pub object_id: Uuid,
    pub user_principal_name: String,
    pub reason: DeactivationReason,
    pub previous_role: Option<AccessRole>,
    pub run_id: Option<Uuid>,
}

impl Event for UserDeactivated {
    const TYPE: &'static str = "user.deactivated";
}

/// A mover: the effective role of an active user changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRoleChanged {
    pub tenant_id: TenantId,
    pub object_id: Uuid,
    pub user_principal_name: String,
    pub previous_role: AccessRole,
    pub role: AccessRole,
    pub run_id: Option<Uuid>,
}

impl Event for UserRoleChanged {
    const TYPE: &'static str = "user.role_changed";
}
