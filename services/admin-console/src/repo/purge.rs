//! Deleting a purged tenant's console data (`tenant.purged`; see `crate::consumer`).

use pa_domain::TenantId;
use sqlx::PgConnection;

/// The console's tenant-owned tables whose rows go with the tenant, children first.
/// API tokens and emergency accounts are never deleted (their ids stay resolvable for the
/// audit trail, 0042): they are revoked instead. `console_user_words` follows
/// `directory_users` (sync-dispatch deletes those on the same event).
const TABLES: &[&str] = &[
    "console_sessions",
    "console_signin_states",
    "console_user_blocks",
    "console_access_groups",
    "console_direct_assignments",
    "console_access_config",
    "console_settings",
    "console_tenants",
];

/// What [`purge`] did, per table (tables with nothing to do left out).
pub type Purged = Vec<(&'static str, &'static str, u64)>;

/// Deletes the tenant's rows from the console's tables and revokes its API tokens and
/// emergency accounts; returns (table, what, rows). Run under the tenant's RLS context.
pub async fn purge(conn: &mut PgConnection, tenant: TenantId) -> Result<Purged, sqlx::Error> {
    let mut done: Purged = pa_db::delete_tenant_rows(conn, tenant, TABLES)
        .await?
        .into_iter()
        .map(|(table, n)| (table, "deleted", n))
        .collect();
    for table in ["console_api_tokens", "console_emergency_accounts"] {
        let sql = format!(
            "UPDATE {table} SET revoked_at = now(), revoked_by = 'tenant.purged' \
              WHERE tenant_id = $1 AND revoked_at IS NULL"
        );
        let n = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        if n > 0 {
            done.push((table, "revoked", n));
        }
    }
    Ok(done)
}
