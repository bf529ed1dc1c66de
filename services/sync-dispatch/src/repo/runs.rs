//! `sync_runs` and the tenant's lease: taking a run, renewing the lease, ending the run.

use pa_domain::TenantId;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::RunsCursor;

/// One run as the API shows it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RunRecord {
    pub tenant_id: Uuid,
    pub id: Uuid,
    pub kind: String,
    pub trigger: String,
    pub status: String,
    pub requested_by: Option<String>,
    pub queued_at: OffsetDateTime,
    pub started_at: Option<OffsetDateTime>,
    pub finished_at: Option<OffsetDateTime>,
    pub objects_read: i64,
    pub objects_total: Option<i64>,
    pub pages_read: i64,
    pub users_created: i64,
    pub users_updated: i64,
    pub users_deactivated: i64,
    pub users_reactivated: i64,
    pub held_changes: i64,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub attempt: i32,
    pub worker_id: Option<Uuid>,
    pub decided_at: Option<OffsetDateTime>,
    pub decided_by: Option<String>,
}

const COLUMNS: &str = "tenant_id, id, kind, trigger, status, requested_by, queued_at, \
    started_at, finished_at, objects_read, objects_total, pages_read, users_created, \
    users_updated, users_deactivated, users_reactivated, held_changes, error_code, \
    error_message, attempt, worker_id, decided_at, decided_by";

/// One run of the tenant.
pub async fn find(
    conn: &mut PgConnection,
    tenant: TenantId,
    run: Uuid,
) -> Result<Option<RunRecord>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM sync_runs WHERE tenant_id = $1 AND id = $2");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant)
        .bind(run)
        .fetch_optional(conn)
        .await
}

/// Up to `limit` runs, newest first, strictly after `cursor`, optionally of one status.
pub async fn list(
    conn: &mut PgConnection,
    tenant: TenantId,
    cursor: Option<RunsCursor>,
    status: Option<&str>,
    limit: i64,
) -> Result<Vec<RunRecord>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM sync_runs
          WHERE tenant_id = $1
            AND ($2::timestamptz IS NULL OR (queued_at, id) < ($2, $3::uuid))
            AND ($4::text IS NULL OR status = $4)
          ORDER BY queued_at DESC, id DESC
          LIMIT $5"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant)
        .bind(cursor.map(|c| c.at()))
        .bind(cursor.map(|c| c.id()))
        .bind(status)
        .bind(limit)
        .fetch_all(conn)
        .await
}

/// Held runs awaiting a decision.
pub async fn held_count(conn: &mut PgConnection, tenant: TenantId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM sync_runs WHERE tenant_id = $1 AND status = 'held'")
        .bind(tenant)
        .fetch_one(conn)
        .await
}

/// What a worker learns when it takes a run.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Acquired {
    pub entra_tenant_id: Uuid,
    pub lifecycle: String,
    pub users_delta_link: Option<String>,
    pub groups_delta_link: Option<String>,
    pub kind: String,
    pub trigger: String,
    pub attempt: i32,
}

/// Takes the tenant's lease for `run` (one statement, its own transaction): only if the run
/// is still the tenant's current run and no live lease is held — not even by another attempt
/// of this instance: `lease` is the attempt's own id, so an attempt still going after its
/// lease lapsed loses it to the next one and stops. Marks the run running (a new attempt by
/// `worker`, progress reset) and forgets what an earlier attempt staged. `None`: the job is
/// stale or another attempt has it.
pub async fn acquire(
    pool: &PgPool,
    tenant: TenantId,
    run: Uuid,
    worker: Uuid,
    lease: Uuid,
    ttl_secs: u32,
) -> Result<Option<Acquired>, sqlx::Error> {
    let acquired: Option<Acquired> = sqlx::query_as(
        "WITH tenant_context AS (SELECT set_config('app.tenant_id', $1, true)),
         lease AS (
             UPDATE sync_tenants SET lease_owner = $6,
                    lease_expires_at = now() + make_interval(secs => $5), updated_at = now()
              WHERE tenant_id = $2 AND current_run_id = $3
                AND (lease_owner IS NULL OR lease_expires_at < now())
                AND EXISTS (SELECT 1 FROM tenant_context)
             RETURNING entra_tenant_id, lifecycle, users_delta_link, groups_delta_link
         ), run AS (
             UPDATE sync_runs SET status = 'running', started_at = coalesce(started_at, now()),
                    attempt = attempt + 1, worker_id = $4,
                    objects_read = 0, objects_total = NULL, pages_read = 0
              WHERE tenant_id = $2 AND id = $3 AND status IN ('queued', 'running')
                AND EXISTS (SELECT 1 FROM lease)
             RETURNING kind, trigger, attempt
         )
         SELECT lease.*, run.* FROM lease, run",
    )
    .bind(tenant.to_string())
    .bind(tenant)
    .bind(run)
    .bind(worker)
    .bind(f64::from(ttl_secs))
    .bind(lease)
    .fetch_optional(pool)
    .await?;
    if acquired.is_some() {
        crate::repo::staging::forget(pool, tenant, None).await?;
    }
    Ok(acquired)
}

