//! Sync requests and decisions (produced by admin-console, consumed by sync-dispatch), and
//! what sync-dispatch reports back.

use pa_domain::TenantId;
use pa_messaging::Event;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// Full: every configured group's transitive members. Incremental: Graph delta since the
/// stored delta links.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncKind {
    Incremental,
    Full,
}

/// "Sync now" from the console.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRequested {
    pub tenant_id: TenantId,
    pub kind: SyncKind,
    /// The audit actor who asked.
    pub requested_by: String,
}

impl Event for SyncRequested {
    const TYPE: &'static str = "sync.requested";
}

/// An Admin's decision on a held run (one that would deactivate more users than the
/// tenant's threshold).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldDecision {
    Approve,
    Reject,
}

/// The console's approve/reject of a held run; sync-dispatch applies or discards the held
/// changes (a decision on a run that is no longer held is ignored, and audited as such).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncHoldDecided {
    pub tenant_id: TenantId,
    pub run_id: Uuid,
    pub decision: HoldDecision,
    pub decided_by: String,
}

impl Event for SyncHoldDecided {
    const TYPE: &'static str = "sync.hold_decided";
}

/// How a sync run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncRunOutcome {
    Succeeded,
    Failed,
    /// Waiting for an Admin: it would deactivate more than the threshold.
    Held,
    /// Refused: it would leave the tenant without an active Admin.
    Blocked,
}

/// A sync run finished (for dashboards, the console's live status and alerting).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRunFinished {
    pub tenant_id: TenantId,
    pub run_id: Uuid,
    pub kind: SyncKind,
    pub outcome: SyncRunOutcome,
    pub users_created: u64,
    pub users_updated: u64,
    pub users_deactivated: u64,
    pub users_reactivated: u64,
    pub held_changes: u64,
    /// Microsoft's or our error code when it failed (e.g. `AADSTS700016`, `TooManyRequests`).
    pub error_code: Option<String>,
}

impl Event for SyncRunFinished {
    const TYPE: &'static str = "sync.run_finished";
}

/// The tenant's directory needs a customer admin: consent revoked (AADSTS700016), a
/// Conditional Access block (53003), a permission removed. Syncing stops retrying until
/// something changes (a new consent, a config change, "sync now").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryNeedsAttention {
    pub tenant_id: TenantId,
    /// Stable reason: `consent_revoked`, `conditional_access`, `permission_missing`, …
    pub reason: String,
    /// Microsoft's AADSTS number or Graph error code, when there is one.
    pub microsoft_code: Option<String>,
    /// What the customer's IT admin should do (pa-entra's remediation text).
    pub remediation: String,
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
}

impl Event for DirectoryNeedsAttention {
    const TYPE: &'static str = "directory.needs_attention";
}

/// An emergency-access ("break glass") account was used to sign in to the console: an alert.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmergencyAccessUsed {
    pub tenant_id: TenantId,
    pub account_id: Uuid,
    pub account_name: String,
    /// The client address the sign-in came from.
    pub client_ip: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl Event for EmergencyAccessUsed {
    const TYPE: &'static str = "emergency_access.used";
}
