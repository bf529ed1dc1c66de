//! `GET /consent/callback`: where Microsoft's admin-consent page sends the browser back.

use actix_web::http::header::{CACHE_CONTROL, LOCATION};
use actix_web::{FromRequest, HttpRequest, HttpResponse, get, web};
use pa_http::Problem;
use utoipa_actix_web::service_config::ServiceConfig;

use super::audited;
use crate::context::WizardCtx;
use crate::error::ApiError;
use crate::service::callback;
use crate::service::consent::Outcome;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(consent_callback);
}

/// Receive Microsoft's admin-consent response.
///
/// The browser arrives from Microsoft (top-level GET, so the `SameSite=Lax` session cookie
/// comes along). The `state` must be this session's, unused and unexpired, for the directory
/// still entered. Microsoft's errors (declined, not an admin, Conditional Access or MFA at
/// sign-in) and a grant claimed for another tenant are recorded with the fix; a grant for the
/// entered tenant is proven by an app token for that tenant carrying every required
/// permission, then stored and `consent.granted` published. The browser is then sent to the
/// front-end with the outcome: `{wizard.frontend_url}?consent=granted` or
/// `?consent=error&code=<code>` (`consent_declined`, `admin_approval_required`,
/// `conditional_access_blocked`, `mfa_required`, `tenant_mismatch`, `missing_permissions`,
/// `consent_not_completed`, …); the front-end reads the explanation from the state.
/// A callback that is not a consent response, or whose `state` is not this session's, is
/// refused with a problem and changes nothing.
#[utoipa::path(
    operation_id = "consent.callback.receive",
    tag = "wizard",
    security(("wizard_session" = [])),
    params(
        ("admin_consent" = Option<String>, Query, description = "`True` (Microsoft).", min_length = 1),
        ("tenant" = Option<String>, Query, description = "The tenant Microsoft says consented: never trusted, only compared with the one entered."),
        ("scope" = Option<String>, Query, description = "Echoed scope."),
        ("state" = Option<String>, Query, description = "The one-time state of `POST /v1/wizard/consent-requests`.", min_length = 1),
        ("error" = Option<String>, Query, description = "Microsoft's OAuth error, when consent failed.", min_length = 1),
        ("error_description" = Option<String>, Query, description = "`AADSTSnnnnn: …` with trace and correlation ids, on lines separated by CR LF.", pattern = r"^[^\u0000-\u0009\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"),
    ),
    responses(
        (status = 303, description = "To the front-end with the outcome.", headers(("Location" = String, description = "`{frontend_url}?consent=granted` or `?consent=error&code=<code>`"))),
        (status = 400, description = "`invalid_consent_callback` (not an admin-consent response, `state` missing, a parameter repeated), `consent_state_unknown`, `consent_state_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`wizard_session_required` (no session cookie), `wizard_session_invalid`, `wizard_session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`consent_state_mismatch` (another session's state, or the directory changed since), `tenant_unavailable`.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`consent_state_replayed`; `setup_completed`; `wizard_changed`.", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`setup_link_*`: the session's link stopped working.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`service_unavailable`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/consent/callback")]
pub async fn consent_callback(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (parsed, presented) = callback::parse(req.query_string())?;
    let ctx = WizardCtx::extract(&req).await?;
    let outcome = callback::receive(&state, &ctx, &parsed, &presented).await;
    let outcome = audited(&state, &ctx, "consent.callback_received", outcome).await?;
    let mut location = state.settings.wizard.frontend_url.clone();
    match &outcome {
        Outcome::Granted => {
            location.query_pairs_mut().append_pair("consent", "granted");
        }
        Outcome::Failed(f) => {
            location
                .query_pairs_mut()
                .append_pair("consent", "error")
                .append_pair("code", &f.code);
        }
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, location.as_str()))
        .insert_header((CACHE_CONTROL, "no-store"))
        .finish())
}
