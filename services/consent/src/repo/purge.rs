//! Deleting a purged tenant's wizard data (`tenant.purged`; see `crate::purge`).

use pa_domain::TenantId;
use sqlx::PgConnection;

/// Every tenant-owned table of this service, children first (consent_start_failures holds
/// client addresses, not tenant data).
const TABLES: &[&str] = &[
    "consent_states",
    "consent_sessions",
    "consent_wizard_groups",
    "consent_wizards",
];

/// Deletes the tenant's rows from every table of this service; returns the rows deleted per
/// table (tables with none left out). Run under the tenant's RLS context.
pub async fn purge(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<(&'static str, u64)>, pa_db::DbError> {
    Ok(pa_db::delete_tenant_rows(conn, tenant, TABLES).await?)
}
