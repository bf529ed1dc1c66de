//! Step 5: groups. A type-ahead over the directory's security groups (Graph `$search` on the
//! display name, paged), and the selection: at least one admin group, every group a security
//! group of THIS directory, every admin group with at least one (transitive) user member; user
//! groups optional, each with the role it grants. The chosen administrator's membership of
//! each group is looked up and shown. Any refusal names the field and stores nothing.

use std::collections::HashSet;

use futures::{StreamExt, TryStreamExt};
use pa_entra::{
    EntraError, ErrorKind, GraphClient, GroupFilter, GroupId, MemberScope, PageSize, UserId,
};
use pa_events::AccessRole;
use uuid::Uuid;

use super::attention::graph_failure;
use super::{directory_of, lock_for, precheck};
use crate::context::WizardCtx;
use crate::domain::Step;
use crate::error::{ApiError, codes};
use crate::repo::groups::{self as group_rows, GroupRow};
use crate::repo::wizards;
use crate::routes::dto::{GroupCandidateOut, GroupSearchOut, GroupSearchQuery, GroupsIn};
use crate::state::AppState;

const MAX_PAGE: u32 = 20;
const MAX_ADMIN_GROUPS: usize = 20;
const MAX_USER_GROUPS: usize = 100;

/// `GET /v1/wizard/groups`: one page of security groups matching `search`.
pub async fn search(
    state: &AppState,
    ctx: &WizardCtx,
    q: &GroupSearchQuery,
) -> Result<GroupSearchOut, ApiError> {
    let page = q.page.unwrap_or(1);
    if !(1..=MAX_PAGE).contains(&page) {
        return Err(invalid_query("page", "must be between 1 and 20"));
    }
    let limit = q.limit.unwrap_or(20);
    let size = u16::try_from(limit)
        .ok()
        .filter(|l| (1..=50).contains(l))
        .and_then(PageSize::new)
        .ok_or_else(|| invalid_query("limit", "must be between 1 and 50"))?;
    let text = q.search.as_deref().unwrap_or_default();
    if text.chars().count() > 256 {
        return Err(invalid_query("search", "must be at most 256 characters"));
    }
    let (wizard, _) = precheck(state, ctx, Step::Admin).await?;
    let graph = state.entra.graph(directory_of(&wizard)?);
    let mut pager = graph.search_groups(text, &GroupFilter::security(), size);
    let mut items = Vec::new();
    for _ in 0..page {
        items = match pager.next_page().await {
            Ok(Some(p)) => p.items,
            Ok(None) => Vec::new(),
            Err(e) => return Err(graph_failure(state, ctx, e).await),
        };
    }
    let next_page = (pager.has_more() && page < MAX_PAGE).then_some(page + 1);
    Ok(GroupSearchOut {
        items: items
            .into_iter()
            .filter(|g| g.security_enabled == Some(true) && !g.is_microsoft_365())
            .map(|g| GroupCandidateOut {
                group_id: g.id.as_uuid(),
                display_name: g.display_name.unwrap_or_default(),
                description: g.description,
                mail_enabled: g.mail_enabled.unwrap_or(false),
            })
            .collect(),
        page,
        next_page,
    })
}

fn invalid_query(name: &'static str, message: &str) -> ApiError {
    ApiError::InvalidQuery {
        name,
        message: message.to_owned(),
    }
}

/// A group to check: where it was in the body, its id and role.
struct Choice {
    field: String,
    id: Uuid,
    role: AccessRole,
}

/// `PUT /v1/wizard/groups`: validates every group against the directory, then saves.
pub async fn set(state: &AppState, ctx: &WizardCtx, body: &GroupsIn) -> Result<(), ApiError> {
    let choices = shape(body)?;
    let (wizard, _) = precheck(state, ctx, Step::Groups).await?;
    let directory = directory_of(&wizard)?;
    let admin = UserId::from_uuid(
        wizard
            .admin_object_id
            .ok_or(ApiError::StepOutOfOrder(Step::Admin))?,
    );
    let graph = state.entra.graph(directory);
    let checked: Result<Vec<GroupRow>, Refusal> = futures::stream::iter(choices.iter())
        .map(|c| check(&graph, c, admin))
        .buffered(4)
        .try_collect()
        .await;
    let rows = match checked {
        Ok(rows) => rows,
        Err(Refusal::Api(e)) => return Err(e),
        Err(Refusal::Entra(e)) => return Err(graph_failure(state, ctx, e).await),
    };
    let now = state.now();
    let mut tx = pa_db::begin_tenant(&state.pool, ctx.tenant).await?;
    lock_for(&mut tx, ctx, Step::Groups, Some(directory.as_uuid())).await?;
    group_rows::replace(&mut tx, ctx.tenant, &rows).await?;
    wizards::mark_groups_set(&mut tx, ctx.tenant, now).await?;
    let chosen: Vec<serde_json::Value> = rows
        .iter()
        .map(|g| serde_json::json!({ "group_id": g.group_id, "role": g.role.as_str() }))
        .collect();
    let entry = ctx
        .audit("groups.set")
        .details(serde_json::json!({ "groups": chosen }));
    pa_audit::record_tenant(&mut tx, ctx.tenant, &entry).await?;
    tx.commit().await?;
    Ok(())
}

