//! `POST /v1/wizard/consent-requests` ("Continue to Microsoft Authentication") and
//! `POST /v1/wizard/consent/verification` ("check again").

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use pa_http::Problem;
use utoipa_actix_web::service_config::ServiceConfig;

use super::dto::{ConsentRequestOut, WizardStateOut};
use super::{audited, state_response};
use crate::context::WizardCtx;
use crate::error::ApiError;
use crate::service::consent;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_consent_request).service(verify_consent);
}

/// Continue to Microsoft Authentication (step `consent`).
///
/// Returns Microsoft's admin-consent URL for the entered directory and the permissions
/// Patient Access needs (Read directory data, Read all groups, Sign in and read user profile,
/// Read all users' full profiles), with a one-time `state` bound to this session that expires
/// in minutes. Navigate the browser there (top level); a Global Administrator or Privileged
/// Role Administrator accepts; Microsoft sends the browser to `GET /consent/callback`.
#[utoipa::path(
    operation_id = "consent.consent_requests.create",
    tag = "wizard",
    security(("wizard_session" = [], "csrf_token" = [])),
    responses(
        (status = 201, description = "The admin-consent URL.", body = ConsentRequestOut),
        (status = 401, description = "`wizard_session_required`, `wizard_session_invalid`, `wizard_session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`csrf_failed`, `tenant_unavailable`.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`step_out_of_order` (enter the directory first); `setup_completed`.", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`setup_link_*`: the session's link stopped working.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`service_unavailable`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/consent-requests")]
pub async fn create_consent_request(
    state: web::Data<AppState>,
    ctx: WizardCtx,
) -> Result<HttpResponse, ApiError> {
    let result = consent::request(&state, &ctx).await;
    let out = audited(&state, &ctx, "consent.requested", result).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(out))
}

/// Check the consent again.
///
/// After Microsoft reported a grant for the entered directory that could not be verified
/// yet — consent still propagating (AADSTS700016 for a while after consent), a Conditional
/// Access policy blocking Patient Access (AADSTS53003), a permission missing — fix it (or
/// wait), then call this: a fresh app token for the directory must carry every required
/// permission. `consent.can_check_again` in the state says when it may help.
#[utoipa::path(
    operation_id = "consent.consent.verify",
    tag = "wizard",
    security(("wizard_session" = [], "csrf_token" = [])),
    responses(
        (status = 200, description = "Verified; the wizard state.", body = WizardStateOut),
        (status = 401, description = "`wizard_session_required`, `wizard_session_invalid`, `wizard_session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`csrf_failed`, `tenant_unavailable`.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Still not verified, with Microsoft's code in `errors[0].code` and the fix in `detail`: `consent_not_completed` (still propagating: wait a few minutes), `missing_permissions` (`errors` name each), `conditional_access_blocked`, `tenant_mismatch`, `app_not_in_tenant`; or `consent_not_claimed` (continue to Microsoft first), `step_out_of_order`, `setup_completed`, `wizard_changed`.", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`setup_link_*`: the session's link stopped working.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`microsoft_unavailable`, `service_unavailable`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/consent/verification")]
pub async fn verify_consent(
    state: web::Data<AppState>,
    ctx: WizardCtx,
) -> Result<HttpResponse, ApiError> {
    let result = consent::check_again(&state, &ctx).await;
    audited(&state, &ctx, "consent.verified", result).await?;
    state_response(&state, &ctx).await
}
