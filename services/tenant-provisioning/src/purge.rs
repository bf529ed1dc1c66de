//! The purge worker: deletes the data of tenants whose deprovisioning grace period is
//! over (tenant-provisioning's own tables; `tenant.purged` tells the other services to
//! delete theirs), keeps their audit trail, and marks them `purged`.

use std::time::Duration;

use pa_db::{PgConnection, PgPool};
use pa_domain::TenantId;
use pa_messaging::{OutboxSignal, Shutdown};
use serde_json::json;

use crate::context::RequestContext;
use crate::events::TenantPurged;
use crate::repo::{idempotency, tenant_data, tenants};

/// The audit actor of purges.
const COMPONENT: &str = "tenant-provisioning.purge";
/// Expired idempotency keys deleted per pass.
const IDEMPOTENCY_BATCH: i64 = 1_000;

/// Why a purge pass failed (it is retried on the next tick).
#[derive(Debug, thiserror::Error)]
pub enum PurgeError {
    #[error("database")]
    Db(#[from] pa_db::DbError),
    #[error("audit")]
    Audit(#[from] pa_audit::AuditError),
    #[error("outbox")]
    Messaging(#[from] pa_messaging::MessagingError),
}

impl From<sqlx::Error> for PurgeError {
    fn from(e: sqlx::Error) -> Self {
        Self::Db(e.into())
    }
}

/// Runs a pass every `interval` until `shutdown`.
pub async fn run(
    pool: PgPool,
    outbox: OutboxSignal,
    interval: Duration,
    shutdown: impl Into<Shutdown>,
) {
    let mut shutdown = shutdown.into();
    tracing::info!(interval_secs = interval.as_secs(), "purge worker started");
    while !shutdown.is_requested() {
        match purge_due(&pool, &outbox).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(tenants = n, "purged deprovisioned tenants"),
            Err(e) => tracing::warn!(error = %crate::error::error_chain(&e), "purge pass failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = shutdown.requested() => {}
        }
    }
    tracing::info!("purge worker stopped");
}

/// Purges every tenant that is due (one transaction each) and deletes expired
/// idempotency keys; returns how many tenants were purged. Commits go through `outbox`.
pub async fn purge_due(pool: &PgPool, outbox: &OutboxSignal) -> Result<usize, PurgeError> {
    let mut purged = 0;
    while purge_one(pool, outbox).await?.is_some() {
        purged += 1;
    }
    let mut conn = pool.acquire().await?;
    idempotency::delete_expired(&mut conn, IDEMPOTENCY_BATCH).await?;
    Ok(purged)
}

/// Claims one due tenant and purges it in one transaction.
async fn purge_one(pool: &PgPool, outbox: &OutboxSignal) -> Result<Option<TenantId>, PurgeError> {
    let mut tx = pool.begin().await?;
    let Some(id) = tenants::claim_due_for_purge(&mut tx).await? else {
        return Ok(None);
    };
    purge_tenant(&mut tx, id).await?;
    outbox.commit(tx).await?;
    Ok(Some(id))
}

/// Deletes the tenant's tenant-owned rows, marks it purged, and records `tenant.purged`
/// (audit + event). The audit trail is append-only and stays.
#[tracing::instrument(name = "tenant.purge", skip_all, fields(tenant_id = %id))]
async fn purge_tenant(conn: &mut PgConnection, id: TenantId) -> Result<(), PurgeError> {
    pa_db::set_tenant(conn, id).await?;
    let rows = tenant_data::purge_tenant_rows(conn, id).await?;
    tenants::mark_purged(conn, id).await?;
    let ctx = RequestContext::system(COMPONENT);
    let entry = ctx
        .audit("tenant.purged")
        .target("tenant", id)
        .details(json!({ "deleted": rows }));
    pa_audit::record_tenant(conn, id, &entry).await?;
    let event = TenantPurged {
        tenant_id: id,
        purged: rows,
    };
    pa_messaging::enqueue(conn, &ctx.event_meta(id), &event).await?;
    Ok(())
}
