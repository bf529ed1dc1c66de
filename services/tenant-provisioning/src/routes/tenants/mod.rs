//! `/v1/tenants`: provision, list, read and update tenants.

mod dto;
mod lifecycle;

use actix_web::{HttpResponse, get, patch, post, web};
use pa_domain::{EmailAddress, TenantId};
use pa_http::{Json, Problem, Query};
use utoipa_actix_web::service_config::ServiceConfig;

pub use dto::{StatusChangeIn, TenantIn, TenantListQuery, TenantOut, TenantPage, TenantPatch};

use crate::auth::Operator;
use crate::domain::ExternalRef;
use crate::error::ApiError;
use crate::idempotency::{self, Created, IdempotencyHeader};
use crate::repo::tenants::{self, DisplayPatch, TenantFilter};
use crate::routes::extract::TenantPath;
use crate::routes::pagination::Paging;
use crate::service::tenants::{self as service, Provision};
use crate::state::AppState;

/// Registers the routes (and their OpenAPI operations).
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_tenant)
        .service(list_tenants)
        .service(get_tenant)
        .service(update_tenant);
    lifecycle::configure(cfg);
}

/// 422 unless lettre can address mail to it (stricter than the generic e-mail rules).
fn deliverable(email: &EmailAddress) -> Result<(), ApiError> {
    crate::email::deliverable(email)
        .map(drop)
        .map_err(|e| ApiError::InvalidField {
            field: "contact_email",
            message: format!("is not a deliverable address: {e}"),
        })
}