/// The body's own rules: at least one admin group, limits, no group twice.
fn shape(body: &GroupsIn) -> Result<Vec<Choice>, ApiError> {
    if body.admin_groups.is_empty() {
        return Err(refuse(
            "admin_groups",
            codes::ADMIN_GROUP_REQUIRED,
            "choose at least one admin group",
        ));
    }
    if body.admin_groups.len() > MAX_ADMIN_GROUPS {
        return Err(ApiError::InvalidField {
            field: "admin_groups".into(),
            message: "at most 20 admin groups".into(),
        });
    }
    if body.user_groups.len() > MAX_USER_GROUPS {
        return Err(ApiError::InvalidField {
            field: "user_groups".into(),
            message: "at most 100 user groups".into(),
        });
    }
    let admin = body.admin_groups.iter().enumerate().map(|(i, id)| Choice {
        field: format!("admin_groups[{i}]"),
        id: *id,
        role: AccessRole::Admin,
    });
    let user = body.user_groups.iter().enumerate().map(|(i, g)| Choice {
        field: format!("user_groups[{i}].group_id"),
        id: g.group_id,
        role: g.role.into(),
    });
    let mut seen = HashSet::new();
    let mut choices = Vec::new();
    for c in admin.chain(user) {
        if !seen.insert(c.id) {
            return Err(refuse(
                &c.field,
                codes::DUPLICATE_GROUP,
                "this group is already chosen",
            ));
        }
        choices.push(c);
    }
    Ok(choices)
}

fn refuse(field: &str, code: &'static str, message: &str) -> ApiError {
    ApiError::Group {
        field: field.to_owned(),
        code,
        message: message.to_owned(),
    }
}

enum Refusal {
    Api(ApiError),
    Entra(EntraError),
}

impl From<EntraError> for Refusal {
    fn from(e: EntraError) -> Self {
        Self::Entra(e)
    }
}

/// Checks one chosen group against the directory.
async fn check(graph: &GraphClient, c: &Choice, admin: UserId) -> Result<GroupRow, Refusal> {
    let id = GroupId::from_uuid(c.id);
    let group = match graph.group(id).await {
        Ok(g) => g,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Err(Refusal::Api(not_found(graph, c).await?));
        }
        Err(e) => return Err(e.into()),
    };
    let name = group
        .display_name
        .clone()
        .unwrap_or_else(|| c.id.to_string());
    if group.security_enabled != Some(true) || group.is_microsoft_365() {
        let kind = if group.is_microsoft_365() {
            "a Microsoft 365 group"
        } else {
            "a distribution group"
        };
        return Err(Refusal::Api(refuse(
            &c.field,
            codes::NOT_A_SECURITY_GROUP,
            &format!("{name} is {kind}; only security groups can grant access"),
        )));
    }
    let members = graph
        .count_members(id, MemberScope::Transitive, true)
        .await?;
    if c.role == AccessRole::Admin && members == 0 {
        return Err(Refusal::Api(refuse(
            &c.field,
            codes::GROUP_EMPTY,
            &format!("{name} has no members; an admin group needs at least one administrator"),
        )));
    }
    let admin_is_member = graph.has_transitive_member(id, admin).await?;
    Ok(GroupRow {
        group_id: c.id,
        display_name: name,
        role: c.role,
        member_count: i64::try_from(members).unwrap_or(i64::MAX),
        admin_is_member,
    })
}

/// Why an id is not a group of this directory: a user's id, or nothing here at all (another
/// directory's group, a deleted group).
async fn not_found(graph: &GraphClient, c: &Choice) -> Result<ApiError, Refusal> {
    match graph.user(UserId::from_uuid(c.id)).await {
        Ok(_) => Ok(refuse(
            &c.field,
            codes::NOT_A_GROUP,
            "this id is a user, not a group",
        )),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(refuse(
            &c.field,
            codes::GROUP_NOT_FOUND,
            "no group with this id in your directory (it may belong to another directory, or \
             have been deleted)",
        )),
        Err(e) => Err(e.into()),
    }
}
