//! The wizard's use cases, one module per step. Each step validates its input, asks
//! Microsoft what it must (outside any transaction), then commits the change, its audit record
//! and its events in one transaction that holds the wizard row's lock and re-checks the step's
//! prerequisites (two browsers on one link take turns).

pub mod admin;
pub mod attention;
pub mod callback;
pub mod consent;
pub mod directory;
pub mod finish;
pub mod groups;
pub mod preflight;
pub mod progress;
pub mod start;
pub mod view;

use pa_audit::Outcome;
use pa_entra::EntraTenantId;
use uuid::Uuid;

use crate::context::WizardCtx;
use crate::domain::Step;
use crate::error::ApiError;
use crate::repo::groups::{self as group_rows, GroupRow};
use crate::repo::wizards::{self, WizardRow};
use crate::state::AppState;

/// The wizard and its groups, after checking `step` may run now (in a short transaction of
/// its own: the step calls Microsoft before it takes the wizard's lock).
pub async fn precheck(
    state: &AppState,
    ctx: &WizardCtx,
    step: Step,
) -> Result<(WizardRow, Vec<GroupRow>), ApiError> {
    let mut tx = pa_db::begin_tenant(&state.pool, ctx.tenant).await?;
    let wizard = wizards::find(&mut tx, ctx.tenant)
        .await?
        .ok_or(ApiError::SessionInvalid)?;
    let groups = group_rows::list(&mut tx, ctx.tenant).await?;
    tx.commit().await?;
    progress::require(&wizard, &groups, step)?;
    Ok((wizard, groups))
}

/// The locked wizard inside `tx`, re-checked for `step`, and refused when its directory is no
/// longer `expected` (it changed while this step was talking to Microsoft).
pub async fn lock_for(
    conn: &mut sqlx::PgConnection,
    ctx: &WizardCtx,
    step: Step,
    expected: Option<Uuid>,
) -> Result<(WizardRow, Vec<GroupRow>), ApiError> {
    let wizard = wizards::lock(conn, ctx.tenant)
        .await?
        .ok_or(ApiError::SessionInvalid)?;
    let groups = group_rows::list(conn, ctx.tenant).await?;
    progress::require(&wizard, &groups, step)?;
    if expected.is_some() && wizard.entra_tenant_id != expected {
        return Err(ApiError::WizardChanged);
    }
    Ok((wizard, groups))
}

/// The entered directory as pa-entra's type (present once the directory step is done).
pub fn directory_of(w: &WizardRow) -> Result<EntraTenantId, ApiError> {
    let id = w
        .entra_tenant_id
        .ok_or(ApiError::StepOutOfOrder(Step::Directory))?;
    EntraTenantId::from_uuid(id)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored directory id: {e}")))
}

/// Records a refused step in the audit trail (best effort: the refusal itself is what the
/// caller reports). Transient database trouble is not recorded (nothing was attempted).
pub async fn audit_failure(state: &AppState, ctx: &WizardCtx, action: &str, error: &ApiError) {
    if matches!(error, ApiError::Unavailable(_)) {
        return;
    }
    let code = error.to_problem().code().to_owned();
    let record = async {
        let mut tx = pa_db::begin_tenant(&state.pool, ctx.tenant).await?;
        let entry = ctx
            .audit(action)
            .outcome(Outcome::Failure)
            .details(serde_json::json!({ "code": code }));
        pa_audit::record_tenant(&mut tx, ctx.tenant, &entry).await?;
        tx.commit().await?;
        Ok::<_, anyhow::Error>(())
    };
    if let Err(e) = record.await {
        tracing::warn!(
            error = format!("{e:#}"),
            action,
            "recording a refused step failed"
        );
    }
}
