//! `/v1/session` (who am I, CSRF token) and `/v1/sessions` (own sessions; Admins end one
//! user's or every session).

use actix_web::web;
use actix_web::{HttpRequest, HttpResponse, delete, get};
use pa_http::{Json, Problem};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::extract::{ObjectIdPath, SessionIdPath};
use crate::auth::{
    Credential, Permission, Principal, SESSION_COOKIE, SESSION_PREFIX, csrf_token_of,
};
use crate::domain::{AccessRole, TenantSecret};
use crate::error::{ApiError, codes};
use crate::repo::sessions::{self, EndReason, SessionListing};
use crate::repo::settings;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(me)
        .service(list_own)
        .service(end_own)
        .service(end_user_sessions)
        .service(end_all);
}

/// The caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeOut {
    pub tenant_id: Uuid,
    /// `user`, `emergency` or `api_token`.
    pub kind: &'static str,
    /// The person's Entra object id (`user` sessions).
    pub object_id: Option<Uuid>,
    /// The emergency account (`emergency` sessions).
    pub emergency_account_id: Option<Uuid>,
    pub api_token_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
    /// The role now.
    #[schema(value_type = String, example = "admin")]
    pub role: AccessRole,
    /// Send it as `X-CSRF-Token` on every state-changing request of this session.
    pub csrf_token: Option<String>,
    /// Automatic logoff after this much inactivity.
    pub idle_timeout_secs: u32,
}

/// Who am I: identity, role and the session's CSRF token.
///
/// The signed-in administrator (or API token) with tenant, role and the CSRF token a session must
/// send as `X-CSRF-Token` on every state change. Never cached.
#[utoipa::path(
    operation_id = "admin_console.session.get",
    tag = "sessions",
    security(("console_session" = []), ("api_token" = [])),
    responses(
        (status = 200, description = "The caller (role: any); `Cache-Control: no-store`.", body = MeOut),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/session")]
pub async fn me(
    principal: Principal,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let csrf_token = req
        .cookie(SESSION_COOKIE)
        .and_then(|c| TenantSecret::parse(SESSION_PREFIX, c.value()))
        .filter(|_| principal.session_id().is_some())
        .map(|s| csrf_token_of(&s));
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let settings = settings::get(&mut tx, principal.tenant).await?;
    tx.commit().await?;
    let (kind, object_id, account, token) = match principal.credential {
        Credential::UserSession { object_id, .. } => ("user", Some(object_id), None, None),
        Credential::EmergencySession { account_id, .. } => {
            ("emergency", None, Some(account_id), None)
        }
        Credential::ApiToken { token_id } => ("api_token", None, None, Some(token_id)),
    };
    let out = MeOut {
        tenant_id: *principal.tenant.as_uuid(),
        kind,
        object_id,
        emergency_account_id: account,
        api_token_id: token,
        session_id: principal.session_id(),
        role: principal.role,
        csrf_token,
        idle_timeout_secs: settings.idle_timeout_secs,
    };
    // It carries the CSRF token: never cached.
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(out))
}

/// A live session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionOut {
    pub id: Uuid,
    /// `entra` or `emergency`.
    pub kind: String,
    pub object_id: Option<Uuid>,
    pub emergency_account_id: Option<Uuid>,
    pub user_principal_name: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub absolute_expires_at: OffsetDateTime,
    pub client_addr: Option<String>,
    pub user_agent: Option<String>,
    /// The session making this request.
    pub current: bool,
}

impl SessionOut {
    fn from(s: SessionListing, current: Option<Uuid>) -> Self {
        Self {
            current: Some(s.id) == current,
            id: s.id,
            kind: s.kind,
            object_id: s.object_id,
            emergency_account_id: s.emergency_account_id,
            user_principal_name: s.user_principal_name,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            absolute_expires_at: s.absolute_expires_at,
            client_addr: s.client_addr.map(|a| a.addr().to_string()),
            user_agent: s.user_agent,
        }
    }
}

/// The caller's sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionList {
    pub items: Vec<SessionOut>,
}

