//! `console_api_tokens`.

use pa_domain::TenantId;
use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::{AccessRole, SecretHash};

/// A token found by its hash, with what authentication needs.
#[derive(Debug, sqlx::FromRow)]
pub struct TokenAuth {
    pub id: Uuid,
    pub role: String,
    pub expires_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
    pub tenant_active: bool,
    /// The creating Admin's current effective role, when they are an active, unblocked user.
    pub creator_role: Option<String>,
}

impl TokenAuth {
    /// min(token role, creator's current role); `None` when the creator has none.
    pub fn effective_role(&self) -> Option<AccessRole> {
        let token = super::role(Some(&self.role))?;
        let creator = super::role(self.creator_role.as_deref())?;
        Some(token.min(creator))
    }
}

pub async fn authenticate(
    conn: &mut PgConnection,
    tenant: TenantId,
    hash: &SecretHash,
) -> Result<Option<TokenAuth>, sqlx::Error> {
    sqlx::query_as(
        "SELECT k.id, k.role, k.expires_at, k.revoked_at, (t.status = 'active') AS tenant_active, \
         CASE WHEN du.status = 'active' AND b.object_id IS NULL THEN du.role END AS creator_role \
         FROM console_api_tokens k JOIN tenants t ON t.id = k.tenant_id \
         LEFT JOIN directory_users du ON du.tenant_id = k.tenant_id AND du.object_id = k.created_by \
         LEFT JOIN console_user_blocks b ON b.tenant_id = k.tenant_id AND b.object_id = k.created_by \
         WHERE k.tenant_id = $1 AND k.token_hash = $2",
    )
    .bind(tenant)
    .bind(hash.as_bytes())
    .fetch_optional(conn)
    .await
}

pub async fn record_use(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE console_api_tokens SET last_used_at = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// A token's metadata.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRecord {
    pub id: Uuid,
    pub name: String,
    pub token_prefix: String,
    pub role: String,
    pub created_by: Uuid,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

const COLUMNS: &str =
    "id, name, token_prefix, role, created_by, created_at, expires_at, last_used_at, revoked_at";

pub struct NewToken<'a> {
    pub id: Uuid,
    pub name: &'a str,
    pub prefix: &'a str,
    pub hash: SecretHash,
    pub role: AccessRole,
    pub created_by: Uuid,
    pub now: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    t: &NewToken<'_>,
) -> Result<TokenRecord, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO console_api_tokens (tenant_id, id, name, token_prefix, token_hash, role, \
         created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {COLUMNS}"
    )))
    .bind(tenant)
    .bind(t.id)
    .bind(t.name)
    .bind(t.prefix)
    .bind(t.hash.as_bytes())
    .bind(t.role.as_str())
    .bind(t.created_by)
    .bind(t.now)
    .bind(t.expires_at)
    .fetch_one(conn)
    .await
}

pub async fn list(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<TokenRecord>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM console_api_tokens WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 500"
    )))
    .bind(tenant)
    .fetch_all(conn)
    .await
}

/// Revokes (idempotently); `None` when the tenant has no such token.
pub async fn revoke(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    by: &str,
    now: OffsetDateTime,
) -> Result<Option<(TokenRecord, bool)>, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE console_api_tokens SET revoked_at = $3, revoked_by = $4 \
         WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL",
    )
    .bind(tenant)
    .bind(id)
    .bind(now)
    .bind(by)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    let record: Option<TokenRecord> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM console_api_tokens WHERE tenant_id = $1 AND id = $2"
    )))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(record.map(|r| (r, changed)))
}
