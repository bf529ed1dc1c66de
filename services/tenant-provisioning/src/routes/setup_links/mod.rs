//! `/v1/tenants/{tenant_id}/setup-links`: issue, regenerate, revoke and inspect setup
//! links.

mod dto;

use actix_web::{HttpResponse, delete, get, post, web};
use pa_domain::TenantId;
use pa_http::{Json, Problem, Query};
use utoipa_actix_web::service_config::ServiceConfig;

pub use dto::{SetupLinkListQuery, SetupLinkOut, SetupLinkPage, SetupLinkStatus};

use crate::auth::Operator;
use crate::error::ApiError;
use crate::idempotency::{self, Created, IdempotencyHeader};
use crate::repo::setup_links;
use crate::routes::extract::{LinkPath, TenantPath};
use crate::routes::pagination::Paging;
use crate::service::setup_links::{self as service, IssueMode};
use crate::service::tenants::lock;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(issue_setup_link)
        .service(regenerate_setup_link)
        .service(revoke_setup_link)
        .service(list_setup_links)
        .service(get_setup_link);
}

async fn issue(
    state: web::Data<AppState>,
    op: Operator,
    idem: IdempotencyHeader,
    id: TenantId,
    mode: IssueMode,
    path: String,
) -> Result<HttpResponse, ApiError> {
    let request = idempotency::fingerprint("POST", &path, &())?;
    let state: &AppState = &state;
    let tx = pa_db::begin_tenant(&state.pool, id).await?;
    idempotency::run(
        tx,
        &state.outbox,
        op.key_id,
        idem.0,
        request,
        async move |tx| {
            let tenant = lock(tx, id).await?;
            let link = service::issue(tx, state, &op.ctx, &tenant, mode).await?;
            let location = format!("/v1/tenants/{id}/setup-links/{}", link.id);
            Created::new(&SetupLinkOut::from(link), location)
        },
    )
    .await
}

/// Issue a setup link.
///
/// Creates a single-use link to the setup wizard; it is e-mailed to the tenant's contact
/// right after, asynchronously (retried while the mail server is unavailable; see the
/// link's `email_sent_at`). The token is only ever in that e-mail. Refused while an
/// unexpired link is active (use `regenerate`) and for suspended, deprovisioned or purged
/// tenants.
#[utoipa::path(
    operation_id = "tenant_provisioning.setup_links.issue",
    tag = "setup-links",
    security(("operator_key" = [])),
    params(
        ("tenant_id" = uuid::Uuid, Path, description = "The tenant's id."),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe (see `POST /v1/tenants`).", pattern = r"^[!-~]+$", min_length = 1, max_length = 255),
    ),
    responses(
        (status = 201, description = "Issued; the e-mail follows asynchronously.", body = SetupLinkOut,
            headers(("Location" = String, description = "`/v1/tenants/{tenant_id}/setup-links/{link_id}`"), ("Idempotent-Replayed" = Option<bool>, description = "`true` on a replay"))),
        (status = 400, description = "`invalid_path_parameter` or `invalid_idempotency_key`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`tenant_not_found`.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`setup_link_already_active`; `invalid_tenant_state` (suspended, deprovisioned or purged); `idempotency_key_in_use`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`idempotency_key_reused`.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`service_unavailable`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tenants/{tenant_id}/setup-links")]
pub async fn issue_setup_link(
    state: web::Data<AppState>,
    op: Operator,
    path: TenantPath,
    idem: IdempotencyHeader,
) -> Result<HttpResponse, ApiError> {
    let uri = format!("/v1/tenants/{}/setup-links", path.0);
    issue(state, op, idem, path.0, IssueMode::New, uri).await
}

/// Regenerate the setup link.
///
/// Revokes the active link (if any) and issues a new one, in one transaction; the new link
/// is e-mailed asynchronously. A revoked link whose e-mail had not gone out yet is never
/// mailed.
#[utoipa::path(
    operation_id = "tenant_provisioning.setup_links.regenerate",
    tag = "setup-links",
    security(("operator_key" = [])),
    params(
        ("tenant_id" = uuid::Uuid, Path, description = "The tenant's id."),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe (see `POST /v1/tenants`).", pattern = r"^[!-~]+$", min_length = 1, max_length = 255),
    ),
    responses(
        (status = 201, description = "The new link, issued; the e-mail follows asynchronously.", body = SetupLinkOut,
            headers(("Location" = String, description = "`/v1/tenants/{tenant_id}/setup-links/{link_id}`"), ("Idempotent-Replayed" = Option<bool>, description = "`true` on a replay"))),
        (status = 400, description = "`invalid_path_parameter` or `invalid_idempotency_key`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`tenant_not_found`.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_tenant_state`; `idempotency_key_in_use`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`idempotency_key_reused`.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`service_unavailable`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tenants/{tenant_id}/setup-links/regenerate")]
