//! Session authentication: cookie → tenant context → session row → verdict (timeouts, tenant
//! status, the person's current role and status) → CSRF on state changes.

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::http::Method;
use pa_audit::Actor;
use time::OffsetDateTime;

use super::{Credential, Principal};
use crate::context::RequestContext;
use crate::domain::secret::ct_str_eq;
use crate::domain::{AccessRole, TenantSecret};
use crate::error::{ApiError, codes};
use crate::repo::sessions::{self, EndReason, SessionRow};
use crate::state::AppState;

/// The session cookie.
pub const SESSION_COOKIE: &str = "pa_console";
/// The session secret's prefix (`s1.` + tenant + 256 random bits, base64url).
pub const SESSION_PREFIX: &str = "s1.";
/// The CSRF header every state-changing request of a session must carry.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Activity is recorded at most this often (seconds): the idle timeout is exact to within it.
const TOUCH_EVERY_SECS: i64 = 5;

/// The CSRF token of a session: derived from its secret, so it is never stored, and a page
/// that cannot read the HttpOnly cookie cannot compute it.
pub fn csrf_token_of(session: &TenantSecret) -> String {
    session.derive("pa-console-csrf:v1")
}

/// What a live session row means now.
pub fn verdict(row: &SessionRow, now: OffsetDateTime) -> Result<AccessRole, EndReason> {
    if now >= row.absolute_expires_at {
        return Err(EndReason::AbsoluteTimeout);
    }
    if now >= row.last_seen_at + time::Duration::seconds(i64::from(row.idle_timeout_secs)) {
        return Err(EndReason::IdleTimeout);
    }
    match row.tenant_status.as_str() {
        "active" => {}
        "suspended" => return Err(EndReason::TenantSuspended),
        _ => return Err(EndReason::TenantDeprovisioned),
    }
    if row.emergency_account_id.is_some() {
        return if row.account_revoked {
            Err(EndReason::AccountRevoked)
        } else {
            Ok(AccessRole::Admin)
        };
    }
    if row.blocked {
        return Err(EndReason::AccessRevoked);
    }
    match (row.user_status.as_deref(), row.current_role()) {
        (Some("active"), Some(role)) => Ok(role),
        _ => Err(EndReason::AccessRevoked),
    }
}

pub(super) async fn authenticate(
    state: &AppState,
    req: &HttpRequest,
    secret: TenantSecret,
    request_id: String,
    client_addr: Option<IpAddr>,
) -> Result<Principal, ApiError> {
    let tenant = secret.tenant();
    let now = state.now();
    let hash = secret.hash();
    // Every request of a session takes this path before its own work. A session this
    // instance found live a moment ago and that is still within its timeouts is accepted
    // from memory (`session_cache`: only ever an acceptance, forgotten on every write);
    // otherwise one autocommit read decides (and, every few seconds, one autocommit touch).
    let cached = state
        .sessions
        .get(&hash)
        .and_then(|row| verdict(&row, now).ok().map(|role| (row, role)));
    let (row, checked) = match cached {
        Some((row, role)) => (row, Ok(role)),
        None => {
            let ticket = state.sessions.ticket();
            let Some(row) = sessions::find_live_now(&state.pool, tenant, &hash).await? else {
                state.sessions.forget(&hash);
                return Err(ApiError::unauthorized());
            };
            let checked = verdict(&row, now);
            match checked {
                Ok(_) => state.sessions.put(ticket, tenant, hash, row.clone()),
                Err(_) => state.sessions.forget(&hash),
            }
            (row, checked)
        }
    };
    let actor = row.actor();
    let ctx = RequestContext::new(actor, Some(request_id), client_addr);
    match checked {
        Err(reason) => {
            let mut tx = pa_db::begin_tenant(&state.pool, tenant).await?;
            sessions::end(&mut tx, tenant, &row, reason, now, &ctx).await?;
            state.outbox.commit(tx).await?;
            let detail = match reason {
                EndReason::IdleTimeout => "the session ended after inactivity; sign in again",
                EndReason::AbsoluteTimeout => {
                    "the session reached its maximum lifetime; sign in again"
                }
                _ => "the session was ended; sign in again",
            };
            Err(ApiError::coded(codes::SESSION_EXPIRED, detail))
        }
        Ok(role) => {
            if now - row.last_seen_at >= time::Duration::seconds(TOUCH_EVERY_SECS) {
                sessions::touch_now(&state.pool, tenant, row.id, now).await?;
                state.sessions.touched(&hash, now);
            }
            if !is_safe(req.method()) {
                let sent = req
                    .headers()
                    .get(CSRF_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if !ct_str_eq(sent, &csrf_token_of(&secret)) {
                    return Err(ApiError::coded(
                        codes::CSRF_TOKEN_INVALID,
                        "state-changing requests need the session's CSRF token in `X-CSRF-Token`",
                    ));
                }
            }
            let credential = match (row.object_id, row.emergency_account_id) {
                (Some(object_id), _) => Credential::UserSession {
                    session_id: row.id,
                    object_id,
                },
                (None, Some(account_id)) => Credential::EmergencySession {
                    session_id: row.id,
                    account_id,
                },
                (None, None) => return Err(ApiError::unauthorized()),
            };
            Ok(Principal {
                tenant,
                role,
                credential,
                ctx,
            })
        }
    }
}

pub(super) fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl SessionRow {
    /// The audit actor the session acts as.
    pub fn actor(&self) -> Actor {
        match (self.object_id, self.emergency_account_id) {
            (Some(object_id), _) => Actor::ConsoleUser { object_id },
            (None, Some(account_id)) => Actor::EmergencyAccess { account_id },
            (None, None) => Actor::System {
                component: "admin-console",
            },
        }
    }
}
