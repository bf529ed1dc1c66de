//! The consumer of `tenant.purged` on `pa.consent.tenant-purge`: deletes the purged tenant's
//! wizard data (wizard, groups, sessions, consent states) and audits what it deleted.
//!
//! tenant-provisioning's purge deletes only its own tables (it connects as `pa_tp`, migration
//! 0053), so every service deletes its own tenant data when it hears `tenant.purged`. Runs
//! in the consumer's transaction under the tenant's RLS context, with the message id
//! recorded: a redelivery deletes nothing more. The audit trail stays. Events for tenants
//! this database does not hold are acknowledged and ignored.

use pa_audit::{Actor, AuditEntry};
use pa_events::tenant::TenantPurged;
use pa_messaging::{Envelope, Event, Handler, HandlerError};
use serde_json::json;
use sqlx::PgConnection;

use crate::repo::{purge, tenants};

/// The consumer's name in `pa.<service>.<consumer>`.
pub const CONSUMER: &str = "tenant-purge";
/// The routing key it subscribes to.
pub const ROUTING_KEY: &str = TenantPurged::TYPE;

/// The handler.
pub struct TenantPurge;

#[pa_messaging::async_trait]
impl Handler for TenantPurge {
    async fn handle(
        &self,
        conn: &mut PgConnection,
        envelope: &Envelope,
    ) -> Result<(), HandlerError> {
        let event: TenantPurged = envelope.data_as()?;
        let tenant = event.tenant_id;
        if envelope.tenant_id != Some(tenant) {
            // The RLS context is the envelope's: a mismatch could only delete nothing.
            return Err(HandlerError::reject(anyhow::anyhow!(
                "tenant.purged names another tenant than its envelope"
            )));
        }
        if tenants::find(conn, tenant).await?.is_none() {
            tracing::info!(tenant_id = %tenant, "tenant.purged for a tenant this database does not hold; ignored");
            return Ok(());
        }
        let deleted = purge::purge(conn, tenant).await?;
        if deleted.is_empty() {
            // Already purged (the same event again, e.g. through a second queue).
            tracing::debug!(tenant_id = %tenant, "tenant.purged: no wizard data left");
            return Ok(());
        }
        let deleted: Vec<_> = deleted
            .into_iter()
            .map(|(relation, rows)| json!({ "relation": relation, "deleted": rows }))
            .collect();
        let entry = AuditEntry {
            request_id: envelope.request_id.as_deref(),
            ..AuditEntry::new(
                Actor::System {
                    component: "consent.tenant-purge",
                },
                "consent.tenant_data_purged",
            )
        }
        .target("tenant", tenant)
        .details(json!({ "deleted": deleted }));
        pa_audit::record_tenant(conn, tenant, &entry)
            .await
            .map_err(HandlerError::retry)?;
        tracing::info!(tenant_id = %tenant, "a purged tenant's wizard data deleted");
        Ok(())
    }
}
