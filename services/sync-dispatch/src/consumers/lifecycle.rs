//! tenant-provisioning's lifecycle events: only `active` tenants are synced; a purged
//! tenant's synced data is deleted here (whatever tenant-provisioning's purge left).

use serde_json::json;
use sqlx::PgConnection;

use super::{Ctx, audit, db};
use crate::repo::{purge, tenants};

pub(super) async fn set(
    conn: &mut PgConnection,
    ctx: &Ctx<'_>,
    lifecycle: &str,
    action: &str,
) -> Result<(), pa_messaging::HandlerError> {
    if tenants::set_lifecycle(conn, ctx.tenant, lifecycle)
        .await
        .map_err(db)?
    {
        let entry = ctx.audit(action).details(json!({ "lifecycle": lifecycle }));
        pa_audit::record_tenant(conn, ctx.tenant, &entry)
            .await
            .map_err(audit)?;
    }
    Ok(())
}

pub(super) async fn purged(
    conn: &mut PgConnection,
    ctx: &Ctx<'_>,
) -> Result<(), pa_messaging::HandlerError> {
    let deleted = purge::purge(conn, ctx.tenant, ctx.request_id)
        .await
        .map_err(db)?;
    if deleted.is_empty() {
        // Already purged (the same event again, e.g. through a second queue).
        return Ok(());
    }
    let deleted: Vec<_> = deleted
        .into_iter()
        .map(|(relation, rows)| json!({ "relation": relation, "deleted": rows }))
        .collect();
    let entry = ctx
        .audit("sync.tenant_data_purged")
        .details(json!({ "deleted": deleted }));
    pa_audit::record_tenant(conn, ctx.tenant, &entry)
        .await
        .map_err(audit)?;
    Ok(())
}
