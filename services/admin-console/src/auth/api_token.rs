//! API-token authentication: `Authorization: Bearer pa_api_…` → tenant context → token row
//! (unrevoked, unexpired) → role capped by the creating Admin's current role → every use
//! audited (`api_token.used`, in the same transaction as `last_used_at`).

use std::net::IpAddr;

use actix_web::HttpRequest;
use pa_audit::Actor;
use serde_json::json;

use super::{Credential, Principal};
use crate::context::RequestContext;
use crate::domain::TenantSecret;
use crate::error::ApiError;
use crate::repo::api_tokens;
use crate::state::AppState;

pub(super) async fn authenticate(
    state: &AppState,
    req: &HttpRequest,
    secret: TenantSecret,
    request_id: String,
    client_addr: Option<IpAddr>,
) -> Result<Principal, ApiError> {
    let tenant = secret.tenant();
    let now = state.now();
    let mut tx = pa_db::begin_tenant(&state.pool, tenant).await?;
    let Some(token) = api_tokens::authenticate(&mut tx, tenant, &secret.hash()).await? else {
        tx.rollback().await?;
        return Err(ApiError::unauthorized());
    };
    let usable = token.revoked_at.is_none() && token.expires_at > now && token.tenant_active;
    let Some(role) = token.effective_role().filter(|_| usable) else {
        tx.rollback().await?;
        return Err(ApiError::unauthorized());
    };
    let ctx = RequestContext::new(
        Actor::ApiToken { token_id: token.id },
        Some(request_id),
        client_addr,
    );
    api_tokens::record_use(&mut tx, tenant, token.id, now).await?;
    let route = req.match_pattern().unwrap_or_else(|| req.path().to_owned());
    let entry = ctx
        .audit("api_token.used")
        .target("api_token", token.id)
        .details(json!({"method": req.method().as_str(), "route": route, "role": role}));
    pa_audit::record_tenant(&mut tx, tenant, &entry).await?;
    tx.commit().await?;
    Ok(Principal {
        tenant,
        role,
        credential: Credential::ApiToken { token_id: token.id },
        ctx,
    })
}
