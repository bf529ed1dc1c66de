//! `/v1/settings`: session timeouts, sync interval, deactivation threshold, audit retention.

use actix_web::{get, patch, web};
use pa_http::{Json, Problem};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{Permission, Principal};
use crate::domain::{SettingsPatch, TenantSettings};
use crate::error::ApiError;
use crate::repo::settings;
use crate::service::settings as service;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_settings).service(change_settings);
}

/// The tenant's settings.
///
/// The idle sign-out, session lifetime, mass-deactivation thresholds, sync interval and audit
/// retention in force for the tenant, with the settings' version (it increases with every
/// change).
#[utoipa::path(
    operation_id = "admin_console.settings.get",
    tag = "settings",
    security(("console_session" = []), ("api_token" = [])),
    responses(
        (status = 200, description = "Settings (role: viewer).", body = TenantSettings),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/settings")]
pub async fn get_settings(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<Json<TenantSettings>, ApiError> {
    principal.require(Permission::ReadSettings)?;
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let s = settings::get(&mut tx, principal.tenant).await?;
    tx.commit().await?;
    Ok(Json(s))
}

/// Change settings.
///
/// Each change is audited (`settings.changed`, before and after) and published as
/// `tenant.settings_changed`. The idle timeout applies to live sessions at their next request.
#[utoipa::path(
    operation_id = "admin_console.settings.change",
    tag = "settings",
    security(("console_session" = []), ("api_token" = [])),
    params(("X-CSRF-Token" = Option<String>, Header, description = "The session's CSRF token (sessions).")),
    request_body = SettingsPatch,
    responses(
        (status = 200, description = "The settings after the change. Role: admin.", body = TenantSettings),
        (status = 400, description = "`malformed_json`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`, `csrf_token_invalid`.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`payload_too_large`.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_field` naming the field out of bounds, `unknown_field`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/settings")]
pub async fn change_settings(
    principal: Principal,
    state: web::Data<AppState>,
    body: Json<SettingsPatch>,
) -> Result<Json<TenantSettings>, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let next = service::change(&mut tx, principal.tenant, &body, &principal.ctx).await?;
    state.outbox.commit(tx).await?;
    Ok(Json(next))
}
