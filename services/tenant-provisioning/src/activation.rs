//! Tenant activation: tenant-provisioning's reaction to the consent service's
//! `setup.completed` (consumer queue `pa.tenant-provisioning.setup-completed`).
//!
//! tenant-provisioning owns `tenants` and `setup_links`, so it is the one that makes a tenant
//! `active`. For each event, inside the consumer's transaction (tenant RLS context set from the
//! envelope), with the tenant row locked:
//!
//! - `pending_setup` → `active` with `setup_completed_at` (the event's `completed_at`), the
//!   link's `used_at`, an audit record `tenant.activated`, and `tenant.activated` published;
//! - `suspended`: the facts are kept (`setup_completed_at`, the link's `used_at`; resuming the
//!   tenant then makes it `active`) but the status stays: a suspension is never undone here;
//! - `deprovisioned` / `purged`: nothing changes (its data may not change any more);
//! - `active` (already applied): nothing changes.
//!
//! The same event seen again — its `completed_at` is already the tenant's
//! `setup_completed_at`, e.g. a copy through a second queue bound to the exchange — changes
//! nothing and is not audited again. Every other case but the first is audited as `tenant.setup_completed_ignored` with the status
//! that decided it. All effects are in the transaction, so the consumer is batch-safe, and
//! `processed_messages` makes redeliveries harmless. The consent service refuses the link
//! from the moment its finish commits, by its own records; this only brings the registry up
//! to date.

use pa_audit::{Actor, AuditEntry};
use pa_events::SetupCompleted;
use pa_events::tenant::TenantActivated;
use pa_messaging::{Envelope, Event, EventMeta, Handler, HandlerError};
use serde_json::json;
use sqlx::PgConnection;

use crate::domain::TenantStatus;
use crate::repo::{setup_links, tenants};

/// The consumer's name in `pa.<service>.<consumer>`.
pub const CONSUMER: &str = "setup-completed";
/// The routing key it subscribes to.
pub const ROUTING_KEY: &str = SetupCompleted::TYPE;
/// The audit actor.
const ACTOR: Actor = Actor::System {
    component: "tenant-provisioning.activation",
};

/// The `setup.completed` handler.
pub struct Activation;

#[pa_messaging::async_trait]
impl Handler for Activation {
    async fn handle(
        &self,
        conn: &mut PgConnection,
        envelope: &Envelope,
    ) -> Result<(), HandlerError> {
        let done: SetupCompleted = envelope.data_as()?;
        apply(conn, &done, envelope.request_id.as_deref()).await
    }
}

/// Applies one `setup.completed` (see the module docs).
#[tracing::instrument(name = "tenant.activate", skip_all, fields(tenant_id = %done.tenant_id))]
pub async fn apply(
    conn: &mut PgConnection,
    done: &SetupCompleted,
    request_id: Option<&str>,
) -> Result<(), HandlerError> {
    let id = done.tenant_id;
    let Some(tenant) = tenants::lock(conn, id).await? else {
        tracing::warn!(tenant_id = %id, "setup.completed for an unknown tenant: ignored");
        return Ok(());
    };
    let entry = |action| {
        AuditEntry {
            request_id,
            ..AuditEntry::new(ACTOR, action)
        }
        .target("tenant", id)
    };
    if tenant.setup_completed_at == Some(crate::domain::pg_micros(done.completed_at)) {
        tracing::debug!(tenant_id = %id, "setup.completed already recorded: nothing to do");
        return Ok(());
    }
    if tenant.status == TenantStatus::PendingSetup {
        tenants::activate(conn, id, done.completed_at).await?;
        setup_links::mark_used(conn, id, done.link_id, done.completed_at).await?;
        let record = entry("tenant.activated").details(json!({
            "from": tenant.status,
            "to": TenantStatus::Active,
            "link_id": done.link_id,
            "entra_tenant_id": done.entra_tenant_id,
        }));
        pa_audit::record_tenant(conn, id, &record)
            .await
            .map_err(HandlerError::retry)?;
        let meta = EventMeta {
            tenant_id: Some(id),
            request_id: request_id.map(str::to_owned),
        };
        let event = TenantActivated {
            tenant_id: id,
            setup_completed_at: done.completed_at,
        };
        pa_messaging::enqueue(conn, &meta, &event)
            .await
            .map_err(HandlerError::retry)?;
        tracing::info!(tenant_id = %id, "tenant activated: setup completed");
        return Ok(());
    }
    if tenant.status == TenantStatus::Suspended {
        tenants::record_setup_completed(conn, id, done.completed_at).await?;
        setup_links::mark_used(conn, id, done.link_id, done.completed_at).await?;
    }
    let record = entry("tenant.setup_completed_ignored")
        .details(json!({ "status": tenant.status, "link_id": done.link_id }));
    pa_audit::record_tenant(conn, id, &record)
        .await
        .map_err(HandlerError::retry)?;
    tracing::info!(tenant_id = %id, status = %tenant.status, "setup.completed not applied: the tenant is not pending setup");
    Ok(())
}
