//! Produced by the consent service (the setup wizard).

use pa_domain::TenantId;
use pa_messaging::Event;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::access::ConfiguredGroup;

/// The customer's admin consent was verified by an app token for the directory the IT admin
/// entered (its `tid` and its `roles` cover every required permission).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentGranted {
    pub tenant_id: TenantId,
    /// The customer's Entra ID tenant (directory) id, lowercase GUID.
    pub entra_tenant_id: Uuid,
    /// The application permissions (app roles) the token carried, e.g. `User.Read.All`.
    pub roles: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub granted_at: OffsetDateTime,
}

impl Event for ConsentGranted {
    const TYPE: &'static str = "consent.granted";
}

/// The first Patient Access administrator named in the wizard (any Entra ID user).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitialAdmin {
    /// Entra object id (`oid`): the HIPAA unique user identifier, never the UPN.
    pub object_id: Uuid,
    pub user_principal_name: String,
    pub display_name: String,
    /// Where the console URL was mailed, when the user has a mail address.
    pub mail: Option<String>,
}

/// The setup wizard finished: the directory is connected, the grant verified, the first
/// administrator named and the groups chosen. Everything the first full sync needs.
///
/// Consumers: tenant-provisioning (tenant `active`, link used), sync-dispatch (registers the
/// tenant, seeds its access configuration at `config_version`, starts the first full sync),
/// admin-console (seeds its access configuration and settings at `config_version`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupCompleted {
    pub tenant_id: TenantId,
    pub entra_tenant_id: Uuid,
    /// The setup link that was used (it stops working now).
    pub link_id: Uuid,
    pub wizard_session_id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub completed_at: OffsetDateTime,
    /// The initial administrator: a direct `admin` assignment that no sync removes (only
    /// disabling/deleting the user in Entra ID, or an Admin in the console, ends it).
    pub initial_admin: InitialAdmin,
    /// Admin groups (role `admin`, at least one) and user groups with the role each grants.
    pub groups: Vec<ConfiguredGroup>,
    /// The access-configuration version this seeds: always 1. Later changes come as
    /// `access.config_changed` with higher versions.
    pub config_version: i64,
}

impl Event for SetupCompleted {
    const TYPE: &'static str = "setup.completed";
}
