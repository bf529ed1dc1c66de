//! `consent_states` (tenant-owned): one-time admin-consent `state` values (SHA-256 only).

use pa_domain::TenantId;
use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::TokenHash;

pub struct NewState {
    pub tenant_id: TenantId,
    pub hash: TokenHash,
    pub session_id: Uuid,
    pub entra_tenant_id: Uuid,
    pub now: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

pub async fn insert(conn: &mut PgConnection, s: &NewState) -> Result<(), pa_db::DbError> {
    sqlx::query(
        "INSERT INTO consent_states \
           (tenant_id, state_hash, session_id, entra_tenant_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(s.tenant_id)
    .bind(s.hash.as_bytes())
    .bind(s.session_id)
    .bind(s.entra_tenant_id)
    .bind(s.now)
    .bind(s.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
pub struct StateRow {
    pub session_id: Uuid,
    pub entra_tenant_id: Uuid,
    pub expires_at: OffsetDateTime,
    pub used_at: Option<OffsetDateTime>,
}

/// The state, row-locked until the transaction ends (two callbacks carrying it queue up).
pub async fn lock(
    conn: &mut PgConnection,
    tenant: TenantId,
    hash: &TokenHash,
) -> Result<Option<StateRow>, pa_db::DbError> {
    Ok(sqlx::query_as(
        "SELECT session_id, entra_tenant_id, expires_at, used_at FROM consent_states \
          WHERE tenant_id = $1 AND state_hash = $2 FOR UPDATE",
    )
    .bind(tenant)
    .bind(hash.as_bytes())
    .fetch_optional(conn)
    .await?)
}

pub async fn mark_used(
    conn: &mut PgConnection,
    tenant: TenantId,
    hash: &TokenHash,
    now: OffsetDateTime,
) -> Result<(), pa_db::DbError> {
    sqlx::query("UPDATE consent_states SET used_at = $3 WHERE tenant_id = $1 AND state_hash = $2")
        .bind(tenant)
        .bind(hash.as_bytes())
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}
