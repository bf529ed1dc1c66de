//! Provisioning a tenant and changing its display data.

use pa_audit::TenantAuditBatch;
use pa_domain::{EmailAddress, Environment, TenantId};
use pa_messaging::OutboxBatch;
use serde_json::json;
use sqlx::PgConnection;
use time::OffsetDateTime;

use crate::context::RequestContext;
use crate::domain::{DisplayName, ExternalRef};
use crate::domain::{TenantStatus, TokenHash};
use crate::error::ApiError;
use crate::events::{TenantProvisioned, TenantUpdated};
use crate::repo::idempotency::Completion;
use crate::repo::provisioning::{self, ProvisionWrite, Written};
use crate::repo::setup_links::SetupLinkRecord;
use crate::repo::tenants::{self, DisplayPatch, TenantRecord};
use crate::service::setup_links;
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

/// A provisioning worked out in full before anything is written: the records the response
/// shows, and the audit records and events that go with them. [`Prepared::write`] stores
/// it all in one statement (see `repo::provisioning`).
pub struct Prepared<'a> {
    pub tenant: TenantRecord,
    pub link: Option<SetupLinkRecord>,
    link_hash: Option<TokenHash>,
    audit: TenantAuditBatch<'a>,
    events: OutboxBatch,
}

/// Prepares provisioning `p`: the tenant (`pending_setup`) and, unless told not to, its
/// first setup link (e-mailed by the setup-link mailer after commit), with an audit record
/// and an event each. Timestamps are this instance's clock, at PostgreSQL's microsecond
/// precision, so the response equals what is stored.
pub fn prepare<'a>(
    state: &AppState,
    ctx: &'a RequestContext,
    p: Provision,
) -> Result<Prepared<'a>, ApiError> {
    let now = now_micros();
    let tenant = TenantRecord {
        id: p.id,
        display_name: p.display_name.as_str().to_owned(),
        contact_email: Some(p.contact_email.as_str().to_owned()),
        environment: p.environment,
        external_ref: p.external_ref.as_ref().map(|r| r.as_str().to_owned()),
        status: TenantStatus::PendingSetup,
        status_reason: None,
        created_at: now,
        updated_at: now,
        setup_completed_at: None,
        suspended_at: None,
        deprovisioned_at: None,
        purge_after: None,
        purged_at: None,
    };
    let mut audit = TenantAuditBatch::new();
    let mut events = OutboxBatch::new();
    let meta = ctx.event_meta(tenant.id);
    audit.push(
        tenant.id,
        ctx.audit("tenant.provisioned")
            .target("tenant", tenant.id)
            .details(json!({
                "display_name": tenant.display_name,
                "environment": tenant.environment,
                "external_ref": tenant.external_ref,
                "send_setup_link": p.send_setup_link,
            })),
    )?;
    events.push(
        &meta,
        &TenantProvisioned {
            tenant_id: tenant.id,
            display_name: tenant.display_name.clone(),
            environment: tenant.environment,
            external_ref: tenant.external_ref.clone(),
            status: tenant.status,
        },
    )?;
    let (link, link_hash) = if p.send_setup_link {
        let (link, hash) =
            setup_links::first_for_new_tenant(state, ctx, &tenant, &p.contact_email, now);
        audit.push(tenant.id, setup_links::issued_audit(ctx, &link, None))?;
        events.push(&meta, &setup_links::issued_event(&link, None))?;
        (Some(link), Some(hash))
    } else {
        (None, None)
    };
    Ok(Prepared {
        tenant,
        link,
        link_hash,
        audit,
        events,
    })
}

impl Prepared<'_> {
    /// Writes the provisioning in one statement that is its own transaction (`conn` must
    /// not be inside one); with `completion`, only if it claims the `Idempotency-Key`.
    #[tracing::instrument(name = "tenant.provision", skip_all, fields(tenant_id = %self.tenant.id))]
    pub async fn write(
        &self,
        conn: &mut PgConnection,
        completion: Option<&Completion<'_>>,
    ) -> Result<Written, ApiError> {
        let w = ProvisionWrite {
            tenant: &self.tenant,
            link: self.link.as_ref().zip(self.link_hash),
            audit: &self.audit,
            events: &self.events,
        };
        provisioning::write(conn, &w, completion)
            .await
            .map_err(external_ref_conflict)
    }
}

/// Now, truncated to the microseconds PostgreSQL keeps.
fn now_micros() -> OffsetDateTime {
    crate::domain::pg_micros(OffsetDateTime::now_utc())
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
