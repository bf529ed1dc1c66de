//! `consent_sessions` (tenant-owned): the wizard's browser sessions.

use std::net::IpAddr;

use pa_domain::TenantId;
use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::TokenHash;

/// A new session.
pub struct NewSession {
    pub tenant_id: TenantId,
    pub id: Uuid,
    pub link_id: Uuid,
    pub token_hash: TokenHash,
    pub now: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub client_addr: Option<IpAddr>,
}

pub async fn insert(conn: &mut PgConnection, s: &NewSession) -> Result<(), pa_db::DbError> {
    sqlx::query(
        "INSERT INTO consent_sessions \
           (tenant_id, id, link_id, token_hash, created_at, last_seen_at, expires_at, client_addr) \
         VALUES ($1, $2, $3, $4, $5, $5, $6, $7)",
    )
    .bind(s.tenant_id)
    .bind(s.id)
    .bind(s.link_id)
    .bind(s.token_hash.as_bytes())
    .bind(s.now)
    .bind(s.expires_at)
    .bind(s.client_addr)
    .execute(conn)
    .await?;
    Ok(())
}

/// A session as authentication reads it, with its link's status and whether the wizard is
/// finished.
#[derive(Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub id: Uuid,
    pub link_id: Uuid,
    pub token_hash: Vec<u8>,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub ended_at: Option<OffsetDateTime>,
    /// NULL when the link no longer exists.
    pub link_status: Option<String>,
    pub completed: bool,
}

pub async fn find(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<SessionRow>, pa_db::DbError> {
    Ok(sqlx::query_as(
        "SELECT s.id, s.link_id, s.token_hash, s.created_at, s.last_seen_at, s.expires_at, \
                s.ended_at, consent_setup_link_status(s.tenant_id, s.link_id) AS link_status, \
                (w.completed_at IS NOT NULL) AS completed \
           FROM consent_sessions s \
           JOIN consent_wizards w ON w.tenant_id = s.tenant_id \
          WHERE s.tenant_id = $1 AND s.id = $2",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// Records activity (the idle timeout counts from here).
pub async fn touch(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<(), pa_db::DbError> {
    sqlx::query(
        "UPDATE consent_sessions SET last_seen_at = GREATEST(last_seen_at, $3) \
          WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Signs the session out.
pub async fn end(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<(), pa_db::DbError> {
    sqlx::query(
        "UPDATE consent_sessions SET ended_at = coalesce(ended_at, $3) \
          WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}
