//! Reads of sync-dispatch's `sync_tenants`, `sync_runs`, `sync_held_changes`.

use pa_domain::TenantId;
use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

/// The tenant's sync state.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SyncTenantRow {
    pub entra_tenant_id: Uuid,
    pub sync_interval_secs: i32,
    pub next_incremental_at: Option<OffsetDateTime>,
    pub last_success_at: Option<OffsetDateTime>,
    pub attention_reason: Option<String>,
    pub attention_code: Option<String>,
    pub attention_remediation: Option<String>,
    pub attention_since: Option<OffsetDateTime>,
}

pub async fn tenant(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Option<SyncTenantRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT entra_tenant_id, sync_interval_secs, next_incremental_at, last_success_at, \
         attention_reason, attention_code, attention_remediation, attention_since \
         FROM sync_tenants WHERE tenant_id = $1",
    )
    .bind(tenant)
    .fetch_optional(conn)
    .await
}

/// A sync run.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunRow {
    pub id: Uuid,
    pub kind: String,
    pub trigger: String,
    pub status: String,
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
}

const RUN_COLUMNS: &str = "id, kind, trigger, status, queued_at, started_at, finished_at, \
    objects_read::bigint AS objects_read, objects_total::bigint AS objects_total, pages_read::bigint AS pages_read, \
    users_created::bigint AS users_created, users_updated::bigint AS users_updated, \
    users_deactivated::bigint AS users_deactivated, users_reactivated::bigint AS users_reactivated, \
    held_changes::bigint AS held_changes, error_code, error_message";

/// Runs newest first, after the cursor `(queued_at, id)`.
pub async fn runs(
    conn: &mut PgConnection,
    tenant: TenantId,
    after: Option<(OffsetDateTime, Uuid)>,
    limit: i64,
) -> Result<Vec<RunRow>, sqlx::Error> {
    let (at, id) = after.unzip();
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {RUN_COLUMNS} FROM sync_runs WHERE tenant_id = $1 \
         AND ($2::timestamptz IS NULL OR (queued_at, id) < ($2, $3)) \
         ORDER BY queued_at DESC, id DESC LIMIT $4"
    )))
    .bind(tenant)
    .bind(at)
    .bind(id)
    .bind(limit)
    .fetch_all(conn)
    .await
}

pub async fn run(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<RunRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {RUN_COLUMNS} FROM sync_runs WHERE tenant_id = $1 AND id = $2"
    )))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// The current (queued or running) run, else the newest.
pub async fn current_run(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Option<RunRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {RUN_COLUMNS} FROM sync_runs WHERE tenant_id = $1 \
         ORDER BY (status IN ('queued', 'running', 'held')) DESC, queued_at DESC, id DESC LIMIT 1"
    )))
    .bind(tenant)
    .fetch_optional(conn)
    .await
}

/// What a held run would change.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HeldRow {
    pub object_id: Uuid,
    pub change: String,
    pub reason: Option<String>,
    pub user_principal_name: Option<String>,
    pub display_name: Option<String>,
}

pub async fn held_changes(
    conn: &mut PgConnection,
    tenant: TenantId,
    run: Uuid,
) -> Result<Vec<HeldRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT h.object_id, h.change, h.reason, du.user_principal_name, du.display_name \
         FROM sync_held_changes h LEFT JOIN directory_users du \
           ON du.tenant_id = h.tenant_id AND du.object_id = h.object_id \
         WHERE h.tenant_id = $1 AND h.run_id = $2 ORDER BY du.user_principal_name LIMIT 10000",
    )
    .bind(tenant)
    .bind(run)
    .fetch_all(conn)
    .await
}
