//! `consent_wizard_groups` (tenant-owned): the groups chosen in the wizard.

use pa_domain::TenantId;
use pa_events::AccessRole;
use sqlx::PgConnection;
use uuid::Uuid;

/// One chosen group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupRow {
    pub group_id: Uuid,
    pub display_name: String,
    pub role: AccessRole,
    pub member_count: i64,
    pub admin_is_member: bool,
}

/// The tenant's chosen groups, in the order they were given.
pub async fn list(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<GroupRow>, pa_db::DbError> {
    let rows: Vec<(Uuid, String, String, i64, bool)> = sqlx::query_as(
        "SELECT group_id, display_name, role, member_count, admin_is_member \
           FROM consent_wizard_groups WHERE tenant_id = $1 ORDER BY position",
    )
    .bind(tenant)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(group_id, display_name, role, member_count, admin_is_member)| GroupRow {
                group_id,
                display_name,
                // The column's CHECK allows only these three.
                role: role.parse().unwrap_or(AccessRole::Viewer),
                member_count,
                admin_is_member,
            },
        )
        .collect())
}

/// Replaces the selection with `groups` (in one statement).
pub async fn replace(
    conn: &mut PgConnection,
    tenant: TenantId,
    groups: &[GroupRow],
) -> Result<(), pa_db::DbError> {
    sqlx::query("DELETE FROM consent_wizard_groups WHERE tenant_id = $1")
        .bind(tenant)
        .execute(&mut *conn)
        .await?;
    let ids: Vec<Uuid> = groups.iter().map(|g| g.group_id).collect();
    let names: Vec<&str> = groups.iter().map(|g| g.display_name.as_str()).collect();
    let roles: Vec<&str> = groups.iter().map(|g| g.role.as_str()).collect();
    let counts: Vec<i64> = groups.iter().map(|g| g.member_count).collect();
    let members: Vec<bool> = groups.iter().map(|g| g.admin_is_member).collect();
    sqlx::query(
        "INSERT INTO consent_wizard_groups \
           (tenant_id, group_id, display_name, role, member_count, admin_is_member, position) \
         SELECT $1, g.id, g.name, g.role, g.count, g.member, g.ord - 1 \
           FROM unnest($2::uuid[], $3::text[], $4::text[], $5::int8[], $6::bool[]) \
                WITH ORDINALITY AS g(id, name, role, count, member, ord)",
    )
    .bind(tenant)
    .bind(&ids)
    .bind(&names)
    .bind(&roles)
    .bind(&counts)
    .bind(&members)
    .execute(conn)
    .await?;
    Ok(())
}

/// Re-records whether the (new) administrator is a member of each chosen group.
pub async fn set_admin_membership(
    conn: &mut PgConnection,
    tenant: TenantId,
    membership: &[(Uuid, bool)],
) -> Result<(), pa_db::DbError> {
    let ids: Vec<Uuid> = membership.iter().map(|(id, _)| *id).collect();
    let flags: Vec<bool> = membership.iter().map(|(_, m)| *m).collect();
    sqlx::query(
        "UPDATE consent_wizard_groups g SET admin_is_member = m.member \
           FROM unnest($2::uuid[], $3::bool[]) AS m(id, member) \
          WHERE g.tenant_id = $1 AND g.group_id = m.id",
    )
    .bind(tenant)
    .bind(&ids)
    .bind(&flags)
    .execute(conn)
    .await?;
    Ok(())
}
