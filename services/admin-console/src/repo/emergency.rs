//! `console_emergency_accounts`.

use pa_domain::TenantId;
use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

/// An account's public metadata.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRecord {
    pub id: Uuid,
    pub name: String,
    pub created_by: String,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
    pub locked_until: Option<OffsetDateTime>,
}

const COLUMNS: &str = "id, name, created_by, created_at, last_used_at, revoked_at, locked_until";

pub struct NewAccount<'a> {
    pub id: Uuid,
    pub name: &'a str,
    pub secret_hash: &'a str,
    pub totp_sealed: &'a [u8],
    pub created_by: &'a str,
    pub now: OffsetDateTime,
}

/// Inserts; `None` when a live account already has the name.
pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    a: &NewAccount<'_>,
) -> Result<Option<AccountRecord>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO console_emergency_accounts (tenant_id, id, name, secret_hash, totp_sealed, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING {COLUMNS}"
    )))
    .bind(tenant)
    .bind(a.id)
    .bind(a.name)
    .bind(a.secret_hash)
    .bind(a.totp_sealed)
    .bind(a.created_by)
    .bind(a.now)
    .fetch_optional(conn)
    .await
}

pub async fn list(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<AccountRecord>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM console_emergency_accounts WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC"
    )))
    .bind(tenant)
    .fetch_all(conn)
    .await
}

pub async fn revoke(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    by: &str,
    now: OffsetDateTime,
) -> Result<Option<(AccountRecord, bool)>, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE console_emergency_accounts SET revoked_at = $3, revoked_by = $4 \
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
    let record: Option<AccountRecord> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM console_emergency_accounts WHERE tenant_id = $1 AND id = $2"
    )))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(record.map(|r| (r, changed)))
}

/// What sign-in checks, locked for the attempt.
#[derive(Debug, sqlx::FromRow)]
pub struct AccountSecrets {
    pub id: Uuid,
    pub name: String,
    pub secret_hash: String,
    pub totp_sealed: Vec<u8>,
    pub last_totp_step: Option<i64>,
    pub failed_attempts: i32,
    pub locked_until: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

pub async fn lock_for_signin(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<AccountSecrets>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, secret_hash, totp_sealed, last_totp_step, failed_attempts, locked_until, revoked_at \
         FROM console_emergency_accounts WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn record_failure(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    attempts: i32,
    locked_until: Option<OffsetDateTime>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE console_emergency_accounts SET failed_attempts = $3, locked_until = $4 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .bind(attempts)
        .bind(locked_until)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn record_success(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    step: i64,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE console_emergency_accounts SET failed_attempts = 0, locked_until = NULL, \
         last_totp_step = $3, last_used_at = $4 WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(step)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}
