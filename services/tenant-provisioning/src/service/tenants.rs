//! Provisioning a tenant and changing its display data.

use pa_domain::{EmailAddress, Environment, TenantId};
use serde_json::json;
use sqlx::PgConnection;

use crate::context::RequestContext;
use crate::domain::{DisplayName, ExternalRef};
use crate::error::ApiError;
use crate::events::{TenantProvisioned, TenantUpdated};
use crate::repo::setup_links::SetupLinkRecord;
use crate::repo::tenants::{self, DisplayPatch, NewTenant, TenantRecord};
use crate::service::setup_links::{self, IssueMode};
use crate::state::AppState;

/// A tenant to provision.
pub struct Provision {
    pub id: TenantId,
    pub display_name: DisplayName,
    pub contact_email: EmailAddress,
    pub environment: Environment,
    pub external_ref: Option<ExternalRef>,
    pub send_setup_link: bool,
}

/// Inserts the tenant (`pending_setup`) and, unless told not to, issues its first setup
/// link (e-mailed by the setup-link mailer after commit). Run in `pa_db::begin_tenant(p.id)`.
#[tracing::instrument(name = "tenant.provision", skip_all, fields(tenant_id = %p.id))]
pub async fn provision(
    conn: &mut PgConnection,
    state: &AppState,
    ctx: &RequestContext,
    p: Provision,
) -> Result<(TenantRecord, Option<SetupLinkRecord>), ApiError> {
    let new = NewTenant {
        id: p.id,
        display_name: &p.display_name,
        contact_email: &p.contact_email,
        environment: p.environment,
        external_ref: p.external_ref.as_ref(),
    };
    let tenant = tenants::insert(conn, &new)
        .await
        .map_err(external_ref_conflict)?;
    let entry = ctx
        .audit("tenant.provisioned")
        .target("tenant", tenant.id)
        .details(json!({
            "display_name": tenant.display_name,
            "environment": tenant.environment,
            "external_ref": tenant.external_ref,
            "send_setup_link": p.send_setup_link,
        }));
    pa_audit::record_tenant(conn, tenant.id, &entry).await?;
    let event = TenantProvisioned {
        tenant_id: tenant.id,
        display_name: tenant.display_name.clone(),
        environment: tenant.environment,
        external_ref: tenant.external_ref.clone(),
        status: tenant.status,
    };
    pa_messaging::enqueue(conn, &ctx.event_meta(tenant.id), &event).await?;
    let link = if p.send_setup_link {
        Some(setup_links::issue(conn, state, ctx, &tenant, IssueMode::FirstForNewTenant).await?)
    } else {
        None
    };
    Ok((tenant, link))
}

/// Applies a display-data patch. A patch that changes nothing returns the tenant as it is,
/// with no audit record or event. Run in `pa_db::begin_tenant(id)`.
#[tracing::instrument(name = "tenant.update", skip_all, fields(tenant_id = %id))]
pub async fn update(
    conn: &mut PgConnection,
    ctx: &RequestContext,
    id: TenantId,
    patch: DisplayPatch,
) -> Result<TenantRecord, ApiError> {
    let current = lock(conn, id).await?;
    if current.status.is_terminal() {
        return Err(ApiError::InvalidTenantState {
            operation: "update",
            current: current.status,
        });
    }
    let effective = only_changes(&current, patch);
    let changed = changed_fields(&effective);
    if changed.is_empty() {
        return Ok(current);
    }
    let tenant = tenants::update_display(conn, id, &effective)
        .await
        .map_err(external_ref_conflict)?;
    // The contact e-mail is personal data: the trail says that it changed, not to what.
    let entry = ctx
        .audit("tenant.updated")
        .target("tenant", id)
        .details(json!({
            "changed": changed,
            "display_name": tenant.display_name,
            "external_ref": tenant.external_ref,
        }));
    pa_audit::record_tenant(conn, id, &entry).await?;
    let event = TenantUpdated {
        tenant_id: id,
        changed,
        display_name: tenant.display_name.clone(),
        external_ref: tenant.external_ref.clone(),
    };
    pa_messaging::enqueue(conn, &ctx.event_meta(id), &event).await?;
    Ok(tenant)
}

/// Drops the fields of `patch` that equal the current values.
fn only_changes(current: &TenantRecord, patch: DisplayPatch) -> DisplayPatch {
    DisplayPatch {
        display_name: patch
            .display_name
            .filter(|n| n.as_str() != current.display_name),
        contact_email: patch
            .contact_email
            .filter(|e| current.contact_email.as_deref() != Some(e.as_str())),
        external_ref: patch
            .external_ref
            .filter(|r| r.as_ref().map(ExternalRef::as_str) != current.external_ref.as_deref()),
    }
}

fn changed_fields(p: &DisplayPatch) -> Vec<&'static str> {
    let mut changed = Vec::new();
    if p.display_name.is_some() {
        changed.push("display_name");
    }
    if p.contact_email.is_some() {
        changed.push("contact_email");
    }
    if p.external_ref.is_some() {
        changed.push("external_ref");
    }
    changed
}

/// Maps the one-live-production-tenant-per-CRM-id index to 409.
fn external_ref_conflict(e: pa_db::DbError) -> ApiError {
    if e.is_unique_violation(tenants::PRODUCTION_EXTERNAL_REF_KEY) {
        ApiError::ExternalRefConflict
    } else {
        e.into()
    }
}

/// The tenant, row-locked for the rest of the transaction (404 when unknown).
pub async fn lock(conn: &mut PgConnection, id: TenantId) -> Result<TenantRecord, ApiError> {
    tenants::lock(conn, id)
        .await?
        .ok_or(ApiError::TenantNotFound)
}
