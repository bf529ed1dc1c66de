//! `setup_links` (tenant-owned, RLS): call inside `pa_db::begin_tenant(tenant)`.

use pa_domain::TenantId;
use serde::Serialize;
use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::{Cursor, TokenHash};

/// Partial unique index: at most one open link per tenant (migration 0013).
pub const ONE_OPEN_PER_TENANT: &str = "setup_links_one_open_per_tenant";

/// `status` derived in SQL the same way `setup_link_lookup` does (minus the tenant part).
macro_rules! columns {
    () => {
        "tenant_id, id, sent_to, issued_by, created_at, expires_at, revoked_at, revoked_reason, \
         used_at, email_sent_at, CASE WHEN used_at IS NOT NULL THEN 'used' \
                       WHEN revoked_at IS NOT NULL THEN 'revoked' \
                       WHEN expires_at <= now() THEN 'expired' \
                       ELSE 'active' END AS status"
    };
}

/// One row of `setup_links` (never the token hash).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SetupLinkRecord {
    pub tenant_id: TenantId,
    pub id: Uuid,
    pub sent_to: String,
    pub issued_by: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
    pub revoked_reason: Option<String>,
    pub used_at: Option<OffsetDateTime>,
    /// When the setup e-mail went out (migration 0015); `None` while pending.
    pub email_sent_at: Option<OffsetDateTime>,
    pub status: String,
}

impl SetupLinkRecord {
    /// Not revoked, not used and not expired.
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }
}

/// Why a link was closed (`revoked_reason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// An operator revoked it.
    Revoked,
    /// It was replaced by a regenerated link.
    Regenerated,
    /// It had expired and a new link was issued.
    Superseded,
    /// The tenant was deprovisioned.
    TenantDeprovisioned,
}

impl CloseReason {
    /// The column value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Revoked => "revoked",
            Self::Regenerated => "regenerated",
            Self::Superseded => "superseded",
            Self::TenantDeprovisioned => "tenant_deprovisioned",
        }
    }
}

/// A link to insert.
pub struct NewSetupLink<'a> {
    pub tenant_id: TenantId,
    pub id: Uuid,
    pub token_hash: TokenHash,
    pub sent_to: &'a str,
    pub issued_by: &'a str,
    pub ttl_secs: i64,
}

/// Inserts a link expiring `ttl_secs` from now (database time).
pub async fn insert(
    conn: &mut PgConnection,
    l: &NewSetupLink<'_>,
) -> Result<SetupLinkRecord, pa_db::DbError> {
    let sql = concat!(
        "INSERT INTO setup_links (tenant_id, id, token_hash, sent_to, issued_by, expires_at) \
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6)) RETURNING ",
        columns!()
    );
    Ok(sqlx::query_as(sql)
        .bind(l.tenant_id)
        .bind(l.id)
        .bind(l.token_hash.as_bytes())
        .bind(l.sent_to)
        .bind(l.issued_by)
        .bind(l.ttl_secs as f64)
        .fetch_one(conn)
        .await?)
}

/// The tenant's open link (neither revoked nor used; possibly expired), if any.
pub async fn find_open(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Option<SetupLinkRecord>, pa_db::DbError> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM setup_links WHERE tenant_id = $1 AND revoked_at IS NULL AND used_at IS NULL"
    );
    Ok(sqlx::query_as(sql)
        .bind(tenant)
        .fetch_optional(conn)
        .await?)
}

/// One link of the tenant.
pub async fn find(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<SetupLinkRecord>, pa_db::DbError> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM setup_links WHERE tenant_id = $1 AND id = $2"
    );
    Ok(sqlx::query_as(sql)
        .bind(tenant)
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

/// One link of the tenant, row-locked (`FOR UPDATE`) until the transaction or savepoint
/// ends: revoking or using it waits meanwhile (the mailer holds this while it sends).
pub async fn lock(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<SetupLinkRecord>, pa_db::DbError> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM setup_links WHERE tenant_id = $1 AND id = $2 FOR UPDATE"
    );
    Ok(sqlx::query_as(sql)
        .bind(tenant)
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

/// Records that the link's setup e-mail went out (first time only).
pub async fn mark_email_sent(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
) -> Result<(), pa_db::DbError> {
    sqlx::query(
        "UPDATE setup_links SET email_sent_at = coalesce(email_sent_at, now()) \
          WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Closes (revokes) an open link.
pub async fn close(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    reason: CloseReason,
) -> Result<SetupLinkRecord, pa_db::DbError> {
    let sql = concat!(
        "UPDATE setup_links SET revoked_at = now(), revoked_reason = $3 \
          WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING ",
        columns!()
    );
    Ok(sqlx::query_as(sql)
        .bind(tenant)
        .bind(id)
        .bind(reason.as_str())
        .fetch_one(conn)
        .await?)
}

/// Up to `limit` of the tenant's links, newest first, strictly after `cursor`.
pub async fn list(
    conn: &mut PgConnection,
    tenant: TenantId,
    cursor: Option<Cursor>,
    limit: i64,
) -> Result<Vec<SetupLinkRecord>, pa_db::DbError> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM setup_links \
          WHERE tenant_id = $1 \
            AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid)) \
          ORDER BY created_at DESC, id DESC LIMIT $4"
    );
    Ok(sqlx::query_as(sql)
        .bind(tenant)
        .bind(cursor.map(|c| c.at()))
        .bind(cursor.map(|c| c.id()))
        .bind(limit)
        .fetch_all(conn)
        .await?)
}

/// Records that setup was completed with the link (first time only); it is refused from then
/// on (`setup_link_lookup` says `used`).
pub async fn mark_used(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    at: OffsetDateTime,
) -> Result<bool, pa_db::DbError> {
    let done = sqlx::query(
        "UPDATE setup_links SET used_at = $3 WHERE tenant_id = $1 AND id = $2 AND used_at IS NULL",
    )
    .bind(tenant)
    .bind(id)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
