//! Who is calling: a console session (cookie `pa_console`, CSRF header on state changes) or a
//! tenant API token (`Authorization: Bearer pa_api_…`), checked on every request — against the
//! database, or for a session this instance found live less than `console.session_cache_ms`
//! (1 s) ago, against that reading judged again now ([`session_cache`]: a write through this
//! instance forgets it at once) — so a timeout, a sign-out, a revoked token, a suspended
//! tenant or a user deactivated by sync takes effect on the next request, within a second on
//! every other instance; and what each role may do ([`Permission`]: the authorization
//! matrix as one table).

mod api_token;
mod permission;
mod session;
pub mod session_cache;
pub mod session_hints;

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use pa_domain::TenantId;
use uuid::Uuid;

pub use permission::{MATRIX, Permission};
pub use session::{
    CSRF_HEADER, SESSION_COOKIE, SESSION_PREFIX, csrf_token_of, verdict as verdict_of,
};

use crate::context::RequestContext;
use crate::domain::{AccessRole, TenantSecret};
use crate::error::{ApiError, codes};
use crate::state::AppState;

/// The API-token prefix.
pub const API_TOKEN_PREFIX: &str = "pa_api_";

/// How the caller authenticated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credential {
    /// A browser session of a person signed in with Entra ID.
    UserSession { session_id: Uuid, object_id: Uuid },
    /// A break-glass session.
    EmergencySession { session_id: Uuid, account_id: Uuid },
    /// A partner tool's API token.
    ApiToken { token_id: Uuid },
}

/// An authenticated caller: the handler argument that proves it. Always the first extractor
/// of a handler, so an unauthenticated request learns nothing but 401.
#[derive(Clone, Debug)]
pub struct Principal {
    pub tenant: TenantId,
    /// The caller's role now (read from the synced directory on this request, or by this
    /// instance less than the session cache's lifetime ago).
    pub role: AccessRole,
    pub credential: Credential,
    pub ctx: RequestContext,
}

impl Principal {
    /// 403 unless the caller's role (and kind of credential) allows `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if permission.interactive_only() && matches!(self.credential, Credential::ApiToken { .. }) {
            return Err(ApiError::coded(
                codes::INTERACTIVE_SESSION_REQUIRED,
                "API tokens cannot do this; sign in to the console",
            ));
        }
        if self.role < permission.role() {
            return Err(ApiError::forbidden(format!(
                "this needs the {} role; you have {}",
                permission.role(),
                self.role
            )));
        }
        Ok(())
    }

    /// The session id, when the caller is a session.
    pub fn session_id(&self) -> Option<Uuid> {
        match self.credential {
            Credential::UserSession { session_id, .. }
            | Credential::EmergencySession { session_id, .. } => Some(session_id),
            Credential::ApiToken { .. } => None,
        }
    }

    /// The person's object id, when the caller is a person signed in with Entra ID.
    pub fn object_id(&self) -> Option<Uuid> {
        match self.credential {
            Credential::UserSession { object_id, .. } => Some(object_id),
            _ => None,
        }
    }
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("AppState missing")))?;
            authenticate(&state, &req).await
        })
    }
}

async fn authenticate(state: &AppState, req: &HttpRequest) -> Result<Principal, ApiError> {
    let request_id = pa_http::RequestId::of(req).into_string();
    let client_addr = req.peer_addr().map(|a| a.ip());
    if let Some(header) = req.headers().get(AUTHORIZATION) {
        let token = header
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .and_then(|(_, t)| TenantSecret::parse(API_TOKEN_PREFIX, t.trim()))
            .ok_or_else(ApiError::unauthorized)?;
        req.extensions_mut()
            .insert(session_cache::RequestTenant(token.tenant()));
        return api_token::authenticate(state, req, token, request_id, client_addr).await;
    }
    let cookie = req
        .cookie(SESSION_COOKIE)
        .and_then(|c| TenantSecret::parse(SESSION_PREFIX, c.value()))
        .ok_or_else(ApiError::unauthorized)?;
    // Whatever this request writes, it writes for this tenant (or is refused):
    // `session_cache::forget_after_writes` forgets that tenant's sessions only.
    req.extensions_mut()
        .insert(session_cache::RequestTenant(cookie.tenant()));
    session::authenticate(state, req, cookie, request_id, client_addr).await
}
