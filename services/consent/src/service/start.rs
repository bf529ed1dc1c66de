//! Step 0: the browser posts the setup token and gets a wizard session.
//!
//! The token is parsed (shape only), hashed, resolved with `consent_setup_link_lookup` and the
//! stored hash compared in constant time; it is never stored, logged or echoed. Malformed and
//! unknown tokens count as bad attempts against the client's address (PostgreSQL, shared by
//! every instance); past `wizard.start_failure_limit` in a window the client gets 429 before
//! its token is even looked at. A link that is not usable gets its own error (expired,
//! revoked, regenerated, used, tenant unavailable), recorded in the tenant's audit trail. A
//! tenant whose wizard is finished refuses every link by this service's own record.

use std::net::IpAddr;

use pa_audit::{Actor, AuditEntry, Outcome};

use crate::context::WizardCtx;
use crate::domain::{SessionCookie, SetupToken};
use crate::error::ApiError;
use crate::repo::links::{self, LinkStatus, ResolvedLink};
use crate::repo::sessions::{self, NewSession};
use crate::repo::{rate_limit, wizards};
use crate::state::AppState;

/// A new session: its cookie (for `Set-Cookie`) and its context.
pub struct Started {
    pub cookie: SessionCookie,
    pub ctx: WizardCtx,
}

/// Opens a session for `token` (see the module docs).
pub async fn start(
    state: &AppState,
    token: &str,
    client_addr: Option<IpAddr>,
    request_id: String,
) -> Result<Started, ApiError> {
    let now = state.now();
    let window = state.start_failure_window();
    if let Some(addr) = client_addr {
        let mut conn = state.pool.acquire().await.map_err(pa_db::DbError::from)?;
        if let Some((failures, ends)) = rate_limit::current(&mut conn, addr, now, window).await?
            && u32::try_from(failures).unwrap_or(0) >= state.settings.wizard.start_failure_limit
        {
            tracing::warn!(client = %addr, "setup-link attempts rate-limited");
            return Err(ApiError::TooManyAttempts {
                retry_after_secs: u64::try_from((ends - now).whole_seconds().max(1)).unwrap_or(1),
            });
        }
    }
    let Some(link) = resolve(state, token).await? else {
        if let Some(addr) = client_addr {
            let mut conn = state.pool.acquire().await.map_err(pa_db::DbError::from)?;
            rate_limit::record_failure(&mut conn, addr, now, window).await?;
        }
        return Err(ApiError::SetupLinkInvalid);
    };
    let tenant = link.tenant_id;
    let mut tx = pa_db::begin_tenant(&state.pool, tenant).await?;
    let refused = |reason: &'static str| {
        AuditEntry {
            request_id: Some(request_id.as_str()),
            client_addr,
            ..AuditEntry::new(
                Actor::System {
                    component: "consent",
                },
                "wizard.session_refused",
            )
        }
        .target("setup_link", link.link_id)
        .outcome(Outcome::Failure)
        .details(serde_json::json!({ "reason": reason }))
    };
    if link.status != LinkStatus::Active {
        pa_audit::record_tenant(&mut tx, tenant, &refused(link.status.as_str())).await?;
        tx.commit().await?;
        return Err(ApiError::SetupLink(link.status));
    }
    wizards::ensure(&mut tx, tenant, now).await?;
    let wizard = wizards::lock(&mut tx, tenant)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("wizard row vanished")))?;
    if wizard.completed_at.is_some() {
        pa_audit::record_tenant(&mut tx, tenant, &refused("setup_completed")).await?;
        tx.commit().await?;
        return Err(ApiError::SetupLink(LinkStatus::Used));
    }
    let cookie = SessionCookie::issue(tenant)?;
    let expires_at = now + state.session_lifetime();
    sessions::insert(
        &mut tx,
        &NewSession {
            tenant_id: tenant,
            id: cookie.session_id(),
            link_id: link.link_id,
            token_hash: cookie.hash(),
            now,
            expires_at,
            client_addr,
        },
    )
    .await?;
    let ctx = WizardCtx {
        tenant,
        session_id: cookie.session_id(),
        link_id: link.link_id,
        csrf: cookie.csrf(),
        expires_at,
        idle_expires_at: (now + state.session_idle()).min(expires_at),
        request_id: Some(request_id.clone()),
        client_addr,
    };
    let entry = ctx
        .audit("wizard.session_started")
        .target("setup_link", link.link_id)
        .details(serde_json::json!({ "expires_at": expires_at.unix_timestamp() }));
    pa_audit::record_tenant(&mut tx, tenant, &entry).await?;
    tx.commit().await?;
    tracing::info!(tenant_id = %tenant, session_id = %ctx.session_id, "wizard session started");
    Ok(Started { cookie, ctx })
}

/// The link of a well-formed, known token whose stored hash matches in constant time.
async fn resolve(state: &AppState, token: &str) -> Result<Option<ResolvedLink>, ApiError> {
    let Some(token) = SetupToken::parse(token) else {
        return Ok(None);
    };
    let hash = token.hash();
    let mut conn = state.pool.acquire().await.map_err(pa_db::DbError::from)?;
    Ok(links::lookup(&mut conn, &hash)
        .await?
        .filter(|l| l.token_hash.ct_eq(&hash)))
}

/// Signs a session out (the cookie stops working).
pub async fn end(state: &AppState, ctx: &WizardCtx) -> Result<(), ApiError> {
    let mut tx = pa_db::begin_tenant(&state.pool, ctx.tenant).await?;
    sessions::end(&mut tx, ctx.tenant, ctx.session_id, state.now()).await?;
    pa_audit::record_tenant(&mut tx, ctx.tenant, &ctx.audit("wizard.session_ended")).await?;
    tx.commit().await?;
    Ok(())
}
