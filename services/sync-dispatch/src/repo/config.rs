//! The access-configuration projection (`sync_access_groups`, `sync_direct_assignments`)
//! and what runs read of it (`directory_groups`, `sync_group_closure`).

use pa_domain::TenantId;
use pa_events::{ConfiguredGroup, DirectAssignment};
use sqlx::PgConnection;
use uuid::Uuid;

/// A configured group as a run needs it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct GroupConfig {
    pub group_id: Uuid,
    pub display_name: String,
    pub role: String,
    /// When a run last read it completely (`None`: never).
    pub last_synced_at: Option<time::OffsetDateTime>,
}

/// Replaces the projection with the snapshot `version` unless an equal or newer one was
/// applied (call with the tenant's row locked). True if replaced. `directory_groups` follows:
/// unconfigured groups go, configured ones get their role (and, when new, their name).
pub async fn replace(
    conn: &mut PgConnection,
    tenant: TenantId,
    version: i64,
    groups: &[ConfiguredGroup],
    direct: &[DirectAssignment],
) -> Result<bool, sqlx::Error> {
    let newer = sqlx::query(
        "UPDATE sync_tenants SET config_version = $2, updated_at = now() \
          WHERE tenant_id = $1 AND config_version < $2",
    )
    .bind(tenant)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        > 0;
    if !newer {
        return Ok(false);
    }
    let ids: Vec<Uuid> = groups.iter().map(|g| g.group_id).collect();
    let names: Vec<&str> = groups.iter().map(|g| g.display_name.as_str()).collect();
    let roles: Vec<&str> = groups.iter().map(|g| g.role.as_str()).collect();
    let users: Vec<Uuid> = direct.iter().map(|d| d.object_id).collect();
    let user_roles: Vec<&str> = direct.iter().map(|d| d.role.as_str()).collect();
    for sql in [
        "DELETE FROM sync_access_groups WHERE tenant_id = $1",
        "DELETE FROM sync_direct_assignments WHERE tenant_id = $1",
    ] {
        sqlx::query(sql).bind(tenant).execute(&mut *conn).await?;
    }
    sqlx::query(
        "DELETE FROM directory_groups WHERE tenant_id = $1 AND group_id <> ALL($2::uuid[])",
    )
    .bind(tenant)
    .bind(&ids)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "WITH ins_groups AS (
             INSERT INTO sync_access_groups (tenant_id, group_id, display_name, role)
             SELECT DISTINCT ON (id) $1, id, left(name, 256), role
               FROM unnest($2::uuid[], $3::text[], $4::text[]) AS x(id, name, role)
              ORDER BY id, access_role_rank(role) DESC
         ), ins_direct AS (
             INSERT INTO sync_direct_assignments (tenant_id, object_id, role)
             SELECT DISTINCT ON (id) $1, id, role
               FROM unnest($5::uuid[], $6::text[]) AS x(id, role)
              ORDER BY id, access_role_rank(role) DESC
         )
         INSERT INTO directory_groups AS d (tenant_id, group_id, display_name, role)
         SELECT DISTINCT ON (id) $1, id, name, role
           FROM unnest($2::uuid[], $3::text[], $4::text[]) AS x(id, name, role)
          ORDER BY id, access_role_rank(role) DESC
         ON CONFLICT (tenant_id, group_id) DO UPDATE SET role = excluded.role",
    )
    .bind(tenant)
    .bind(&ids)
    .bind(&names)
    .bind(&roles)
    .bind(&users)
    .bind(&user_roles)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// The configured groups, with when each was last read.
pub async fn groups(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<GroupConfig>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.group_id, c.display_name, c.role, d.last_synced_at
           FROM sync_access_groups c
           LEFT JOIN directory_groups d ON d.tenant_id = c.tenant_id AND d.group_id = c.group_id
          WHERE c.tenant_id = $1
          ORDER BY c.group_id",
    )
    .bind(tenant)
    .fetch_all(conn)
    .await
}

