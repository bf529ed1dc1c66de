//! `/v1/users`: the synced people — list with search, filters, sorting and cursor pagination; a
//! user's detail with role provenance, history and last sign-in; deactivate/reactivate in the
//! product; direct roles.

use actix_web::{HttpResponse, delete, get, post, put, web};
use pa_http::{Json, Problem, Query};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::extract::{ObjectIdPath, page_limit};
use crate::auth::{Permission, Principal};
use crate::domain::{AccessRole, Cursor};
use crate::error::{ApiError, codes};
use crate::repo::directory::{self, UserFilter, UserRow, UserSort};
use crate::repo::sessions::{self, EndReason};
use crate::repo::{access, role};
use crate::service::access as access_service;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(get_user)
        .service(deactivate)
        .service(reactivate)
        .service(assign_role)
        .service(remove_role);
}

/// Query of `GET /v1/users`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Word prefixes, case-insensitive, in any order: every word of the term (a run of
    /// letters and digits) starts a word of the display name, or of the UPN or mail before
    /// the `@` (`gar` and `garcia mary` find Mary Garcia). A term with an `@` must also start
    /// the UPN or the mail.
    #[param(min_length = 1, max_length = 100)]
    pub search: Option<String>,
    /// `admin`, `manager` or `viewer`.
    #[param(pattern = "^(admin|manager|viewer)$")]
    pub role: Option<String>,
    /// `active` or `inactive`.
    #[param(pattern = "^(active|inactive)$")]
    pub status: Option<String>,
    /// Only members of this configured group.
    pub group_id: Option<Uuid>,
    /// `display_name` (default), `user_principal_name`; `-` prefix for descending.
    #[param(pattern = "^-?(display_name|user_principal_name)$")]
    pub sort: Option<String>,
    /// The `next_cursor` of the previous page (same sort).
    #[param(max_length = 2048)]
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// A person in the tenant's synced directory.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    /// Entra object id: the unique user identifier.
    pub object_id: Uuid,
    pub user_principal_name: String,
    pub display_name: Option<String>,
    pub mail: Option<String>,
    /// Effective role (null when none).
    pub role: Option<String>,
    /// `group` or `direct`.
    pub role_source: Option<String>,
    /// `active` or `inactive` (sync's verdict).
    pub status: String,
    pub status_reason: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub status_changed_at: Option<OffsetDateTime>,
    pub account_enabled: bool,
    /// `present`, `soft_deleted`, `hard_deleted`.
    pub directory_state: String,
    /// Deactivated in Patient Access by an Admin or Manager (cannot sign in).
    pub blocked: bool,
}

impl From<UserRow> for UserOut {
    fn from(u: UserRow) -> Self {
        Self {
            object_id: u.object_id,
            user_principal_name: u.user_principal_name,
            display_name: u.display_name,
            mail: u.mail,
            role: u.role,
            role_source: u.role_source,
            status: u.status,
            status_reason: u.status_reason,
            status_changed_at: u.status_changed_at,
            account_enabled: u.account_enabled,
            directory_state: u.directory_state,
            blocked: u.blocked,
        }
    }
}

/// One page of users.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<UserOut>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

fn bad_query(name: &'static str, message: &str) -> ApiError {
    ApiError::InvalidQueryParameter {
        name,
        message: message.into(),
    }
}

/// List users.
///
/// The tenant's synced users with their role and status. Filter by `search` (name or UPN), `role`,
/// `status` or `group_id`, sort by name or UPN, and page with an opaque `cursor`.
#[utoipa::path(
    operation_id = "admin_console.users.list",
    tag = "users",
    security(("console_session" = []), ("api_token" = [])),
    params(UserListQuery),
    responses(
        (status = 200, description = "One page (role: viewer).", body = UserPage),
        (status = 400, description = "`invalid_query_parameter`, `invalid_cursor`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users")]
