//! `/v1/groups`: the configured groups with their roles and what the last sync saw; adding and
//! removing admin and user groups (the wizard's rules: a security group, not empty, never the
//! last admin group), and a type-ahead over the tenant's directory through Microsoft Graph.

use actix_web::{HttpResponse, delete, get, post, web};
use pa_entra::{EntraTenantId, GroupFilter, GroupId, MemberScope, PageSize};
use pa_events::ConfiguredGroup;
use pa_http::{Json, Problem, Query};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::extract::GroupIdPath;
use super::users::ConfigVersionOut;
use crate::auth::{Permission, Principal};
use crate::domain::AccessRole;
use crate::error::{ApiError, codes};
use crate::repo::{access, directory};
use crate::service::access as access_service;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_groups)
        .service(search_directory_groups)
        .service(add_group)
        .service(remove_group);
}

/// A configured group.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupOut {
    pub group_id: Uuid,
    /// As configured.
    pub display_name: String,
    /// The role its (transitive) members get.
    pub role: String,
    #[serde(with = "time::serde::rfc3339")]
    pub added_at: OffsetDateTime,
    /// The name at the last sync, when synced.
    pub synced_display_name: Option<String>,
    /// Transitive user members at the last sync.
    pub member_count: Option<i32>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_synced_at: Option<OffsetDateTime>,
    /// Set when the group was deleted in Entra ID.
    #[serde(with = "time::serde::rfc3339::option")]
    pub deleted_at: Option<OffsetDateTime>,
}

/// The configured groups.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupList {
    pub items: Vec<GroupOut>,
}

/// List the configured groups.
///
/// The directory groups mapped to Patient Access roles, admin groups first, with each group's role
/// and member count.
#[utoipa::path(
    operation_id = "admin_console.groups.list",
    tag = "groups",
    security(("console_session" = []), ("api_token" = [])),
    responses(
        (status = 200, description = "Admin groups first (role: viewer).", body = GroupList),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/groups")]
pub async fn list_groups(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<Json<GroupList>, ApiError> {
    principal.require(Permission::ReadDirectory)?;
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let rows = directory::groups(&mut tx, principal.tenant).await?;
    tx.commit().await?;
    Ok(Json(GroupList {
        items: rows
            .into_iter()
            .map(|g| GroupOut {
                group_id: g.group_id,
                display_name: g.display_name,
                role: g.role,
                added_at: g.added_at,
                synced_display_name: g.synced_name,
                member_count: g.member_count,
                last_synced_at: g.last_synced_at,
                deleted_at: g.deleted_at,
            })
            .collect(),
    }))
}

/// Query of the type-ahead.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DirectorySearchQuery {
    /// Words (or word prefixes) of the group's display name.
    #[param(min_length = 1, max_length = 100)]
    pub q: String,
}

/// A security group in the tenant's Entra ID directory.
#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryGroupOut {
    pub group_id: Uuid,
    pub display_name: Option<String>,
    pub description: Option<String>,
    /// Already configured in the console.
    pub configured: bool,
}

/// Matching security groups (first page).
#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryGroupList {
    pub items: Vec<DirectoryGroupOut>,
}

async fn directory_of(state: &AppState, principal: &Principal) -> Result<EntraTenantId, ApiError> {
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let entra = access::entra_tenant(&mut tx, principal.tenant).await?;
    tx.commit().await?;
    entra
        .and_then(|e| EntraTenantId::from_uuid(e).ok())
        .ok_or_else(|| {
            ApiError::coded(
                codes::TENANT_UNKNOWN,
                "the tenant's setup has not completed",
            )
        })
}

