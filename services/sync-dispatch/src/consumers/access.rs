//! `access.config_changed` (replace the projection when newer, re-derive every user's role
//! from what is held at once, then a run: full when a group was added) and
//! `tenant.settings_changed` (interval, thresholds).

use pa_events::{AccessConfigChanged, TenantSettingsChanged};
use serde_json::json;
use sqlx::PgConnection;

use super::{Ctx, audit, db};
use crate::domain::trigger;
use crate::repo::apply::{self, ApplyScope};
use crate::repo::{config, tenants};

pub(super) async fn config_changed(
    conn: &mut PgConnection,
    ctx: &Ctx<'_>,
    event: AccessConfigChanged,
) -> Result<(), pa_messaging::HandlerError> {
    let Some(row) = tenants::lock(conn, ctx.tenant).await.map_err(db)? else {
        tracing::warn!(tenant_id = %ctx.tenant, "access.config_changed for a tenant not registered; ignored");
        return Ok(());
    };
    let replaced = config::replace(
        conn,
        ctx.tenant,
        event.version,
        &event.groups,
        &event.direct_assignments,
    )
    .await
    .map_err(db)?;
    if !replaced {
        tracing::info!(tenant_id = %ctx.tenant, version = event.version, applied = row.config_version,
            "an older access configuration arrived late; ignored");
        return Ok(());
    }
    let scope = ApplyScope {
        run_id: None,
        all_users: true,
        reread_groups: &[],
        deleted_groups: &[],
        extra_users: &[],
        rerole_grants: true,
        hold: None,
        initial: false,
        record_history: true,
        cause: "config_change",
        caused_by: Some(&event.changed_by),
        request_id: ctx.request_id,
    };
    let outcome = apply::apply(conn, ctx.tenant, &scope).await.map_err(db)?;
    // A new group needs its members read (full); otherwise an incremental run fetches
    // directly assigned users not known yet. Either way "needs attention" is lifted.
    let kind = if event.full_sync {
        "full"
    } else {
        "incremental"
    };
    tenants::request_run(
        conn,
        ctx.tenant,
        kind,
        trigger::CONFIG_CHANGE,
        Some(&event.changed_by),
        true,
    )
    .await
    .map_err(db)?;
    let entry = ctx.audit("sync.access_config_applied").details(json!({
        "version": event.version,
        "groups": event.groups.len(),
        "direct_assignments": event.direct_assignments.len(),
        "changed_by": event.changed_by,
        "full_sync": event.full_sync,
        "users_deactivated": outcome.deactivated,
        "users_activated": outcome.created + outcome.reactivated,
        "role_changes": outcome.changes.saturating_sub(outcome.deactivated + outcome.reactivated),
        "admins_kept": outcome.protected,
    }));
    pa_audit::record_tenant(conn, ctx.tenant, &entry)
        .await
        .map_err(audit)?;
    Ok(())
}

pub(super) async fn settings_changed(
    conn: &mut PgConnection,
    ctx: &Ctx<'_>,
    event: TenantSettingsChanged,
) -> Result<(), pa_messaging::HandlerError> {
    let interval = ctx.settings.clamp_interval(event.sync_interval_secs);
    let applied = tenants::apply_settings(
        conn,
        ctx.tenant,
        event.version,
        interval,
        event.deactivation_threshold_percent,
        event.deactivation_threshold_count,
    )
    .await
    .map_err(db)?;
    if applied {
        let entry = ctx.audit("sync.settings_applied").details(json!({
            "version": event.version,
            "sync_interval_secs": interval,
            "deactivation_threshold_percent": event.deactivation_threshold_percent,
            "deactivation_threshold_count": event.deactivation_threshold_count,
            "changed_by": event.changed_by,
        }));
        pa_audit::record_tenant(conn, ctx.tenant, &entry)
            .await
            .map_err(audit)?;
    }
    Ok(())
}
