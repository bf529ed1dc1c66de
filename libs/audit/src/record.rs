//! Writing audit records.

use pa_domain::TenantId;
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::{AuditEntry, AuditError, TenantAuditBatch};

/// Appends `e` to the tenant's `audit_log` inside the caller's transaction and returns
/// the new record's id (UUID v7).
///
/// `conn` must be inside a transaction whose tenant context is `tenant`
/// (`pa_db::begin_tenant`); otherwise [`AuditError::TenantContext`].
pub async fn record_tenant(
    conn: &mut PgConnection,
    tenant: TenantId,
    e: &AuditEntry<'_>,
) -> Result<Uuid, AuditError> {
    // A batch of one: the row format lives in one place (`TenantAuditBatch`).
    let mut batch = TenantAuditBatch::new();
    let id = batch.push(tenant, e.clone())?;
    let mut insert = QueryBuilder::<Postgres>::new("");
    batch.push_insert(&mut insert);
    insert.build().execute(conn).await?;
    Ok(id)
}

/// Appends `e` to `platform_audit_log` (operator-level actions, no tenant scope) inside
/// the caller's transaction and returns the new record's id (UUID v7).
pub async fn record_platform(
    conn: &mut PgConnection,
    e: &AuditEntry<'_>,
) -> Result<Uuid, AuditError> {
    check_details(e)?;
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO platform_audit_log (id, actor_type, actor_id, action, target_type, \
         target_id, request_id, client_addr, outcome, details) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id)
    .bind(e.actor.kind())
    .bind(e.actor.id())
    .bind(e.action)
    .bind(e.target_type)
    .bind(e.target_id.as_deref())
    .bind(e.request_id)
    .bind(e.client_addr)
    .bind(e.outcome.as_str())
    .bind(&e.details)
    .execute(conn)
    .await?;
    Ok(id)
}

pub(crate) fn check_details(e: &AuditEntry<'_>) -> Result<(), AuditError> {
    if e.details.is_object() {
        Ok(())
    } else {
        Err(AuditError::DetailsNotAnObject)
    }
}
