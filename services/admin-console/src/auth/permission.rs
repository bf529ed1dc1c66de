//! [`Permission`]: what each role may do — the console's authorization matrix, as data.
//!
//! Roles are ordered Admin > Manager > Viewer; a permission names the least role that holds it.
//! API tokens act with their role (never above their creating Admin's current role) but cannot do
//! the `interactive_only` things (manage tokens, emergency accounts or sessions). Every id in a
//! path is looked up inside the caller's tenant (RLS underneath): another tenant's ids are 404.

use crate::domain::AccessRole;

/// One capability of the console API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Users, groups, a user's detail.
    ReadDirectory,
    /// Sync status and run history.
    ReadSync,
    /// Settings.
    ReadSettings,
    /// One's own sessions: list, end; sign out.
    OwnSessions,
    /// "Sync now".
    RequestSync,
    /// Deactivate / reactivate a user in the product (not one with a higher role).
    ManageUserStatus,
    /// The audit log, its export and its chain verification.
    ReadAudit,
    /// The access review export.
    AccessReview,
    /// End one user's sessions.
    EndUserSessions,
    /// End every session of the tenant.
    EndAllSessions,
    /// Assign or remove a direct role.
    AssignRoles,
    /// Add or remove admin and user groups.
    ManageGroups,
    /// Approve or reject a held sync run.
    DecideHolds,
    /// Change settings.
    ManageSettings,
    /// Create, list, revoke API tokens.
    ManageApiTokens,
    /// Create, list, revoke emergency accounts.
    ManageEmergencyAccounts,
}

/// The matrix: permission, least role, interactive sessions only.
pub const MATRIX: &[(Permission, AccessRole, bool)] = &[
    (Permission::ReadDirectory, AccessRole::Viewer, false),
    (Permission::ReadSync, AccessRole::Viewer, false),
    (Permission::ReadSettings, AccessRole::Viewer, false),
    (Permission::OwnSessions, AccessRole::Viewer, true),
    (Permission::RequestSync, AccessRole::Manager, false),
    (Permission::ManageUserStatus, AccessRole::Manager, false),
    (Permission::ReadAudit, AccessRole::Manager, false),
    (Permission::AccessReview, AccessRole::Manager, false),
    (Permission::EndUserSessions, AccessRole::Admin, false),
    (Permission::EndAllSessions, AccessRole::Admin, true),
    (Permission::AssignRoles, AccessRole::Admin, false),
    (Permission::ManageGroups, AccessRole::Admin, false),
    (Permission::DecideHolds, AccessRole::Admin, false),
    (Permission::ManageSettings, AccessRole::Admin, false),
    (Permission::ManageApiTokens, AccessRole::Admin, true),
    (Permission::ManageEmergencyAccounts, AccessRole::Admin, true),
];

impl Permission {
    fn row(self) -> (AccessRole, bool) {
        MATRIX
            .iter()
            .find(|(p, _, _)| *p == self)
            .map(|(_, role, interactive)| (*role, *interactive))
            // Unlisted: the safest answer.
            .unwrap_or((AccessRole::Admin, true))
    }

    /// The least role that holds it.
    pub fn role(self) -> AccessRole {
        self.row().0
    }

    /// Whether API tokens are refused.
    pub fn interactive_only(self) -> bool {
        self.row().1
    }
}
