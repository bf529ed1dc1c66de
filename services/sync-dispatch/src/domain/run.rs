//! A sync run's kind, status and trigger.

use std::fmt;
use std::str::FromStr;

use pa_events::SyncKind;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Why a run was started (`sync_runs.trigger`).
pub mod trigger {
    /// The first full sync after `setup.completed`.
    pub const SETUP: &str = "setup";
    /// The incremental schedule.
    pub const SCHEDULE: &str = "schedule";
    /// The daily full reconcile.
    pub const RECONCILE: &str = "reconcile";
    /// After a failed run's backoff.
    pub const RETRY: &str = "retry";
    /// "Sync now" in the admin console (`sync.requested`).
    pub const SYNC_NOW: &str = "sync_now";
    /// "Sync now" by an operator (REST API).
    pub const OPERATOR: &str = "operator";
    /// A group was added to the access configuration.
    pub const CONFIG_CHANGE: &str = "config_change";
    /// Admin consent was granted again.
    pub const CONSENT: &str = "consent";
    /// Graph reset or expired the delta position: the incremental run became a full one.
    pub const DELTA_RESET: &str = "delta_reset";
}

/// A value read from the database that this version does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what}: {value:?}")]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
}

/// `full` / `incremental`.
pub fn kind_as_str(kind: SyncKind) -> &'static str {
    match kind {
        SyncKind::Full => "full",
        SyncKind::Incremental => "incremental",
    }
}

/// Parses `sync_runs.kind`.
pub fn parse_kind(s: &str) -> Result<SyncKind, UnknownValue> {
    match s {
        "full" => Ok(SyncKind::Full),
        "incremental" => Ok(SyncKind::Incremental),
        other => Err(UnknownValue {
            what: "run kind",
            value: other.to_owned(),
        }),
    }
}

/// Where a run is in its life (`sync_runs.status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Claimed by the scheduler, its job published.
    Queued,
    /// A worker holds the tenant's lease and is reading Graph.
    Running,
    Succeeded,
    /// Ended by an error; retried after a backoff (or not, when the tenant needs attention).
    Failed,
    /// Would have deactivated more users than the tenant's threshold: those deactivations
    /// wait for an Admin's decision; everything else was applied.
    Held,
    /// Would have left the tenant without an active Admin: those Admins were kept;
    /// everything else was applied.
    Blocked,
    /// A held run an Admin approved (its deactivations were applied).
    Approved,
    /// A held run an Admin rejected (its deactivations were discarded).
    Rejected,
}

impl RunStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Held => "held",
            Self::Blocked => "blocked",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }

    /// Queued or running.
    pub const fn is_active(self) -> bool {
        matches!(self, Self::Queued | Self::Running)
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RunStatus {
    type Err = UnknownValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "queued" => Self::Queued,
            "running" => Self::Running,
            "succeeded" => Self::Succeeded,
            "failed" => Self::Failed,
            "held" => Self::Held,
            "blocked" => Self::Blocked,
            "approved" => Self::Approved,
            "rejected" => Self::Rejected,
            other => {
                return Err(UnknownValue {
                    what: "run status",
                    value: other.to_owned(),
                });
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_names() {
        for status in [
            RunStatus::Queued,
            RunStatus::Running,
            RunStatus::Succeeded,
            RunStatus::Failed,
            RunStatus::Held,
            RunStatus::Blocked,
            RunStatus::Approved,
            RunStatus::Rejected,
        ] {
            assert_eq!(status.as_str().parse::<RunStatus>(), Ok(status));
        }
        assert!("done".parse::<RunStatus>().is_err());
        assert_eq!(parse_kind(kind_as_str(SyncKind::Full)), Ok(SyncKind::Full));
        assert!(parse_kind("partial").is_err());
    }
}
