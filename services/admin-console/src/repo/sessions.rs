//! `console_sessions`.

use std::net::IpAddr;

use pa_domain::TenantId;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::context::RequestContext;
use crate::domain::{AccessRole, SecretHash};
use crate::error::ApiError;

/// Why a session ended (`end_reason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndReason {
    SignedOut,
    IdleTimeout,
    AbsoluteTimeout,
    EndedByUser,
    EndedByAdmin,
    UserDeactivated,
    RoleChanged,
    AccessRevoked,
    TenantSuspended,
    TenantDeprovisioned,
    AccountRevoked,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignedOut => "signed_out",
            Self::IdleTimeout => "idle_timeout",
            Self::AbsoluteTimeout => "absolute_timeout",
            Self::EndedByUser => "ended_by_user",
            Self::EndedByAdmin => "ended_by_admin",
            Self::UserDeactivated => "user_deactivated",
            Self::RoleChanged => "role_changed",
            Self::AccessRevoked => "access_revoked",
            Self::TenantSuspended => "tenant_suspended",
            Self::TenantDeprovisioned => "tenant_deprovisioned",
            Self::AccountRevoked => "account_revoked",
        }
    }

    /// The audit action recorded when a session ends this way.
    pub fn action(self) -> &'static str {
        match self {
            Self::SignedOut => "session.signed_out",
            Self::IdleTimeout | Self::AbsoluteTimeout => "session.timed_out",
            _ => "session.ended",
        }
    }
}

/// A live session with what the per-request verdict needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: Uuid,
    pub object_id: Option<Uuid>,
    pub emergency_account_id: Option<Uuid>,
    pub last_seen_at: OffsetDateTime,
    pub absolute_expires_at: OffsetDateTime,
    pub tenant_status: String,
    pub idle_timeout_secs: i32,
    pub user_status: Option<String>,
    pub user_role: Option<String>,
    pub blocked: bool,
    pub account_revoked: bool,
}

impl SessionRow {
    /// The person's current effective role in the synced directory.
    pub fn current_role(&self) -> Option<AccessRole> {
        super::role(self.user_role.as_deref())
    }
}

/// The columns of [`SessionRow`] and where they come from (the session, its tenant, the
/// tenant's settings, the person's directory row, block or emergency account).
const LIVE_SESSION_FROM: &str = "SELECT s.id, s.object_id, s.emergency_account_id, s.last_seen_at, \
    s.absolute_expires_at, t.status AS tenant_status, \
    COALESCE(cs.idle_timeout_secs, 900) AS idle_timeout_secs, \
    du.status AS user_status, du.role AS user_role, \
    (b.object_id IS NOT NULL) AS blocked, \
    (ea.revoked_at IS NOT NULL) AS account_revoked \
    FROM console_sessions s \
    JOIN tenants t ON t.id = s.tenant_id \
    LEFT JOIN console_settings cs ON cs.tenant_id = s.tenant_id \
    LEFT JOIN directory_users du ON du.tenant_id = s.tenant_id AND du.object_id = s.object_id \
    LEFT JOIN console_user_blocks b ON b.tenant_id = s.tenant_id AND b.object_id = s.object_id \
    LEFT JOIN console_emergency_accounts ea \
        ON ea.tenant_id = s.tenant_id AND ea.id = s.emergency_account_id";

/// The live sessions of the tenant bound as `$1`.
const LIVE_IN_TENANT: &str = "WHERE s.tenant_id = $1 AND s.ended_at IS NULL";

/// The live session with this token hash, read in a statement of its own (autocommit, under
/// the tenant's row-level security context: one round trip, no transaction held). The request
/// check's read: it decides nothing by itself, so nothing needs to stay locked after it; what
/// it leads to ([`touch_now`], [`end`]) re-checks that the session is still live.
pub async fn find_live_now(
    pool: &PgPool,
    tenant: TenantId,
    hash: &SecretHash,
) -> Result<Option<SessionRow>, sqlx::Error> {
    let mut qb = pa_db::tenant_statement(tenant);
    qb.push(" ");
    qb.push(LIVE_SESSION_FROM);
    qb.push(" WHERE s.tenant_id = ");
    qb.push_bind(tenant);
    qb.push(" AND s.ended_at IS NULL AND s.token_hash = ");
    qb.push_bind(hash.as_bytes());
    qb.push(" AND ");
    qb.push(pa_db::IN_TENANT_CONTEXT);
    qb.build_query_as::<SessionRow>().fetch_optional(pool).await
}

