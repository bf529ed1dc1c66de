//! Suspend, resume, deprovision.

use pa_domain::TenantId;
use serde_json::json;
use sqlx::PgConnection;

use crate::context::RequestContext;
use crate::domain::{LifecycleAction, StatusReason};
use crate::error::ApiError;
use crate::events::{TenantDeprovisioned, TenantResumed, TenantSuspended, lifecycle_event_type};
use crate::repo::setup_links::{self, CloseReason};
use crate::repo::tenants::{self, TenantRecord};
use crate::service::setup_links::revoke;

/// Applies `action` to the tenant (409 `invalid_state_transition` when the lifecycle does
/// not allow it). Deprovisioning also revokes an open setup link and schedules the purge
/// `purge_grace_secs` from now. Run in `pa_db::begin_tenant(id)`.
#[tracing::instrument(name = "tenant.transition", skip_all, fields(tenant_id = %id, action = action.as_str()))]
pub async fn transition(
    conn: &mut PgConnection,
    ctx: &RequestContext,
    id: TenantId,
    action: LifecycleAction,
    reason: Option<StatusReason>,
    purge_grace_secs: i64,
) -> Result<TenantRecord, ApiError> {
    let current = tenants::lock(conn, id)
        .await?
        .ok_or(ApiError::TenantNotFound)?;
    let next = action.apply(current.status, current.setup_completed_at.is_some())?;
    let tenant = tenants::set_status(conn, id, next, reason.as_ref(), purge_grace_secs).await?;
    if action == LifecycleAction::Deprovision
        && let Some(open) = setup_links::find_open(conn, id).await?
    {
        revoke(conn, ctx, id, &open, CloseReason::TenantDeprovisioned).await?;
    }
    let entry = ctx
        .audit(lifecycle_event_type(action))
        .target("tenant", id)
        .details(json!({
            "from": current.status,
            "to": tenant.status,
            "reason": reason.as_ref().map(StatusReason::as_str),
            "purge_after": tenant.purge_after.map(crate::timefmt::rfc3339),
        }));
    pa_audit::record_tenant(conn, id, &entry).await?;
    let meta = ctx.event_meta(id);
    let reason = reason.map(String::from);
    match action {
        LifecycleAction::Suspend => {
            let e = TenantSuspended {
                tenant_id: id,
                previous_status: current.status,
                reason,
            };
            pa_messaging::enqueue(conn, &meta, &e).await?;
        }
        LifecycleAction::Resume => {
            let e = TenantResumed {
                tenant_id: id,
                status: tenant.status,
            };
            pa_messaging::enqueue(conn, &meta, &e).await?;
        }
        LifecycleAction::Deprovision => {
            let purge_after = tenant.purge_after.ok_or_else(|| {
                ApiError::Internal(anyhow::anyhow!("deprovisioned without purge_after"))
            })?;
            let e = TenantDeprovisioned {
                tenant_id: id,
                previous_status: current.status,
                reason,
                purge_after,
            };
            pa_messaging::enqueue(conn, &meta, &e).await?;
        }
    }
    Ok(tenant)
}
