//! Consumer views of tenant-provisioning's `tenant.*` events (the producer's own types stay
//! in tenant-provisioning). Each view holds only what consumers need; unknown fields are
//! ignored, so the producer may add fields.

use pa_domain::TenantId;
use pa_messaging::Event;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// `tenant.suspended`: stop syncing, end every console session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantSuspended {
    pub tenant_id: TenantId,
}

impl Event for TenantSuspended {
    const TYPE: &'static str = "tenant.suspended";
}

/// `tenant.resumed`: back to `active` (setup completed) or `pending_setup`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantResumed {
    pub tenant_id: TenantId,
    pub status: String,
}

impl Event for TenantResumed {
    const TYPE: &'static str = "tenant.resumed";
}

/// `tenant.deprovisioned`: stop everything; data is purged later.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantDeprovisioned {
    pub tenant_id: TenantId,
}

impl Event for TenantDeprovisioned {
    const TYPE: &'static str = "tenant.deprovisioned";
}

/// `tenant.purged`: the tenant's tenant-owned rows are gone; delete anything held elsewhere.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantPurged {
    pub tenant_id: TenantId,
}

impl Event for TenantPurged {
    const TYPE: &'static str = "tenant.purged";
}

/// `tenant.activated` (tenant-provisioning, reacting to `setup.completed`): the registry
/// row is `active` with `setup_completed_at` set and the setup link marked used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantActivated {
    pub tenant_id: TenantId,
    #[serde(with = "time::serde::rfc3339")]
    pub setup_completed_at: OffsetDateTime,
}

impl Event for TenantActivated {
    const TYPE: &'static str = "tenant.activated";
}
