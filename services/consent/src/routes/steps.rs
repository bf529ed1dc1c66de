//! The directory, pre-flight and administrator steps:
//! `PUT /v1/wizard/directory`, `POST /v1/wizard/preflight`, `PUT /v1/wizard/admin`.

use actix_web::{HttpResponse, post, put, web};
use pa_http::{Json, Problem};
use utoipa_actix_web::service_config::ServiceConfig;

use super::dto::{AdminIn, DirectoryIn, WizardStateOut};
use super::{audited, state_response};
use crate::context::WizardCtx;
use crate::error::ApiError;
use crate::service::{admin, directory, preflight};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(set_directory)
        .service(run_preflight)
        .service(set_admin);
}

/// Enter the directory (step `directory`).
///
/// The Microsoft Entra tenant ID or a verified domain, validated locally, then resolved to
/// the tenant GUID through Microsoft's discovery. Entering the same directory again changes
/// nothing; a different one clears the later steps. Refused when another live production
/// tenant of Patient Access is already connected to it.
#[utoipa::path(
    operation_id = "consent.directory.set",
    tag = "wizard",
    security(("wizard_session" = [], "csrf_token" = [])),
    request_body = DirectoryIn,
    responses(
        (status = 200, description = "Saved; the wizard state.", body = WizardStateOut),
        (status = 400, description = "`malformed_json`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`wizard_session_required`, `wizard_session_invalid`, `wizard_session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`csrf_failed`, `tenant_unavailable`.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`directory_in_use`; `setup_completed`; `wizard_changed`.", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`setup_link_*`: the session's link stopped working.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`payload_too_large`.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_directory` (malformed GUID or domain), `not_an_organization` (`common`, personal accounts), `directory_not_found` (no such tenant: AADSTS90002); `invalid_field` / `unknown_field`. `errors[0].field` is `tenant`.", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "`microsoft_error`.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`microsoft_unavailable`, `service_unavailable`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/directory")]
pub async fn set_directory(
    state: web::Data<AppState>,
    ctx: WizardCtx,
    body: Json<DirectoryIn>,
) -> Result<HttpResponse, ApiError> {
    let result = directory::set(&state, &ctx, &body.tenant).await;
    audited(&state, &ctx, "directory.set", result).await?;
    state_response(&state, &ctx).await
}

/// Run the pre-flight checks (step `preflight`).
///
/// Exercises the grant as the sync will: a fresh app token for the directory (a Conditional
/// Access policy blocking Patient Access fails here: setup guide step 3), then
/// `GET /organization`, `GET /users` and `GET /groups`. Each check is reported passed or
/// failed with Microsoft's error and the fix, in `preflight.checks` of the returned state. A
/// revoked consent (AADSTS700016) marks the directory "needs attention" (`consent.attention`).
#[utoipa::path(
    operation_id = "consent.preflight.run",
    tag = "wizard",
    security(("wizard_session" = [], "csrf_token" = [])),
    responses(
        (status = 200, description = "Checks run (passed or not: see `preflight`); the wizard state.", body = WizardStateOut),
        (status = 401, description = "`wizard_session_required`, `wizard_session_invalid`, `wizard_session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`csrf_failed`, `tenant_unavailable`.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`step_out_of_order` (`errors[0].code` names the missing step); `setup_completed`; `wizard_changed`.", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`setup_link_*`: the session's link stopped working.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`service_unavailable`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/preflight")]
pub async fn run_preflight(
    state: web::Data<AppState>,
    ctx: WizardCtx,
) -> Result<HttpResponse, ApiError> {
    let result = preflight::run(&state, &ctx).await;
    audited(&state, &ctx, "preflight.ran", result).await?;
    state_response(&state, &ctx).await
}

/// Name the initial administrator (step `admin`).
///
/// Any enabled user of the directory (not only a directory administrator), by UPN. On finish
/// the user becomes a Patient Access administrator and, with a mail address, is mailed the
/// admin console's URL. Their membership of the chosen groups is shown in `groups`.
#[utoipa::path(
    operation_id = "consent.admin.set",
    tag = "wizard",
    security(("wizard_session" = [], "csrf_token" = [])),
    request_body = AdminIn,
    responses(
        (status = 200, description = "Saved; the wizard state.", body = WizardStateOut),
        (status = 400, description = "`malformed_json`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`wizard_session_required`, `wizard_session_invalid`, `wizard_session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`csrf_failed`, `tenant_unavailable`.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`step_out_of_order`; `setup_completed`; `wizard_changed`; `consent_revoked` (AADSTS700016: grant consent again); `permission_missing`; `conditional_access_blocked`.", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`setup_link_*`: the session's link stopped working.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`payload_too_large`.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_upn` (malformed), `user_not_found`, `user_disabled`; `invalid_field` / `unknown_field`. `errors[0].field` is `user_principal_name`.", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "`microsoft_error`.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`microsoft_unavailable`, `service_unavailable`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/admin")]
pub async fn set_admin(
    state: web::Data<AppState>,
    ctx: WizardCtx,
    body: Json<AdminIn>,
) -> Result<HttpResponse, ApiError> {
    let result = admin::set(&state, &ctx, &body.user_principal_name).await;
    audited(&state, &ctx, "admin.set", result).await?;
    state_response(&state, &ctx).await
}
