//! Tenant-scoped transactions: the row-level security context.

use pa_domain::TenantId;
use sqlx::{AssertSqlSafe, PgConnection, PgPool, Postgres, Transaction};

use crate::DbError;

/// Begins a transaction whose row-level security context is `tenant`, in ONE round trip.
///
/// Sends `BEGIN; SELECT set_config('app.tenant_id', '<uuid>', true)` as a single simple
/// query (sqlx `Pool::begin_with`). The tenant id is inlined rather than bound: it is a
/// typed [`TenantId`] whose `Display` is the canonical hyphenated UUID (hex digits and
/// dashes only), so it cannot carry SQL. The setting is transaction-local, so it ends with
/// the commit or rollback and never leaks to the next user of the pooled connection.
/// Everything tenant-owned goes through this.
pub async fn begin_tenant(
    pool: &PgPool,
    tenant: TenantId,
) -> Result<Transaction<'static, Postgres>, DbError> {
    Ok(pool.begin_with(AssertSqlSafe(begin_sql(tenant))).await?)
}

/// The `BEGIN` statement of [`begin_tenant`].
fn begin_sql(tenant: TenantId) -> String {
    // `as_uuid().hyphenated()`: 36 characters of [0-9a-f-], whatever TenantId's Display does.
    format!(
        "BEGIN; SELECT set_config('app.tenant_id', '{}', true)",
        tenant.as_uuid().hyphenated()
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_begin_statement_inlines_only_a_canonical_uuid() {
        let id: TenantId = "6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab"
            .parse()
            .expect("uuid");
        assert_eq!(
            begin_sql(id),
            "BEGIN; SELECT set_config('app.tenant_id', '6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab', true)"
        );
    }
}
