//! Deleting a purged tenant's synced data (`tenant.purged`).

use pa_domain::TenantId;
use sqlx::PgConnection;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Every table of this service, children first.
const TABLES: &[&str] = &[
    "directory_user_history",
    "directory_user_grants",
    "directory_groups",
    "directory_users",
    "sync_group_closure",
    "sync_held_changes",
    "sync_protected_admins",
    "sync_stage_users",
    "sync_stage_members",
    "sync_stage_groups",
    "sync_runs",
    "sync_access_groups",
    "sync_direct_assignments",
    "sync_tenants",
];

/// Publishes `user.deactivated` (reason `tenant_purged`) for every user still active, then
/// deletes the tenant's rows from every table of this service. Returns rows deleted per
/// table (tables with none left out).
pub async fn purge(
    conn: &mut PgConnection,
    tenant: TenantId,
    request_id: Option<&str>,
) -> Result<Vec<(&'static str, u64)>, sqlx::Error> {
    let occurred_at = OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default();
    sqlx::query(
        "INSERT INTO outbox (id, event_type, payload, headers)
         SELECT e.id, 'user.deactivated',
                json_build_object('id', e.id, 'type', 'user.deactivated', 'tenant_id', $1::uuid,
                                  'occurred_at', $2::text, 'request_id', $3::text, 'data', e.data),
                $4::json
           FROM (SELECT sync_uuid_v7() AS id,
                        json_build_object('tenant_id', $1::uuid, 'object_id', object_id,
                            'user_principal_name', user_principal_name, 'reason', 'tenant_purged',
                            'previous_role', role, 'run_id', NULL) AS data
                   FROM directory_users
                  WHERE tenant_id = $1 AND status = 'active') e",
    )
    .bind(tenant)
    .bind(occurred_at)
    .bind(request_id)
    .bind(crate::events::amqp_headers(tenant, request_id))
    .execute(&mut *conn)
    .await?;
    pa_db::delete_tenant_rows(conn, tenant, TABLES).await
}
