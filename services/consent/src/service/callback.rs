//! The browser's return from Microsoft's admin-consent page: `GET /consent/callback`.
//!
//! 1. The query must be an admin-consent response with a `state` (else 400, nothing stored).
//! 2. The `state` must have been issued by this wizard, to THIS session (the cookie comes back
//!    because it is `SameSite=Lax`), for the directory still entered, not used and not expired;
//!    it is marked used at once (a replay is refused), in a short transaction.
//! 3. Microsoft's answer: an error (declined, Conditional Access or MFA at sign-in, not an
//!    admin) or a grant claimed for another tenant than the one entered is recorded as the
//!    consent step's failure, with Microsoft's code and the fix. A grant claimed for the
//!    entered tenant is proven by an app token ([`super::consent::verify`]).

use pa_entra::{ConsentCallback, EntraError, EntraTenantId};

use super::consent::{self, Outcome};
use crate::context::WizardCtx;
use crate::domain::{ConsentState, Step};
use crate::error::{ApiError, MicrosoftFailure, Retry};
use crate::repo::states;
use crate::state::AppState;

/// Parses the query string far enough to know whose `state` it carries (step 1).
pub fn parse(query: &str) -> Result<(ConsentCallback, ConsentState), ApiError> {
    let callback = ConsentCallback::parse(query).map_err(|e| match e {
        EntraError::InvalidConsentCallback(why) => ApiError::InvalidConsentCallback(why),
        other => ApiError::InvalidConsentCallback(other.to_string()),
    })?;
    let raw = callback
        .state()
        .ok_or_else(|| ApiError::InvalidConsentCallback("`state` is missing".into()))?;
    let presented = ConsentState::parse(raw).ok_or(ApiError::ConsentStateUnknown)?;
    Ok((callback, presented))
}

/// Steps 2 and 3 for an authenticated session.
pub async fn receive(
    state: &AppState,
    ctx: &WizardCtx,
    callback: &ConsentCallback,
    presented: &ConsentState,
) -> Result<Outcome, ApiError> {
    if presented.tenant() != ctx.tenant {
        return Err(ApiError::ConsentStateMismatch(
            "this consent response belongs to another setup session",
        ));
    }
    let directory = consume(state, ctx, presented).await?;
    match callback.check(&directory, presented.expose()) {
        Ok(()) => consent::verify(state, ctx, directory).await,
        Err(e) => {
            // Declined, blocked at sign-in, not an admin, or another tenant: consent again.
            let failure = MicrosoftFailure::from_entra(&e, state.now()).with_retry(Retry::Consent);
            let mut tx = pa_db::begin_tenant(&state.pool, ctx.tenant).await?;
            super::lock_for(&mut tx, ctx, Step::Consent, Some(directory.as_uuid())).await?;
            consent::record_failure(&mut tx, ctx, &failure, false, false).await?;
            tx.commit().await?;
            Ok(Outcome::Failed(failure))
        }
    }
}

/// Checks and uses up the state; returns the directory it was issued for.
async fn consume(
    state: &AppState,
    ctx: &WizardCtx,
    presented: &ConsentState,
) -> Result<EntraTenantId, ApiError> {
    let now = state.now();
    let hash = presented.hash();
    let mut tx = pa_db::begin_tenant(&state.pool, ctx.tenant).await?;
    let (wizard, _) = super::lock_for(&mut tx, ctx, Step::Consent, None).await?;
    let row = states::lock(&mut tx, ctx.tenant, &hash)
        .await?
        .ok_or(ApiError::ConsentStateUnknown)?;
    if row.used_at.is_some() {
        return Err(ApiError::ConsentStateReplayed);
    }
    if row.session_id != ctx.session_id {
        return Err(ApiError::ConsentStateMismatch(
            "this consent response belongs to another setup session (another browser?); \
             continue to Microsoft from this browser",
        ));
    }
    if now >= row.expires_at {
        return Err(ApiError::ConsentStateExpired);
    }
    if wizard.entra_tenant_id != Some(row.entra_tenant_id) {
        return Err(ApiError::ConsentStateMismatch(
            "the directory was changed after this consent request; continue to Microsoft again",
        ));
    }
    states::mark_used(&mut tx, ctx.tenant, &hash, now).await?;
    let entry = ctx
        .audit("consent.callback_received")
        .target("entra_tenant", row.entra_tenant_id);
    pa_audit::record_tenant(&mut tx, ctx.tenant, &entry).await?;
    tx.commit().await?;
    EntraTenantId::from_uuid(row.entra_tenant_id)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored directory id: {e}")))
}
