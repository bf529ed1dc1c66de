//! `sync.requested` ("sync now": lifts "needs attention", queues a run) and
//! `sync.hold_decided` (apply or discard a held run's deactivations).

use pa_events::{HoldDecision, SyncHoldDecided, SyncRequested};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{Ctx, audit, db};
use crate::domain::{RunStatus, kind_as_str, trigger};
use crate::repo::apply::{self, ApplyScope};
use crate::repo::{runs, tenants};

pub(super) async fn sync_requested(
    conn: &mut PgConnection,
    ctx: &Ctx<'_>,
    event: SyncRequested,
) -> Result<(), pa_messaging::HandlerError> {
    let kind = kind_as_str(event.kind);
    let row = tenants::request_run(
        conn,
        ctx.tenant,
        kind,
        trigger::SYNC_NOW,
        Some(&event.requested_by),
        true,
    )
    .await
    .map_err(db)?;
    let Some(row) = row else {
        tracing::warn!(tenant_id = %ctx.tenant, "sync.requested for a tenant not registered; ignored");
        return Ok(());
    };
    let entry = ctx.audit("sync.requested").details(json!({
        "kind": kind,
        "requested_by": event.requested_by,
        "pending_kind": row.pending_kind,
    }));
    pa_audit::record_tenant(conn, ctx.tenant, &entry)
        .await
        .map_err(audit)?;
    Ok(())
}

pub(super) async fn hold_decided(
    conn: &mut PgConnection,
    ctx: &Ctx<'_>,
    event: SyncHoldDecided,
) -> Result<(), pa_messaging::HandlerError> {
    // Serialised with runs and configuration changes of the tenant.
    if tenants::lock(conn, ctx.tenant).await.map_err(db)?.is_none() {
        return Ok(());
    }
    let run = runs::find(conn, ctx.tenant, event.run_id)
        .await
        .map_err(db)?;
    let status = run
        .as_ref()
        .and_then(|r| r.status.parse::<RunStatus>().ok());
    if status != Some(RunStatus::Held) {
        let entry = ctx.audit("sync.hold_decision_ignored").details(json!({
            "run_id": event.run_id,
            "decision": event.decision,
            "decided_by": event.decided_by,
            "run_status": status.map(RunStatus::as_str),
        }));
        pa_audit::record_tenant(conn, ctx.tenant, &entry)
            .await
            .map_err(audit)?;
        return Ok(());
    }
    let decided = match event.decision {
        HoldDecision::Approve => RunStatus::Approved,
        HoldDecision::Reject => RunStatus::Rejected,
    };
    // The run stops holding its users first, so the re-evaluation below may deactivate them.
    sqlx::query(
        "UPDATE sync_runs SET status = $3, decided_at = now(), decided_by = $4
          WHERE tenant_id = $1 AND id = $2",
    )
    .bind(ctx.tenant)
    .bind(event.run_id)
    .bind(decided.as_str())
    .bind(&event.decided_by)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    let mut deactivated = 0;
    if decided == RunStatus::Approved {
        let held: Vec<Uuid> = sqlx::query_scalar(
            "SELECT object_id FROM sync_held_changes WHERE tenant_id = $1 AND run_id = $2",
        )
        .bind(ctx.tenant)
        .bind(event.run_id)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        // Re-evaluated with what is held now: a user who came back since is not deactivated.
        let scope = ApplyScope {
            run_id: Some(event.run_id),
            all_users: false,
            reread_groups: &[],
            deleted_groups: &[],
            extra_users: &held,
            rerole_grants: false,
            hold: None,
            initial: false,
            record_history: true,
            cause: "hold_approved",
            caused_by: Some(&event.decided_by),
            request_id: ctx.request_id,
        };
        let outcome = apply::apply(conn, ctx.tenant, &scope).await.map_err(db)?;
        deactivated = outcome.deactivated;
        sqlx::query(
            "UPDATE sync_runs SET users_deactivated = users_deactivated + $3
              WHERE tenant_id = $1 AND id = $2",
        )
        .bind(ctx.tenant)
        .bind(event.run_id)
        .bind(i64::try_from(deactivated).unwrap_or(i64::MAX))
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    let action = match decided {
        RunStatus::Approved => "sync.hold_approved",
        _ => "sync.hold_rejected",
    };
    let entry = ctx.audit(action).details(json!({
        "run_id": event.run_id,
        "decided_by": event.decided_by,
        "users_deactivated": deactivated,
        "held_changes": run.map(|r| r.held_changes),
    }));
    pa_audit::record_tenant(conn, ctx.tenant, &entry)
        .await
        .map_err(audit)?;
    Ok(())
}
