//! `POST /v1/wizard/finish`.

use actix_web::{HttpResponse, post, web};
use pa_http::Problem;
use utoipa_actix_web::service_config::ServiceConfig;

use super::dto::WizardStateOut;
use super::{audited, state_response};
use crate::context::WizardCtx;
use crate::error::ApiError;
use crate::service::finish;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(finish_setup);
}

/// Finish the setup (step `finish`).
///
/// Commits the configuration in one transaction with the `setup.completed` event (directory,
/// initial administrator, groups and roles: what the first full sync needs). From then on the
/// setup link stops working; the tenant becomes `active` (tenant-provisioning applies the
/// event) and the initial administrator is mailed the console URL. `completion.console_url`
/// in the returned state is where to go next. Finishing again from the same session answers
/// the same; from another session it is refused.
#[utoipa::path(
    operation_id = "consent.setup.finish",
    tag = "wizard",
    security(("wizard_session" = [], "csrf_token" = [])),
    responses(
        (status = 200, description = "Completed; the wizard state with `completion`.", body = WizardStateOut),
        (status = 401, description = "`wizard_session_required`, `wizard_session_invalid`, `wizard_session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`csrf_failed`, `tenant_unavailable`.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`step_out_of_order` (`errors[0].code` names the missing step); `setup_completed` (finished from another session); `directory_in_use`.", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`setup_link_*`: the session's link stopped working.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`service_unavailable`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/finish")]
pub async fn finish_setup(
    state: web::Data<AppState>,
    ctx: WizardCtx,
) -> Result<HttpResponse, ApiError> {
    let result = finish::finish(&state, &ctx).await;
    audited(&state, &ctx, "setup.completed", result).await?;
    state_response(&state, &ctx).await
}
