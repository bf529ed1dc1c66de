//! `/v1/operator-keys`: operator API keys.

mod dto;

use actix_web::{HttpResponse, delete, get, post, web};
use pa_http::{Json, Problem, Query};
use utoipa_actix_web::service_config::ServiceConfig;

pub use dto::{OperatorKeyIn, OperatorKeyListQuery, OperatorKeyOut, OperatorKeyPage};

use crate::auth::Operator;
use crate::error::ApiError;
use crate::idempotency::{self, Created, IdempotencyHeader};
use crate::repo::operator_keys;
use crate::routes::extract::KeyPath;
use crate::routes::pagination::Paging;
use crate::service::operator_keys as service;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_operator_key)
        .service(list_operator_keys)
        .service(get_operator_key)
        .service(revoke_operator_key);
}

/// Create an operator API key.
///
/// The response's `key` is the only time the key is shown: it is stored as a SHA-256
/// hash. Use it as `Authorization: Bearer <key>`. An idempotent replay of this request
/// returns the same metadata WITHOUT `key`.
#[utoipa::path(
    operation_id = "tenant_provisioning.operator_keys.create",
    tag = "operator-keys",
    security(("operator_key" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe; a replay omits `key`.", pattern = r"^[!-~]+$", min_length = 1, max_length = 255)),
    request_body = OperatorKeyIn,
    responses(
        (status = 201, description = "Created; `key` holds the secret (first response only).", body = OperatorKeyOut,
            headers(("Location" = String, description = "`/v1/operator-keys/{key_id}`"), ("Idempotent-Replayed" = Option<bool>, description = "`true` on a replay (no `key`)"), ("Cache-Control" = String, description = "`no-store` when the body holds `key`"))),
        (status = 400, description = "`malformed_json` or `invalid_idempotency_key`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`idempotency_key_in_use`.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`payload_too_large`.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_field` / `unknown_field`; `idempotency_key_reused`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/operator-keys")]
pub async fn create_operator_key(
    state: web::Data<AppState>,
    op: Operator,
    idem: IdempotencyHeader,
    body: Json<OperatorKeyIn>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let request = idempotency::fingerprint("POST", "/v1/operator-keys", &input)?;
    let state: &AppState = &state;
    let tx = state.pool.begin().await.map_err(pa_db::DbError::from)?;
    idempotency::run(
        tx,
        &state.outbox,
        op.key_id,
        idem.0,
        request,
        async move |tx| {
            let (key, record) = service::create(tx, &op.ctx, &input.name).await?;
            let location = format!("/v1/operator-keys/{}", record.id);
            let without_secret = OperatorKeyOut::from(record);
            let with_secret = OperatorKeyOut {
                key: Some(key.expose().to_owned()),
                ..without_secret.clone()
            };
            Created::new(&with_secret, location)?.with_replay_body(&without_secret)
        },
    )
    .await
}

/// List operator API keys (metadata only), newest first.
///
/// Each key's name, prefix, creator, creation, last use and revocation; never its secret or hash.
/// Paged with an opaque `cursor` (pass `next_cursor` back) and `limit`.
#[utoipa::path(
    operation_id = "tenant_provisioning.operator_keys.list",
    tag = "operator-keys",
    security(("operator_key" = [])),
    params(OperatorKeyListQuery),
    responses(
        (status = 200, description = "One page of keys.", body = OperatorKeyPage),
        (status = 400, description = "`invalid_cursor` or `invalid_query_parameter`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/operator-keys")]
pub async fn list_operator_keys(
    state: web::Data<AppState>,
    _op: Operator,
    query: Query<OperatorKeyListQuery>,
) -> Result<Json<OperatorKeyPage>, ApiError> {
    let paging = Paging::parse(query.cursor.as_deref(), query.limit)?;
    let mut conn = state.pool.acquire().await?;
    let rows = operator_keys::list(&mut conn, paging.cursor, paging.fetch_limit()).await?;
    let (rows, next_cursor) = paging.page(rows, |k| (k.created_at, k.id));
    Ok(Json(OperatorKeyPage {
        items: rows.into_iter().map(OperatorKeyOut::from).collect(),
        next_cursor,
    }))
}

/// Get an operator API key's metadata.
///
/// The key's name, prefix, creator, creation, last use and revocation; never its secret or hash.
#[utoipa::path(
    operation_id = "tenant_provisioning.operator_keys.get",
    tag = "operator-keys",
    security(("operator_key" = [])),
    params(("key_id" = uuid::Uuid, Path, description = "The key's id.")),
    responses(
        (status = 200, description = "The key (never the secret).", body = OperatorKeyOut),
        (status = 400, description = "`invalid_path_parameter`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`operator_key_not_found`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/operator-keys/{key_id}")]
pub async fn get_operator_key(
    state: web::Data<AppState>,
    _op: Operator,
    path: KeyPath,
) -> Result<Json<OperatorKeyOut>, ApiError> {
    let mut conn = state.pool.acquire().await?;
    let record = operator_keys::find(&mut conn, path.0).await?;
    Ok(Json(record.ok_or(ApiError::OperatorKeyNotFound)?.into()))
}

/// Revoke an operator API key.
///
/// Takes effect immediately: the next request with it gets 401. Revoking a revoked key
/// succeeds and changes nothing. Keys are never deleted, so the audit trail's actors
/// stay resolvable.
#[utoipa::path(
    operation_id = "tenant_provisioning.operator_keys.revoke",
    tag = "operator-keys",
    security(("operator_key" = [])),
    params(("key_id" = uuid::Uuid, Path, description = "The key's id.")),
    responses(
        (status = 200, description = "The revoked key.", body = OperatorKeyOut),
        (status = 400, description = "`invalid_path_parameter`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`operator_key_not_found`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/operator-keys/{key_id}")]
pub async fn revoke_operator_key(
    state: web::Data<AppState>,
    op: Operator,
    path: KeyPath,
) -> Result<Json<OperatorKeyOut>, ApiError> {
    let mut tx = state.pool.begin().await?;
    let record = service::revoke(&mut tx, &op.ctx, path.0, op.key_id).await?;
    state.outbox.commit(tx).await?;
    Ok(Json(record.into()))
}
