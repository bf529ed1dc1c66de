//! Microsoft's errors met while a step reads the directory, and "needs attention".
//!
//! AADSTS700016 after the grant means Microsoft no longer knows Patient Access in the
//! directory (consent revoked, enterprise application deleted). That is never retried: the
//! wizard records `attention` (Microsoft's error and the fix), undoes the consent step, audits
//! it and publishes `directory.needs_attention`; the state shows it until consent is granted
//! again.

use pa_entra::{EntraError, ErrorKind};
use pa_events::DirectoryNeedsAttention;

use crate::context::WizardCtx;
use crate::domain::Attention;
use crate::error::{ApiError, MicrosoftFailure, Retry};
use crate::repo::wizards;
use crate::state::AppState;

/// Whether `e` says the app is no longer in the directory.
pub fn is_revocation(e: &EntraError) -> bool {
    matches!(
        e.kind(),
        ErrorKind::AppNotInTenant | ErrorKind::ConsentMissing
    )
}

/// The attention record for a revocation seen now.
pub fn revoked(e: &EntraError, state: &AppState) -> Attention {
    let now = state.now();
    Attention {
        reason: "consent_revoked".to_owned(),
        failure: MicrosoftFailure::from_entra(e, now).with_retry(Retry::Consent),
        since: now,
    }
}

/// Records `attention` for the wizard (inside the caller's transaction, wizard locked):
/// undoes the consent step, audits, enqueues `directory.needs_attention`.
pub async fn record(
    conn: &mut sqlx::PgConnection,
    ctx: &WizardCtx,
    attention: &Attention,
    now: time::OffsetDateTime,
) -> Result<(), ApiError> {
    wizards::record_attention(conn, ctx.tenant, now, attention).await?;
    let entry = ctx
        .audit("directory.needs_attention")
        .outcome(pa_audit::Outcome::Failure)
        .details(serde_json::json!({
            "reason": attention.reason,
            "microsoft_code": attention.failure.microsoft_code,
        }));
    pa_audit::record_tenant(conn, ctx.tenant, &entry).await?;
    let event = DirectoryNeedsAttention {
        tenant_id: ctx.tenant,
        reason: attention.reason.clone(),
        microsoft_code: attention.failure.microsoft_code.clone(),
        remediation: attention.failure.remediation.clone(),
        since: attention.since,
    };
    pa_messaging::enqueue(conn, &ctx.event_meta(), &event).await?;
    Ok(())
}

/// Maps a Graph (or token) failure during a step to the API error; a revocation is recorded
/// first (in a transaction of its own).
pub async fn graph_failure(state: &AppState, ctx: &WizardCtx, e: EntraError) -> ApiError {
    let now = state.now();
    if is_revocation(&e) {
        let attention = revoked(&e, state);
        let recorded = async {
            let mut tx = pa_db::begin_tenant(&state.pool, ctx.tenant).await?;
            let wizard = wizards::lock(&mut tx, ctx.tenant).await?;
            if wizard.is_some_and(|w| w.completed_at.is_none()) {
                record(&mut tx, ctx, &attention, now).await?;
                state.outbox.commit(tx).await?;
            }
            Ok::<_, ApiError>(())
        };
        if let Err(err) = recorded.await {
            return err;
        }
        return ApiError::ConsentRevoked(Box::new(attention.failure));
    }
    let failure = MicrosoftFailure::from_entra(&e, now);
    match e.kind() {
        ErrorKind::AccessDenied => {
            ApiError::PermissionMissing(Box::new(failure.with_retry(Retry::Verify)))
        }
        ErrorKind::ConditionalAccessBlocked | ErrorKind::ApplicationDisabled => {
            ApiError::Consent(Box::new(failure))
        }
        _ if MicrosoftFailure::is_unavailable(&e) => {
            ApiError::MicrosoftUnavailable(Box::new(failure))
        }
        _ => ApiError::Microsoft(Box::new(failure)),
    }
}
