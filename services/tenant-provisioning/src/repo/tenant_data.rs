//! Tenant-owned data as a whole: the purge (`purge_tenant_rows`, migration 0014).

use pa_domain::TenantId;
use serde::Serialize;
use sqlx::PgConnection;

/// Rows deleted per tenant-owned table by `purge_tenant_rows` (migration 0014).
#[derive(Debug, sqlx::FromRow, Serialize)]
pub struct PurgedRows {
    pub relation: String,
    pub deleted: i64,
}

/// Deletes the tenant's rows from every tenant-owned table the service may delete from:
/// connected as `pa_tp` (migration 0053), tenant-provisioning's own tables only — consent,
/// sync-dispatch and admin-console delete theirs on `tenant.purged`; the audit trail is
/// append-only and stays. The transaction's tenant must be `tenant`.
pub async fn purge_tenant_rows(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<PurgedRows>, pa_db::DbError> {
    Ok(
        sqlx::query_as("SELECT relation, deleted FROM purge_tenant_rows($1)")
            .bind(tenant)
            .fetch_all(conn)
            .await?,
    )
}
