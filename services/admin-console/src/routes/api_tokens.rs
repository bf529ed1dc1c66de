//! `/v1/api-tokens`: tenant-scoped tokens for partner tools — role-limited (never above the
//! creating Admin's role, re-checked on every use), expiring, revocable, shown once, stored as
//! SHA-256, every use audited (`api_token.used`).

use actix_web::http::header::CACHE_CONTROL;
use actix_web::{HttpResponse, delete, get, post, web};
use pa_http::{Json, Problem};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::extract::TokenIdPath;
use crate::auth::{API_TOKEN_PREFIX, Permission, Principal};
use crate::domain::{AccessRole, TenantSecret};
use crate::error::{ApiError, codes};
use crate::repo::api_tokens::{self, NewToken, TokenRecord};
use crate::state::AppState;

/// Longest lifetime: one year.
const MAX_TTL_DAYS: u32 = 365;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_token)
        .service(list_tokens)
        .service(revoke_token);
}

/// A token to create.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiTokenIn {
    /// What uses it.
    #[schema(min_length = 1, max_length = 100, example = "siem-export")]
    pub name: String,
    /// The token's role; never above yours.
    #[schema(value_type = String, pattern = "^(admin|manager|viewer)$", example = "viewer")]
    pub role: AccessRole,
    /// Days until it expires (1–365).
    #[schema(minimum = 1, maximum = 365, example = 90)]
    pub expires_in_days: u32,
}

/// A token's metadata.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiTokenOut {
    pub id: Uuid,
    pub name: String,
    /// The first characters, to recognise it.
    pub prefix: String,
    pub role: String,
    /// The creating Admin's Entra object id.
    pub created_by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    /// The token itself: ONLY in the response that created it (stored as a hash).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl From<TokenRecord> for ApiTokenOut {
    fn from(r: TokenRecord) -> Self {
        Self {
            id: r.id,
            name: r.name,
            prefix: r.token_prefix,
            role: r.role,
            created_by: r.created_by,
            created_at: r.created_at,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
            token: None,
        }
    }
}

/// The tenant's tokens.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiTokenList {
    pub items: Vec<ApiTokenOut>,
}

/// Create an API token.
///
/// A bearer token for the Admin API (`Authorization: Bearer pa_at_…`) with a role no higher than
/// the creator's and an expiry. The secret is in this response only.
#[utoipa::path(
    operation_id = "admin_console.api_tokens.create",
    tag = "api-tokens",
    security(("console_session" = [])),
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token.")),
    request_body = ApiTokenIn,
    responses(
        (status = 201, description = "Created; `token` is shown this once (`Cache-Control: no-store`). Role: admin, signed in with Entra ID.", body = ApiTokenOut),
        (status = 400, description = "`malformed_json`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden` (also: a role above yours), `csrf_token_invalid`, `interactive_session_required`.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`payload_too_large`.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_field` (`name`, `role`, `expires_in_days`), `unknown_field`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api-tokens")]
pub async fn create_token(
    principal: Principal,
    state: web::Data<AppState>,
    body: Json<ApiTokenIn>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageApiTokens)?;
    let creator = principal.object_id().ok_or_else(|| {
        ApiError::forbidden("API tokens are created by Admins signed in with Entra ID")
    })?;
    let input = body.into_inner();
    let name = input.name.trim();
    // pa-domain's rule for names: one visible line, no bidirectional formatting.
    if let Err(e) = pa_domain::text::single_line(name, 100) {
        return Err(ApiError::InvalidField {
            field: "name",
            message: format!("1-100 characters, one line: {e}"),
        });
    }
    if !(1..=MAX_TTL_DAYS).contains(&input.expires_in_days) {
        return Err(ApiError::InvalidField {
            field: "expires_in_days",
            message: "must be between 1 and 365".into(),
        });
    }
    if input.role > principal.role {
        return Err(ApiError::forbidden(format!(
            "a token cannot have a role above yours ({})",
            principal.role
        )));
    }
    let secret = TenantSecret::generate(API_TOKEN_PREFIX, principal.tenant)?;
    let now = state.now();
    let id = Uuid::now_v7();
    let prefix = secret.display_prefix(API_TOKEN_PREFIX);
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let record = api_tokens::insert(
        &mut tx,
        principal.tenant,
        &NewToken {
            id,
            name,
            prefix: &prefix,
            hash: secret.hash(),
            role: input.role,
            created_by: creator,
            now,
            expires_at: now + time::Duration::days(i64::from(input.expires_in_days)),
        },
    )
    .await?;
    let entry = principal.ctx.audit("api_token.created").target("api_token", id).details(json!({
        "name": name, "role": input.role, "expires_at": record.expires_at.unix_timestamp(), "prefix": prefix,
    }));
    pa_audit::record_tenant(&mut tx, principal.tenant, &entry).await?;
    tx.commit().await?;
    let mut out = ApiTokenOut::from(record);
    out.token = Some(secret.expose().to_owned());
    Ok(HttpResponse::Created()
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(out))
}

/// List API tokens (never the secrets).
///
/// Every API token of the tenant: name, role, prefix, creator, expiry, last use and revocation;
/// never the secret.
#[utoipa::path(
    operation_id = "admin_console.api_tokens.list",
    tag = "api-tokens",
    security(("console_session" = [])),
    responses(
        (status = 200, description = "Newest first. Role: admin; sessions only.", body = ApiTokenList),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`, `interactive_session_required`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api-tokens")]
pub async fn list_tokens(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<Json<ApiTokenList>, ApiError> {
    principal.require(Permission::ManageApiTokens)?;
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let rows = api_tokens::list(&mut tx, principal.tenant).await?;
    tx.commit().await?;
    Ok(Json(ApiTokenList {
        items: rows.into_iter().map(ApiTokenOut::from).collect(),
    }))
}

/// Revoke an API token (takes effect on its next use).
///
/// The token stops working on its next use. Revoking a revoked token answers the token again.
#[utoipa::path(
    operation_id = "admin_console.api_tokens.revoke",
    tag = "api-tokens",
    security(("console_session" = [])),
    params(
        ("token_id" = Uuid, Path, description = "The token's id."),
        ("X-CSRF-Token" = String, Header, description = "The session's CSRF token."),
    ),
    responses(
        (status = 200, description = "Revoked (audited `api_token.revoked`; idempotent). Role: admin; sessions only.", body = ApiTokenOut),
        (status = 400, description = "`invalid_path_parameter`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`, `csrf_token_invalid`, `interactive_session_required`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`api_token_not_found`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/api-tokens/{token_id}")]
pub async fn revoke_token(
    principal: Principal,
    state: web::Data<AppState>,
    path: TokenIdPath,
) -> Result<Json<ApiTokenOut>, ApiError> {
    principal.require(Permission::ManageApiTokens)?;
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let (record, changed) = api_tokens::revoke(
        &mut tx,
        principal.tenant,
        path.0,
        &principal.ctx.actor_label(),
        state.now(),
    )
    .await?
    .ok_or_else(|| {
        ApiError::coded(
            codes::API_TOKEN_NOT_FOUND,
            "no API token of this tenant has this id",
        )
    })?;
    if changed {
        let entry = principal
            .ctx
            .audit("api_token.revoked")
            .target("api_token", path.0)
            .details(json!({"name": record.name}));
        pa_audit::record_tenant(&mut tx, principal.tenant, &entry).await?;
    }
    tx.commit().await?;
    Ok(Json(record.into()))
}
