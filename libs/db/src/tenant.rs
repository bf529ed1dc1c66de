//! Tenant-scoped transactions: the row-level security context.

use pa_domain::TenantId;
use sqlx::{AssertSqlSafe, PgConnection, PgPool, Postgres, QueryBuilder, Transaction};

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

/// The condition that makes a part of a [`tenant_statement`] run after its context is set.
pub const IN_TENANT_CONTEXT: &str = "EXISTS (SELECT 1 FROM tenant_context)";

/// Starts a single statement that is its own transaction (run it outside `BEGIN`, in
/// autocommit) under the row-level security context `tenant`: one round trip instead of
/// `BEGIN`, the statement and `COMMIT`.
///
/// The builder holds `WITH tenant_context AS (SELECT set_config('app.tenant_id', $1,
/// true))`; append further CTEs after `, ` and the final statement. Every part that touches
/// a row-level-secured table must depend on [`IN_TENANT_CONTEXT`] (e.g. `INSERT … SELECT …
/// WHERE` it): PostgreSQL evaluates that uncorrelated `EXISTS` once, as an init plan, before the
/// part produces its first row, so the context is set before any policy is checked. A
/// part that forgets it runs without a tenant context, which matches no row and rejects
/// every write (an error, never another tenant's data). The setting is transaction-local,
/// so it ends with the statement.
pub fn tenant_statement(tenant: TenantId) -> QueryBuilder<Postgres> {
    let mut qb = QueryBuilder::new("WITH tenant_context AS (SELECT set_config('app.tenant_id', ");
    qb.push_bind(tenant.as_uuid().hyphenated().to_string());
    qb.push(", true))");
    qb
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

/// Ends the row-level security context inside an open transaction: until the next
/// [`set_tenant`], the policies match no tenant's rows (`app.tenant_id` reads back as `''`,
/// which they turn into NULL).
pub async fn clear_tenant(conn: &mut PgConnection) -> Result<(), DbError> {
    sqlx::query("SELECT set_config('app.tenant_id', '', true)")
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes the tenant's rows from each of `tables` (in order: children first), as a purge does;
/// returns the rows deleted per table, tables with none left out (so an empty result means
/// there was nothing left to delete). `tables` are the caller's own constants, never input.
/// Run it under the tenant's RLS context.
pub async fn delete_tenant_rows(
    conn: &mut PgConnection,
    tenant: TenantId,
    tables: &[&'static str],
) -> Result<Vec<(&'static str, u64)>, sqlx::Error> {
    let mut deleted = Vec::new();
    for table in tables {
        let sql = format!("DELETE FROM {table} WHERE tenant_id = $1");
        let n = sqlx::query(AssertSqlSafe(sql))
            .bind(tenant)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        if n > 0 {
            deleted.push((*table, n));
        }
    }
    Ok(deleted)
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
