//! `/v1/sync`: status with progress, run history, "sync now", and the decision on a held run
//! (sync-dispatch owns runs; the console publishes `sync.requested` / `sync.hold_decided`).

use actix_web::{HttpResponse, get, post, web};
use pa_domain::Cursor;
use pa_events::{HoldDecision, SyncHoldDecided, SyncKind, SyncRequested};
use pa_http::{Json, Problem, Query};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::extract::{OptionalJson, RunIdPath, page_limit};
use crate::auth::{Permission, Principal};
use crate::error::{ApiError, codes};
use crate::repo::sync::{self, RunRow};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(status)
        .service(list_runs)
        .service(get_run)
        .service(request_sync)
        .service(decide);
}

/// A sync run.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunOut {
    pub id: Uuid,
    /// `full` or `incremental`.
    pub kind: String,
    pub trigger: String,
    /// `queued`, `running`, `succeeded`, `failed`, `held`, `blocked`, `approved`, `rejected`.
    pub status: String,
    #[serde(with = "time::serde::rfc3339")]
    pub queued_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    pub objects_read: i64,
    /// Known when Graph counted the groups' members.
    pub objects_total: Option<i64>,
    /// objects_read / objects_total, 0–100, when the total is known.
    pub progress_percent: Option<u8>,
    pub pages_read: i64,
    pub users_created: i64,
    pub users_updated: i64,
    pub users_deactivated: i64,
    pub users_reactivated: i64,
    pub held_changes: i64,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

impl From<RunRow> for RunOut {
    fn from(r: RunRow) -> Self {
        let progress_percent = r
            .objects_total
            .filter(|t| *t > 0)
            .map(|t| u8::try_from((r.objects_read.clamp(0, t) * 100) / t).unwrap_or(100));
        Self {
            id: r.id,
            kind: r.kind,
            trigger: r.trigger,
            status: r.status,
            queued_at: r.queued_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
            objects_read: r.objects_read,
            objects_total: r.objects_total,
            progress_percent,
            pages_read: r.pages_read,
            users_created: r.users_created,
            users_updated: r.users_updated,
            users_deactivated: r.users_deactivated,
            users_reactivated: r.users_reactivated,
            held_changes: r.held_changes,
            error_code: r.error_code,
            error_message: r.error_message,
        }
    }
}

/// Why the directory needs a customer admin.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttentionOut {
    pub reason: String,
    pub code: Option<String>,
    pub remediation: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub since: Option<OffsetDateTime>,
}

/// The tenant's sync.
#[derive(Debug, Serialize, ToSchema)]
pub struct SyncStatusOut {
    /// False until sync-dispatch registered the tenant.
    pub registered: bool,
    pub sync_interval_secs: Option<i32>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub next_incremental_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_success_at: Option<OffsetDateTime>,
    pub needs_attention: Option<AttentionOut>,
    /// The queued, running or held run, else the newest.
    pub current_run: Option<RunOut>,
}

/// Sync status with progress.
///
/// The schedule, the last successful run, whether the sync needs attention, and the queued or
/// running run with its progress.
#[utoipa::path(
    operation_id = "admin_console.sync.status",
    tag = "sync",
    security(("console_session" = []), ("api_token" = [])),
    responses(
        (status = 200, description = "Status (role: viewer).", body = SyncStatusOut),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sync")]
pub async fn status(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<Json<SyncStatusOut>, ApiError> {
    principal.require(Permission::ReadSync)?;
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let tenant = sync::tenant(&mut tx, principal.tenant).await?;
    let run = sync::current_run(&mut tx, principal.tenant).await?;
    tx.commit().await?;
    Ok(Json(SyncStatusOut {
        registered: tenant.is_some(),
        sync_interval_secs: tenant.as_ref().map(|t| t.sync_interval_secs),
        next_incremental_at: tenant.as_ref().and_then(|t| t.next_incremental_at),
        last_success_at: tenant.as_ref().and_then(|t| t.last_success_at),
        needs_attention: tenant.as_ref().and_then(|t| {
            t.attention_reason.clone().map(|reason| AttentionOut {
                reason,
                code: t.attention_code.clone(),
                remediation: t.attention_remediation.clone(),
                since: t.attention_since,
            })
        }),
        current_run: run.map(RunOut::from),
    }))
}

/// Paging of the run history.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RunListQuery {
    /// The `next_cursor` of the previous page.
    #[param(
        pattern = r"^A[Q-Za-f][A-Za-z0-9_-]{31}[AQgw]$",
        min_length = 34,
        max_length = 34
    )]
    pub cursor: Option<String>,
    /// 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// One page of runs, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunPage {
    pub items: Vec<RunOut>,
    pub next_cursor: Option<String>,
}

