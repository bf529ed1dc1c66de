//! Step 2: admin consent. "Continue to Microsoft Authentication" issues a one-time `state`
//! bound to this session and the entered directory and returns Microsoft's admin-consent URL;
//! the callback ([`super::callback`]) consumes the state. A grant is only recorded once an app
//! token for the ENTERED directory carries every required permission ([`verify`]); "check
//! again" re-runs that proof after Microsoft reported a grant that could not be verified yet
//! (still propagating, a Conditional Access block, a missing permission granted since).

use pa_entra::EntraTenantId;
use pa_events::ConsentGranted;

use super::{directory_of, lock_for, precheck};
use crate::context::WizardCtx;
use crate::domain::{ConsentState, Step};
use crate::error::{ApiError, MicrosoftFailure, Retry};
use crate::repo::states::{self, NewState};
use crate::repo::wizards;
use crate::routes::dto::{ConsentRequestOut, REQUIRED_ROLES};
use crate::state::AppState;

/// What a consent attempt came to.
#[derive(Debug)]
pub enum Outcome {
    Granted,
    Failed(MicrosoftFailure),
}

/// A fresh admin-consent URL for the entered directory.
pub async fn request(state: &AppState, ctx: &WizardCtx) -> Result<ConsentRequestOut, ApiError> {
    let now = state.now();
    let mut tx = pa_db::begin_tenant(&state.pool, ctx.tenant).await?;
    let (wizard, _) = lock_for(&mut tx, ctx, Step::Consent, None).await?;
    let directory = directory_of(&wizard)?;
    let issued = ConsentState::issue(ctx.tenant)?;
    let expires_at = now + state.consent_state_ttl();
    states::insert(
        &mut tx,
        &NewState {
            tenant_id: ctx.tenant,
            hash: issued.hash(),
            session_id: ctx.session_id,
            entra_tenant_id: directory.as_uuid(),
            now,
            expires_at,
        },
    )
    .await?;
    let url = state
        .entra
        .admin_consent_url(&directory, issued.expose())
        .map_err(|e| ApiError::Internal(e.into()))?;
    let entry = ctx
        .audit("consent.requested")
        .target("entra_tenant", directory)
        .details(serde_json::json!({ "expires_at": expires_at.unix_timestamp() }));
    pa_audit::record_tenant(&mut tx, ctx.tenant, &entry).await?;
    tx.commit().await?;
    let redirect_uri = state
        .settings
        .entra
        .redirect_uri
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    Ok(ConsentRequestOut {
        consent_url: url.to_string(),
        expires_at,
        redirect_uri,
    })
}

/// "Check again": proves a grant Microsoft already reported for the entered directory.
pub async fn check_again(state: &AppState, ctx: &WizardCtx) -> Result<(), ApiError> {
    let (wizard, _) = precheck(state, ctx, Step::Consent).await?;
    if wizard.consent_claimed_at.is_none() {
        return Err(ApiError::ConsentNotClaimed);
    }
    let directory = directory_of(&wizard)?;
    match verify(state, ctx, directory).await? {
        Outcome::Granted => Ok(()),
        Outcome::Failed(f) if f.retry == Retry::Later => {
            Err(ApiError::MicrosoftUnavailable(Box::new(f)))
        }
        Outcome::Failed(f) => Err(ApiError::Consent(Box::new(f))),
    }
}

/// Proves the grant with a fresh app token for `directory` (its `tid` and its roles) and
/// records the outcome: the grant (and `consent.granted`), or the failure and its fix.
pub async fn verify(
    state: &AppState,
    ctx: &WizardCtx,
    directory: EntraTenantId,
) -> Result<Outcome, ApiError> {
    let proof = state
        .entra
        .verify_consent(&directory, &REQUIRED_ROLES)
        .await;
    let now = state.now();
    let mut tx = pa_db::begin_tenant(&state.pool, ctx.tenant).await?;
    lock_for(&mut tx, ctx, Step::Consent, Some(directory.as_uuid())).await?;
    let outcome = match proof {
        Ok(grant) => {
            wizards::record_grant(
                &mut tx,
                ctx.tenant,
                now,
                &grant.roles,
                grant.service_principal_id.as_deref(),
            )
            .await?;
            let entry = ctx
                .audit("consent.granted")
                .target("entra_tenant", directory)
                .details(serde_json::json!({ "roles": grant.roles }));
            pa_audit::record_tenant(&mut tx, ctx.tenant, &entry).await?;
            let event = ConsentGranted {
                tenant_id: ctx.tenant,
                entra_tenant_id: directory.as_uuid(),
                roles: grant.roles,
                granted_at: now,
            };
            pa_messaging::enqueue(&mut tx, &ctx.event_meta(), &event).await?;
            Outcome::Granted
        }
        Err(e) => {
            let failure = MicrosoftFailure::from_entra(&e, now);
            // Microsoft unreachable proves nothing either way: an earlier proof stands.
            let unverified = failure.retry != Retry::Later;
            record_failure(&mut tx, ctx, &failure, true, unverified).await?;
            Outcome::Failed(failure)
        }
    };
    state.outbox.commit(tx).await?;
    Ok(outcome)
}

/// Records a consent failure (wizard locked by the caller) and audits it.
pub async fn record_failure(
    conn: &mut sqlx::PgConnection,
    ctx: &WizardCtx,
    failure: &MicrosoftFailure,
    claimed: bool,
    unverified: bool,
) -> Result<(), ApiError> {
    wizards::record_consent_failure(conn, ctx.tenant, failure.at, failure, claimed, unverified)
        .await?;
    let entry = ctx
        .audit("consent.failed")
        .outcome(pa_audit::Outcome::Failure)
        .details(serde_json::json!({
            "code": failure.code,
            "microsoft_code": failure.microsoft_code,
        }));
    pa_audit::record_tenant(conn, ctx.tenant, &entry).await?;
    Ok(())
}
