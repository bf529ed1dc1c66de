//! `sync_tenants`: registration, lifecycle, settings, run requests and needs-attention.
//! Every function runs in the caller's transaction under the tenant's context.

use pa_domain::TenantId;
use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

/// One `sync_tenants` row (what the API shows and the handlers decide on).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SyncTenant {
    pub tenant_id: Uuid,
    pub entra_tenant_id: Uuid,
    pub lifecycle: String,
    pub sync_interval_secs: i32,
    pub full_interval_secs: i32,
    pub deactivation_threshold_percent: i16,
    pub deactivation_threshold_count: i32,
    pub config_version: i64,
    pub settings_version: i64,
    pub next_incremental_at: OffsetDateTime,
    pub next_full_at: OffsetDateTime,
    pub pending_kind: Option<String>,
    pub pending_trigger: Option<String>,
    pub current_run_id: Option<Uuid>,
    pub lease_owner: Option<Uuid>,
    pub lease_expires_at: Option<OffsetDateTime>,
    pub retry_at: Option<OffsetDateTime>,
    pub consecutive_failures: i32,
    pub last_run_at: Option<OffsetDateTime>,
    pub last_success_at: Option<OffsetDateTime>,
    pub last_full_success_at: Option<OffsetDateTime>,
    pub attention_reason: Option<String>,
    pub attention_code: Option<String>,
    pub attention_remediation: Option<String>,
    pub attention_since: Option<OffsetDateTime>,
    pub registered_at: OffsetDateTime,
}

const COLUMNS: &str = "tenant_id, entra_tenant_id, lifecycle, sync_interval_secs, \
    full_interval_secs, deactivation_threshold_percent, deactivation_threshold_count, \
    config_version, settings_version, next_incremental_at, next_full_at, pending_kind, \
    pending_trigger, current_run_id, lease_owner, lease_expires_at, retry_at, \
    consecutive_failures, last_run_at, last_success_at, last_full_success_at, \
    attention_reason, attention_code, attention_remediation, attention_since, registered_at";

/// The tenant's row.
pub async fn find(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Option<SyncTenant>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM sync_tenants WHERE tenant_id = $1");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant)
        .fetch_optional(conn)
        .await
}

/// The tenant's row, locked until the transaction ends (every writer of the tenant's
/// directory takes this lock first, so runs and configuration changes apply one at a time).
pub async fn lock(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Option<SyncTenant>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM sync_tenants WHERE tenant_id = $1 FOR UPDATE");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant)
        .fetch_optional(conn)
        .await
}

/// Registers the tenant (`setup.completed`) or, for a tenant set up again, points it at
/// the (possibly new) directory. Returns true when the row is new.
pub async fn register(
    conn: &mut PgConnection,
    tenant: TenantId,
    entra_tenant_id: Uuid,
    interval_secs: u32,
    full_interval_secs: u32,
) -> Result<bool, sqlx::Error> {
    let inserted: bool = sqlx::query_scalar(
        "INSERT INTO sync_tenants AS s (tenant_id, entra_tenant_id, sync_interval_secs, \
             full_interval_secs, next_incremental_at, next_full_at)
         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $3), now() + make_interval(secs => $4))
         ON CONFLICT (tenant_id) DO UPDATE SET
             entra_tenant_id = excluded.entra_tenant_id,
             users_delta_link = CASE WHEN s.entra_tenant_id = excluded.entra_tenant_id
                                     THEN s.users_delta_link END,
             groups_delta_link = CASE WHEN s.entra_tenant_id = excluded.entra_tenant_id
                                      THEN s.groups_delta_link END,
             updated_at = now()
         RETURNING (xmax = 0)",
    )
    .bind(tenant)
    .bind(entra_tenant_id)
    .bind(i32::try_from(interval_secs).unwrap_or(i32::MAX))
    .bind(i32::try_from(full_interval_secs).unwrap_or(i32::MAX))
    .fetch_one(conn)
    .await?;
    Ok(inserted)
}

