//! `GET /v1/wizard/groups` (type-ahead) and `PUT /v1/wizard/groups` (the selection).

use actix_web::{HttpResponse, get, put, web};
use pa_http::{Json, Problem, Query};
use utoipa_actix_web::service_config::ServiceConfig;

use super::dto::{GroupSearchOut, GroupSearchQuery, GroupsIn, WizardStateOut};
use super::{audited, state_response};
use crate::context::WizardCtx;
use crate::error::ApiError;
use crate::service::groups;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(search_groups).service(set_groups);
}

/// Search the directory's security groups (type-ahead).
///
/// Graph `$search` on the display name (word prefixes, any order), security groups only,
/// paged. Available once the pre-flight checks passed.
#[utoipa::path(
    operation_id = "consent.groups.search",
    tag = "wizard",
    security(("wizard_session" = [])),
    params(GroupSearchQuery),
    responses(
        (status = 200, description = "One page of groups.", body = GroupSearchOut),
        (status = 400, description = "`invalid_query_parameter` naming `search`, `page` or `limit`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`wizard_session_required`, `wizard_session_invalid`, `wizard_session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`tenant_unavailable`.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`step_out_of_order`; `setup_completed`; `consent_revoked`; `permission_missing`; `conditional_access_blocked`.", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`setup_link_*`: the session's link stopped working.", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "`microsoft_error`.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`microsoft_unavailable`, `service_unavailable`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/groups")]
pub async fn search_groups(
    state: web::Data<AppState>,
    ctx: WizardCtx,
    query: Query<GroupSearchQuery>,
) -> Result<web::Json<GroupSearchOut>, ApiError> {
    Ok(web::Json(groups::search(&state, &ctx, &query).await?))
}

/// Choose the groups (step `groups`).
///
/// Replaces the selection: at least one admin group (role `admin`), each a security group of
/// this directory with at least one member; optional user groups with the role each grants
/// (`admin`, `manager`, `viewer`). Nothing is stored unless every group is acceptable. The
/// state shows each group's member count and whether the initial administrator is a member.
#[utoipa::path(
    operation_id = "consent.groups.set",
    tag = "wizard",
    security(("wizard_session" = [], "csrf_token" = [])),
    request_body = GroupsIn,
    responses(
        (status = 200, description = "Saved; the wizard state.", body = WizardStateOut),
        (status = 400, description = "`malformed_json`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`wizard_session_required`, `wizard_session_invalid`, `wizard_session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`csrf_failed`, `tenant_unavailable`.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`step_out_of_order`; `setup_completed`; `wizard_changed`; `consent_revoked`; `permission_missing`; `conditional_access_blocked`.", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`setup_link_*`: the session's link stopped working.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`payload_too_large`.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`admin_group_required`, `group_not_found` (not in this directory), `not_a_group` (a user's id), `not_a_security_group` (Microsoft 365 or distribution group), `group_empty` (admin group without members), `duplicate_group`; `invalid_field` / `unknown_field`. `errors[0].field` is the body path, e.g. `admin_groups[1]`.", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "`microsoft_error`.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`microsoft_unavailable`, `service_unavailable`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/groups")]
pub async fn set_groups(
    state: web::Data<AppState>,
    ctx: WizardCtx,
    body: Json<GroupsIn>,
) -> Result<HttpResponse, ApiError> {
    let result = groups::set(&state, &ctx, &body).await;
    audited(&state, &ctx, "groups.set", result).await?;
    state_response(&state, &ctx).await
}
