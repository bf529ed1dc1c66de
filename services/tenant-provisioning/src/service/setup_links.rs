//! Issuing, regenerating and revoking setup links.

use pa_audit::AuditEntry;
use pa_domain::{EmailAddress, TenantId};
use serde_json::json;
use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::context::RequestContext;
use crate::domain::{SetupToken, TokenHash};
use crate::error::ApiError;
use crate::events::{SetupLinkIssued, SetupLinkRevoked};
use crate::repo::setup_links::{self, CloseReason, NewSetupLink, SetupLinkRecord};
use crate::repo::tenants::TenantRecord;
use crate::state::AppState;
use crate::timefmt::rfc3339;

/// How to treat a link that is still active.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IssueMode {
    /// Refuse with 409 `setup_link_already_active`.
    New,
    /// Revoke it (reason `regenerated`) and issue a new one.
    Regenerate,
}

/// The first link of a tenant being provisioned (written with it, see
/// `service::tenants::prepare`), issued at `now`, and the SHA-256 of its token.
pub fn first_for_new_tenant(
    state: &AppState,
    ctx: &RequestContext,
    tenant: &TenantRecord,
    contact: &EmailAddress,
    now: OffsetDateTime,
) -> (SetupLinkRecord, TokenHash) {
    let id = Uuid::now_v7();
    let hash = SetupToken::derive(&state.setup_token_key, tenant.id, id).hash();
    let link = SetupLinkRecord {
        tenant_id: tenant.id,
        id,
        sent_to: contact.as_str().to_owned(),
        issued_by: ctx.actor.id(),
        created_at: now,
        expires_at: now.saturating_add(time::Duration::seconds(state.setup_link_ttl_secs())),
        revoked_at: None,
        revoked_reason: None,
        used_at: None,
        email_sent_at: None,
        status: "active".to_owned(),
    };
    (link, hash)
}

/// Issues a link for `tenant` (which the caller has locked or just created).
///
/// The e-mail is not sent here: the `tenant.setup_link_issued` event enqueued in the same
/// transaction makes the [setup-link mailer](crate::email::setup_link_mailer) derive the
/// token again from the link id and send it once this transaction has committed. So the
/// request never waits for SMTP and an SMTP outage never blocks provisioning. The token is
/// derived here only to store its SHA-256.
#[tracing::instrument(name = "setup_link.issue", skip_all, fields(tenant_id = %tenant.id))]
pub async fn issue(
    conn: &mut PgConnection,
    state: &AppState,
    ctx: &RequestContext,
    tenant: &TenantRecord,
    mode: IssueMode,
) -> Result<SetupLinkRecord, ApiError> {
    if !tenant.status.accepts_setup_links() {
        return Err(ApiError::InvalidTenantState {
            operation: "issue a setup link for",
            current: tenant.status,
        });
    }
    let contact = tenant
        .contact_email
        .as_deref()
        .map(EmailAddress::parse)
        .and_then(Result::ok)
        .ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!("tenant has no usable contact e-mail"))
        })?;
    let replaces = close_open_link(conn, ctx, tenant.id, mode).await?;

    let id = Uuid::now_v7();
    let token_hash = SetupToken::derive(&state.setup_token_key, tenant.id, id).hash();
    let new = NewSetupLink {
        tenant_id: tenant.id,
        id,
        token_hash,
        sent_to: contact.as_str(),
        issued_by: &ctx.actor.id(),
        ttl_secs: state.setup_link_ttl_secs(),
    };
    let link = setup_links::insert(conn, &new).await.map_err(|e| {
        if e.is_unique_violation(setup_links::ONE_OPEN_PER_TENANT) {
            ApiError::Internal(anyhow::anyhow!(
                "open setup link appeared under the tenant lock"
            ))
        } else {
            e.into()
        }
    })?;
    pa_audit::record_tenant(conn, tenant.id, &issued_audit(ctx, &link, replaces)).await?;
    let event = issued_event(&link, replaces);
    pa_messaging::enqueue(conn, &ctx.event_meta(tenant.id), &event).await?;

    Ok(link)
}

/// The audit record of an issued link (`replaces`: the link it closed, if any).
pub fn issued_audit<'a>(
    ctx: &'a RequestContext,
    link: &SetupLinkRecord,
    replaces: Option<Uuid>,
) -> AuditEntry<'a> {
    ctx.audit("tenant.setup_link_issued")
        .target("setup_link", link.id)
        .details(json!({ "expires_at": rfc3339(link.expires_at), "replaces_link_id": replaces }))
}

/// The `tenant.setup_link_issued` event of an issued link.
pub fn issued_event(link: &SetupLinkRecord, replaces: Option<Uuid>) -> SetupLinkIssued {
    SetupLinkIssued {
        tenant_id: link.tenant_id,
        link_id: link.id,
        expires_at: link.expires_at,
        replaces_link_id: replaces,
    }
}

/// Closes the tenant's open link before a new one is issued; returns its id.
async fn close_open_link(
    conn: &mut PgConnection,
    ctx: &RequestContext,
    tenant: TenantId,
    mode: IssueMode,
) -> Result<Option<Uuid>, ApiError> {
    let Some(open) = setup_links::find_open(conn, tenant).await? else {
        return Ok(None);
    };
    if !open.is_active() {
        // Expired: closing it is bookkeeping, not a revocation anyone needs to hear about.
        setup_links::close(conn, tenant, open.id, CloseReason::Superseded).await?;
        return Ok(Some(open.id));
    }
    match mode {
        IssueMode::New => Err(ApiError::SetupLinkAlreadyActive {
            expires_at: open.expires_at,
        }),
        IssueMode::Regenerate => {
            revoke(conn, ctx, tenant, &open, CloseReason::Regenerated).await?;
            Ok(Some(open.id))
        }
    }
}

/// Revokes the tenant's active link (404 `setup_link_not_found` when there is none).
#[tracing::instrument(name = "setup_link.revoke", skip_all, fields(tenant_id = %tenant.id))]
pub async fn revoke_active(
    conn: &mut PgConnection,
    ctx: &RequestContext,
    tenant: &TenantRecord,
) -> Result<SetupLinkRecord, ApiError> {
    let open = setup_links::find_open(conn, tenant.id)
        .await?
        .filter(SetupLinkRecord::is_active)
        .ok_or(ApiError::SetupLinkNotFound)?;
    revoke(conn, ctx, tenant.id, &open, CloseReason::Revoked).await
}

/// Closes `link` for `reason` with its audit record and `tenant.setup_link_revoked` event.
pub async fn revoke(
    conn: &mut PgConnection,
    ctx: &RequestContext,
    tenant: TenantId,
    link: &SetupLinkRecord,
    reason: CloseReason,
) -> Result<SetupLinkRecord, ApiError> {
    let closed = setup_links::close(conn, tenant, link.id, reason).await?;
    let entry = ctx
        .audit("tenant.setup_link_revoked")
        .target("setup_link", link.id)
        .details(json!({ "reason": reason }));
    pa_audit::record_tenant(conn, tenant, &entry).await?;
    let event = SetupLinkRevoked {
        tenant_id: tenant,
        link_id: link.id,
        reason,
    };
    pa_messaging::enqueue(conn, &ctx.event_meta(tenant), &event).await?;
    Ok(closed)
}
