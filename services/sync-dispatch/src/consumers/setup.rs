//! `setup.completed` (register the tenant, seed its access configuration at version 1 with
//! the initial administrator as a direct `admin` assignment, queue the first full sync) and
//! `consent.granted` (a new consent lifts "needs attention" and queues a full sync).

use pa_events::{AccessRole, ConsentGranted, DirectAssignment, SetupCompleted};
use serde_json::json;
use sqlx::PgConnection;

use super::{Ctx, audit, db};
use crate::domain::trigger;
use crate::repo::{config, tenants};

pub(super) async fn setup_completed(
    conn: &mut PgConnection,
    ctx: &Ctx<'_>,
    event: SetupCompleted,
) -> Result<(), pa_messaging::HandlerError> {
    let s = ctx.settings;
    let new = tenants::register(
        conn,
        ctx.tenant,
        event.entra_tenant_id,
        s.clamp_interval(s.default_interval_secs),
        s.full_reconcile_secs,
    )
    .await
    .map_err(|e| {
        let e = pa_db::DbError::from(e);
        if e.is_foreign_key_violation("sync_tenants_tenant_id_fkey") {
            // setup.completed always follows the tenant's provisioning: an unknown tenant is
            // another environment's event and never becomes valid.
            pa_messaging::HandlerError::reject(anyhow::anyhow!(
                "setup.completed for a tenant that is not in the registry"
            ))
        } else {
            db(e)
        }
    })?;
    let direct = [DirectAssignment {
        object_id: event.initial_admin.object_id,
        role: AccessRole::Admin,
    }];
    let version = event.config_version.max(1);
    let seeded = config::replace(conn, ctx.tenant, version, &event.groups, &direct)
        .await
        .map_err(db)?;
    tenants::request_run(conn, ctx.tenant, "full", trigger::SETUP, None, true)
        .await
        .map_err(db)?;
    let entry = ctx.audit("sync.tenant_registered").details(json!({
        "entra_tenant_id": event.entra_tenant_id,
        "new": new,
        "config_version": version,
        "configuration_seeded": seeded,
        "groups": event.groups.len(),
        "initial_admin_object_id": event.initial_admin.object_id,
    }));
    pa_audit::record_tenant(conn, ctx.tenant, &entry)
        .await
        .map_err(audit)?;
    tracing::info!(tenant_id = %ctx.tenant, new, seeded, "tenant registered for sync; first full sync queued");
    Ok(())
}

pub(super) async fn consent_granted(
    conn: &mut PgConnection,
    ctx: &Ctx<'_>,
    event: ConsentGranted,
) -> Result<(), pa_messaging::HandlerError> {
    let Some(row) = tenants::lock(conn, ctx.tenant).await.map_err(db)? else {
        // Consent during the wizard, before setup completed: setup.completed registers.
        return Ok(());
    };
    if row.entra_tenant_id != event.entra_tenant_id {
        tracing::warn!(tenant_id = %ctx.tenant, "consent.granted for another directory than the one synced; ignored");
        return Ok(());
    }
    tenants::request_run(conn, ctx.tenant, "full", trigger::CONSENT, None, true)
        .await
        .map_err(db)?;
    let entry = ctx.audit("sync.consent_renewed").details(json!({
        "attention_lifted": row.attention_reason,
    }));
    pa_audit::record_tenant(conn, ctx.tenant, &entry)
        .await
        .map_err(audit)?;
    Ok(())
}
