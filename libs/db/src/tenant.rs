//! Tenant-scoped transactions: the row-level security context.

use pa_domain::TenantId;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

use crate::DbError;

/// Begins a transaction whose row-level security context is `tenant`.
///
/// Runs `BEGIN` then `SELECT set_config('app.tenant_id', $1, true)`; the setting is
/// transaction-local, so it ends with the commit or rollback and never leaks to the next
/// user of the pooled connection. Everything tenant-owned goes through this.
pub async fn begin_tenant(
    pool: &PgPool,
    tenant: TenantId,
) -> Result<Transaction<'static, Postgres>, DbError> {
    let mut tx = pool.begin().await?;
    set_tenant(&mut tx, tenant).await?;
    Ok(tx)
}

/// Sets (or switches) the row-level security context inside an already open transaction.
///
/// Outside a transaction the setting would last for just the one statement, so always
/// call it on a connection that is inside `BEGIN`.
pub async fn set_tenant(conn: &mut PgConnection, tenant: TenantId) -> Result<(), DbError> {
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(tenant.to_string())
        .execute(conn)
        .await?;
    Ok(())
}