/// Renews the lease; false when this worker no longer holds it (the run must stop).
pub async fn heartbeat(
    pool: &PgPool,
    tenant: TenantId,
    run: Uuid,
    worker: Uuid,
    ttl_secs: u32,
) -> Result<bool, sqlx::Error> {
    let renewed = sqlx::query(
        "WITH tenant_context AS (SELECT set_config('app.tenant_id', $1, true))
         UPDATE sync_tenants SET lease_expires_at = now() + make_interval(secs => $5)
          WHERE tenant_id = $2 AND current_run_id = $3 AND lease_owner = $4
            AND EXISTS (SELECT 1 FROM tenant_context)",
    )
    .bind(tenant.to_string())
    .bind(tenant)
    .bind(run)
    .bind(worker)
    .bind(f64::from(ttl_secs))
    .execute(pool)
    .await?;
    Ok(renewed.rows_affected() > 0)
}

/// Locks the tenant's row for ending `run`: `Some(last_success_at)` only while this worker
/// still holds the lease for it (otherwise nothing may be applied).
pub async fn lock_for_finish(
    conn: &mut PgConnection,
    tenant: TenantId,
    run: Uuid,
    worker: Uuid,
) -> Result<Option<Option<OffsetDateTime>>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT last_success_at FROM sync_tenants
          WHERE tenant_id = $1 AND current_run_id = $2 AND lease_owner = $3 FOR UPDATE",
    )
    .bind(tenant)
    .bind(run)
    .bind(worker)
    .fetch_optional(conn)
    .await
}

/// Turns an incremental run into a full one (its delta position is gone).
pub async fn become_full(pool: &PgPool, tenant: TenantId, run: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH tenant_context AS (SELECT set_config('app.tenant_id', $1, true))
         UPDATE sync_runs SET kind = 'full', trigger = 'delta_reset'
          WHERE tenant_id = $2 AND id = $3 AND EXISTS (SELECT 1 FROM tenant_context)",
    )
    .bind(tenant.to_string())
    .bind(tenant)
    .bind(run)
    .execute(pool)
    .await?;
    Ok(())
}

/// A run's end as recorded in `sync_runs`.
#[derive(Clone, Debug, Default)]
pub struct RunEnd<'a> {
    pub status: &'a str,
    pub created: u64,
    pub updated: u64,
    pub deactivated: u64,
    pub reactivated: u64,
    pub held: u64,
    pub error_code: Option<&'a str>,
    pub error_message: Option<&'a str>,
}

/// Records the end of `run`.
pub async fn finish(
    conn: &mut PgConnection,
    tenant: TenantId,
    run: Uuid,
    end: &RunEnd<'_>,
) -> Result<RunRecord, sqlx::Error> {
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    let sql = format!(
        "UPDATE sync_runs SET status = $3, finished_at = clock_timestamp(), users_created = $4,
                users_updated = $5, users_deactivated = $6, users_reactivated = $7,
                held_changes = $8, error_code = $9, error_message = left($10, 2000)
          WHERE tenant_id = $1 AND id = $2
         RETURNING {COLUMNS}"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant)
        .bind(run)
        .bind(end.status)
        .bind(n(end.created))
        .bind(n(end.updated))
        .bind(n(end.deactivated))
        .bind(n(end.reactivated))
        .bind(n(end.held))
        .bind(end.error_code)
        .bind(end.error_message)
        .fetch_one(conn)
        .await
}

/// Releases the tenant after a successful (or held / blocked) run: no current run, new
/// delta positions, the next full reconcile after a full run, no backoff.
pub async fn release_success(
    conn: &mut PgConnection,
    tenant: TenantId,
    full: bool,
    users_delta_link: Option<&str>,
    groups_delta_link: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE sync_tenants SET current_run_id = NULL, dispatched_at = NULL, lease_owner = NULL,
                lease_expires_at = NULL, last_run_at = now(), last_success_at = now(),
                last_full_success_at = CASE WHEN $2 THEN now() ELSE last_full_success_at END,
                next_full_at = CASE WHEN $2 THEN now() + make_interval(secs => full_interval_secs)
                                    ELSE next_full_at END,
                users_delta_link = coalesce($3, users_delta_link),
                groups_delta_link = coalesce($4, groups_delta_link),
                retry_at = NULL, retry_kind = NULL, consecutive_failures = 0, updated_at = now()
          WHERE tenant_id = $1",
    )
    .bind(tenant)
    .bind(full)
    .bind(users_delta_link)
    .bind(groups_delta_link)
    .execute(conn)
    .await?;
    Ok(())
}

/// Releases the tenant after a failed run of `kind`: no current run, one more failure, a
/// retry of the same kind after `retry_after_secs` (none at all while it needs attention),
/// and the delta positions dropped when Graph no longer knows them.
pub async fn release_failure(
    conn: &mut PgConnection,
    tenant: TenantId,
    kind: &str,
    retry_after_secs: u32,
    drop_delta: bool,
) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE sync_tenants SET current_run_id = NULL, dispatched_at = NULL, lease_owner = NULL,
                lease_expires_at = NULL, last_run_at = now(),
                consecutive_failures = consecutive_failures + 1,
                retry_at = now() + make_interval(secs => $2), retry_kind = $4,
                users_delta_link = CASE WHEN $3 THEN NULL ELSE users_delta_link END,
                groups_delta_link = CASE WHEN $3 THEN NULL ELSE groups_delta_link END,
                updated_at = now()
          WHERE tenant_id = $1
         RETURNING consecutive_failures",
    )
    .bind(tenant)
    .bind(f64::from(retry_after_secs))
    .bind(drop_delta)
    .bind(kind)
    .fetch_one(conn)
    .await
}
