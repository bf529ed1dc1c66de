//! Step 6: finish. In ONE transaction: the wizard is marked complete (from then on it refuses
//! the tenant's links by its own record), `setup.completed` is enqueued with everything the
//! first full sync needs, and the action is audited. tenant-provisioning reacts to the event
//! (tenant `active`, link used); the admin-welcome mailer mails the console URL.
//!
//! Finishing again from the same session answers as the first time; from another session
//! (two browsers racing) it is refused: exactly one `setup.completed` per tenant.

use pa_events::{ConfiguredGroup, InitialAdmin, SetupCompleted};

use super::progress;
use crate::context::WizardCtx;
use crate::domain::Step;
use crate::error::ApiError;
use crate::repo::groups as group_rows;
use crate::repo::wizards;
use crate::state::AppState;

pub async fn finish(state: &AppState, ctx: &WizardCtx) -> Result<(), ApiError> {
    let now = state.now();
    let mut tx = pa_db::begin_tenant(&state.pool, ctx.tenant).await?;
    let wizard = wizards::lock(&mut tx, ctx.tenant)
        .await?
        .ok_or(ApiError::SessionInvalid)?;
    if wizard.completed_at.is_some() {
        return if wizard.completed_session_id == Some(ctx.session_id) {
            Ok(())
        } else {
            Err(ApiError::SetupCompleted)
        };
    }
    let groups = group_rows::list(&mut tx, ctx.tenant).await?;
    progress::require(&wizard, &groups, Step::Finish)?;
    let (Some(entra), Some(admin_id), Some(admin_upn)) = (
        wizard.entra_tenant_id,
        wizard.admin_object_id,
        wizard.admin_upn.clone(),
    ) else {
        return Err(ApiError::StepOutOfOrder(Step::Admin));
    };
    wizards::lock_directory(&mut tx, entra).await?;
    if wizards::directory_conflict(&mut tx, entra, ctx.tenant).await? {
        return Err(ApiError::DirectoryInUse);
    }
    wizards::complete(&mut tx, ctx.tenant, now, ctx.session_id, ctx.link_id).await?;
    let event = SetupCompleted {
        tenant_id: ctx.tenant,
        entra_tenant_id: entra,
        link_id: ctx.link_id,
        wizard_session_id: ctx.session_id,
        completed_at: now,
        initial_admin: InitialAdmin {
            object_id: admin_id,
            display_name: wizard
                .admin_display_name
                .clone()
                .unwrap_or_else(|| admin_upn.clone()),
            user_principal_name: admin_upn,
            mail: wizard.admin_mail.clone(),
        },
        groups: groups
            .iter()
            .map(|g| ConfiguredGroup {
                group_id: g.group_id,
                display_name: g.display_name.clone(),
                role: g.role,
            })
            .collect(),
        config_version: 1,
    };
    pa_messaging::enqueue(&mut tx, &ctx.event_meta(), &event).await?;
    let entry = ctx
        .audit("setup.completed")
        .target("entra_tenant", entra)
        .details(serde_json::json!({
            "initial_admin": admin_id,
            "groups": groups.len(),
            "link_id": ctx.link_id,
        }));
    pa_audit::record_tenant(&mut tx, ctx.tenant, &entry).await?;
    state.outbox.commit(tx).await?;
    tracing::info!(tenant_id = %ctx.tenant, "setup completed");
    Ok(())
}
