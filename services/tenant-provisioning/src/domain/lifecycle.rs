//! The tenant lifecycle as data: which operator action is allowed from which state.

use serde::Serialize;

use super::TenantStatus;

/// An operator action that changes a tenant's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LifecycleAction {
    /// Temporarily disable.
    Suspend,
    /// Undo a suspension.
    Resume,
    /// Disable for good and schedule the purge.
    Deprovision,
}

/// The action is not allowed from the tenant's current status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot {} a tenant that is {current}", action.as_str())]
pub struct InvalidTransition {
    /// What was attempted.
    pub action: LifecycleAction,
    /// Where the tenant is.
    pub current: TenantStatus,
}

impl LifecycleAction {
    /// The verb, as in the URL.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Suspend => "suspend",
            Self::Resume => "resume",
            Self::Deprovision => "deprovision",
        }
    }

    /// The status after applying `self` to a tenant in `current`; `setup_completed` says
    /// whether the customer has finished setup (a resumed tenant goes back to `active`
    /// only then).
    pub fn apply(
        self,
        current: TenantStatus,
        setup_completed: bool,
    ) -> Result<TenantStatus, InvalidTransition> {
        use TenantStatus::{Active, Deprovisioned, PendingSetup, Suspended};
        let next = match (self, current) {
            (Self::Suspend, PendingSetup | Active) => Some(Suspended),
            (Self::Resume, Suspended) if setup_completed => Some(Active),
            (Self::Resume, Suspended) => Some(PendingSetup),
            (Self::Deprovision, PendingSetup | Active | Suspended) => Some(Deprovisioned),
            _ => None,
        };
        next.ok_or(InvalidTransition {
            action: self,
            current,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use LifecycleAction::*;
    use TenantStatus::*;

    /// (action, from, setup completed, expected result or None for refused)
    const TABLE: &[(LifecycleAction, TenantStatus, bool, Option<TenantStatus>)] = &[
        (Suspend, PendingSetup, false, Some(Suspended)),
        (Suspend, Active, true, Some(Suspended)),
        (Suspend, Suspended, false, None),
        (Suspend, Deprovisioned, false, None),
        (Suspend, Purged, false, None),
        (Resume, Suspended, false, Some(PendingSetup)),
        (Resume, Suspended, true, Some(Active)),
        (Resume, PendingSetup, false, None),
        (Resume, Active, true, None),
        (Resume, Deprovisioned, false, None),
        (Resume, Purged, false, None),
        (Deprovision, PendingSetup, false, Some(Deprovisioned)),
        (Deprovision, Active, true, Some(Deprovisioned)),
        (Deprovision, Suspended, true, Some(Deprovisioned)),
        (Deprovision, Deprovisioned, false, None),
        (Deprovision, Purged, false, None),
    ];

    #[test]
    fn every_transition_follows_the_table() {
        for &(action, from, done, expected) in TABLE {
            let got = action.apply(from, done).ok();
            assert_eq!(
                got, expected,
                "{action:?} from {from:?} (setup done: {done})"
            );
        }
    }

    #[test]
    fn refusals_name_the_current_state() {
        let err = Resume.apply(Active, true).expect_err("refused");
        assert_eq!(err.to_string(), "cannot resume a tenant that is active");
    }
}