/// Every live session of the tenant, locked (the sweeper and "end all").
pub async fn live_in_tenant(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<SessionRow>, sqlx::Error> {
    sqlx::query_as::<_, SessionRow>(sqlx::AssertSqlSafe(format!(
        "{LIVE_SESSION_FROM} {LIVE_IN_TENANT} FOR UPDATE OF s"
    )))
    .bind(tenant)
    .fetch_all(conn)
    .await
}

/// Records activity on a live session, in a statement of its own (one round trip).
pub async fn touch_now(
    pool: &PgPool,
    tenant: TenantId,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    let mut qb = pa_db::tenant_statement(tenant);
    qb.push(" UPDATE console_sessions SET last_seen_at = ");
    qb.push_bind(now);
    qb.push(" WHERE tenant_id = ");
    qb.push_bind(tenant);
    qb.push(" AND id = ");
    qb.push_bind(id);
    qb.push(" AND ended_at IS NULL AND last_seen_at < ");
    qb.push_bind(now);
    qb.push(" AND ");
    qb.push(pa_db::IN_TENANT_CONTEXT);
    qb.build().execute(pool).await?;
    Ok(())
}

/// Ends `row` (if still live) and audits it as `ctx` (the subject for timeouts, the Admin or the
/// system otherwise). Returns whether it was live.
pub async fn end(
    conn: &mut PgConnection,
    tenant: TenantId,
    row: &SessionRow,
    reason: EndReason,
    now: OffsetDateTime,
    ctx: &RequestContext,
) -> Result<bool, ApiError> {
    let ended = sqlx::query(
        "UPDATE console_sessions SET ended_at = $3, end_reason = $4 \
         WHERE tenant_id = $1 AND id = $2 AND ended_at IS NULL",
    )
    .bind(tenant)
    .bind(row.id)
    .bind(now)
    .bind(reason.as_str())
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if ended {
        let subject = row.actor();
        let entry = ctx
            .audit(reason.action())
            .target("session", row.id)
            .details(json!({
                "reason": reason.as_str(),
                "subject": format!("{}:{}", subject.kind(), subject.id()),
                "emergency": row.emergency_account_id.is_some(),
            }));
        pa_audit::record_tenant(conn, tenant, &entry).await?;
    }
    Ok(ended)
}

/// A new session row.
pub struct NewSession<'a> {
    pub id: Uuid,
    pub token_hash: SecretHash,
    pub object_id: Option<Uuid>,
    pub emergency_account_id: Option<Uuid>,
    pub user_principal_name: Option<&'a str>,
    pub display_name: Option<&'a str>,
    pub now: OffsetDateTime,
    pub absolute_expires_at: OffsetDateTime,
    pub client_addr: Option<IpAddr>,
    pub user_agent: Option<&'a str>,
}

pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    s: &NewSession<'_>,
) -> Result<(), sqlx::Error> {
    let kind = if s.emergency_account_id.is_some() {
        "emergency"
    } else {
        "entra"
    };
    sqlx::query(
        "INSERT INTO console_sessions (tenant_id, id, token_hash, kind, object_id, \
         emergency_account_id, user_principal_name, display_name, created_at, last_seen_at, \
         absolute_expires_at, client_addr, user_agent) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12)",
    )
    .bind(tenant)
    .bind(s.id)
    .bind(s.token_hash.as_bytes())
    .bind(kind)
    .bind(s.object_id)
    .bind(s.emergency_account_id)
    .bind(
        s.user_principal_name
            .map(|u| u.chars().take(320).collect::<String>()),
    )
    .bind(
        s.display_name
            .map(|u| u.chars().take(256).collect::<String>()),
    )
    .bind(s.now)
    .bind(s.absolute_expires_at)
    .bind(s.client_addr)
    .bind(
        s.user_agent
            .map(|u| u.chars().take(512).collect::<String>()),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A session as listed.
#[derive(Debug, sqlx::FromRow)]
pub struct SessionListing {
    pub id: Uuid,
    pub kind: String,
    pub object_id: Option<Uuid>,
    pub emergency_account_id: Option<Uuid>,
    pub user_principal_name: Option<String>,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub absolute_expires_at: OffsetDateTime,
    pub client_addr: Option<ipnet_compat::Inet>,
    pub user_agent: Option<String>,
}

/// `inet` read as text.
pub mod ipnet_compat {
    /// An `inet` value.
    pub type Inet = sqlx::types::ipnet::IpNet;
}

/// Live sessions of one subject (a person or an emergency account), newest first.
pub async fn list_live_of(
    conn: &mut PgConnection,
    tenant: TenantId,
    object_id: Option<Uuid>,
    account_id: Option<Uuid>,
) -> Result<Vec<SessionListing>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, kind, object_id, emergency_account_id, user_principal_name, created_at, \
         last_seen_at, absolute_expires_at, client_addr, user_agent FROM console_sessions \
         WHERE tenant_id = $1 AND ended_at IS NULL \
           AND (object_id = $2 OR emergency_account_id = $3) \
         ORDER BY created_at DESC, id DESC LIMIT 200",
    )
    .bind(tenant)
    .bind(object_id)
    .bind(account_id)
    .fetch_all(conn)
    .await
}

/// Live sessions of the tenant matching a subject filter, locked, with their verdict columns.
pub async fn live_of_subject(
    conn: &mut PgConnection,
    tenant: TenantId,
    object_id: Option<Uuid>,
    session_id: Option<Uuid>,
) -> Result<Vec<SessionRow>, sqlx::Error> {
    sqlx::query_as::<_, SessionRow>(sqlx::AssertSqlSafe(format!(
        "{LIVE_SESSION_FROM} {LIVE_IN_TENANT} AND ($2::uuid IS NULL OR s.object_id = $2) \
         AND ($3::uuid IS NULL OR s.id = $3) FOR UPDATE OF s"
    )))
    .bind(tenant)
    .bind(object_id)
    .bind(session_id)
    .fetch_all(conn)
    .await
}

/// Which live sessions to end.
#[derive(Clone, Copy, Debug, Default)]
pub struct Which {
    /// Only this person's.
    pub object_id: Option<Uuid>,
    /// Only this session.
    pub session_id: Option<Uuid>,
    /// All but this one (the caller's own).
    pub except: Option<Uuid>,
}

/// Ends every live session of the tenant that `which` selects; returns how many.
pub async fn end_matching(
    conn: &mut PgConnection,
    tenant: TenantId,
    which: Which,
    reason: EndReason,
    now: OffsetDateTime,
    ctx: &RequestContext,
) -> Result<u64, ApiError> {
    let rows = live_of_subject(conn, tenant, which.object_id, which.session_id).await?;
    let mut n = 0;
    for row in rows.iter().filter(|r| Some(r.id) != which.except) {
        if end(conn, tenant, row, reason, now, ctx).await? {
            n += 1;
        }
    }
    Ok(n)
}
