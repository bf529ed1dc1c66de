//! Which steps are done, which comes next, and the out-of-order check every step makes.

use pa_events::AccessRole;

use crate::domain::Step;
use crate::error::ApiError;
use crate::repo::groups::GroupRow;
use crate::repo::wizards::WizardRow;

/// Whether `step` is done in `w` (with its chosen `groups`).
pub fn is_done(w: &WizardRow, groups: &[GroupRow], step: Step) -> bool {
    match step {
        Step::Directory => w.entra_tenant_id.is_some(),
        Step::Consent => w.consent_granted_at.is_some() && w.attention.is_none(),
        Step::Preflight => w.preflight_passed == Some(true) && is_done(w, groups, Step::Consent),
        Step::Admin => w.admin_object_id.is_some(),
        Step::Groups => {
            w.groups_set_at.is_some() && groups.iter().any(|g| g.role == AccessRole::Admin)
        }
        Step::Finish => w.completed_at.is_some(),
    }
}

/// The steps done, in order.
pub fn done(w: &WizardRow, groups: &[GroupRow]) -> Vec<Step> {
    Step::ALL
        .into_iter()
        .filter(|s| is_done(w, groups, *s))
        .collect()
}

/// The first step not done (`None` once finished).
pub fn next(w: &WizardRow, groups: &[GroupRow]) -> Option<Step> {
    Step::ALL.into_iter().find(|s| !is_done(w, groups, *s))
}

/// Refuses to change anything once finished, and to run `step` before every earlier step is
/// done (409 naming the first missing one). Steps may be revisited until finish.
pub fn require(w: &WizardRow, groups: &[GroupRow], step: Step) -> Result<(), ApiError> {
    if w.completed_at.is_some() {
        return Err(ApiError::SetupCompleted);
    }
    match Step::ALL
        .into_iter()
        .take_while(|s| *s < step)
        .find(|s| !is_done(w, groups, *s))
    {
        Some(missing) => Err(ApiError::StepOutOfOrder(missing)),
        None => Ok(()),
    }
}
