//! `/v1/tenants/{tenant_id}/{suspend,resume,deprovision}`.

use actix_web::{post, web};
use pa_domain::TenantId;
use pa_http::{Json, Problem};
use utoipa_actix_web::service_config::ServiceConfig;

use super::dto::{StatusChangeIn, TenantOut};
use crate::auth::Operator;
use crate::domain::{LifecycleAction, StatusReason};
use crate::error::ApiError;
use crate::routes::extract::{OptionalJson, TenantPath};
use crate::service::lifecycle;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(suspend_tenant)
        .service(resume_tenant)
        .service(deprovision_tenant);
}

async fn apply(
    state: &AppState,
    op: &Operator,
    id: TenantId,
    action: LifecycleAction,
    reason: Option<StatusReason>,
) -> Result<Json<TenantOut>, ApiError> {
    let mut tx = pa_db::begin_tenant(&state.pool, id).await?;
    let tenant =
        lifecycle::transition(&mut tx, &op.ctx, id, action, reason, state.purge_grace_secs).await?;
    state.outbox.commit(tx).await?;
    Ok(Json(tenant.into()))
}

/// Suspend a tenant.
///
/// Allowed from `pending_setup` and `active`. The body (with an optional `reason`) may be
/// left out.
#[utoipa::path(
    operation_id = "tenant_provisioning.tenants.suspend",
    tag = "tenants",
    security(("operator_key" = [])),
    params(("tenant_id" = uuid::Uuid, Path, description = "The tenant's id.")),
    request_body(content = Option<StatusChangeIn>, description = "Optional."),
    responses(
        (status = 200, description = "The suspended tenant.", body = TenantOut),
        (status = 400, description = "`malformed_json` or `invalid_path_parameter`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`tenant_not_found`.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_state_transition`: the detail names the current status.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_field` / `unknown_field`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tenants/{tenant_id}/suspend")]
pub async fn suspend_tenant(
    state: web::Data<AppState>,
    op: Operator,
    path: TenantPath,
    body: OptionalJson<StatusChangeIn>,
) -> Result<Json<TenantOut>, ApiError> {
    apply(&state, &op, path.0, LifecycleAction::Suspend, body.0.reason).await
}

/// Resume a suspended tenant.
///
/// Returns it to `active` if the customer had completed setup, else to `pending_setup`.
#[utoipa::path(
    operation_id = "tenant_provisioning.tenants.resume",
    tag = "tenants",
    security(("operator_key" = [])),
    params(("tenant_id" = uuid::Uuid, Path, description = "The tenant's id.")),
    responses(
        (status = 200, description = "The resumed tenant.", body = TenantOut),
        (status = 400, description = "`invalid_path_parameter`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`tenant_not_found`.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_state_transition`: the tenant is not suspended (the detail names its status).", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tenants/{tenant_id}/resume")]
pub async fn resume_tenant(
    state: web::Data<AppState>,
    op: Operator,
    path: TenantPath,
) -> Result<Json<TenantOut>, ApiError> {
    apply(&state, &op, path.0, LifecycleAction::Resume, None).await
}

/// Deprovision a tenant.
///
/// Allowed from `pending_setup`, `active` and `suspended`. Revokes an open setup link and
/// schedules the purge of the tenant's data for `purge_after` (now + the configured grace
/// period, 30 days by default); the audit trail is kept. Irreversible.
#[utoipa::path(
    operation_id = "tenant_provisioning.tenants.deprovision",
    tag = "tenants",
    security(("operator_key" = [])),
    params(("tenant_id" = uuid::Uuid, Path, description = "The tenant's id.")),
    request_body(content = Option<StatusChangeIn>, description = "Optional."),
    responses(
        (status = 200, description = "The deprovisioned tenant, with `purge_after`.", body = TenantOut),
        (status = 400, description = "`malformed_json` or `invalid_path_parameter`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`tenant_not_found`.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_state_transition`: already deprovisioned or purged.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_field` / `unknown_field`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tenants/{tenant_id}/deprovision")]
pub async fn deprovision_tenant(
    state: web::Data<AppState>,
    op: Operator,
    path: TenantPath,
    body: OptionalJson<StatusChangeIn>,
) -> Result<Json<TenantOut>, ApiError> {
    apply(
        &state,
        &op,
        path.0,
        LifecycleAction::Deprovision,
        body.0.reason,
    )
    .await
}
