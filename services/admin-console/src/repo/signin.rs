//! `console_signin_states` and `console_tenants` (the sign-in's view of a tenant).

use pa_domain::TenantId;
use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::SecretHash;

/// A tenant as sign-in sees it.
#[derive(Debug, sqlx::FromRow)]
pub struct SigninTenant {
    pub status: String,
    pub entra_tenant_id: Option<Uuid>,
}

/// The registry status and, once setup completed, the directory. `None`: no such tenant.
pub async fn tenant(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Option<SigninTenant>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.status, ct.entra_tenant_id FROM tenants t \
         LEFT JOIN console_tenants ct ON ct.tenant_id = t.id WHERE t.id = $1",
    )
    .bind(tenant)
    .fetch_optional(conn)
    .await
}

pub async fn insert_state(
    conn: &mut PgConnection,
    tenant: TenantId,
    state: &SecretHash,
    presession: &SecretHash,
    nonce: &str,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO console_signin_states (tenant_id, state_hash, presession_hash, nonce, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant)
    .bind(state.as_bytes())
    .bind(presession.as_bytes())
    .bind(nonce)
    .bind(now)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A consumed sign-in state.
#[derive(Debug, sqlx::FromRow)]
pub struct ConsumedState {
    pub presession_hash: Vec<u8>,
    pub nonce: String,
    pub expires_at: OffsetDateTime,
}

/// Deletes and returns the state (one use only, whatever happens next).
pub async fn take_state(
    conn: &mut PgConnection,
    tenant: TenantId,
    state: &SecretHash,
) -> Result<Option<ConsumedState>, sqlx::Error> {
    sqlx::query_as(
        "DELETE FROM console_signin_states WHERE tenant_id = $1 AND state_hash = $2 \
         RETURNING presession_hash, nonce, expires_at",
    )
    .bind(tenant)
    .bind(state.as_bytes())
    .fetch_optional(conn)
    .await
}

/// Deletes the tenant's expired sign-ins.
pub async fn delete_expired(
    conn: &mut PgConnection,
    tenant: TenantId,
    now: OffsetDateTime,
) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM console_signin_states WHERE tenant_id = $1 AND expires_at <= $2")
            .bind(tenant)
            .bind(now)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// A person as sign-in checks them.
#[derive(Debug, sqlx::FromRow)]
pub struct SigninUser {
    pub status: String,
    pub role: Option<String>,
    pub account_enabled: bool,
    pub directory_state: String,
    pub blocked: bool,
}

pub async fn user(
    conn: &mut PgConnection,
    tenant: TenantId,
    object_id: Uuid,
) -> Result<Option<SigninUser>, sqlx::Error> {
    sqlx::query_as(
        "SELECT du.status, du.role, du.account_enabled, du.directory_state, \
         EXISTS (SELECT 1 FROM console_user_blocks b WHERE b.tenant_id = du.tenant_id AND b.object_id = du.object_id) AS blocked \
         FROM directory_users du WHERE du.tenant_id = $1 AND du.object_id = $2",
    )
    .bind(tenant)
    .bind(object_id)
    .fetch_optional(conn)
    .await
}
