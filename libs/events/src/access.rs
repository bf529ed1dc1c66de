//! Produced by admin-console: the tenant's access configuration and settings.

use pa_domain::TenantId;
use pa_messaging::Event;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::role::AccessRole;

/// An Entra ID group whose (transitive) user members get `role`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfiguredGroup {
    /// Entra group object id.
    pub group_id: Uuid,
    /// As it was when configured (display only; the sync keeps the current name).
    pub display_name: String,
    pub role: AccessRole,
}

/// A role given to one user directly, whatever their groups say.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectAssignment {
    /// Entra object id of the user.
    pub object_id: Uuid,
    pub role: AccessRole,
}

/// The whole access configuration of a tenant after a change in the console (groups added
/// or removed, a direct role assigned or removed). A snapshot, not a diff: a consumer keeps
/// the one with the highest `version` and ignores older ones (no global order on the bus).
/// `setup.completed` is version 1.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessConfigChanged {
    pub tenant_id: TenantId,
    /// Strictly increasing per tenant.
    pub version: i64,
    pub groups: Vec<ConfiguredGroup>,
    pub direct_assignments: Vec<DirectAssignment>,
    /// The audit actor, e.g. `user:{object_id}` or `api_token:{id}`.
    pub changed_by: String,
    /// True when a group was added: sync-dispatch runs a full sync rather than only
    /// re-deriving roles from what it already holds.
    pub full_sync: bool,
}

impl Event for AccessConfigChanged {
    const TYPE: &'static str = "access.config_changed";
}

/// The tenant's console settings after a change (a snapshot with a `version`, like
/// [`AccessConfigChanged`]). sync-dispatch uses the sync interval and deactivation threshold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantSettingsChanged {
    pub tenant_id: TenantId,
    pub version: i64,
    /// Automatic logoff after inactivity (300–3600 s; default 900).
    pub idle_timeout_secs: u32,
    /// Absolute session lifetime (default 43,200 s = 12 h).
    pub absolute_lifetime_secs: u32,
    /// Incremental sync interval (≥ 10 s; default 60).
    pub sync_interval_secs: u32,
    /// A run deactivating more than this share of active users is held (default 20).
    pub deactivation_threshold_percent: u8,
    /// … or more than this many (default 500).
    pub deactivation_threshold_count: u32,
    pub changed_by: String,
}

impl Event for TenantSettingsChanged {
    const TYPE: &'static str = "tenant.settings_changed";
}
