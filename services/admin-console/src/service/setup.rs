//! `setup.completed` → the console's tenant: its directory, the access configuration at
//! version 1 (the wizard's groups and the initial administrator as a direct `admin`
//! assignment) and default settings.

use pa_domain::TenantId;
use pa_events::{AccessRole, SetupCompleted};
use serde_json::json;
use sqlx::PgConnection;

use crate::context::RequestContext;
use crate::domain::TenantSettings;
use crate::error::ApiError;
use crate::repo::{access, settings};

/// Applies the event in the caller's transaction (tenant context set). Idempotent: a tenant
/// already seeded is left alone. Returns whether it seeded.
pub async fn apply(conn: &mut PgConnection, event: &SetupCompleted) -> Result<bool, ApiError> {
    let tenant: TenantId = event.tenant_id;
    let ctx = RequestContext::system("setup");
    let by = ctx.actor_label();
    if !access::insert_tenant(conn, tenant, event.entra_tenant_id, event.completed_at).await? {
        return Ok(false);
    }
    if access::seed(conn, tenant, event.config_version.max(1)).await? {
        for group in &event.groups {
            access::add_group(conn, tenant, group, &by).await?;
        }
        access::put_assignment(
            conn,
            tenant,
            event.initial_admin.object_id,
            AccessRole::Admin,
            &by,
        )
        .await?;
    }
    settings::put(conn, tenant, &TenantSettings::default(), &by).await?;
    let entry = ctx.audit("console.tenant_seeded").target("tenant", tenant).details(json!({
        "entra_tenant_id": event.entra_tenant_id,
        "config_version": event.config_version,
        "groups": event.groups.iter().map(|g| json!({"group_id": g.group_id, "role": g.role})).collect::<Vec<_>>(),
        "initial_admin": event.initial_admin.object_id,
    }));
    pa_audit::record_tenant(conn, tenant, &entry).await?;
    Ok(true)
}