/// Type-ahead over the directory's security groups (Microsoft Graph `$search`).
///
/// Searches the customer's directory by group name, for picking a group to map to a role. Needs the
/// directory to answer (503 `directory_unavailable` otherwise).
#[utoipa::path(
    operation_id = "admin_console.groups.search_directory",
    tag = "groups",
    security(("console_session" = []), ("api_token" = [])),
    params(DirectorySearchQuery),
    responses(
        (status = 200, description = "Up to 25 security groups (role: admin).", body = DirectoryGroupList),
        (status = 400, description = "`invalid_query_parameter` (`q`).", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`directory_unavailable`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/directory-groups")]
pub async fn search_directory_groups(
    principal: Principal,
    state: web::Data<AppState>,
    query: Query<DirectorySearchQuery>,
) -> Result<Json<DirectoryGroupList>, ApiError> {
    principal.require(Permission::ManageGroups)?;
    let text = query.q.trim();
    if text.is_empty() || text.chars().count() > 100 {
        return Err(ApiError::InvalidQueryParameter {
            name: "q",
            message: "must be 1-100 characters".into(),
        });
    }
    let entra = directory_of(&state, &principal).await?;
    let page_size = PageSize::new(25).unwrap_or(PageSize::MAX);
    let mut pager =
        state
            .entra
            .graph(entra)
            .search_groups(text, &GroupFilter::security(), page_size);
    let page = pager.next_page().await.map_err(ApiError::Directory)?;
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let configured: Vec<Uuid> = access::groups(&mut tx, principal.tenant)
        .await?
        .into_iter()
        .map(|g| g.group_id)
        .collect();
    tx.commit().await?;
    let items = page
        .map(|p| p.items)
        .unwrap_or_default()
        .into_iter()
        .map(|g| DirectoryGroupOut {
            configured: configured.contains(&g.id.as_uuid()),
            group_id: g.id.as_uuid(),
            display_name: g.display_name,
            description: g.description,
        })
        .collect();
    Ok(Json(DirectoryGroupList { items }))
}

/// A group to add.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupIn {
    /// The Entra group's object id.
    pub group_id: Uuid,
    /// `admin` for an admin group; `manager` or `viewer` for a user group.
    #[schema(value_type = String, pattern = "^(admin|manager|viewer)$", example = "viewer")]
    pub role: AccessRole,
}

/// Add an admin or user group.
///
/// Checked in Entra ID first: it must exist, be a security group and have at least one member.
/// Published as `access.config_changed` with `full_sync: true` (sync-dispatch reads the group's
/// members now).
#[utoipa::path(
    operation_id = "admin_console.groups.add",
    tag = "groups",
    security(("console_session" = []), ("api_token" = [])),
    params(("X-CSRF-Token" = Option<String>, Header, description = "The session's CSRF token (sessions).")),
    request_body = GroupIn,
    responses(
        (status = 201, description = "Added (audited `group.added`). Role: admin.", body = ConfigVersionOut),
        (status = 400, description = "`malformed_json`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`, `csrf_token_invalid`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`tenant_unknown`.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`group_already_configured`.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`payload_too_large`.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_field` (no such group), `group_not_security`, `group_empty`, `unknown_field`.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`directory_unavailable`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/groups")]
pub async fn add_group(
    principal: Principal,
    state: web::Data<AppState>,
    body: Json<GroupIn>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageGroups)?;
    let input = body.into_inner();
    let entra = directory_of(&state, &principal).await?;
    let graph = state.entra.graph(entra);
    let group_id = GroupId::from_uuid(input.group_id);
    let group = match graph.group(group_id).await {
        Ok(g) => g,
        Err(e) if e.kind() == pa_entra::ErrorKind::NotFound => {
            return Err(ApiError::InvalidField {
                field: "group_id",
                message: "no group with this id in the tenant's directory".into(),
            });
        }
        Err(e) => return Err(ApiError::Directory(e)),
    };
    if group.security_enabled != Some(true) {
        return Err(ApiError::coded_field(
            codes::GROUP_NOT_SECURITY,
            "group_id",
            "only security groups can grant console roles",
        ));
    }
    let members = graph
        .count_members(group_id, MemberScope::Transitive, true)
        .await
        .map_err(ApiError::Directory)?;
    if members == 0 {
        return Err(ApiError::coded_field(
            codes::GROUP_EMPTY,
            "group_id",
            "the group has no user members",
        ));
    }
    let configured = ConfiguredGroup {
        group_id: input.group_id,
        display_name: group
            .display_name
            .clone()
            .unwrap_or_else(|| input.group_id.to_string())
            .chars()
            .take(256)
            .collect(),
        role: input.role,
    };
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let version = access_service::lock(&mut tx, principal.tenant).await?;
    if !access::add_group(
        &mut tx,
        principal.tenant,
        &configured,
        &principal.ctx.actor_label(),
    )
    .await?
    {
        return Err(ApiError::coded(
            codes::GROUP_ALREADY_CONFIGURED,
            "this group is already configured; remove it first to change its role",
        ));
    }
    let version =
        access_service::publish(&mut tx, principal.tenant, version, &principal.ctx, true).await?;
    let entry = principal.ctx.audit("group.added").target("group", input.group_id).details(json!({
        "display_name": configured.display_name, "role": input.role, "transitive_user_members": members, "config_version": version,
    }));
    pa_audit::record_tenant(&mut tx, principal.tenant, &entry).await?;
    state.outbox.commit(tx).await?;
    Ok(HttpResponse::Created().json(ConfigVersionOut { version }))
}

/// Remove a group.
///
/// Its members lose the role it granted (sync-dispatch re-derives roles at once). The last admin
/// group cannot be removed.
#[utoipa::path(
    operation_id = "admin_console.groups.remove",
    tag = "groups",
    security(("console_session" = []), ("api_token" = [])),
    params(
        ("group_id" = Uuid, Path, description = "The configured group's object id."),
        ("X-CSRF-Token" = Option<String>, Header, description = "The session's CSRF token (sessions)."),
    ),
    responses(
        (status = 200, description = "Removed (audited `group.removed`). Role: admin.", body = ConfigVersionOut),
        (status = 400, description = "`invalid_path_parameter`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`, `csrf_token_invalid`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`group_not_found`, `tenant_unknown`.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`last_admin_group`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/groups/{group_id}")]
pub async fn remove_group(
    principal: Principal,
    state: web::Data<AppState>,
    path: GroupIdPath,
) -> Result<Json<ConfigVersionOut>, ApiError> {
    principal.require(Permission::ManageGroups)?;
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let version = access_service::lock(&mut tx, principal.tenant).await?;
    let removed = access::remove_group(&mut tx, principal.tenant, path.0)
        .await?
        .ok_or_else(|| {
            ApiError::coded(codes::GROUP_NOT_FOUND, "no configured group has this id")
        })?;
    if removed.role == "admin" {
        let admins_left = access::groups(&mut tx, principal.tenant)
            .await?
            .iter()
            .filter(|g| g.role == "admin")
            .count();
        if admins_left == 0 {
            return Err(ApiError::coded(
                codes::LAST_ADMIN_GROUP,
                "the tenant needs at least one admin group; add another first",
            ));
        }
    }
    let version =
        access_service::publish(&mut tx, principal.tenant, version, &principal.ctx, false).await?;
    let entry = principal
        .ctx
        .audit("group.removed")
        .target("group", path.0)
        .details(json!({
            "display_name": removed.display_name, "role": removed.role, "config_version": version,
        }));
    pa_audit::record_tenant(&mut tx, principal.tenant, &entry).await?;
    state.outbox.commit(tx).await?;
    Ok(Json(ConfigVersionOut { version }))
}