pub async fn regenerate_setup_link(
    state: web::Data<AppState>,
    op: Operator,
    path: TenantPath,
    idem: IdempotencyHeader,
) -> Result<HttpResponse, ApiError> {
    let uri = format!("/v1/tenants/{}/setup-links/regenerate", path.0);
    issue(state, op, idem, path.0, IssueMode::Regenerate, uri).await
}

/// Revoke the active setup link.
///
/// The link stops working at once (the wizard refuses it); the tenant stays in `pending_setup` and
/// a new link can be sent. Audited and published as `tenant.setup_link_revoked`.
#[utoipa::path(
    operation_id = "tenant_provisioning.setup_links.revoke",
    tag = "setup-links",
    security(("operator_key" = [])),
    params(("tenant_id" = uuid::Uuid, Path, description = "The tenant's id.")),
    responses(
        (status = 200, description = "The revoked link.", body = SetupLinkOut),
        (status = 400, description = "`invalid_path_parameter`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`tenant_not_found`; `setup_link_not_found`: no active link.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/tenants/{tenant_id}/setup-links/active")]
pub async fn revoke_setup_link(
    state: web::Data<AppState>,
    op: Operator,
    path: TenantPath,
) -> Result<Json<SetupLinkOut>, ApiError> {
    let mut tx = pa_db::begin_tenant(&state.pool, path.0).await?;
    let tenant = lock(&mut tx, path.0).await?;
    let link = service::revoke_active(&mut tx, &op.ctx, &tenant).await?;
    state.outbox.commit(tx).await?;
    Ok(Json(link.into()))
}

/// List a tenant's setup links.
///
/// Metadata only, newest first; tokens are never returned.
#[utoipa::path(
    operation_id = "tenant_provisioning.setup_links.list",
    tag = "setup-links",
    security(("operator_key" = [])),
    params(("tenant_id" = uuid::Uuid, Path, description = "The tenant's id."), SetupLinkListQuery),
    responses(
        (status = 200, description = "One page of links.", body = SetupLinkPage),
        (status = 400, description = "`invalid_path_parameter`, `invalid_cursor` or `invalid_query_parameter`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`tenant_not_found`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tenants/{tenant_id}/setup-links")]
pub async fn list_setup_links(
    state: web::Data<AppState>,
    _op: Operator,
    path: TenantPath,
    query: Query<SetupLinkListQuery>,
) -> Result<Json<SetupLinkPage>, ApiError> {
    let paging = Paging::parse(query.cursor.as_deref(), query.limit)?;
    let mut tx = pa_db::begin_tenant(&state.pool, path.0).await?;
    crate::repo::tenants::find(&mut tx, path.0)
        .await?
        .ok_or(ApiError::TenantNotFound)?;
    let rows = setup_links::list(&mut tx, path.0, paging.cursor, paging.fetch_limit()).await?;
    tx.commit().await?;
    let (rows, next_cursor) = paging.page(rows, |l| (l.created_at, l.id));
    Ok(Json(SetupLinkPage {
        items: rows.into_iter().map(SetupLinkOut::from).collect(),
        next_cursor,
    }))
}

/// Get one setup link (metadata only).
///
/// Its status (active, used, expired, revoked, superseded), recipient, expiry and use; never the
/// token, which only the recipient's mail holds.
#[utoipa::path(
    operation_id = "tenant_provisioning.setup_links.get",
    tag = "setup-links",
    security(("operator_key" = [])),
    params(
        ("tenant_id" = uuid::Uuid, Path, description = "The tenant's id."),
        ("link_id" = uuid::Uuid, Path, description = "The link's id."),
    ),
    responses(
        (status = 200, description = "The link.", body = SetupLinkOut),
        (status = 400, description = "`invalid_path_parameter`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`setup_link_not_found` (also for an unknown tenant).", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tenants/{tenant_id}/setup-links/{link_id}")]
pub async fn get_setup_link(
    state: web::Data<AppState>,
    _op: Operator,
    path: LinkPath,
) -> Result<Json<SetupLinkOut>, ApiError> {
    let LinkPath(tenant, link) = path;
    let mut tx = pa_db::begin_tenant(&state.pool, tenant).await?;
    let found = setup_links::find(&mut tx, tenant, link).await?;
    tx.commit().await?;
    Ok(Json(found.ok_or(ApiError::SetupLinkNotFound)?.into()))
}
