//! `console_settings` (+ pa-audit's per-tenant retention).

use pa_domain::TenantId;
use sqlx::PgConnection;

use crate::domain::TenantSettings;
use crate::error::ApiError;

#[derive(sqlx::FromRow)]
struct Row {
    version: i64,
    idle_timeout_secs: i32,
    absolute_lifetime_secs: i32,
    sync_interval_secs: i32,
    deactivation_threshold_percent: i16,
    deactivation_threshold_count: i32,
}

fn u32_of(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

/// The tenant's settings (defaults until an Admin or setup stored some).
pub async fn get(conn: &mut PgConnection, tenant: TenantId) -> Result<TenantSettings, ApiError> {
    let row: Option<Row> = sqlx::query_as(
        "SELECT version, idle_timeout_secs, absolute_lifetime_secs, sync_interval_secs, \
         deactivation_threshold_percent, deactivation_threshold_count \
         FROM console_settings WHERE tenant_id = $1",
    )
    .bind(tenant)
    .fetch_optional(&mut *conn)
    .await?;
    let retention = pa_audit::tenant_retention(conn, tenant).await?;
    let mut s = match row {
        Some(r) => TenantSettings {
            version: r.version,
            idle_timeout_secs: u32_of(r.idle_timeout_secs),
            absolute_lifetime_secs: u32_of(r.absolute_lifetime_secs),
            sync_interval_secs: u32_of(r.sync_interval_secs),
            deactivation_threshold_percent: u8::try_from(r.deactivation_threshold_percent)
                .unwrap_or(20),
            deactivation_threshold_count: u32_of(r.deactivation_threshold_count),
            audit_retention_days: 0,
        },
        None => TenantSettings::default(),
    };
    s.audit_retention_days = retention.days();
    Ok(s)
}

/// Stores `s` (insert or replace) as changed by `by`.
pub async fn put(
    conn: &mut PgConnection,
    tenant: TenantId,
    s: &TenantSettings,
    by: &str,
) -> Result<(), ApiError> {
    let i = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    sqlx::query(
        "INSERT INTO console_settings (tenant_id, version, idle_timeout_secs, absolute_lifetime_secs, \
         sync_interval_secs, deactivation_threshold_percent, deactivation_threshold_count, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tenant_id) DO UPDATE SET \
         version = EXCLUDED.version, idle_timeout_secs = EXCLUDED.idle_timeout_secs, \
         absolute_lifetime_secs = EXCLUDED.absolute_lifetime_secs, \
         sync_interval_secs = EXCLUDED.sync_interval_secs, \
         deactivation_threshold_percent = EXCLUDED.deactivation_threshold_percent, \
         deactivation_threshold_count = EXCLUDED.deactivation_threshold_count, \
         updated_by = EXCLUDED.updated_by, updated_at = now()",
    )
    .bind(tenant)
    .bind(s.version)
    .bind(i(s.idle_timeout_secs))
    .bind(i(s.absolute_lifetime_secs))
    .bind(i(s.sync_interval_secs))
    .bind(i16::from(s.deactivation_threshold_percent))
    .bind(i(s.deactivation_threshold_count))
    .bind(by)
    .execute(&mut *conn)
    .await?;
    let retention = pa_audit::Retention::from_days(s.audit_retention_days).map_err(|_| {
        ApiError::InvalidField {
            field: "audit_retention_days",
            message: "out of range".into(),
        }
    })?;
    pa_audit::set_tenant_retention(conn, tenant, retention).await?;
    Ok(())
}
