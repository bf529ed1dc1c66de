//! pa-db integration tests against the real PostgreSQL (one binary; see CONTRACTS.md).

mod constraints;
mod isolation;
mod meta;
mod migrations;
mod pooled_context;
mod roles;

use pa_domain::TenantId;
use sqlx::PgConnection;

/// Process-wide setup every test calls first.
fn init() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Inserts one `audit_log` row for `tenant` (the connection's tenant context must match).
async fn insert_audit_row(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<uuid::Uuid, sqlx::Error> {
    let id = uuid::Uuid::now_v7();
    sqlx::query(
        "INSERT INTO audit_log (tenant_id, id, actor_type, actor_id, action, outcome) \
         VALUES ($1, $2, 'system', 'pa-db-test', 'test.row_written', 'success')",
    )
    .bind(tenant)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(id)
}

/// How many `audit_log` rows of `tenant` the connection can see.
async fn visible_rows(conn: &mut PgConnection, tenant: TenantId) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_one(conn)
        .await
        .expect("count query runs")
}
