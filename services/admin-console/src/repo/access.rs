//! The access configuration: `console_access_config`, `console_access_groups`,
//! `console_direct_assignments`, and the tenant projection `console_tenants`.

use pa_domain::TenantId;
use pa_events::{ConfiguredGroup, DirectAssignment};
use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::AccessRole;

/// Records the tenant's directory; false when it was already known.
pub async fn insert_tenant(
    conn: &mut PgConnection,
    tenant: TenantId,
    entra_tenant_id: Uuid,
    completed_at: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "INSERT INTO console_tenants (tenant_id, entra_tenant_id, setup_completed_at) \
         VALUES ($1, $2, $3) ON CONFLICT (tenant_id) DO NOTHING",
    )
    .bind(tenant)
    .bind(entra_tenant_id)
    .bind(completed_at)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// The tenant's directory, once setup completed.
pub async fn entra_tenant(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT entra_tenant_id FROM console_tenants WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_optional(conn)
        .await
}

/// Locks the configuration and returns its version (`None`: not seeded yet).
pub async fn lock_version(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT version FROM console_access_config WHERE tenant_id = $1 FOR UPDATE")
        .bind(tenant)
        .fetch_optional(conn)
        .await
}

pub async fn seed(
    conn: &mut PgConnection,
    tenant: TenantId,
    version: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "INSERT INTO console_access_config (tenant_id, version) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(tenant)
    .bind(version)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

pub async fn set_version(
    conn: &mut PgConnection,
    tenant: TenantId,
    version: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE console_access_config SET version = $2, updated_at = now() WHERE tenant_id = $1",
    )
    .bind(tenant)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(())
}

/// A configured group.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GroupRow {
    pub group_id: Uuid,
    pub display_name: String,
    pub role: String,
    pub added_at: OffsetDateTime,
    pub added_by: String,
}

pub async fn groups(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<GroupRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT group_id, display_name, role, added_at, added_by FROM console_access_groups \
         WHERE tenant_id = $1 ORDER BY role, display_name, group_id",
    )
    .bind(tenant)
    .fetch_all(conn)
    .await
}

pub async fn add_group(
    conn: &mut PgConnection,
    tenant: TenantId,
    group: &ConfiguredGroup,
    by: &str,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "INSERT INTO console_access_groups (tenant_id, group_id, display_name, role, added_by) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(tenant)
    .bind(group.group_id)
    .bind(&group.display_name)
    .bind(group.role.as_str())
    .bind(by)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

pub async fn remove_group(
    conn: &mut PgConnection,
    tenant: TenantId,
    group_id: Uuid,
) -> Result<Option<GroupRow>, sqlx::Error> {
    sqlx::query_as(
        "DELETE FROM console_access_groups WHERE tenant_id = $1 AND group_id = $2 \
         RETURNING group_id, display_name, role, added_at, added_by",
    )
    .bind(tenant)
    .bind(group_id)
    .fetch_optional(conn)
    .await
}

/// A direct assignment.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AssignmentRow {
    pub object_id: Uuid,
    pub role: String,
    pub assigned_at: OffsetDateTime,
    pub assigned_by: String,
}

pub async fn assignments(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<AssignmentRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT object_id, role, assigned_at, assigned_by FROM console_direct_assignments \
         WHERE tenant_id = $1 ORDER BY object_id",
    )
    .bind(tenant)
    .fetch_all(conn)
    .await
}

pub async fn assignment(
    conn: &mut PgConnection,
    tenant: TenantId,
    object_id: Uuid,
) -> Result<Option<AssignmentRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT object_id, role, assigned_at, assigned_by FROM console_direct_assignments \
         WHERE tenant_id = $1 AND object_id = $2",
    )
    .bind(tenant)
    .bind(object_id)
    .fetch_optional(conn)
    .await
}

pub async fn put_assignment(
    conn: &mut PgConnection,
    tenant: TenantId,
    object_id: Uuid,
    role: AccessRole,
    by: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO console_direct_assignments (tenant_id, object_id, role, assigned_by) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, object_id) DO UPDATE \
         SET role = EXCLUDED.role, assigned_by = EXCLUDED.assigned_by, assigned_at = now()",
    )
    .bind(tenant)
    .bind(object_id)
    .bind(role.as_str())
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn remove_assignment(
    conn: &mut PgConnection,
    tenant: TenantId,
    object_id: Uuid,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "DELETE FROM console_direct_assignments WHERE tenant_id = $1 AND object_id = $2",
    )
    .bind(tenant)
    .bind(object_id)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// The whole configuration as the event carries it.
pub async fn snapshot(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<(Vec<ConfiguredGroup>, Vec<DirectAssignment>), sqlx::Error> {
    let groups = groups(&mut *conn, tenant)
        .await?
        .into_iter()
        .filter_map(|g| {
            Some(ConfiguredGroup {
                group_id: g.group_id,
                display_name: g.display_name,
                role: super::role(Some(&g.role))?,
            })
        })
        .collect();
    let direct = assignments(conn, tenant)
        .await?
        .into_iter()
        .filter_map(|a| {
            Some(DirectAssignment {
                object_id: a.object_id,
                role: super::role(Some(&a.role))?,
            })
        })
        .collect();
    Ok((groups, direct))
}

pub async fn block_user(
    conn: &mut PgConnection,
    tenant: TenantId,
    object_id: Uuid,
    by: &str,
    reason: Option<&str>,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "INSERT INTO console_user_blocks (tenant_id, object_id, blocked_by, reason) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
    )
    .bind(tenant)
    .bind(object_id)
    .bind(by)
    .bind(reason)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

pub async fn unblock_user(
    conn: &mut PgConnection,
    tenant: TenantId,
    object_id: Uuid,
) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM console_user_blocks WHERE tenant_id = $1 AND object_id = $2")
            .bind(tenant)
            .bind(object_id)
            .execute(conn)
            .await?
            .rows_affected()
            == 1,
    )
}
