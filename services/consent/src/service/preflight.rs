//! Step 3: pre-flight. Exercises the grant the way the sync will — a fresh app token (a
//! Conditional Access policy that blocks Patient Access shows here: setup guide step 3),
//! `GET /organization`, `GET /users`, `GET /groups` — and reports each check with Microsoft's
//! error and the fix. A revoked consent (AADSTS700016) marks the directory "needs attention".

use pa_entra::{EntraError, EntraTenantId, GraphClient, GroupFilter, PageSize, UserFilter};

use super::attention;
use super::{directory_of, lock_for, precheck};
use crate::context::WizardCtx;
use crate::domain::{CheckName, PreflightCheck, Step};
use crate::error::{ApiError, MicrosoftFailure, Retry};
use crate::repo::wizards;
use crate::state::AppState;

pub async fn run(state: &AppState, ctx: &WizardCtx) -> Result<(), ApiError> {
    let (wizard, _) = precheck(state, ctx, Step::Preflight).await?;
    let directory = directory_of(&wizard)?;
    // A fresh token: a policy or a revocation since the last one must show.
    state.entra.invalidate(&directory);
    let graph = state.entra.graph(directory);
    let mut revocation: Option<EntraError> = None;
    let mut checks = Vec::with_capacity(3);
    for name in [CheckName::Organization, CheckName::Users, CheckName::Groups] {
        let result = check(&graph, directory, name).await;
        checks.push(match result {
            Ok(detail) => PreflightCheck {
                name,
                passed: true,
                detail: Some(detail),
                failure: None,
            },
            Err(e) => {
                let retry = if attention::is_revocation(&e) {
                    Retry::Consent
                } else {
                    Retry::Preflight
                };
                let failure = MicrosoftFailure::from_entra(&e, state.now()).with_retry(retry);
                if attention::is_revocation(&e) && revocation.is_none() {
                    revocation = Some(e);
                }
                PreflightCheck {
                    name,
                    passed: false,
                    detail: None,
                    failure: Some(failure),
                }
            }
        });
    }
    let passed = checks.iter().all(|c| c.passed);
    let now = state.now();
    let mut tx = pa_db::begin_tenant(&state.pool, ctx.tenant).await?;
    lock_for(&mut tx, ctx, Step::Preflight, Some(directory.as_uuid())).await?;
    wizards::record_preflight(&mut tx, ctx.tenant, now, &checks, passed).await?;
    if let Some(e) = &revocation {
        attention::record(&mut tx, ctx, &attention::revoked(e, state), now).await?;
    }
    let failed: Vec<serde_json::Value> = checks
        .iter()
        .filter_map(|c| {
            let f = c.failure.as_ref()?;
            Some(serde_json::json!({ "check": c.name, "code": f.code, "microsoft_code": f.microsoft_code }))
        })
        .collect();
    let outcome = if passed {
        pa_audit::Outcome::Success
    } else {
        pa_audit::Outcome::Failure
    };
    let entry = ctx
        .audit("preflight.ran")
        .target("entra_tenant", directory)
        .outcome(outcome)
        .details(serde_json::json!({ "passed": passed, "failed": failed }));
    pa_audit::record_tenant(&mut tx, ctx.tenant, &entry).await?;
    state.outbox.commit(tx).await?;
    Ok(())
}

/// One check: what it saw when it passed.
async fn check(
    graph: &GraphClient,
    directory: EntraTenantId,
    name: CheckName,
) -> Result<String, EntraError> {
    let one = PageSize::new(1).unwrap_or(PageSize::MAX);
    match name {
        CheckName::Organization => {
            let org = graph.organization().await?;
            if EntraTenantId::parse(&org.id).ok() != Some(directory) {
                return Err(EntraError::TenantMismatch {
                    expected: directory,
                    actual: org.id,
                });
            }
            let domain = org
                .verified_domains
                .iter()
                .find(|d| d.is_default)
                .or_else(|| org.verified_domains.first())
                .map(|d| format!(" ({})", d.name))
                .unwrap_or_default();
            Ok(format!(
                "{}{domain}",
                org.display_name.unwrap_or_else(|| org.id.clone())
            ))
        }
        CheckName::Users => {
            let mut pager = graph.users(&UserFilter::default(), one);
            pager.next_page().await?;
            Ok("users can be read".to_owned())
        }
        CheckName::Groups => {
            let mut pager = graph.groups(&GroupFilter::default(), one);
            pager.next_page().await?;
            Ok("groups can be read".to_owned())
        }
    }
}