/// List my live sessions.
///
/// The caller's own live console sessions: when each started, was last used and from which client,
/// with the current one marked.
#[utoipa::path(
    operation_id = "admin_console.sessions.list_own",
    tag = "sessions",
    security(("console_session" = [])),
    responses(
        (status = 200, description = "Your live sessions (role: any; sessions only).", body = SessionList),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`interactive_session_required`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sessions")]
pub async fn list_own(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<Json<SessionList>, ApiError> {
    principal.require(Permission::OwnSessions)?;
    let (object_id, account_id) = match principal.credential {
        Credential::UserSession { object_id, .. } => (Some(object_id), None),
        Credential::EmergencySession { account_id, .. } => (None, Some(account_id)),
        Credential::ApiToken { .. } => (None, None),
    };
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let rows = sessions::list_live_of(&mut tx, principal.tenant, object_id, account_id).await?;
    tx.commit().await?;
    let current = principal.session_id();
    Ok(Json(SessionList {
        items: rows
            .into_iter()
            .map(|s| SessionOut::from(s, current))
            .collect(),
    }))
}

/// End one of my sessions (e.g. on a lost device).
///
/// Ends one of the caller's own sessions; the session the request comes from can end itself this
/// way too.
#[utoipa::path(
    operation_id = "admin_console.sessions.end_own",
    tag = "sessions",
    security(("console_session" = [])),
    params(
        ("session_id" = Uuid, Path, description = "One of your sessions."),
        ("X-CSRF-Token" = String, Header, description = "The session's CSRF token."),
    ),
    responses(
        (status = 204, description = "Ended (audited `session.ended`, reason `ended_by_user`). Role: any; sessions only."),
        (status = 400, description = "`invalid_path_parameter`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`csrf_token_invalid`, `interactive_session_required`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`session_not_found`: not a live session of yours.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/sessions/{session_id}")]
pub async fn end_own(
    principal: Principal,
    state: web::Data<AppState>,
    path: SessionIdPath,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::OwnSessions)?;
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let rows = sessions::live_of_subject(&mut tx, principal.tenant, None, Some(path.0)).await?;
    let mine = rows.into_iter().find(|r| match principal.credential {
        Credential::UserSession { object_id, .. } => r.object_id == Some(object_id),
        Credential::EmergencySession { account_id, .. } => {
            r.emergency_account_id == Some(account_id)
        }
        Credential::ApiToken { .. } => false,
    });
    let row = mine.ok_or_else(|| {
        ApiError::coded(
            codes::SESSION_NOT_FOUND,
            "no live session of yours has this id",
        )
    })?;
    sessions::end(
        &mut tx,
        principal.tenant,
        &row,
        EndReason::EndedByUser,
        state.now(),
        &principal.ctx,
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// How many sessions ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct EndedOut {
    pub ended: u64,
}

/// End every session of one user.
///
/// Ends the user's console sessions at once, e.g. after a lost device or a suspected compromise;
/// their next request answers 401.
#[utoipa::path(
    operation_id = "admin_console.users.end_sessions",
    tag = "sessions",
    security(("console_session" = []), ("api_token" = [])),
    params(
        ("object_id" = Uuid, Path, description = "The user's Entra object id."),
        ("X-CSRF-Token" = Option<String>, Header, description = "The session's CSRF token (sessions)."),
    ),
    responses(
        (status = 200, description = "Ended (each audited `session.ended`, reason `ended_by_admin`). Role: admin.", body = EndedOut),
        (status = 400, description = "`invalid_path_parameter`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`, `csrf_token_invalid`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`user_not_found`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/users/{object_id}/sessions")]
pub async fn end_user_sessions(
    principal: Principal,
    state: web::Data<AppState>,
    path: ObjectIdPath,
) -> Result<Json<EndedOut>, ApiError> {
    principal.require(Permission::EndUserSessions)?;
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    crate::repo::directory::user(&mut tx, principal.tenant, path.0)
        .await?
        .ok_or_else(|| {
            ApiError::coded(codes::USER_NOT_FOUND, "no user of this tenant has this id")
        })?;
    let ended = sessions::end_matching(
        &mut tx,
        principal.tenant,
        sessions::Which {
            object_id: Some(path.0),
            session_id: None,
            except: None,
        },
        EndReason::EndedByAdmin,
        state.now(),
        &principal.ctx,
    )
    .await?;
    let entry = principal
        .ctx
        .audit("sessions.ended_for_user")
        .target("user", path.0)
        .details(json!({"ended": ended}));
    pa_audit::record_tenant(&mut tx, principal.tenant, &entry).await?;
    tx.commit().await?;
    Ok(Json(EndedOut { ended }))
}

/// End every session of the tenant (but the caller's).
///
/// Ends every other console session of the tenant at once, e.g. after a suspected compromise; the
/// caller stays signed in.
#[utoipa::path(
    operation_id = "admin_console.sessions.end_all",
    tag = "sessions",
    security(("console_session" = [])),
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token.")),
    responses(
        (status = 200, description = "Ended (each audited). Role: admin; sessions only.", body = EndedOut),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`, `csrf_token_invalid`, `interactive_session_required`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/sessions")]
pub async fn end_all(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<Json<EndedOut>, ApiError> {
    principal.require(Permission::EndAllSessions)?;
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let ended = sessions::end_matching(
        &mut tx,
        principal.tenant,
        sessions::Which {
            object_id: None,
            session_id: None,
            except: principal.session_id(),
        },
        EndReason::EndedByAdmin,
        state.now(),
        &principal.ctx,
    )
    .await?;
    let entry = principal
        .ctx
        .audit("sessions.ended_for_tenant")
        .target("tenant", principal.tenant)
        .details(json!({"ended": ended}));
    pa_audit::record_tenant(&mut tx, principal.tenant, &entry).await?;
    tx.commit().await?;
    Ok(Json(EndedOut { ended }))
}
