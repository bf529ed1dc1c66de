//! `GET /v1/access-review`: who can access the tenant, with role, provenance and last sign-in
//! (JSON, or CSV for the auditor's spreadsheet).

use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, get, web};
use pa_http::{Problem, Query};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::{Permission, Principal};
use crate::error::ApiError;
use crate::repo::directory;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(access_review);
}

/// Query of the access review.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AccessReviewQuery {
    /// `json` (default) or `csv`.
    #[param(pattern = "^(json|csv)$")]
    pub format: Option<String>,
}

/// One person who can access the tenant.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessEntryOut {
    pub object_id: Uuid,
    pub user_principal_name: String,
    pub display_name: Option<String>,
    pub role: Option<String>,
    /// `group` or `direct`.
    pub role_source: Option<String>,
    /// The configured groups granting roles, `Name (role)`, comma separated.
    pub granted_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_sign_in_at: Option<OffsetDateTime>,
}

/// The review.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessReviewOut {
    #[serde(with = "time::serde::rfc3339")]
    pub generated_at: OffsetDateTime,
    pub items: Vec<AccessEntryOut>,
}

fn csv_cell(s: &str) -> String {
    let guarded = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    format!("\"{}\"", guarded.replace('"', "\"\""))
}

/// Access review export.
///
/// Everyone who has access now, with their role and where it comes from, for a periodic access
/// review. JSON or CSV (`format`).
#[utoipa::path(
    operation_id = "admin_console.access_review.export",
    tag = "access-review",
    security(("console_session" = []), ("api_token" = [])),
    params(AccessReviewQuery),
    responses(
        (status = 200, description = "Everyone with access now (role: manager; audited `access_review.exported`).", content((AccessReviewOut = "application/json"), (String = "text/csv"))),
        (status = 400, description = "`invalid_query_parameter` (`format`).", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/access-review")]
pub async fn access_review(
    principal: Principal,
    state: web::Data<AppState>,
    query: Query<AccessReviewQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::AccessReview)?;
    let csv = match query.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => {
            return Err(ApiError::InvalidQueryParameter {
                name: "format",
                message: "must be json or csv".into(),
            });
        }
    };
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let rows = directory::access_review(&mut tx, principal.tenant).await?;
    let entry = principal
        .ctx
        .audit("access_review.exported")
        .target("tenant", principal.tenant)
        .details(json!({"people": rows.len(), "format": if csv { "csv" } else { "json" }}));
    pa_audit::record_tenant(&mut tx, principal.tenant, &entry).await?;
    tx.commit().await?;
    let generated_at = state.now();
    let items: Vec<AccessEntryOut> = rows
        .into_iter()
        .map(|r| AccessEntryOut {
            object_id: r.object_id,
            user_principal_name: r.user_principal_name,
            display_name: r.display_name,
            role: r.role,
            role_source: r.role_source,
            granted_by: r.granted_by,
            last_sign_in_at: r.last_sign_in,
        })
        .collect();
    if !csv {
        return Ok(HttpResponse::Ok()
            .insert_header((CACHE_CONTROL, "no-store"))
            .json(AccessReviewOut {
                generated_at,
                items,
            }));
    }
    let mut out = String::from(
        "object_id,user_principal_name,display_name,role,role_source,granted_by,last_sign_in_at\r\n",
    );
    for i in &items {
        let last = i
            .last_sign_in_at
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_default();
        let cells = [
            i.object_id.to_string(),
            i.user_principal_name.clone(),
            i.display_name.clone().unwrap_or_default(),
            i.role.clone().unwrap_or_default(),
            i.role_source.clone().unwrap_or_default(),
            i.granted_by.clone().unwrap_or_default(),
            last,
        ];
        out.push_str(
            &cells
                .iter()
                .map(|c| csv_cell(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            CONTENT_DISPOSITION,
            "attachment; filename=\"access-review.csv\"",
        ))
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(out))
}