/// Asks for a run as soon as none is running. A full request is never downgraded by a later
/// incremental one. `lift_attention` clears "needs attention" and the failure backoff (a
/// person asked, or something changed). The current span's traceparent goes with the
/// request, so the run's job continues this trace (0037).
pub async fn request_run(
    conn: &mut PgConnection,
    tenant: TenantId,
    kind: &str,
    trigger: &str,
    requested_by: Option<&str>,
    lift_attention: bool,
) -> Result<Option<SyncTenant>, sqlx::Error> {
    let sql = format!(
        "UPDATE sync_tenants SET
             pending_trigger = CASE WHEN pending_kind = 'full' AND $2 = 'incremental'
                                    THEN pending_trigger ELSE $3 END,
             pending_requested_by = CASE WHEN pending_kind = 'full' AND $2 = 'incremental'
                                         THEN pending_requested_by ELSE $4 END,
             pending_traceparent = CASE WHEN pending_kind = 'full' AND $2 = 'incremental'
                                        THEN pending_traceparent ELSE $6 END,
             pending_kind = CASE WHEN pending_kind = 'full' THEN 'full' ELSE $2 END,
             attention_reason = CASE WHEN $5 THEN NULL ELSE attention_reason END,
             attention_code = CASE WHEN $5 THEN NULL ELSE attention_code END,
             attention_remediation = CASE WHEN $5 THEN NULL ELSE attention_remediation END,
             attention_since = CASE WHEN $5 THEN NULL ELSE attention_since END,
             retry_at = CASE WHEN $5 THEN NULL ELSE retry_at END,
             retry_kind = CASE WHEN $5 THEN NULL ELSE retry_kind END,
             updated_at = now()
         WHERE tenant_id = $1
         RETURNING {COLUMNS}"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant)
        .bind(kind)
        .bind(trigger)
        .bind(requested_by)
        .bind(lift_attention)
        .bind(pa_telemetry::current_traceparent())
        .fetch_optional(conn)
        .await
}

/// Sets the lifecycle projection (`active`, `suspended`, `deprovisioned`); true if the
/// tenant is registered.
pub async fn set_lifecycle(
    conn: &mut PgConnection,
    tenant: TenantId,
    lifecycle: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sync_tenants SET lifecycle = $2, updated_at = now() WHERE tenant_id = $1",
    )
    .bind(tenant)
    .bind(lifecycle)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Applies a settings snapshot unless an equal or newer version was applied; true if
/// applied. A shorter interval takes effect at once.
pub async fn apply_settings(
    conn: &mut PgConnection,
    tenant: TenantId,
    version: i64,
    interval_secs: u32,
    threshold_percent: u8,
    threshold_count: u32,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sync_tenants SET
             settings_version = $2,
             sync_interval_secs = $3,
             deactivation_threshold_percent = $4,
             deactivation_threshold_count = $5,
             next_incremental_at = least(next_incremental_at, now() + make_interval(secs => $3)),
             updated_at = now()
         WHERE tenant_id = $1 AND settings_version < $2",
    )
    .bind(tenant)
    .bind(version)
    .bind(i32::try_from(interval_secs).unwrap_or(i32::MAX))
    .bind(i16::from(threshold_percent.min(100)))
    .bind(i32::try_from(threshold_count).unwrap_or(i32::MAX))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// "Needs attention": no automatic runs until something changes.
pub async fn set_attention(
    conn: &mut PgConnection,
    tenant: TenantId,
    reason: &str,
    code: Option<&str>,
    remediation: &str,
) -> Result<OffsetDateTime, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE sync_tenants SET attention_reason = $2, attention_code = $3,
             attention_remediation = left($4, 2000),
             attention_since = coalesce(attention_since, now()), updated_at = now()
         WHERE tenant_id = $1 RETURNING attention_since",
    )
    .bind(tenant)
    .bind(reason)
    .bind(code)
    .bind(remediation)
    .fetch_one(conn)
    .await
}
