//! The tenant events this service consumes, on one queue (`sync.events_queue`), handled in
//! per-tenant order. Every handler runs in the consumer's transaction under the tenant's
//! context (pa-messaging), so its effects, audit records and events commit with the
//! message's processed-id record: exactly once.

mod access;
mod lifecycle;
mod requests;
mod setup;

use pa_audit::{Actor, AuditEntry};
use pa_domain::TenantId;
use pa_events::tenant::{TenantDeprovisioned, TenantPurged, TenantResumed, TenantSuspended};
use pa_events::{
    AccessConfigChanged, ConsentGranted, SetupCompleted, SyncHoldDecided, SyncRequested,
    TenantSettingsChanged,
};
use pa_messaging::{ConsumerSpec, Envelope, Event, Handler, HandlerError, OutboxSignal};
use sqlx::PgConnection;

use crate::config::SyncSettings;

/// The actor of audit records written by consumers.
pub(crate) const ACTOR: Actor = Actor::System {
    component: "sync-dispatch",
};

/// The routing keys of the events queue.
pub const ROUTING_KEYS: &[&str] = &[
    SetupCompleted::TYPE,
    ConsentGranted::TYPE,
    AccessConfigChanged::TYPE,
    TenantSettingsChanged::TYPE,
    SyncRequested::TYPE,
    SyncHoldDecided::TYPE,
    TenantSuspended::TYPE,
    TenantResumed::TYPE,
    TenantDeprovisioned::TYPE,
    TenantPurged::TYPE,
];

/// The consumer of the events queue. One message per transaction (`batch` 1): a handler may
/// apply a configuration change, which uses transaction-scoped scratch tables.
pub fn spec(settings: &SyncSettings, outbox: OutboxSignal) -> ConsumerSpec {
    ConsumerSpec {
        outbox: Some(outbox),
        batch: 1,
        ..ConsumerSpec::new(settings.events_queue.clone(), ROUTING_KEYS.iter().copied())
    }
}

/// Handles the events queue.
pub struct TenantEvents {
    pub settings: SyncSettings,
}

#[pa_messaging::async_trait]
impl Handler for TenantEvents {
    async fn handle(
        &self,
        conn: &mut PgConnection,
        envelope: &Envelope,
    ) -> Result<(), HandlerError> {
        let Some(tenant) = envelope.tenant_id else {
            return Err(HandlerError::reject(anyhow::anyhow!(
                "event without a tenant_id"
            )));
        };
        let ctx = Ctx {
            settings: &self.settings,
            tenant,
            request_id: envelope.request_id.as_deref(),
        };
        match envelope.event_type.as_str() {
            SetupCompleted::TYPE => {
                setup::setup_completed(conn, &ctx, data(envelope, tenant)?).await
            }
            ConsentGranted::TYPE => {
                setup::consent_granted(conn, &ctx, data(envelope, tenant)?).await
            }
            AccessConfigChanged::TYPE => {
                access::config_changed(conn, &ctx, data(envelope, tenant)?).await
            }
            TenantSettingsChanged::TYPE => {
                access::settings_changed(conn, &ctx, data(envelope, tenant)?).await
            }
            SyncRequested::TYPE => {
                requests::sync_requested(conn, &ctx, data(envelope, tenant)?).await
            }
            SyncHoldDecided::TYPE => {
                requests::hold_decided(conn, &ctx, data(envelope, tenant)?).await
            }
            TenantSuspended::TYPE => {
                lifecycle::set(conn, &ctx, "suspended", "sync.tenant_suspended").await
            }
            TenantDeprovisioned::TYPE => {
                lifecycle::set(conn, &ctx, "deprovisioned", "sync.tenant_deprovisioned").await
            }
            TenantResumed::TYPE => {
                let event: TenantResumed = data(envelope, tenant)?;
                if event.status == "active" {
                    lifecycle::set(conn, &ctx, "active", "sync.tenant_resumed").await
                } else {
                    Ok(())
                }
            }
            TenantPurged::TYPE => lifecycle::purged(conn, &ctx).await,
            other => {
                tracing::debug!(event_type = other, "not an event this consumer handles");
                Ok(())
            }
        }
    }
}

/// What every handler gets.
pub(crate) struct Ctx<'a> {
    pub settings: &'a SyncSettings,
    pub tenant: TenantId,
    pub request_id: Option<&'a str>,
}

impl Ctx<'_> {
    /// An audit entry by this service about the tenant.
    pub(crate) fn audit<'a>(&'a self, action: &'a str) -> AuditEntry<'a> {
        AuditEntry {
            request_id: self.request_id,
            ..AuditEntry::new(ACTOR, action).target("tenant", self.tenant)
        }
    }
}

/// Deserialises the event and checks that its `tenant_id` is the envelope's (the RLS
/// context is the envelope's).
fn data<T>(envelope: &Envelope, tenant: TenantId) -> Result<T, HandlerError>
where
    T: serde::de::DeserializeOwned + HasTenant,
{
    let event: T = envelope.data_as()?;
    if event.tenant() != tenant {
        return Err(HandlerError::reject(anyhow::anyhow!(
            "data.tenant_id does not match the envelope's tenant_id"
        )));
    }
    Ok(event)
}

/// Events that name their tenant in `data`.
trait HasTenant {
    fn tenant(&self) -> TenantId;
}

macro_rules! has_tenant {
    ($($t:ty),*) => {$(
        impl HasTenant for $t {
            fn tenant(&self) -> TenantId {
                self.tenant_id
            }
        }
    )*};
}

has_tenant!(
    SetupCompleted,
    ConsentGranted,
    AccessConfigChanged,
    TenantSettingsChanged,
    SyncRequested,
    SyncHoldDecided,
    TenantResumed
);

/// A database error: retried (pa-messaging retries outages in place).
pub(crate) fn db(e: impl Into<pa_db::DbError>) -> HandlerError {
    HandlerError::Retry(e.into().into())
}

/// An audit failure: retried.
pub(crate) fn audit(e: pa_audit::AuditError) -> HandlerError {
    HandlerError::Retry(e.into())
}
