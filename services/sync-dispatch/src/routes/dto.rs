//! Request and response bodies of the sync API.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::RunStatus;
use crate::repo::runs::RunRecord;
use crate::repo::tenants::SyncTenant;

/// `full`: every configured group's members. `incremental`: Graph delta since the last run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    Full,
    Incremental,
}

impl RunKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Incremental => "incremental",
        }
    }

    fn parse(s: &str) -> Self {
        if s == "incremental" {
            Self::Incremental
        } else {
            Self::Full
        }
    }
}

/// Whether the tenant is synced: only `active` tenants are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    Active,
    Suspended,
    Deprovisioned,
}

/// "Sync now" (the body may be left out).
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncRequestIn {
    /// `full` (the default: every configured group is read again) or `incremental`.
    #[serde(default)]
    pub kind: Option<RunKind>,
}

/// A run's progress while it runs (and its totals after).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressOut {
    /// Users read from Graph so far.
    pub objects_read: i64,
    /// Of how many, when Graph's `$count` said (`null` otherwise: draw an indeterminate bar).
    pub objects_total: Option<i64>,
    /// Graph pages read so far.
    pub pages_read: i64,
    /// `objects_read / objects_total` in percent (0-100), when the total is known.
    #[schema(minimum = 0, maximum = 100)]
    pub percent: Option<u8>,
}

/// One sync run.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunOut {
    pub id: Uuid,
    pub kind: RunKind,
    /// Why it ran: `setup`, `schedule`, `reconcile`, `retry`, `sync_now`, `operator`,
    /// `config_change`, `consent`, `delta_reset`.
    pub trigger: String,
    pub status: RunStatus,
    /// Who asked for it, when a person did.
    pub requested_by: Option<String>,
    pub queued_at: OffsetDateTime,
    pub started_at: Option<OffsetDateTime>,
    pub finished_at: Option<OffsetDateTime>,
    pub progress: ProgressOut,
    pub users_created: i64,
    pub users_updated: i64,
    pub users_deactivated: i64,
    pub users_reactivated: i64,
    /// Deactivations waiting for an Admin (`held` runs).
    pub held_changes: i64,
    /// Microsoft's (`AADSTS700016`, a Graph code) or ours (`last_admin_protected`,
    /// `deactivations_held`, `throttled`, …).
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// Workers that took it (more than one after a worker died mid-run).
    pub attempt: i32,
    pub decided_at: Option<OffsetDateTime>,
    pub decided_by: Option<String>,
}

impl From<RunRecord> for RunOut {
    fn from(r: RunRecord) -> Self {
        let percent = r.objects_total.filter(|t| *t > 0).map(|total| {
            let p = (r.objects_read.min(total) * 100) / total;
            u8::try_from(p).unwrap_or(100)
        });
        Self {
            id: r.id,
            kind: RunKind::parse(&r.kind),
            status: r.status.parse().unwrap_or(RunStatus::Failed),
            trigger: r.trigger,
            requested_by: r.requested_by,
            queued_at: r.queued_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
            progress: ProgressOut {
                objects_read: r.objects_read,
                objects_total: r.objects_total,
                pages_read: r.pages_read,
                percent,
            },
            users_created: r.users_created,
            users_updated: r.users_updated,
            users_deactivated: r.users_deactivated,
            users_reactivated: r.users_reactivated,
            held_changes: r.held_changes,
            error_code: r.error_code,
            error_message: r.error_message,
            attempt: r.attempt,
            decided_at: r.decided_at,
            decided_by: r.decided_by,
        }
    }
}

/// Why the tenant's directory needs its IT administrator; no automatic runs until a
/// configuration change, "sync now" or a new admin consent.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttentionOut {
    /// `consent_revoked`, `conditional_access`, `permission_missing`, `application_disabled`,
    /// `tenant_not_found`.
    pub reason: String,
    /// Microsoft's code, e.g. `AADSTS700016`.
    pub code: Option<String>,
    /// What the customer's IT administrator should do.
    pub remediation: Option<String>,
    pub since: Option<OffsetDateTime>,
}

/// A run asked for while another runs (served next).
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingOut {
    pub kind: RunKind,
    pub trigger: String,
}

/// A tenant's directory sync.
#[derive(Debug, Serialize, ToSchema)]
pub struct SyncStatusOut {
    pub tenant_id: Uuid,
    /// The customer's Entra ID directory (tenant id).
    pub entra_tenant_id: Uuid,
    pub lifecycle: Lifecycle,
    pub sync_interval_secs: i32,
    pub next_incremental_at: OffsetDateTime,
    pub next_full_at: OffsetDateTime,
    pub last_success_at: Option<OffsetDateTime>,
    pub last_full_success_at: Option<OffsetDateTime>,
    /// Failed runs in a row; no automatic run before `retry_at`.
    pub consecutive_failures: i32,
    pub retry_at: Option<OffsetDateTime>,
    pub attention: Option<AttentionOut>,
    /// The queued or running run, with its progress.
    pub current_run: Option<RunOut>,
    pub pending: Option<PendingOut>,
    /// Held runs waiting for an Admin's decision (made in the admin console).
    pub held_runs: i64,
    /// Version of the access configuration applied.
    pub config_version: i64,
}

impl SyncStatusOut {
    pub fn new(t: SyncTenant, current_run: Option<RunRecord>, held_runs: i64) -> Self {
        let lifecycle = match t.lifecycle.as_str() {
            "suspended" => Lifecycle::Suspended,
            "deprovisioned" => Lifecycle::Deprovisioned,
            _ => Lifecycle::Active,
        };
        Self {
            tenant_id: t.tenant_id,
            entra_tenant_id: t.entra_tenant_id,
            lifecycle,
            sync_interval_secs: t.sync_interval_secs,
            next_incremental_at: t.next_incremental_at,
            next_full_at: t.next_full_at,
            last_success_at: t.last_success_at,
            last_full_success_at: t.last_full_success_at,
            consecutive_failures: t.consecutive_failures,
            retry_at: t.retry_at,
            attention: t.attention_reason.map(|reason| AttentionOut {
                reason,
                code: t.attention_code,
                remediation: t.attention_remediation,
                since: t.attention_since,
            }),
            current_run: current_run.map(RunOut::from),
            pending: t.pending_kind.map(|kind| PendingOut {
                kind: RunKind::parse(&kind),
                trigger: t.pending_trigger.unwrap_or_default(),
            }),
            held_runs,
            config_version: t.config_version,
        }
    }
}

/// One page of runs, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunPage {
    pub items: Vec<RunOut>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Filters and paging of the run history.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RunListQuery {
    /// Only runs in this status.
    pub status: Option<RunStatus>,
    /// The `next_cursor` of the previous page.
    #[param(
        pattern = r"^A[Q-Za-f][A-Za-z0-9_-]{31}[AQgw]$",
        min_length = 34,
        max_length = 34
    )]
    pub cursor: Option<String>,
    /// Page size, 1-100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
}
