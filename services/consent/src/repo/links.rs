//! tenant-provisioning's setup links, read through this service's SECURITY DEFINER lookups
//! (migration 0020): `consent_setup_link_lookup(hash)` and `consent_setup_link_status(t, l)`.

use pa_domain::TenantId;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::TokenHash;

/// Where a setup link is (migration 0020's `consent_link_status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkStatus {
    Active,
    Used,
    Regenerated,
    Revoked,
    TenantDeprovisioned,
    Expired,
    TenantUnavailable,
}

impl LinkStatus {
    /// The database value; anything unknown is treated as revoked (fail closed).
    pub fn parse(s: &str) -> Self {
        match s {
            "active" => Self::Active,
            "used" => Self::Used,
            "regenerated" => Self::Regenerated,
            "tenant_deprovisioned" => Self::TenantDeprovisioned,
            "expired" => Self::Expired,
            "tenant_unavailable" => Self::TenantUnavailable,
            _ => Self::Revoked,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Used => "used",
            Self::Regenerated => "regenerated",
            Self::Revoked => "revoked",
            Self::TenantDeprovisioned => "tenant_deprovisioned",
            Self::Expired => "expired",
            Self::TenantUnavailable => "tenant_unavailable",
        }
    }
}

/// A token resolved to its link.
#[derive(Debug)]
pub struct ResolvedLink {
    pub tenant_id: TenantId,
    pub link_id: Uuid,
    pub token_hash: TokenHash,
    pub status: LinkStatus,
}

/// The link whose token has SHA-256 `hash`, if any.
pub async fn lookup(
    conn: &mut PgConnection,
    hash: &TokenHash,
) -> Result<Option<ResolvedLink>, pa_db::DbError> {
    let row: Option<(Uuid, Uuid, Vec<u8>, String)> = sqlx::query_as(
        "SELECT tenant_id, link_id, token_hash, status FROM consent_setup_link_lookup($1)",
    )
    .bind(hash.as_bytes())
    .fetch_optional(conn)
    .await?;
    Ok(row.and_then(|(tenant, link, stored, status)| {
        Some(ResolvedLink {
            tenant_id: TenantId::from_uuid(tenant),
            link_id: link,
            token_hash: TokenHash::from_slice(&stored)?,
            status: LinkStatus::parse(&status),
        })
    }))
}