/// Directly assigned users; `unknown_only`: those not in `directory_users` yet.
pub async fn direct_users(
    conn: &mut PgConnection,
    tenant: TenantId,
    unknown_only: bool,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT a.object_id FROM sync_direct_assignments a
          WHERE a.tenant_id = $1
            AND NOT ($2 AND EXISTS (SELECT 1 FROM directory_users u
                                     WHERE u.tenant_id = $1 AND u.object_id = a.object_id))
          ORDER BY a.object_id",
    )
    .bind(tenant)
    .bind(unknown_only)
    .fetch_all(conn)
    .await
}

/// (configured group, nested group) pairs as of each group's last read.
pub async fn closure(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<(Uuid, Uuid)>, sqlx::Error> {
    sqlx::query_as("SELECT group_id, nested_group_id FROM sync_group_closure WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_all(conn)
        .await
}

/// Records what a run found of the configured groups: names and member counts of the groups
/// it read (from the staged members, or from the grants when the run wrote them directly:
/// `counted_from_grants`), deletions, and the nested groups of each read group.
pub async fn record_groups(
    conn: &mut PgConnection,
    tenant: TenantId,
    run: Uuid,
    read: &[(Uuid, String)],
    deleted: &[Uuid],
    counted_from_grants: bool,
) -> Result<(), sqlx::Error> {
    let ids: Vec<Uuid> = read.iter().map(|(id, _)| *id).collect();
    let names: Vec<&str> = read.iter().map(|(_, name)| name.as_str()).collect();
    sqlx::query(
        "WITH read_groups AS (
             INSERT INTO directory_groups AS d (tenant_id, group_id, display_name, role,
                 member_count, deleted_at, last_synced_at)
             SELECT $1, x.id, x.name, c.role,
                    CASE WHEN $6 THEN
                        (SELECT count(*) FROM directory_user_grants g
                          WHERE g.tenant_id = $1 AND g.group_id = x.id)
                    ELSE
                        (SELECT count(DISTINCT m.object_id) FROM sync_stage_members m
                          WHERE m.tenant_id = $1 AND m.run_id = $2 AND m.group_id = x.id)
                    END,
                    NULL, now()
               FROM unnest($3::uuid[], $4::text[]) AS x(id, name)
               JOIN sync_access_groups c ON c.tenant_id = $1 AND c.group_id = x.id
             ON CONFLICT (tenant_id, group_id) DO UPDATE SET
                 display_name = excluded.display_name, role = excluded.role,
                 member_count = excluded.member_count, deleted_at = NULL, last_synced_at = now()
         ), gone AS (
             INSERT INTO directory_groups AS d (tenant_id, group_id, display_name, role,
                 member_count, deleted_at, last_synced_at)
             SELECT $1, c.group_id, c.display_name, c.role, 0, now(), now()
               FROM sync_access_groups c
              WHERE c.tenant_id = $1 AND c.group_id = ANY($5::uuid[])
             ON CONFLICT (tenant_id, group_id) DO UPDATE SET
                 member_count = 0, deleted_at = coalesce(d.deleted_at, now()), last_synced_at = now()
         )
         DELETE FROM sync_group_closure
          WHERE tenant_id = $1 AND (group_id = ANY($3::uuid[]) OR group_id = ANY($5::uuid[]))",
    )
    .bind(tenant)
    .bind(run)
    .bind(&ids)
    .bind(&names)
    .bind(deleted)
    .bind(counted_from_grants)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO sync_group_closure (tenant_id, group_id, nested_group_id)
         SELECT DISTINCT $1::uuid, s.group_id, s.nested_group_id
           FROM sync_stage_groups s
          WHERE s.tenant_id = $1 AND s.run_id = $2 AND s.group_id = ANY($3::uuid[])
         ON CONFLICT DO NOTHING",
    )
    .bind(tenant)
    .bind(run)
    .bind(&ids)
    .execute(conn)
    .await?;
    Ok(())
}
