//! The domain events this service publishes (through the outbox, routing key = type).
//!
//! Every event carries the tenant id (also in the envelope) and never a setup token,
//! link or operator key. The contact e-mail (personal data) stays off the bus: consumers
//! that need it read the registry. Documented for consumers in `openapi/events.md`.

use pa_domain::{Environment, TenantId};
use pa_messaging::Event;
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::{LifecycleAction, TenantStatus};
use crate::repo::setup_links::CloseReason;
use crate::repo::tenant_data::PurgedRows;

/// A tenant was created (status `pending_setup`).
#[derive(Debug, Serialize)]
pub struct TenantProvisioned {
    pub tenant_id: TenantId,
    pub display_name: String,
    pub environment: Environment,
    pub external_ref: Option<String>,
    pub status: TenantStatus,
}

impl Event for TenantProvisioned {
    const TYPE: &'static str = "tenant.provisioned";
}

/// An operator changed a tenant's display data.
#[derive(Debug, Serialize)]
pub struct TenantUpdated {
    pub tenant_id: TenantId,
    /// Which of `display_name`, `contact_email`, `external_ref` changed.
    pub changed: Vec<&'static str>,
    pub display_name: String,
    pub external_ref: Option<String>,
}

impl Event for TenantUpdated {
    const TYPE: &'static str = "tenant.updated";
}

/// A tenant was suspended.
#[derive(Debug, Serialize)]
pub struct TenantSuspended {
    pub tenant_id: TenantId,
    pub previous_status: TenantStatus,
    pub reason: Option<String>,
}

impl Event for TenantSuspended {
    const TYPE: &'static str = "tenant.suspended";
}

/// A suspended tenant was resumed.
#[derive(Debug, Serialize)]
pub struct TenantResumed {
    pub tenant_id: TenantId,
    /// `active` or `pending_setup`.
    pub status: TenantStatus,
}

impl Event for TenantResumed {
    const TYPE: &'static str = "tenant.resumed";
}

/// A tenant was deprovisioned; its data is purged after `purge_after`.
#[derive(Debug, Serialize)]
pub struct TenantDeprovisioned {
    pub tenant_id: TenantId,
    pub previous_status: TenantStatus,
    pub reason: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub purge_after: OffsetDateTime,
}

impl Event for TenantDeprovisioned {
    const TYPE: &'static str = "tenant.deprovisioned";
}

/// A deprovisioned tenant's data was deleted. Services keeping tenant data outside
/// PostgreSQL delete it on this event.
#[derive(Debug, Serialize)]
pub struct TenantPurged {
    pub tenant_id: TenantId,
    /// Rows deleted per tenant-owned table.
    pub purged: Vec<PurgedRows>,
}

impl Event for TenantPurged {
    const TYPE: &'static str = "tenant.purged";
}

/// A setup link was issued. The service's own setup-link mailer consumes this event to
/// e-mail the link to the tenant's contact (see `crate::email::setup_link_mailer`).
#[derive(Debug, Serialize)]
pub struct SetupLinkIssued {
    pub tenant_id: TenantId,
    pub link_id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The link this one replaces (regenerate, or an expired link superseded).
    pub replaces_link_id: Option<Uuid>,
}

impl Event for SetupLinkIssued {
    const TYPE: &'static str = "tenant.setup_link_issued";
}

/// A setup link was revoked.
#[derive(Debug, Serialize)]
pub struct SetupLinkRevoked {
    pub tenant_id: TenantId,
    pub link_id: Uuid,
    pub reason: CloseReason,
}

impl Event for SetupLinkRevoked {
    const TYPE: &'static str = "tenant.setup_link_revoked";
}

/// The event type of a lifecycle action (also the audit action).
pub const fn lifecycle_event_type(action: LifecycleAction) -> &'static str {
    match action {
        LifecycleAction::Suspend => TenantSuspended::TYPE,
        LifecycleAction::Resume => TenantResumed::TYPE,
        LifecycleAction::Deprovision => TenantDeprovisioned::TYPE,
    }
}
