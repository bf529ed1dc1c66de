//! The wizard session: the `pa_wizard` cookie, the CSRF check and the session extractor.
//!
//! Every `/v1/wizard/...` request except start, and the Microsoft callback, extracts a
//! [`WizardCtx`]: the cookie is parsed, the session looked up under its tenant's row-level
//! security context and compared in constant time, its idle and absolute expiry enforced, its
//! setup link re-checked (a revoked or regenerated link ends its sessions), and its last use
//! recorded. State-changing methods also need `X-CSRF-Token` equal to the session's token and,
//! when the browser sends one, an allowed `Origin`.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::http::header::{COOKIE, ORIGIN};
use actix_web::{FromRequest, HttpRequest, web};
use time::OffsetDateTime;

use crate::context::WizardCtx;
use crate::domain::{COOKIE_NAME, SessionCookie};
use crate::error::ApiError;
use crate::repo::links::LinkStatus;
use crate::repo::sessions;
use crate::state::AppState;

/// The CSRF header.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The `pa_wizard` cookie's value, if the request carries one.
pub fn cookie_value(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get_all(COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.trim_matches('"').to_owned())
}

/// `Set-Cookie` for a new session: HttpOnly, SameSite=Lax (it must come back on the top-level
/// redirect from Microsoft), Secure unless `wizard.cookie_secure` is false, Path=/, expiring
/// with the session.
pub fn set_cookie(cookie: &SessionCookie, max_age_secs: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{COOKIE_NAME}={}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{secure}",
        cookie.expose()
    )
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE_NAME}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}")
}

impl FromRequest for WizardCtx {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(&req).await })
    }
}

async fn authenticate(req: &HttpRequest) -> Result<WizardCtx, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("AppState is not registered")))?;
    let value = cookie_value(req).ok_or(ApiError::SessionRequired)?;
    let cookie = SessionCookie::parse(&value).ok_or(ApiError::SessionInvalid)?;
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        check_csrf(req, &state, &cookie)?;
    }
    let now = state.now();
    let mut tx = pa_db::begin_tenant(&state.pool, cookie.tenant()).await?;
    let row = sessions::find(&mut tx, cookie.tenant(), cookie.session_id())
        .await?
        .filter(|s| {
            s.ended_at.is_none()
                && crate::domain::TokenHash::from_slice(&s.token_hash)
                    .is_some_and(|stored| stored.ct_eq(&cookie.hash()))
        })
        .ok_or(ApiError::SessionInvalid)?;
    let idle_expires_at = row.last_seen_at + state.session_idle();
    if now >= row.expires_at || now >= idle_expires_at {
        return Err(ApiError::SessionExpired);
    }
    let link = row
        .link_status
        .as_deref()
        .map_or(LinkStatus::Revoked, LinkStatus::parse);
    // After finish the link reads `used` (once tenant-provisioning applied it): the session
    // still reads the completed wizard; every step refuses changes by the wizard's record.
    let usable = link == LinkStatus::Active || (link == LinkStatus::Used && row.completed);
    if !usable {
        return Err(ApiError::SetupLink(link));
    }
    sessions::touch(&mut tx, cookie.tenant(), row.id, now).await?;
    tx.commit().await?;
    Ok(WizardCtx {
        tenant: cookie.tenant(),
        session_id: row.id,
        link_id: row.link_id,
        csrf: cookie.csrf(),
        expires_at: row.expires_at,
        idle_expires_at: min(now + state.session_idle(), row.expires_at),
        request_id: Some(pa_http::RequestId::of(req).into_string()),
        client_addr: state.client_addr.resolve(req),
    })
}

fn min(a: OffsetDateTime, b: OffsetDateTime) -> OffsetDateTime {
    if a < b { a } else { b }
}

/// `X-CSRF-Token` must be the session's; an `Origin`, when sent, must be allowed.
fn check_csrf(req: &HttpRequest, state: &AppState, cookie: &SessionCookie) -> Result<(), ApiError> {
    if let Some(origin) = req.headers().get(ORIGIN) {
        let origin = origin.to_str().unwrap_or_default();
        if !state.allowed_origins.iter().any(|o| o == origin) {
            return Err(ApiError::CsrfFailed(
                "the request's Origin is not the setup wizard's",
            ));
        }
    }
    let presented = req
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or(ApiError::CsrfFailed(
            "send the session's csrf_token in the X-CSRF-Token header",
        ))?;
    if cookie.csrf().matches(presented) {
        Ok(())
    } else {
        Err(ApiError::CsrfFailed(
            "X-CSRF-Token is not this session's csrf_token",
        ))
    }
}

/// `scheme://host[:port]` of `url` (the form browsers send in `Origin`).
pub fn origin_of(url: &url::Url) -> String {
    url.origin().ascii_serialization()
}
