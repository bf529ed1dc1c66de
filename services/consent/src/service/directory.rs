//! Step 1: the directory. The admin types the Entra tenant ID or a verified domain; it is
//! validated locally (no request for malformed input), resolved to the tenant GUID through
//! Microsoft's discovery, and refused when another live production tenant of ours is already
//! connected to it. Entering the same directory again changes nothing; a different one clears
//! every later step.

use pa_entra::{EntraError, ErrorKind, TenantRef};

use super::{lock_for, precheck};
use crate::context::WizardCtx;
use crate::domain::Step;
use crate::error::{ApiError, MicrosoftFailure};
use crate::repo::wizards;
use crate::state::AppState;

pub async fn set(state: &AppState, ctx: &WizardCtx, input: &str) -> Result<(), ApiError> {
    precheck(state, ctx, Step::Directory).await?;
    TenantRef::parse(input).map_err(|e| local_error(&EntraError::from(e)))?;
    let resolved = state
        .entra
        .resolve_tenant(input)
        .await
        .map_err(|e| resolve_error(&e, state))?;
    let entra = resolved.id.as_uuid();
    let now = state.now();
    let mut tx = pa_db::begin_tenant(&state.pool, ctx.tenant).await?;
    let (wizard, _) = lock_for(&mut tx, ctx, Step::Directory, None).await?;
    if wizards::directory_conflict(&mut tx, entra, ctx.tenant).await? {
        return Err(ApiError::DirectoryInUse);
    }
    let changed = wizard.entra_tenant_id != Some(entra);
    let input = input.trim();
    wizards::set_directory(&mut tx, ctx.tenant, now, input, entra, changed).await?;
    let entry = ctx
        .audit("directory.set")
        .target("entra_tenant", entra)
        .details(serde_json::json!({ "input": input, "changed": changed }));
    pa_audit::record_tenant(&mut tx, ctx.tenant, &entry).await?;
    tx.commit().await?;
    Ok(())
}

fn local_error(e: &EntraError) -> ApiError {
    match e.kind() {
        ErrorKind::NotATenant => {
            ApiError::NotAnOrganization(format!("{e}. {}", ErrorKind::NotATenant.remediation()))
        }
        _ => ApiError::InvalidDirectory(format!(
            "{e}. {}",
            ErrorKind::InvalidTenantInput.remediation()
        )),
    }
}

fn resolve_error(e: &EntraError, state: &AppState) -> ApiError {
    let failure = MicrosoftFailure::from_entra(e, state.now());
    match e.kind() {
        ErrorKind::UnknownTenant => ApiError::DirectoryNotFound(Box::new(failure)),
        ErrorKind::MalformedTenant | ErrorKind::InvalidTenantInput | ErrorKind::NotATenant => {
            local_error(e)
        }
        _ if MicrosoftFailure::is_unavailable(e) => {
            ApiError::MicrosoftUnavailable(Box::new(failure))
        }
        _ => ApiError::Microsoft(Box::new(failure)),
    }
}
