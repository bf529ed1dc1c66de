//! Request and response bodies of `/v1/tenants`.

use pa_domain::{EmailAddress, Environment, TenantId};
use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::domain::{DisplayName, ExternalRef, StatusReason, TenantStatus};
use crate::repo::tenants::TenantRecord;

/// A tenant to provision.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantIn {
    /// Customer-facing name, e.g. `Acme Health (production)`.
    #[schema(example = "Acme Health")]
    pub display_name: DisplayName,
    /// The customer's IT contact: receives the setup links.
    #[schema(example = "it-admin@acme-health.example")]
    pub contact_email: EmailAddress,
    /// `production` or `non_production`; the vendor usually provisions one of each.
    pub environment: Environment,
    /// The vendor's CRM id of the customer, shared by its production and non-production
    /// tenants. At most one live (not deprovisioned) production tenant per value.
    #[serde(default)]
    #[schema(example = "CRM-004217")]
    pub external_ref: Option<ExternalRef>,
    /// Issue the first setup link with the tenant (default `true`). It is e-mailed to
    /// `contact_email` right after the tenant is created, and retried while the mail server
    /// is unavailable; the link's `email_sent_at` tells when it went out.
    #[serde(default = "yes")]
    #[schema(default = true)]
    pub send_setup_link: bool,
}

fn yes() -> bool {
    true
}

/// New display data. Absent fields stay as they are; `external_ref: null` removes the
/// reference. Deprovisioned and purged tenants cannot be changed.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantPatch {
    /// New customer-facing name (may not be null).
    #[serde(
        default,
        deserialize_with = "not_null",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<DisplayName>, nullable = false)]
    pub display_name: Option<DisplayName>,
    /// New contact for future setup links (may not be null). Links already sent stay valid.
    #[serde(
        default,
        deserialize_with = "not_null",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<EmailAddress>, nullable = false)]
    pub contact_email: Option<EmailAddress>,
    /// New CRM id, or `null` to remove it.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<ExternalRef>)]
    pub external_ref: Option<Option<ExternalRef>>,
}

/// `null` is an error ("must not be null"); a value is `Some`.
fn not_null<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    match Option::<T>::deserialize(d)? {
        Some(v) => Ok(Some(v)),
        None => Err(serde::de::Error::custom("must not be null")),
    }
}

/// Present (value or `null`) is `Some`; absent stays `None` through `#[serde(default)]`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Optional body of `suspend` and `deprovision`.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChangeIn {
    /// Why (kept on the tenant, in the audit trail and in the event; never secrets).
    #[serde(default)]
    #[schema(example = "Contract paused by customer")]
    pub reason: Option<StatusReason>,
}

/// A tenant.
#[derive(Debug, Serialize, ToSchema)]
pub struct TenantOut {
    pub id: TenantId,
    pub display_name: String,
    /// The contact for setup links; `null` only once the tenant is purged.
    pub contact_email: Option<String>,
    pub environment: Environment,
    pub external_ref: Option<String>,
    pub status: TenantStatus,
    /// The operator's reason for the current `suspended` / `deprovisioned` status.
    pub status_reason: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// When the customer completed the setup wizard (the tenant became `active`).
    #[serde(with = "time::serde::rfc3339::option")]
    pub setup_completed_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub suspended_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub deprovisioned_at: Option<OffsetDateTime>,
    /// Earliest time the tenant's data is purged (deprovisioned tenants).
    #[serde(with = "time::serde::rfc3339::option")]
    pub purge_after: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub purged_at: Option<OffsetDateTime>,
}

impl From<TenantRecord> for TenantOut {
    fn from(t: TenantRecord) -> Self {
        Self {
            id: t.id,
            display_name: t.display_name,
            contact_email: t.contact_email,
            environment: t.environment,
            external_ref: t.external_ref,
            status: t.status,
            status_reason: t.status_reason,
            created_at: t.created_at,
            updated_at: t.updated_at,
            setup_completed_at: t.setup_completed_at,
            suspended_at: t.suspended_at,
            deprovisioned_at: t.deprovisioned_at,
            purge_after: t.purge_after,
            purged_at: t.purged_at,
        }
    }
}

/// One page of tenants, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct TenantPage {
    pub items: Vec<TenantOut>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Filters and paging of `GET /v1/tenants` (all optional, combined with AND).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TenantListQuery {
    /// Only tenants in this status.
    pub status: Option<TenantStatus>,
    /// Only tenants of this environment.
    pub environment: Option<Environment>,
    /// Only tenants with this CRM id (exact match): 1-128 visible ASCII characters.
    #[param(pattern = r"^ *[!-~]{1,128} *$")]
    pub external_ref: Option<String>,
    /// Only tenants whose display name starts with this text (case-insensitive), at most 200
    /// characters.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// The `next_cursor` of the previous page (opaque).
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
