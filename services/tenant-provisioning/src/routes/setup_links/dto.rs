//! Response bodies of `/v1/tenants/{tenant_id}/setup-links`. The token is never part of
//! any response: it exists only in the e-mail.

use pa_domain::TenantId;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::repo::setup_links::SetupLinkRecord;

/// Where a link is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SetupLinkStatus {
    /// Usable until `expires_at`.
    Active,
    /// Past `expires_at` without being used.
    Expired,
    /// Revoked (see `revoked_reason`).
    Revoked,
    /// Setup was completed with it; it cannot be used again.
    Used,
}

impl SetupLinkStatus {
    fn from_db(s: &str) -> Self {
        match s {
            "used" => Self::Used,
            "revoked" => Self::Revoked,
            "expired" => Self::Expired,
            _ => Self::Active,
        }
    }
}

/// A setup link's metadata (never the token).
#[derive(Debug, Serialize, ToSchema)]
pub struct SetupLinkOut {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub status: SetupLinkStatus,
    /// The address the link is e-mailed to.
    pub sent_to: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    /// `revoked` (by an operator), `regenerated`, `superseded` (it had expired and a new
    /// link was issued) or `tenant_deprovisioned`.
    pub revoked_reason: Option<String>,
    /// When the customer completed setup with this link.
    #[serde(with = "time::serde::rfc3339::option")]
    pub used_at: Option<OffsetDateTime>,
    /// When the setup e-mail carrying this link was handed to the mail server. `null` while
    /// it is pending (it is sent asynchronously, right after the link is issued, and retried
    /// while the mail server is unavailable) and for a link revoked before its mail went out.
    #[serde(with = "time::serde::rfc3339::option")]
    pub email_sent_at: Option<OffsetDateTime>,
}

impl From<SetupLinkRecord> for SetupLinkOut {
    fn from(r: SetupLinkRecord) -> Self {
        Self {
            id: r.id,
            tenant_id: r.tenant_id,
            status: SetupLinkStatus::from_db(&r.status),
            sent_to: r.sent_to,
            created_at: r.created_at,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
            revoked_reason: r.revoked_reason,
            used_at: r.used_at,
            email_sent_at: r.email_sent_at,
        }
    }
}

/// One page of a tenant's setup links, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SetupLinkPage {
    pub items: Vec<SetupLinkOut>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Paging of `GET /v1/tenants/{tenant_id}/setup-links`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SetupLinkListQuery {
    /// The `next_cursor` of the previous page.
    #[param(
        pattern = r"^A[Q-Za-f][A-Za-z0-9_-]{31}[AQgw]$",
        min_length = 34,
        max_length = 34
    )]
    pub cursor: Option<String>,
    /// Page size, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}