pub async fn list_users(
    principal: Principal,
    state: web::Data<AppState>,
    query: Query<UserListQuery>,
) -> Result<Json<UserPage>, ApiError> {
    principal.require(Permission::ReadDirectory)?;
    let q = query.into_inner();
    let limit = page_limit(q.limit)?;
    let search = match q.search.as_deref().map(str::trim) {
        Some(s) if s.is_empty() || s.chars().count() > 100 => {
            return Err(bad_query("search", "must be 1-100 characters"));
        }
        // Lower-cased and split into words by the database, exactly as the stored words are.
        Some(s) => Some(s.to_owned()),
        None => None,
    };
    if q.role.as_deref().is_some_and(|r| role(Some(r)).is_none()) {
        return Err(bad_query("role", "must be admin, manager or viewer"));
    }
    if q.status
        .as_deref()
        .is_some_and(|s| !matches!(s, "active" | "inactive"))
    {
        return Err(bad_query("status", "must be active or inactive"));
    }
    let sort = match q.sort.as_deref() {
        None => UserSort::DisplayName { descending: false },
        Some(s) => UserSort::parse(s).ok_or_else(|| {
            bad_query(
                "sort",
                "must be display_name or user_principal_name, optionally prefixed with -",
            )
        })?,
    };
    let after = match q.cursor.as_deref() {
        None => None,
        Some(c) => {
            let c = Cursor::decode(c, sort.tag()).ok_or_else(|| {
                ApiError::coded_field(
                    codes::INVALID_CURSOR,
                    "cursor",
                    "not a cursor of this list and sort",
                )
            })?;
            Some((c.key.unwrap_or_default(), c.id))
        }
    };
    let filter = UserFilter {
        search,
        role: q.role,
        status: q.status,
        group_id: q.group_id,
    };
    let tenant = principal.tenant;
    let mut rows = if filter.search.is_some() {
        directory::list_users(&state.search_pool, tenant, &filter, sort, after, limit + 1).await?
    } else {
        let mut tx = pa_db::begin_tenant(&state.pool, tenant).await?;
        let rows = directory::list_users(&mut *tx, tenant, &filter, sort, after, limit + 1).await?;
        tx.commit().await?;
        rows
    };
    let next_cursor = if rows.len() > usize::try_from(limit).unwrap_or(usize::MAX) {
        rows.truncate(usize::try_from(limit).unwrap_or(0));
        rows.last()
            .map(|r| Cursor::new(sort.tag(), Some(sort.key_of(r)), r.object_id).encode())
    } else {
        None
    };
    Ok(Json(UserPage {
        items: rows.into_iter().map(UserOut::from).collect(),
        next_cursor,
    }))
}

/// Where a role comes from.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleGrantOut {
    /// `group` or `direct`.
    pub source: &'static str,
    pub role: String,
    pub group_id: Option<Uuid>,
    pub group_name: Option<String>,
}

/// A status or role change.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryOut {
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    /// `activated`, `deactivated`, `role_changed`.
    pub change: String,
    pub from_role: Option<String>,
    pub to_role: Option<String>,
    pub reason: Option<String>,
    pub run_id: Option<Uuid>,
}

/// A user in detail.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDetail {
    #[serde(flatten)]
    pub user: UserOut,
    /// Every grant: the direct assignment and each configured group granting a role.
    pub grants: Vec<RoleGrantOut>,
    /// Newest first (up to 100).
    pub history: Vec<HistoryOut>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_sign_in_at: Option<OffsetDateTime>,
}

async fn existing_user(
    conn: &mut sqlx::PgConnection,
    principal: &Principal,
    object_id: Uuid,
) -> Result<UserRow, ApiError> {
    directory::user(conn, principal.tenant, object_id)
        .await?
        .ok_or_else(|| ApiError::coded(codes::USER_NOT_FOUND, "no user of this tenant has this id"))
}

