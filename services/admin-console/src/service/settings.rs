//! Changing settings: bounds checked, stored with a new version, audited (old and new values),
//! published as `tenant.settings_changed`.

use pa_domain::TenantId;
use pa_events::TenantSettingsChanged;
use serde_json::json;
use sqlx::PgConnection;

use crate::context::RequestContext;
use crate::domain::{SettingsPatch, TenantSettings};
use crate::error::ApiError;
use crate::repo::settings;

pub async fn change(
    conn: &mut PgConnection,
    tenant: TenantId,
    patch: &SettingsPatch,
    ctx: &RequestContext,
) -> Result<TenantSettings, ApiError> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 40))")
        .bind(tenant)
        .execute(&mut *conn)
        .await?;
    let current = settings::get(conn, tenant).await?;
    let next = patch
        .apply(&current)
        .map_err(|(field, message)| ApiError::InvalidField { field, message })?;
    settings::put(conn, tenant, &next, &ctx.actor_label()).await?;
    let entry = ctx
        .audit("settings.changed")
        .target("settings", tenant)
        .details(json!({
            "changed": patch.changed_fields(),
            "before": current,
            "after": next,
        }));
    pa_audit::record_tenant(conn, tenant, &entry).await?;
    let event = TenantSettingsChanged {
        tenant_id: tenant,
        version: next.version,
        idle_timeout_secs: next.idle_timeout_secs,
        absolute_lifetime_secs: next.absolute_lifetime_secs,
        sync_interval_secs: next.sync_interval_secs,
        deactivation_threshold_percent: next.deactivation_threshold_percent,
        deactivation_threshold_count: next.deactivation_threshold_count,
        changed_by: ctx.actor_label(),
    };
    pa_messaging::enqueue(conn, &ctx.event_meta(tenant), &event).await?;
    Ok(next)
}