/// Provision a tenant.
///
/// Creates the tenant in status `pending_setup`. Unless `send_setup_link` is `false`, the
/// first setup link is issued in the same transaction and e-mailed to `contact_email`
/// right after, asynchronously: the answer does not wait for the mail server, and a mail
/// server outage delays the e-mail (it is retried) but never fails provisioning. The link's
/// `email_sent_at` shows when it went out. Send an `Idempotency-Key` to retry safely.
#[utoipa::path(
    operation_id = "tenant_provisioning.tenants.create",
    tag = "tenants",
    security(("operator_key" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: 1-255 visible ASCII characters, remembered for 24 hours per operator key.", pattern = r"^[!-~]+$", min_length = 1, max_length = 255)),
    request_body = TenantIn,
    responses(
        (status = 201, description = "Provisioned (or, with `Idempotent-Replayed: true`, the stored first response).", body = TenantOut,
            headers(("Location" = String, description = "`/v1/tenants/{id}`"), ("Idempotent-Replayed" = Option<bool>, description = "`true` on a replay"))),
        (status = 400, description = "`malformed_json` or `invalid_idempotency_key`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`: missing, malformed, unknown or revoked operator key.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`external_ref_conflict`: a live production tenant has this `external_ref`; `idempotency_key_in_use`: the first request with this key is still running.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`payload_too_large`.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`: send `application/json`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_field` / `unknown_field` naming the field (e.g. an invalid `contact_email` or unknown `environment`); `idempotency_key_reused`: the key was used with a different body.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`service_unavailable`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tenants")]
pub async fn create_tenant(
    state: web::Data<AppState>,
    op: Operator,
    idem: IdempotencyHeader,
    body: Json<TenantIn>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    deliverable(&input.contact_email)?;
    let request = idempotency::fingerprint("POST", "/v1/tenants", &input)?;
    let id = TenantId::new();
    let p = Provision {
        id,
        display_name: input.display_name,
        contact_email: input.contact_email,
        environment: input.environment,
        external_ref: input.external_ref,
        send_setup_link: input.send_setup_link,
    };
    let prepared = service::prepare(&state, &op.ctx, p)?;
    let created = Created::new(
        &TenantOut::from(prepared.tenant.clone()),
        format!("/v1/tenants/{id}"),
    )?;
    let mut conn = state.pool.acquire().await.map_err(pa_db::DbError::from)?;
    idempotency::run_prepared(
        &mut conn,
        &state.outbox,
        op.key_id,
        idem.0,
        request,
        created,
        async |conn, completion| Ok(prepared.write(conn, completion).await?.claimed),
    )
    .await
}

/// List tenants.
///
/// Newest first, filtered by any combination of `status`, `environment`, `external_ref`
/// and display-name prefix `q`; paginate with `cursor`.
#[utoipa::path(
    operation_id = "tenant_provisioning.tenants.list",
    tag = "tenants",
    security(("operator_key" = [])),
    params(TenantListQuery),
    responses(
        (status = 200, description = "One page of tenants.", body = TenantPage),
        (status = 400, description = "`invalid_cursor`, or `invalid_query_parameter` naming the parameter (unknown parameter, unknown status/environment, limit outside 1-200).", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tenants")]
pub async fn list_tenants(
    state: web::Data<AppState>,
    _op: Operator,
    query: Query<TenantListQuery>,
) -> Result<Json<TenantPage>, ApiError> {
    let q = query.into_inner();
    let paging = Paging::parse(q.cursor.as_deref(), q.limit)?;
    let filter = TenantFilter {
        status: q.status,
        environment: q.environment,
        external_ref: q
            .external_ref
            .as_deref()
            .map(ExternalRef::parse)
            .transpose()
            .map_err(|e| ApiError::InvalidQueryParameter {
                name: "external_ref",
                message: e.to_string(),
            })?,
        name_prefix: match q.q {
            Some(q) if q.chars().count() > 200 => {
                let message = "must be at most 200 characters".to_owned();
                return Err(ApiError::InvalidQueryParameter { name: "q", message });
            }
            q => q.filter(|q| !q.is_empty()),
        },
    };
    let mut conn = state.pool.acquire().await?;
    let rows = tenants::list(&mut conn, &filter, paging.cursor, paging.fetch_limit()).await?;
    let (rows, next_cursor) = paging.page(rows, |t| (t.created_at, *t.id.as_uuid()));
    Ok(Json(TenantPage {
        items: rows.into_iter().map(TenantOut::from).collect(),
        next_cursor,
    }))
}

/// Get a tenant.
///
/// The tenant's names, contact, environment, status (with its reason and time), purge date once
/// deprovisioned, and its Microsoft Entra tenant once setup completed.
#[utoipa::path(
    operation_id = "tenant_provisioning.tenants.get",
    tag = "tenants",
    security(("operator_key" = [])),
    params(("tenant_id" = uuid::Uuid, Path, description = "The tenant's id.")),
    responses(
        (status = 200, description = "The tenant.", body = TenantOut),
        (status = 400, description = "`invalid_path_parameter`: `tenant_id` is not a UUID.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`tenant_not_found`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tenants/{tenant_id}")]
pub async fn get_tenant(
    state: web::Data<AppState>,
    _op: Operator,
    path: TenantPath,
) -> Result<Json<TenantOut>, ApiError> {
    let mut conn = state.pool.acquire().await?;
    let tenant = tenants::find(&mut conn, path.0)
        .await?
        .ok_or(ApiError::TenantNotFound)?;
    Ok(Json(tenant.into()))
}

/// Update a tenant's display data.
///
/// Changes `display_name`, `contact_email` and/or `external_ref` (JSON merge-patch style:
/// absent = unchanged, `external_ref: null` removes it). A patch that changes nothing
/// returns the tenant unchanged and records nothing.
#[utoipa::path(
    operation_id = "tenant_provisioning.tenants.update",
    tag = "tenants",
    security(("operator_key" = [])),
    params(("tenant_id" = uuid::Uuid, Path, description = "The tenant's id.")),
    request_body = TenantPatch,
    responses(
        (status = 200, description = "The updated tenant.", body = TenantOut),
        (status = 400, description = "`malformed_json` or `invalid_path_parameter`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`tenant_not_found`.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_tenant_state`: the tenant is deprovisioned or purged; `external_ref_conflict`.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`payload_too_large`.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_field` / `unknown_field` naming the field.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/tenants/{tenant_id}")]
pub async fn update_tenant(
    state: web::Data<AppState>,
    op: Operator,
    path: TenantPath,
    body: Json<TenantPatch>,
) -> Result<Json<TenantOut>, ApiError> {
    let patch = body.into_inner();
    if let Some(email) = &patch.contact_email {
        deliverable(email)?;
    }
    let patch = DisplayPatch {
        display_name: patch.display_name,
        contact_email: patch.contact_email,
        external_ref: patch.external_ref,
    };
    let mut tx = pa_db::begin_tenant(&state.pool, path.0).await?;
    let tenant = service::update(&mut tx, &op.ctx, path.0, patch).await?;
    state.outbox.commit(tx).await?;
    Ok(Json(tenant.into()))
}