/// Get a user: role provenance, status history, last sign-in.
///
/// The user's directory attributes, role and where it comes from (admin group, user group or a
/// direct assignment), status history and last sign-in.
#[utoipa::path(
    operation_id = "admin_console.users.get",
    tag = "users",
    security(("console_session" = []), ("api_token" = [])),
    params(("object_id" = Uuid, Path, description = "Entra object id.")),
    responses(
        (status = 200, description = "The user (role: viewer).", body = UserDetail),
        (status = 400, description = "`invalid_path_parameter`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`user_not_found` (also for another tenant's ids).", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users/{object_id}")]
pub async fn get_user(
    principal: Principal,
    state: web::Data<AppState>,
    path: ObjectIdPath,
) -> Result<Json<UserDetail>, ApiError> {
    principal.require(Permission::ReadDirectory)?;
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let user = existing_user(&mut tx, &principal, path.0).await?;
    let mut grants: Vec<RoleGrantOut> = Vec::new();
    if let Some(a) = access::assignment(&mut tx, principal.tenant, path.0).await? {
        grants.push(RoleGrantOut {
            source: "direct",
            role: a.role,
            group_id: None,
            group_name: None,
        });
    }
    for g in directory::grants(&mut tx, principal.tenant, path.0).await? {
        grants.push(RoleGrantOut {
            source: "group",
            role: g.role,
            group_id: Some(g.group_id),
            group_name: g.display_name,
        });
    }
    let history = directory::history(&mut tx, principal.tenant, path.0)
        .await?
        .into_iter()
        .map(|h| HistoryOut {
            occurred_at: h.occurred_at,
            change: h.change,
            from_role: h.from_role,
            to_role: h.to_role,
            reason: h.reason,
            run_id: h.run_id,
        })
        .collect();
    let last_sign_in_at = directory::last_sign_in(&mut tx, principal.tenant, path.0).await?;
    tx.commit().await?;
    Ok(Json(UserDetail {
        user: user.into(),
        grants,
        history,
        last_sign_in_at,
    }))
}

/// Refuses acting on someone whose role is above the caller's.
fn check_rank(principal: &Principal, target: &UserRow) -> Result<(), ApiError> {
    match role(target.role.as_deref()) {
        Some(r) if r > principal.role => Err(ApiError::coded(
            codes::HIGHER_ROLE,
            format!("the user is {r}; you are {}", principal.role),
        )),
        _ => Ok(()),
    }
}

/// Deactivate a user in Patient Access.
///
/// They cannot sign in, and their sessions end now, until reactivated — whatever their groups say.
#[utoipa::path(
    operation_id = "admin_console.users.deactivate",
    tag = "users",
    security(("console_session" = []), ("api_token" = [])),
    params(
        ("object_id" = Uuid, Path, description = "Entra object id."),
        ("X-CSRF-Token" = Option<String>, Header, description = "The session's CSRF token (sessions)."),
    ),
    responses(
        (status = 200, description = "Deactivated (audited `user.deactivated_in_product`). Role: manager; not above your own role.", body = UserOut),
        (status = 400, description = "`invalid_path_parameter`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`, `higher_role`, `csrf_token_invalid`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`user_not_found`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users/{object_id}/deactivate")]
pub async fn deactivate(
    principal: Principal,
    state: web::Data<AppState>,
    path: ObjectIdPath,
) -> Result<Json<UserOut>, ApiError> {
    principal.require(Permission::ManageUserStatus)?;
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let user = existing_user(&mut tx, &principal, path.0).await?;
    check_rank(&principal, &user)?;
    if access::block_user(
        &mut tx,
        principal.tenant,
        path.0,
        &principal.ctx.actor_label(),
        None,
    )
    .await?
    {
        let ended = sessions::end_matching(
            &mut tx,
            principal.tenant,
            sessions::Which {
                object_id: Some(path.0),
                session_id: None,
                except: None,
            },
            EndReason::AccessRevoked,
            state.now(),
            &principal.ctx,
        )
        .await?;
        let entry = principal
            .ctx
            .audit("user.deactivated_in_product")
            .target("user", path.0)
            .details(json!({
                "user_principal_name": user.user_principal_name, "sessions_ended": ended,
            }));
        pa_audit::record_tenant(&mut tx, principal.tenant, &entry).await?;
    }
    let user = existing_user(&mut tx, &principal, path.0).await?;
    tx.commit().await?;
    Ok(Json(user.into()))
}

/// Reactivate a user in Patient Access.
///
/// Lets a user deactivated in Patient Access in again (the directory must still have them enabled).
/// A manager cannot reactivate someone above their own role.
#[utoipa::path(
    operation_id = "admin_console.users.reactivate",
    tag = "users",
    security(("console_session" = []), ("api_token" = [])),
    params(
        ("object_id" = Uuid, Path, description = "Entra object id."),
        ("X-CSRF-Token" = Option<String>, Header, description = "The session's CSRF token (sessions)."),
    ),
    responses(
        (status = 200, description = "Reactivated (audited `user.reactivated_in_product`). Role: manager.", body = UserOut),
        (status = 400, description = "`invalid_path_parameter`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`, `higher_role`, `csrf_token_invalid`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`user_not_found`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users/{object_id}/reactivate")]
pub async fn reactivate(
    principal: Principal,
    state: web::Data<AppState>,
    path: ObjectIdPath,
) -> Result<Json<UserOut>, ApiError> {
    principal.require(Permission::ManageUserStatus)?;
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let user = existing_user(&mut tx, &principal, path.0).await?;
    check_rank(&principal, &user)?;
    if access::unblock_user(&mut tx, principal.tenant, path.0).await? {
        let entry = principal
            .ctx
            .audit("user.reactivated_in_product")
            .target("user", path.0);
        pa_audit::record_tenant(&mut tx, principal.tenant, &entry).await?;
    }
    let user = existing_user(&mut tx, &principal, path.0).await?;
    tx.commit().await?;
    Ok(Json(user.into()))
}

/// A direct role.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectRoleIn {
    /// `admin`, `manager` or `viewer`.
    #[schema(value_type = String, pattern = "^(admin|manager|viewer)$", example = "manager")]
    pub role: AccessRole,
}

/// The access configuration after a change.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConfigVersionOut {
    /// The new `access.config_changed` version.
    pub version: i64,
}

