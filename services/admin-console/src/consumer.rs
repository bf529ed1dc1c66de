//! The console's event consumer (queue `pa.admin-console.events`):
//!
//! | event | effect |
//! |---|---|
//! | `setup.completed` | seeds the tenant (directory, access configuration v1, settings) |
//! | `user.deactivated` | ends every session of that person at once (`user_deactivated`) |
//! | `user.role_changed` | ends every session of that person (`role_changed`): they sign in again with the new role |
//! | `tenant.suspended` / `tenant.deprovisioned` | ends every session of the tenant |
//! | `tenant.purged` | deletes the tenant's console data (sessions, sign-in states, blocks, access configuration, settings) and revokes its API tokens and emergency accounts; audited `console.tenant_data_purged` (tenant-provisioning's purge, as `pa_tp`, reaches only its own tables) |
//!
//! Each runs in the consumer's transaction (tenant context set from the envelope), with the
//! message id recorded, so a redelivery has no second effect; once it has committed, this
//! instance forgets the tenant's sessions it remembered (`auth::session_cache`). Events for tenants
//! this database does not know are acknowledged and ignored.

use std::sync::Arc;

use pa_domain::TenantId;
use pa_events::tenant::{TenantDeprovisioned, TenantPurged, TenantSuspended};
use pa_events::{SetupCompleted, UserDeactivated, UserRoleChanged};
use pa_messaging::{Envelope, Event, Handler, HandlerError};
use serde_json::json;
use sqlx::PgConnection;
use time::OffsetDateTime;

use crate::auth::session_cache::SessionCache;
use crate::context::RequestContext;
use crate::error::ApiError;
use crate::repo::purge;
use crate::repo::sessions::{self, EndReason};
use crate::service::setup;

/// The routing keys the consumer binds.
pub const ROUTING_KEYS: [&str; 6] = [
    SetupCompleted::TYPE,
    UserDeactivated::TYPE,
    UserRoleChanged::TYPE,
    TenantSuspended::TYPE,
    TenantDeprovisioned::TYPE,
    TenantPurged::TYPE,
];

/// The handler.
pub struct ConsoleEvents {
    /// Forgotten after every applied event that can end a session or change its verdict.
    pub sessions: Arc<SessionCache>,
}

fn retry(e: ApiError) -> HandlerError {
    HandlerError::retry(anyhow::Error::new(e))
}

async fn tenant_known(conn: &mut PgConnection, tenant: TenantId) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM tenants WHERE id = $1)")
        .bind(tenant)
        .fetch_one(conn)
        .await
}

#[pa_messaging::async_trait]
impl Handler for ConsoleEvents {
    async fn handle(
        &self,
        conn: &mut PgConnection,
        envelope: &Envelope,
    ) -> Result<(), HandlerError> {
        let Some(tenant) = envelope.tenant_id else {
            return Ok(());
        };
        if !tenant_known(conn, tenant).await? {
            tracing::info!(%tenant, event_type = %envelope.event_type, "event for a tenant this database does not hold; ignored");
            return Ok(());
        }
        if !envelope.is::<SetupCompleted>() {
            // Also before the commit: then no reading remembered from before the event
            // survives, and `committed` drops any taken while it was being applied.
            self.sessions.forget_tenant(tenant);
        }
        let now = OffsetDateTime::now_utc();
        let ctx = RequestContext {
            request_id: envelope.request_id.clone(),
            ..RequestContext::system("admin-console.events")
        };
        if envelope.is::<SetupCompleted>() {
            let event: SetupCompleted = envelope.data_as()?;
            setup::apply(conn, &event).await.map_err(retry)?;
        } else if envelope.is::<UserDeactivated>() {
            let event: UserDeactivated = envelope.data_as()?;
            let n = sessions::end_matching(
                conn,
                tenant,
                sessions::Which {
                    object_id: Some(event.object_id),
                    ..Default::default()
                },
                EndReason::UserDeactivated,
                now,
                &ctx,
            )
            .await
            .map_err(retry)?;
            tracing::info!(%tenant, ended = n, "a leaver's sessions ended");
        } else if envelope.is::<UserRoleChanged>() {
            let event: UserRoleChanged = envelope.data_as()?;
            sessions::end_matching(
                conn,
                tenant,
                sessions::Which {
                    object_id: Some(event.object_id),
                    ..Default::default()
                },
                EndReason::RoleChanged,
                now,
                &ctx,
            )
            .await
            .map_err(retry)?;
        } else if envelope.is::<TenantPurged>() {
            let done = purge::purge(conn, tenant).await?;
            if done.is_empty() {
                // Already purged (the same event again, e.g. through a second queue).
                tracing::debug!(%tenant, "tenant.purged: no console data left");
                return Ok(());
            }
            let done: Vec<_> = done
                .into_iter()
                .map(|(relation, action, rows)| json!({ "relation": relation, "action": action, "rows": rows }))
                .collect();
            let entry = ctx
                .audit("console.tenant_data_purged")
                .target("tenant", tenant)
                .details(json!({ "purged": done }));
            pa_audit::record_tenant(conn, tenant, &entry)
                .await
                .map_err(HandlerError::retry)?;
            tracing::info!(%tenant, "a purged tenant's console data deleted");
        } else if envelope.is::<TenantSuspended>() || envelope.is::<TenantDeprovisioned>() {
            let reason = if envelope.is::<TenantSuspended>() {
                EndReason::TenantSuspended
            } else {
                EndReason::TenantDeprovisioned
            };
            sessions::end_matching(
                conn,
                tenant,
                sessions::Which {
                    object_id: None,
                    ..Default::default()
                },
                reason,
                now,
                &ctx,
            )
            .await
            .map_err(retry)?;
        }
        Ok(())
    }

    fn committed(&self, envelope: &Envelope) {
        // Sessions ended (leaver, mover, suspended or purged tenant): no reading of them taken
        // before the commit may be reused.
        if envelope.is::<SetupCompleted>() {
            return;
        }
        self.sessions.forget_for(envelope.tenant_id);
    }
}
