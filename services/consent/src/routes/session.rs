//! `/v1/wizard/sessions` and `/v1/wizard/state`: open the wizard with the setup token,
//! read where it is, sign out.

use actix_web::http::StatusCode;
use actix_web::http::header::SET_COOKIE;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use pa_http::{Json, Problem};
use utoipa_actix_web::service_config::ServiceConfig;

use super::auth::{clear_cookie, set_cookie};
use super::dto::{StartIn, WizardStateOut};
use super::state_response;
use crate::context::WizardCtx;
use crate::error::ApiError;
use crate::service::{self, start};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(start_session)
        .service(get_state)
        .service(end_session);
}

/// Start (or resume) the wizard with a setup link.
///
/// The front-end posts the token from the link's URL fragment (`…/setup#token=…`). The
/// answer sets the `pa_wizard` session cookie (HttpOnly, `SameSite=Lax`, short-lived: idle and
/// absolute expiry) and returns the wizard state, including the `csrf_token` every later
/// POST, PUT and DELETE must send as `X-CSRF-Token`. A second browser (or a newer link of the
/// same tenant) resumes the same wizard. Expired, revoked, replaced and used links each get
/// their own error; malformed or unknown tokens are rate-limited per client address.
#[utoipa::path(
    operation_id = "consent.sessions.start",
    tag = "wizard",
    request_body = StartIn,
    responses(
        (status = 201, description = "Session opened; the wizard state.", body = WizardStateOut,
            headers(("Set-Cookie" = String, description = "`pa_wizard=…; Path=/; Max-Age=…; HttpOnly; SameSite=Lax; Secure`"),
                    ("Cache-Control" = String, description = "`no-store`"))),
        (status = 400, description = "`malformed_json`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`setup_link_invalid`: the token is malformed or unknown.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`tenant_unavailable`: the tenant is suspended or deprovisioned.", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`setup_link_expired`, `setup_link_revoked`, `setup_link_regenerated` (a newer link replaced it) or `setup_link_used` (setup is complete).", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`payload_too_large`.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_field` / `unknown_field` naming the field.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_attempts`: too many invalid links from this address (`Retry-After`).", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`service_unavailable`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/sessions")]
pub async fn start_session(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<StartIn>,
) -> Result<HttpResponse, ApiError> {
    let client = state.client_addr.resolve(&req);
    let request_id = pa_http::RequestId::of(&req).into_string();
    let started = start::start(&state, &body.token, client, request_id).await?;
    let view = service::view::load_fresh(&state, &started.ctx).await?;
    let cookie = set_cookie(
        &started.cookie,
        state.settings.wizard.session_absolute_secs,
        state.settings.wizard.cookie_secure,
    );
    Ok(HttpResponse::build(StatusCode::CREATED)
        .insert_header((SET_COOKIE, cookie))
        .json(view))
}

/// Get the wizard state.
///
/// Steps done, the next step, the prerequisites checklist, everything entered so far, the
/// last failure of each step with Microsoft's error and the fix, and the session's
/// `csrf_token`. A reload resumes from here.
#[utoipa::path(
    operation_id = "consent.state.get",
    tag = "wizard",
    security(("wizard_session" = [])),
    responses(
        (status = 200, description = "The wizard state.", body = WizardStateOut,
            headers(("Cache-Control" = String, description = "`no-store`"))),
        (status = 401, description = "`wizard_session_required`, `wizard_session_invalid` or `wizard_session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`tenant_unavailable`.", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`setup_link_expired`, `setup_link_revoked`, `setup_link_regenerated`, `setup_link_used`: the session's link stopped working.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`service_unavailable`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/state")]
pub async fn get_state(
    state: web::Data<AppState>,
    ctx: WizardCtx,
) -> Result<HttpResponse, ApiError> {
    state_response(&state, &ctx).await
}

/// Sign out of the wizard.
///
/// Ends this browser's session (the cookie is cleared and stops working). The wizard's
/// progress stays; the setup link opens it again.
#[utoipa::path(
    operation_id = "consent.sessions.end",
    tag = "wizard",
    security(("wizard_session" = [], "csrf_token" = [])),
    responses(
        (status = 204, description = "Signed out.", headers(("Set-Cookie" = String, description = "clears `pa_wizard`"))),
        (status = 401, description = "`wizard_session_required`, `wizard_session_invalid` or `wizard_session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`csrf_failed` or `tenant_unavailable`.", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`setup_link_*`: the session's link stopped working.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/sessions/current")]
pub async fn end_session(
    state: web::Data<AppState>,
    ctx: WizardCtx,
) -> Result<HttpResponse, ApiError> {
    start::end(&state, &ctx).await?;
    Ok(HttpResponse::NoContent()
        .insert_header((
            SET_COOKIE,
            clear_cookie(state.settings.wizard.cookie_secure),
        ))
        .finish())
}