/// Assign a direct role.
///
/// A direct role wins over groups. Published as `access.config_changed`; sync-dispatch applies it.
#[utoipa::path(
    operation_id = "admin_console.users.assign_role",
    tag = "users",
    security(("console_session" = []), ("api_token" = [])),
    params(
        ("object_id" = Uuid, Path, description = "Entra object id."),
        ("X-CSRF-Token" = Option<String>, Header, description = "The session's CSRF token (sessions)."),
    ),
    request_body = DirectRoleIn,
    responses(
        (status = 200, description = "Assigned (audited `role.assigned`). Role: admin.", body = ConfigVersionOut),
        (status = 400, description = "`invalid_path_parameter`, `malformed_json`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`, `csrf_token_invalid`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`user_not_found`, `tenant_unknown`.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`payload_too_large`.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_field` (`role`), `unknown_field`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/users/{object_id}/direct-role")]
pub async fn assign_role(
    principal: Principal,
    state: web::Data<AppState>,
    path: ObjectIdPath,
    body: Json<DirectRoleIn>,
) -> Result<Json<ConfigVersionOut>, ApiError> {
    principal.require(Permission::AssignRoles)?;
    let role = body.into_inner().role;
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let version = access_service::lock(&mut tx, principal.tenant).await?;
    let user = existing_user(&mut tx, &principal, path.0).await?;
    let before = access::assignment(&mut tx, principal.tenant, path.0)
        .await?
        .map(|a| a.role);
    access::put_assignment(
        &mut tx,
        principal.tenant,
        path.0,
        role,
        &principal.ctx.actor_label(),
    )
    .await?;
    let version =
        access_service::publish(&mut tx, principal.tenant, version, &principal.ctx, false).await?;
    let entry = principal.ctx.audit("role.assigned").target("user", path.0).details(json!({
        "role": role, "previous_direct_role": before, "user_principal_name": user.user_principal_name, "config_version": version,
    }));
    pa_audit::record_tenant(&mut tx, principal.tenant, &entry).await?;
    state.outbox.commit(tx).await?;
    Ok(Json(ConfigVersionOut { version }))
}

/// Remove a direct role (groups decide again).
///
/// Removes the role given directly to the user; their groups decide their role again from the next
/// sync.
#[utoipa::path(
    operation_id = "admin_console.users.remove_role",
    tag = "users",
    security(("console_session" = []), ("api_token" = [])),
    params(
        ("object_id" = Uuid, Path, description = "Entra object id."),
        ("X-CSRF-Token" = Option<String>, Header, description = "The session's CSRF token (sessions)."),
    ),
    responses(
        (status = 200, description = "Removed (audited `role.removed`). Role: admin.", body = ConfigVersionOut),
        (status = 400, description = "`invalid_path_parameter`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`, `csrf_token_invalid`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`user_not_found` (no such user or no direct role).", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/users/{object_id}/direct-role")]
pub async fn remove_role(
    principal: Principal,
    state: web::Data<AppState>,
    path: ObjectIdPath,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::AssignRoles)?;
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let version = access_service::lock(&mut tx, principal.tenant).await?;
    existing_user(&mut tx, &principal, path.0).await?;
    let before = access::assignment(&mut tx, principal.tenant, path.0)
        .await?
        .ok_or_else(|| ApiError::coded(codes::USER_NOT_FOUND, "the user has no direct role"))?;
    access::remove_assignment(&mut tx, principal.tenant, path.0).await?;
    let version =
        access_service::publish(&mut tx, principal.tenant, version, &principal.ctx, false).await?;
    let entry = principal
        .ctx
        .audit("role.removed")
        .target("user", path.0)
        .details(json!({"role": before.role, "config_version": version}));
    pa_audit::record_tenant(&mut tx, principal.tenant, &entry).await?;
    state.outbox.commit(tx).await?;
    Ok(HttpResponse::Ok().json(ConfigVersionOut { version }))
}
