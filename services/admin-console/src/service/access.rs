//! Changing the access configuration (groups, direct roles): a new version, audited, and the
//! whole snapshot published as `access.config_changed` in the same transaction.

use pa_domain::TenantId;
use pa_events::AccessConfigChanged;
use sqlx::PgConnection;

use crate::context::RequestContext;
use crate::error::ApiError;
use crate::repo::access;

/// Locks the configuration; 409-free: a tenant not seeded yet answers 404 tenant_unknown.
pub async fn lock(conn: &mut PgConnection, tenant: TenantId) -> Result<i64, ApiError> {
    access::lock_version(conn, tenant).await?.ok_or_else(|| {
        ApiError::coded(
            crate::error::codes::TENANT_UNKNOWN,
            "the tenant's setup has not completed",
        )
    })
}

/// Bumps the version and publishes the snapshot. Call after the change, in its transaction.
pub async fn publish(
    conn: &mut PgConnection,
    tenant: TenantId,
    version: i64,
    ctx: &RequestContext,
    full_sync: bool,
) -> Result<i64, ApiError> {
    let next = version + 1;
    access::set_version(conn, tenant, next).await?;
    let (groups, direct_assignments) = access::snapshot(conn, tenant).await?;
    let event = AccessConfigChanged {
        tenant_id: tenant,
        version: next,
        groups,
        direct_assignments,
        changed_by: ctx.actor_label(),
        full_sync,
    };
    pa_messaging::enqueue(conn, &ctx.event_meta(tenant), &event).await?;
    Ok(next)
}
