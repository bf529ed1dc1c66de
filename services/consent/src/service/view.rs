//! The wizard state as the front-end sees it ([`WizardStateOut`]), built from the rows.

use pa_events::AccessRole;
use sqlx::PgConnection;

use super::progress;
use crate::context::WizardCtx;
use crate::domain::Step;
use crate::error::{ApiError, Retry};
use crate::repo::groups::{self, GroupRow};
use crate::repo::tenants;
use crate::repo::wizards::{self, WizardRow};
use crate::routes::dto::{
    AdminOut, CompletionOut, ConsentOut, ConsentStatus, DirectoryOut, GroupOut, GroupsOut,
    PreflightOut, PreflightStatus, PrerequisitesOut, SessionOut, StepOut, StepStatus, TenantOut,
    WizardStateOut, WizardStatus,
};
use crate::state::AppState;

/// Reads the wizard and renders it for `ctx` (inside `ctx`'s tenant transaction).
pub async fn load(
    conn: &mut PgConnection,
    state: &AppState,
    ctx: &WizardCtx,
) -> Result<WizardStateOut, ApiError> {
    let wizard = wizards::find(conn, ctx.tenant)
        .await?
        .ok_or(ApiError::SessionInvalid)?;
    let groups = groups::list(conn, ctx.tenant).await?;
    let tenant = tenants::find(conn, ctx.tenant)
        .await?
        .ok_or(ApiError::SessionInvalid)?;
    Ok(render(state, ctx, &wizard, &groups, tenant))
}

/// Reads and renders in a transaction of its own.
pub async fn load_fresh(state: &AppState, ctx: &WizardCtx) -> Result<WizardStateOut, ApiError> {
    let mut tx = pa_db::begin_tenant(&state.pool, ctx.tenant).await?;
    let view = load(&mut tx, state, ctx).await?;
    tx.commit().await?;
    Ok(view)
}

fn render(
    state: &AppState,
    ctx: &WizardCtx,
    w: &WizardRow,
    groups: &[GroupRow],
    tenant: tenants::TenantInfo,
) -> WizardStateOut {
    let done = progress::done(w, groups);
    let next = progress::next(w, groups);
    let steps = Step::ALL
        .into_iter()
        .map(|step| StepOut {
            step,
            status: step_status(w, groups, step, next),
        })
        .collect();
    WizardStateOut {
        tenant: TenantOut {
            id: ctx.tenant,
            display_name: tenant.display_name,
            environment: tenant.environment,
        },
        session: SessionOut {
            id: ctx.session_id,
            csrf_token: ctx.csrf.expose().to_owned(),
            expires_at: ctx.expires_at,
            idle_expires_at: ctx.idle_expires_at,
        },
        status: if w.completed_at.is_some() {
            WizardStatus::Completed
        } else {
            WizardStatus::InProgress
        },
        revision: w.revision,
        steps,
        steps_done: done,
        next_step: next,
        prerequisites: PrerequisitesOut::from_settings(&state.settings),
        directory: directory(w),
        consent: consent(w),
        preflight: preflight(w),
        admin: admin(w),
        groups: groups_out(w, groups),
        completion: w.completed_at.map(|completed_at| CompletionOut {
            completed_at,
            console_url: state.settings.console.url_for(ctx.tenant),
            admin_mailed: w.admin_mail.is_some(),
        }),
    }
}

fn step_status(w: &WizardRow, groups: &[GroupRow], step: Step, next: Option<Step>) -> StepStatus {
    if progress::is_done(w, groups, step) {
        return StepStatus::Done;
    }
    let failed = match step {
        Step::Consent if w.attention.is_some() => return StepStatus::NeedsAttention,
        Step::Consent => w.consent_error.is_some(),
        Step::Preflight => w.preflight_passed == Some(false),
        _ => false,
    };
    match next {
        Some(n) if n == step && failed => StepStatus::Failed,
        Some(n) if n == step => StepStatus::Current,
        _ => StepStatus::Pending,
    }
}

fn directory(w: &WizardRow) -> Option<DirectoryOut> {
    Some(DirectoryOut {
        input: w.directory_input.clone()?,
        entra_tenant_id: w.entra_tenant_id?,
        set_at: w.directory_set_at?,
    })
}

fn consent(w: &WizardRow) -> ConsentOut {
    let last_error = w.consent_error.as_ref().map(|j| j.0.clone());
    let status = if w.attention.is_some() {
        ConsentStatus::NeedsAttention
    } else if w.consent_granted_at.is_some() {
        ConsentStatus::Granted
    } else if w.consent_claimed_at.is_some() {
        ConsentStatus::Unverified
    } else {
        ConsentStatus::NotGranted
    };
    let can_check_again = w.completed_at.is_none()
        && w.consent_claimed_at.is_some()
        && w.consent_granted_at.is_none()
        && last_error
            .as_ref()
            .is_some_and(|e| matches!(e.retry, Retry::Verify | Retry::Later));
    ConsentOut {
        status,
        granted_at: w.consent_granted_at,
        roles: w.consent_roles.clone(),
        last_error,
        can_check_again,
        attention: w.attention.as_ref().map(|j| j.0.clone()),
    }
}

fn preflight(w: &WizardRow) -> PreflightOut {
    PreflightOut {
        status: match w.preflight_passed {
            None => PreflightStatus::NotRun,
            Some(true) => PreflightStatus::Passed,
            Some(false) => PreflightStatus::Failed,
        },
        ran_at: w.preflight_at,
        checks: w
            .preflight_checks
            .as_ref()
            .map(|j| j.0.clone())
            .unwrap_or_default(),
    }
}

fn admin(w: &WizardRow) -> Option<AdminOut> {
    Some(AdminOut {
        object_id: w.admin_object_id?,
        user_principal_name: w.admin_upn.clone()?,
        display_name: w.admin_display_name.clone(),
        mail: w.admin_mail.clone(),
        set_at: w.admin_set_at?,
    })
}

fn groups_out(w: &WizardRow, groups: &[GroupRow]) -> GroupsOut {
    let out = |g: &GroupRow| GroupOut {
        group_id: g.group_id,
        display_name: g.display_name.clone(),
        role: g.role.into(),
        member_count: g.member_count,
        admin_is_member: g.admin_is_member,
    };
    let (admin, user): (Vec<&GroupRow>, Vec<&GroupRow>) =
        groups.iter().partition(|g| g.role == AccessRole::Admin);
    GroupsOut {
        admin_in_an_admin_group: (w.admin_object_id.is_some() && !admin.is_empty())
            .then(|| admin.iter().any(|g| g.admin_is_member)),
        admin_groups: admin.into_iter().map(out).collect(),
        user_groups: user.into_iter().map(out).collect(),
        set_at: w.groups_set_at,
    }
}
