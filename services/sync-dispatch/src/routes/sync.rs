//! `/v1/tenants/{tenant_id}/sync`: the tenant's sync status (with the current run's
//! progress) and the operators' "sync now".

use actix_web::{HttpResponse, get, post, web};
use pa_audit::{Actor, AuditEntry};
use pa_http::Problem;
use pa_operator_auth::Operator;
use serde_json::json;
use utoipa_actix_web::service_config::ServiceConfig;

use super::dto::{RunKind, SyncRequestIn, SyncStatusOut};
use super::extract::{OptionalJson, TenantPath};
use crate::domain::trigger;
use crate::error::ApiError;
use crate::repo::{runs, tenants};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_sync_status).service(request_sync);
}

/// Get a tenant's directory sync status.
///
/// The schedule, the last success, "needs attention", and the queued or running run with its
/// progress (objects read so far, of how many when Graph counted).
#[utoipa::path(
    operation_id = "sync_dispatch.sync.get",
    tag = "sync",
    security(("operator_key" = [])),
    params(("tenant_id" = uuid::Uuid, Path, description = "The tenant's id.")),
    responses(
        (status = 200, description = "The tenant's sync status.", body = SyncStatusOut),
        (status = 400, description = "`invalid_path_parameter`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`tenant_not_found`: not registered for sync (setup not completed, or purged).", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`service_unavailable`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tenants/{tenant_id}/sync")]
pub async fn get_sync_status(
    state: web::Data<AppState>,
    _op: Operator,
    path: TenantPath,
) -> Result<web::Json<SyncStatusOut>, ApiError> {
    let mut tx = pa_db::begin_tenant(&state.pool, path.0).await?;
    let row = tenants::find(&mut tx, path.0)
        .await?
        .ok_or(ApiError::TenantNotFound)?;
    let current = match row.current_run_id {
        Some(run) => runs::find(&mut tx, path.0, run).await?,
        None => None,
    };
    let held = runs::held_count(&mut tx, path.0).await?;
    tx.commit().await?;
    Ok(web::Json(SyncStatusOut::new(row, current, held)))
}

/// Sync now (operators).
///
/// Queues a run of the tenant (`full` unless the body says `incremental`) to start at once,
/// or right after the one in progress. Lifts "needs attention" and any failure backoff, so
/// it is also how a run is retried after the customer fixed consent or Conditional Access.
/// The body may be left out. Answers with the sync status (the new run is `pending` until
/// a scheduler claims it, within a second).
#[utoipa::path(
    operation_id = "sync_dispatch.sync.request",
    tag = "sync",
    security(("operator_key" = [])),
    params(("tenant_id" = uuid::Uuid, Path, description = "The tenant's id.")),
    request_body(content = Option<SyncRequestIn>, description = "Optional."),
    responses(
        (status = 202, description = "Queued; the tenant's sync status.", body = SyncStatusOut),
        (status = 400, description = "`malformed_json` or `invalid_path_parameter`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`tenant_not_found`.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`tenant_not_syncable`: the tenant is suspended or deprovisioned.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`payload_too_large`.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_field` (e.g. an unknown `kind`) or `unknown_field`.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`service_unavailable`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tenants/{tenant_id}/sync")]
pub async fn request_sync(
    state: web::Data<AppState>,
    op: Operator,
    path: TenantPath,
    body: OptionalJson<SyncRequestIn>,
) -> Result<HttpResponse, ApiError> {
    let tenant = path.0;
    let kind = body.0.kind.unwrap_or(RunKind::Full);
    let requested_by = format!("operator:{}", op.key_id);
    let mut tx = pa_db::begin_tenant(&state.pool, tenant).await?;
    let before = tenants::lock(&mut tx, tenant)
        .await?
        .ok_or(ApiError::TenantNotFound)?;
    if before.lifecycle != "active" {
        return Err(ApiError::TenantNotSyncable(before.lifecycle));
    }
    let row = tenants::request_run(
        &mut tx,
        tenant,
        kind.as_str(),
        trigger::OPERATOR,
        Some(&requested_by),
        true,
    )
    .await?
    .ok_or(ApiError::TenantNotFound)?;
    let entry = AuditEntry {
        request_id: Some(&op.request_id),
        client_addr: op.client_addr,
        ..AuditEntry::new(Actor::Operator { key_id: op.key_id }, "sync.requested")
    }
    .target("tenant", tenant)
    .details(json!({
        "kind": kind.as_str(),
        "attention_lifted": before.attention_reason,
    }));
    pa_audit::record_tenant(&mut tx, tenant, &entry).await?;
    let current = match row.current_run_id {
        Some(run) => runs::find(&mut tx, tenant, run).await?,
        None => None,
    };
    let held = runs::held_count(&mut tx, tenant).await?;
    tx.commit().await?;
    Ok(HttpResponse::Accepted().json(SyncStatusOut::new(row, current, held)))
}
