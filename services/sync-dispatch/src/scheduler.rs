//! The scheduler loop, run by every instance (no coordinator): each tick, in one
//! transaction, it claims due tenants (`sync_claim_due`: `FOR UPDATE SKIP LOCKED`, so two
//! instances never claim the same tenant, and a tenant with a run in progress is never
//! claimed), finds runs whose job or worker went missing (`sync_recover_stale`), and
//! publishes one job per run through the outbox. Claims and jobs commit together.

use std::collections::HashMap;

use pa_db::PgPool;
use pa_domain::TenantId;
use pa_messaging::{OutboxBatch, OutboxSignal, Shutdown};
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use crate::config::SyncSettings;
use crate::domain::parse_kind;
use crate::jobs::{self, JobData};

/// Runs ticks until `shutdown`.
pub async fn run(
    pool: PgPool,
    outbox: OutboxSignal,
    settings: SyncSettings,
    shutdown: impl Into<Shutdown>,
) {
    let mut shutdown = shutdown.into();
    tracing::info!(
        tick_ms = settings.scheduler_tick_ms,
        "sync scheduler started"
    );
    while !shutdown.is_requested() {
        let more = match tick(&pool, &outbox, &settings).await {
            Ok(dispatched) => dispatched.claimed >= settings.claim_batch as usize,
            Err(e) => {
                tracing::warn!(error = %crate::error::error_chain(&e), "scheduler tick failed");
                false
            }
        };
        if more {
            continue;
        }
        tokio::select! {
            () = tokio::time::sleep(settings.scheduler_tick()) => {}
            () = shutdown.requested() => {}
        }
    }
    tracing::info!("sync scheduler stopped");
}

/// What one tick published.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dispatched {
    /// New runs claimed.
    pub claimed: usize,
    /// Runs published again (lapsed lease, or no worker took the job).
    pub recovered: usize,
}

/// The traceparents of the runs about to be published (those that have one).
async fn traceparents(
    tx: &mut sqlx::PgConnection,
    runs: impl Iterator<Item = Uuid>,
) -> Result<HashMap<Uuid, String>, pa_db::DbError> {
    let runs: Vec<Uuid> = runs.collect();
    if runs.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, String)> =
        sqlx::query_as("SELECT run_id, traceparent FROM sync_run_traceparents($1)")
            .bind(&runs)
            .fetch_all(tx)
            .await?;
    Ok(rows.into_iter().collect())
}

/// One tick (see the module docs).
pub async fn tick(
    pool: &PgPool,
    outbox: &OutboxSignal,
    settings: &SyncSettings,
) -> Result<Dispatched, pa_db::DbError> {
    let mut tx = pool.begin().await?;
    let claimed: Vec<(Uuid, Uuid, String, String)> =
        sqlx::query_as("SELECT tenant_id, run_id, kind, run_trigger FROM sync_claim_due($1)")
            .bind(i32::try_from(settings.claim_batch).unwrap_or(i32::MAX))
            .fetch_all(&mut *tx)
            .await?;
    let recovered: Vec<(Uuid, Uuid, String)> =
        sqlx::query_as("SELECT tenant_id, run_id, kind FROM sync_recover_stale($1, $2)")
            .bind(i32::try_from(settings.unclaimed_after_secs).unwrap_or(i32::MAX))
            .bind(i32::try_from(settings.claim_batch).unwrap_or(i32::MAX))
            .fetch_all(&mut *tx)
            .await?;
    let mut batch = OutboxBatch::new();
    let jobs: Vec<(&Uuid, &Uuid, &String)> = claimed
        .iter()
        .map(|(tenant, run, kind, _)| (tenant, run, kind))
        .chain(
            recovered
                .iter()
                .map(|(tenant, run, kind)| (tenant, run, kind)),
        )
        .collect();
    let traces = traceparents(&mut tx, jobs.iter().map(|(_, run, _)| **run)).await?;
    for (tenant, run, kind) in jobs {
        let job = JobData {
            tenant_id: TenantId::from_uuid(*tenant),
            run_id: *run,
            kind: parse_kind(kind).map_err(|e| pa_db::DbError::Config(e.to_string()))?,
        };
        // A requested run's job continues the request's trace (0037): the job is
        // published from a span whose parent is what asked for the run.
        let span =
            tracing::info_span!("sync.dispatch", tenant_id = %tenant, run_id = %run, kind = %kind);
        if let Some(traceparent) = traces.get(run) {
            pa_telemetry::set_parent_from_traceparent(&span, traceparent);
        }
        span.in_scope(|| jobs::push(&mut batch, &job))
            .map_err(|e| pa_db::DbError::Config(e.to_string()))?;
    }
    if !batch.is_empty() {
        let mut insert = QueryBuilder::<Postgres>::new("");
        batch.push_insert(&mut insert);
        insert.build().execute(&mut *tx).await?;
    }
    outbox.commit(tx).await?;
    for (tenant, run, kind, trigger) in &claimed {
        tracing::debug!(tenant_id = %tenant, run_id = %run, %kind, %trigger, "run queued");
    }
    for (tenant, run, _) in &recovered {
        tracing::info!(tenant_id = %tenant, run_id = %run, "run published again (its job or worker went missing)");
    }
    Ok(Dispatched {
        claimed: claimed.len(),
        recovered: recovered.len(),
    })
}
