//! The `tenants` registry (tenant-provisioning's platform table): read only.

use pa_domain::{Environment, TenantId};
use sqlx::PgConnection;

/// What the wizard shows and checks about its tenant.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TenantInfo {
    pub display_name: String,
    pub environment: Environment,
    pub status: String,
}

pub async fn find(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Option<TenantInfo>, pa_db::DbError> {
    Ok(sqlx::query_as(
        "SELECT display_name::text, environment::text AS environment, status::text \
           FROM tenants WHERE id = $1",
    )
    .bind(tenant)
    .fetch_optional(conn)
    .await?)
}
