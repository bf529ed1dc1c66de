//! `/v1/tenants/{tenant_id}/sync/runs`: the run history.

use actix_web::{get, web};
use pa_http::{Problem, Query};
use pa_operator_auth::Operator;
use utoipa_actix_web::service_config::ServiceConfig;

use super::dto::{RunListQuery, RunOut, RunPage};
use super::extract::{RunPath, TenantPath};
use crate::domain::RunsCursor;
use crate::error::ApiError;
use crate::repo::{runs, tenants};
use crate::state::AppState;

/// Default and largest page.
const DEFAULT_LIMIT: u64 = 20;
const MAX_LIMIT: u64 = 100;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_runs).service(get_run);
}

/// List a tenant's sync runs, newest first.
///
/// Each run's trigger, start and end, pages and users read, users created / updated /
/// deactivated / reactivated, held changes and errors. Paged with an opaque `cursor`.
#[utoipa::path(
    operation_id = "sync_dispatch.runs.list",
    tag = "runs",
    security(("operator_key" = [])),
    params(("tenant_id" = uuid::Uuid, Path, description = "The tenant's id."), RunListQuery),
    responses(
        (status = 200, description = "One page of runs.", body = RunPage),
        (status = 400, description = "`invalid_path_parameter`, `invalid_cursor`, or `invalid_query_parameter` naming the parameter (unknown parameter or status, limit outside 1-100).", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`tenant_not_found`.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`service_unavailable`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tenants/{tenant_id}/sync/runs")]
pub async fn list_runs(
    state: web::Data<AppState>,
    _op: Operator,
    path: TenantPath,
    query: Query<RunListQuery>,
) -> Result<web::Json<RunPage>, ApiError> {
    let q = query.into_inner();
    let cursor = q
        .cursor
        .as_deref()
        .map(|c| RunsCursor::decode(c).map_err(|_| ApiError::InvalidCursor))
        .transpose()?;
    let limit = match q.limit {
        None => DEFAULT_LIMIT,
        Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => {
            return Err(ApiError::InvalidQueryParameter {
                name: "limit",
                message: format!("must be between 1 and {MAX_LIMIT}"),
            });
        }
    };
    let fetch = i64::try_from(limit + 1).unwrap_or(i64::MAX);
    let mut tx = pa_db::begin_tenant(&state.pool, path.0).await?;
    if tenants::find(&mut tx, path.0).await?.is_none() {
        return Err(ApiError::TenantNotFound);
    }
    let status = q.status.map(|s| s.as_str());
    let mut rows = runs::list(&mut tx, path.0, cursor, status, fetch).await?;
    tx.commit().await?;
    let keep = usize::try_from(limit).unwrap_or(usize::MAX);
    let next_cursor = (rows.len() > keep).then(|| {
        rows.truncate(keep);
        rows.last()
            .map(|r| RunsCursor::after(r.queued_at, r.id).encode())
    });
    Ok(web::Json(RunPage {
        items: rows.into_iter().map(RunOut::from).collect(),
        next_cursor: next_cursor.flatten(),
    }))
}

/// One sync run, with its progress while it runs.
///
/// Its trigger, start and end, pages and users read, users created, updated, deactivated and
/// reactivated, held changes and errors.
#[utoipa::path(
    operation_id = "sync_dispatch.runs.get",
    tag = "runs",
    security(("operator_key" = [])),
    params(
        ("tenant_id" = uuid::Uuid, Path, description = "The tenant's id."),
        ("run_id" = uuid::Uuid, Path, description = "The run's id."),
    ),
    responses(
        (status = 200, description = "The run.", body = RunOut),
        (status = 400, description = "`invalid_path_parameter`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`run_not_found`.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`service_unavailable`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tenants/{tenant_id}/sync/runs/{run_id}")]
pub async fn get_run(
    state: web::Data<AppState>,
    _op: Operator,
    path: RunPath,
) -> Result<web::Json<RunOut>, ApiError> {
    let mut tx = pa_db::begin_tenant(&state.pool, path.0).await?;
    let run = runs::find(&mut tx, path.0, path.1)
        .await?
        .ok_or(ApiError::RunNotFound)?;
    tx.commit().await?;
    Ok(web::Json(run.into()))
}