/// Run history.
///
/// The tenant's sync runs, newest first, paged with an opaque `cursor` (pass `next_cursor` back).
#[utoipa::path(
    operation_id = "admin_console.sync.list_runs",
    tag = "sync",
    security(("console_session" = []), ("api_token" = [])),
    params(RunListQuery),
    responses(
        (status = 200, description = "Runs, newest first (role: viewer).", body = RunPage),
        (status = 400, description = "`invalid_cursor`, `invalid_query_parameter`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sync/runs")]
pub async fn list_runs(
    principal: Principal,
    state: web::Data<AppState>,
    query: Query<RunListQuery>,
) -> Result<Json<RunPage>, ApiError> {
    principal.require(Permission::ReadSync)?;
    let limit = page_limit(query.limit)?;
    let after = query
        .cursor
        .as_deref()
        .map(|c| {
            Cursor::decode(c).map_err(|_| {
                ApiError::coded_field(codes::INVALID_CURSOR, "cursor", "not a cursor of this list")
            })
        })
        .transpose()?
        .map(|c| (c.at(), c.id()));
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let mut rows = sync::runs(&mut tx, principal.tenant, after, limit + 1).await?;
    tx.commit().await?;
    let keep = usize::try_from(limit).unwrap_or(0);
    let next_cursor = if rows.len() > keep {
        rows.truncate(keep);
        rows.last()
            .map(|r| Cursor::after(r.queued_at, r.id).encode())
    } else {
        None
    };
    Ok(Json(RunPage {
        items: rows.into_iter().map(RunOut::from).collect(),
        next_cursor,
    }))
}

/// A change a held run would make.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeldChangeOut {
    pub object_id: Uuid,
    /// `deactivate`.
    pub change: String,
    pub reason: Option<String>,
    pub user_principal_name: Option<String>,
    pub display_name: Option<String>,
}

/// A run with its held changes.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunDetail {
    #[serde(flatten)]
    pub run: RunOut,
    /// What the run would change (held runs).
    pub held: Vec<HeldChangeOut>,
}

async fn find_run(
    conn: &mut sqlx::PgConnection,
    principal: &Principal,
    id: Uuid,
) -> Result<RunRow, ApiError> {
    sync::run(conn, principal.tenant, id).await?.ok_or_else(|| {
        ApiError::coded(
            codes::RUN_NOT_FOUND,
            "no sync run of this tenant has this id",
        )
    })
}

/// A run, with what it would change when held.
///
/// The run's trigger, times, counts and errors; for a held run, the users it would deactivate.
#[utoipa::path(
    operation_id = "admin_console.sync.get_run",
    tag = "sync",
    security(("console_session" = []), ("api_token" = [])),
    params(("run_id" = Uuid, Path, description = "The run's id.")),
    responses(
        (status = 200, description = "The run (role: viewer).", body = RunDetail),
        (status = 400, description = "`invalid_path_parameter`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`run_not_found`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sync/runs/{run_id}")]
pub async fn get_run(
    principal: Principal,
    state: web::Data<AppState>,
    path: RunIdPath,
) -> Result<Json<RunDetail>, ApiError> {
    principal.require(Permission::ReadSync)?;
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let run = find_run(&mut tx, &principal, path.0).await?;
    let held = sync::held_changes(&mut tx, principal.tenant, path.0).await?;
    tx.commit().await?;
    Ok(Json(RunDetail {
        run: run.into(),
        held: held
            .into_iter()
            .map(|h| HeldChangeOut {
                object_id: h.object_id,
                change: h.change,
                reason: h.reason,
                user_principal_name: h.user_principal_name,
                display_name: h.display_name,
            })
            .collect(),
    }))
}

