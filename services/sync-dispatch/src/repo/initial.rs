//! A tenant's initial load (its first full sync, no user held yet): every user is new, so
//! nobody can be deactivated, demoted or held, and each page's users can be written to the
//! directory as soon as they are read, with the role their group (or direct assignment)
//! gives, raised when a later page shows a higher group. All of it happens inside the run's
//! ONE transaction, opened when the run starts and committed by its finish: readers see
//! nothing until then, and a run that fails, is cut short or whose worker dies rolls it all
//! back. The directory's index maintenance (its search index is costly per row) then
//! overlaps the Graph reads instead of following them.

use pa_domain::TenantId;
use sqlx::PgConnection;
use uuid::Uuid;

use super::staging::StagedUsers;

/// Writes a page of users read from `group` (which gives `role`), or of directly assigned
/// users (`group` `None`): new users are inserted (active with their role, or inactive when
/// disabled in Entra ID), known ones get the higher role; the group's grants are recorded.
pub async fn write_page(
    conn: &mut PgConnection,
    tenant: TenantId,
    run: Uuid,
    users: &StagedUsers,
    group: Option<(Uuid, &str)>,
) -> Result<(), sqlx::Error> {
    let (ids, upns, names, mails, enabled) = users.columns();
    sqlx::query(
        "WITH page AS (
             SELECT x.id, x.upn, x.name, x.mail, coalesce(x.enabled, true) AS enabled,
                    da.role AS direct_role
               FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::bool[])
                    AS x(id, upn, name, mail, enabled)
               LEFT JOIN sync_direct_assignments da ON da.tenant_id = $1 AND da.object_id = x.id
              WHERE x.upn IS NOT NULL
         ), grants AS (
             INSERT INTO directory_user_grants (tenant_id, object_id, group_id, role)
             SELECT $1, id, $8, $9 FROM page WHERE $8::uuid IS NOT NULL
             ON CONFLICT DO NOTHING
         ), access AS (
             SELECT page.*, CASE WHEN enabled THEN coalesce(direct_role, $9) END AS role
               FROM page
         )
         INSERT INTO directory_users AS d (tenant_id, object_id, user_principal_name,
             display_name, mail, account_enabled, directory_state, role, role_source, status,
             status_reason, status_changed_at, first_synced_at, updated_at, last_run_id)
         SELECT $1, id, upn, name, mail, enabled, 'present', role,
                CASE WHEN role IS NULL THEN NULL
                     WHEN direct_role IS NOT NULL THEN 'direct' ELSE 'group' END,
                CASE WHEN role IS NULL THEN 'inactive' ELSE 'active' END,
                CASE WHEN NOT enabled THEN 'disabled'
                     WHEN role IS NULL THEN 'removed_from_groups' END,
                now(), now(), now(), $2
           FROM access
         ON CONFLICT (tenant_id, object_id) DO UPDATE
            SET role = excluded.role, role_source = excluded.role_source,
                status = excluded.status, status_reason = excluded.status_reason
          WHERE d.role_source IS DISTINCT FROM 'direct' AND excluded.role IS NOT NULL
            AND (d.role IS NULL OR access_role_rank(excluded.role) > access_role_rank(d.role))",
    )
    .bind(tenant)
    .bind(run)
    .bind(ids)
    .bind(upns)
    .bind(names)
    .bind(mails)
    .bind(enabled)
    .bind(group.map(|(id, _)| id))
    .bind(group.map(|(_, role)| role))
    .execute(conn)
    .await?;
    Ok(())
}

/// One `activated` history row per active user of the load; returns (users, active).
pub async fn record_history(
    conn: &mut PgConnection,
    tenant: TenantId,
    run: Uuid,
) -> Result<(u64, u64), sqlx::Error> {
    let active = sqlx::query(
        "INSERT INTO directory_user_history (tenant_id, id, object_id, occurred_at, change,
             from_role, to_role, reason, run_id)
         SELECT $1, sync_uuid_v7(), object_id, now(), 'activated', NULL, role, NULL, $2
           FROM directory_users WHERE tenant_id = $1 AND status = 'active'",
    )
    .bind(tenant)
    .bind(run)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let users: i64 =
        sqlx::query_scalar("SELECT count(*) FROM directory_users WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_one(conn)
            .await?;
    Ok((u64::try_from(users).unwrap_or(0), active))
}