/// "Sync now".
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncRequestIn {
    /// `incremental` (default) or `full`.
    #[schema(value_type = Option<String>, pattern = "^(incremental|full)$")]
    pub kind: Option<SyncKind>,
}

/// Accepted: sync-dispatch runs it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AcceptedOut {
    pub accepted: bool,
}

/// Sync now.
///
/// Asks sync-dispatch for a run now: `incremental` (default) reads the changes since the last run,
/// `full` reads the whole directory. The body may be left out.
#[utoipa::path(
    operation_id = "admin_console.sync.request",
    tag = "sync",
    security(("console_session" = []), ("api_token" = [])),
    params(("X-CSRF-Token" = Option<String>, Header, description = "The session's CSRF token (sessions).")),
    request_body(content = Option<SyncRequestIn>, description = "Optional."),
    responses(
        (status = 202, description = "Published as `sync.requested` (audited `sync.requested`). Role: manager.", body = AcceptedOut),
        (status = 400, description = "`malformed_json`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`, `csrf_token_invalid`.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`payload_too_large`.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_field`, `unknown_field`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/sync/requests")]
pub async fn request_sync(
    principal: Principal,
    state: web::Data<AppState>,
    body: OptionalJson<SyncRequestIn>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::RequestSync)?;
    let kind = body.0.kind.unwrap_or(SyncKind::Incremental);
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let event = SyncRequested {
        tenant_id: principal.tenant,
        kind,
        requested_by: principal.ctx.actor_label(),
    };
    pa_messaging::enqueue(&mut tx, &principal.ctx.event_meta(principal.tenant), &event).await?;
    let entry = principal
        .ctx
        .audit("sync.requested")
        .target("tenant", principal.tenant)
        .details(json!({"kind": kind}));
    pa_audit::record_tenant(&mut tx, principal.tenant, &entry).await?;
    state.outbox.commit(tx).await?;
    Ok(HttpResponse::Accepted().json(AcceptedOut { accepted: true }))
}

/// An Admin's decision on a held run.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionIn {
    /// `approve` (apply the held deactivations) or `reject` (discard them).
    #[schema(value_type = String, pattern = "^(approve|reject)$")]
    pub decision: HoldDecision,
}

/// Approve or reject a held mass deactivation.
///
/// A run that would deactivate more users than the tenant's threshold waits for an administrator:
/// `approve` applies its changes, `reject` discards them.
#[utoipa::path(
    operation_id = "admin_console.sync.decide_hold",
    tag = "sync",
    security(("console_session" = []), ("api_token" = [])),
    params(
        ("run_id" = Uuid, Path, description = "The held run."),
        ("X-CSRF-Token" = Option<String>, Header, description = "The session's CSRF token (sessions)."),
    ),
    request_body = DecisionIn,
    responses(
        (status = 202, description = "Published as `sync.hold_decided` (audited); sync-dispatch applies it. Role: admin.", body = AcceptedOut),
        (status = 400, description = "`invalid_path_parameter`, `malformed_json`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`, `csrf_token_invalid`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`run_not_found`.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`run_not_held`.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`payload_too_large`.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_field`, `unknown_field`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/sync/runs/{run_id}/decision")]
pub async fn decide(
    principal: Principal,
    state: web::Data<AppState>,
    path: RunIdPath,
    body: Json<DecisionIn>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::DecideHolds)?;
    let decision = body.decision;
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let run = find_run(&mut tx, &principal, path.0).await?;
    if run.status != "held" {
        return Err(ApiError::coded(
            codes::RUN_NOT_HELD,
            format!("the run is {}", run.status),
        ));
    }
    let event = SyncHoldDecided {
        tenant_id: principal.tenant,
        run_id: path.0,
        decision,
        decided_by: principal.ctx.actor_label(),
    };
    pa_messaging::enqueue(&mut tx, &principal.ctx.event_meta(principal.tenant), &event).await?;
    let entry = principal
        .ctx
        .audit("sync.hold_decided")
        .target("sync_run", path.0)
        .details(json!({
            "decision": decision, "held_changes": run.held_changes,
        }));
    pa_audit::record_tenant(&mut tx, principal.tenant, &entry).await?;
    state.outbox.commit(tx).await?;
    Ok(HttpResponse::Accepted().json(AcceptedOut { accepted: true }))
}
