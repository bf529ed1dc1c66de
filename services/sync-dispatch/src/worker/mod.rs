//! The sync workers: they consume the jobs, take the tenant's lease, read Graph into
//! staging ([`full`], [`incremental`]) and apply it in one transaction ([`finish`]).
//!
//! At most one run per tenant at a time is enforced in PostgreSQL: the run is the tenant's
//! `current_run_id` (claimed by the scheduler), and a worker runs it only after taking the
//! lease (`repo::runs::acquire`), which it renews every `sync.heartbeat_ms`. If it cannot
//! renew (another worker took over a lapsed lease), the run stops at once and applies
//! nothing; the final transaction re-checks the lease under the row lock. A worker that dies
//! simply stops renewing: the lease lapses, the scheduler publishes the job again and the
//! next worker starts the run over, nothing of the first attempt having been applied.

mod failure;
mod finish;
mod full;
mod incremental;
mod read;
mod sink;

use std::sync::Arc;

use pa_domain::TenantId;
use pa_entra::{EntraClient, EntraError, EntraTenantId, GraphClient};
use pa_events::SyncKind;
use pa_messaging::{Envelope, Handler, HandlerError, OutboxSignal};
use sqlx::{PgConnection, PgPool};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::config::SyncSettings;
use crate::domain::parse_kind;
use crate::jobs::JobData;
use crate::repo::runs::{self, Acquired};
use crate::repo::staging::{self, Target};

/// Why a run did not get to its end.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Graph or the token endpoint failed (after pa-entra's retries).
    #[error("Microsoft Entra ID: {0}")]
    Graph(#[from] EntraError),
    /// Graph no longer knows the delta position: run a full sync instead.
    #[error("the delta position must be rebuilt")]
    ResyncRequired,
    /// The tenant is not active here (suspended, deprovisioned).
    #[error("the tenant is {0}")]
    NotActive(String),
    #[error("database")]
    Db(#[from] sqlx::Error),
    /// Another worker holds the tenant's lease now: stop, apply nothing.
    #[error("the lease was lost")]
    LeaseLost,
    /// The run was cancelled from inside (a task of it stopped).
    #[error("the run stopped")]
    Stopped,
}

impl From<pa_db::DbError> for RunError {
    fn from(e: pa_db::DbError) -> Self {
        match e {
            pa_db::DbError::Constraint { source, .. }
            | pa_db::DbError::Unavailable(source)
            | pa_db::DbError::Query(source) => Self::Db(source),
            other => Self::Db(sqlx::Error::Protocol(other.to_string())),
        }
    }
}

/// Aborts the task when dropped, so a run's helper tasks end with the run.
pub(crate) struct AbortOnDrop<T>(pub JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl AbortOnDrop<Result<(), RunError>> {
    /// Waits for the task's result.
    pub(crate) async fn join(mut self) -> Result<(), RunError> {
        (&mut self.0).await.map_err(|_| RunError::Stopped)?
    }
}

/// What every run of this instance shares.
pub struct Worker {
    pub pool: PgPool,
    pub entra: EntraClient,
    pub outbox: OutboxSignal,
    pub settings: SyncSettings,
    /// This instance's id (recorded as the run's `worker_id`; each attempt holds the lease
    /// under an id of its own).
    pub id: Uuid,
}

/// One run in progress.
pub struct RunCtx {
    pub pool: PgPool,
    pub graph: GraphClient,
    pub settings: SyncSettings,
    pub tenant: TenantId,
    pub run: Uuid,
}

impl RunCtx {
    pub(crate) fn target(&self, seq: i64) -> Target {
        Target {
            tenant: self.tenant,
            run: self.run,
            seq,
        }
    }
}

/// What a run read, for [`finish`].
#[derive(Debug, Default)]
pub struct Staged {
    pub full: bool,
    /// Configured groups read completely, with their current names.
    pub reread: Vec<(Uuid, String)>,
    /// Configured groups found deleted.
    pub deleted: Vec<Uuid>,
    pub users_delta_link: Option<String>,
    pub groups_delta_link: Option<String>,
    /// Rows staged (0 with nothing read: an incremental run that found no change).
    pub staged: u64,
    /// The open transaction of an initial load (its users are already written in it).
    pub initial: Option<sink::InitialLoad>,
}

/// The job consumer.
pub struct JobHandler(pub Arc<Worker>);

#[pa_messaging::async_trait]
impl Handler for JobHandler {
    /// Runs the job. The run records its own outcome, so the message is acknowledged
    /// whatever happened to the run; only an unreadable job is rejected.
    async fn handle(
        &self,
        _conn: &mut PgConnection,
        envelope: &Envelope,
    ) -> Result<(), HandlerError> {
        let job: JobData = envelope.data_as()?;
        self.0.run_job(&job).await;
        Ok(())
    }
}

impl Worker {
    /// Takes the lease and runs the job's run to its end (see the module docs).
    #[tracing::instrument(name = "sync.run", skip_all, fields(tenant_id = %job.tenant_id, run_id = %job.run_id))]
    pub async fn run_job(&self, job: &JobData) {
        let ttl = self.settings.lease_ttl_secs;
        // The lease belongs to this attempt, not to the instance (see `runs::acquire`).
        let lease = Uuid::now_v7();
        let acquired = match runs::acquire(
            &self.pool,
            job.tenant_id,
            job.run_id,
            self.id,
            lease,
            ttl,
        )
        .await
        {
            Ok(Some(acquired)) => acquired,
            Ok(None) => {
                tracing::debug!("stale job (the run ended, or another worker holds the lease)");
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not take the lease; the job will be published again");
                return;
            }
        };
        tracing::info!(kind = %acquired.kind, trigger = %acquired.trigger, attempt = acquired.attempt, "run started");
        let mut heartbeat = AbortOnDrop(tokio::spawn(heartbeat(
            self.pool.clone(),
            job.tenant_id,
            job.run_id,
            lease,
            self.settings.clone(),
        )));
        let result = tokio::select! {
            result = self.execute(job, &acquired) => result,
            _ = &mut heartbeat.0 => Err(RunError::LeaseLost),
        };
        drop(heartbeat);
        let outcome = match result {
            Ok(staged) => finish::succeed(self, job, lease, staged).await,
            Err(RunError::LeaseLost) => Err(RunError::LeaseLost),
            Err(e) => finish::fail(self, job, lease, &e).await,
        };
        match outcome {
            Ok(()) => {}
            Err(RunError::LeaseLost) => {
                tracing::warn!("lost the lease to another worker: nothing applied");
            }
            Err(e) => {
                tracing::error!(error = %crate::error::error_chain(&e), "the run could not be recorded; it will be retried when its lease lapses");
            }
        }
    }

    async fn execute(&self, job: &JobData, acquired: &Acquired) -> Result<Staged, RunError> {
        if acquired.lifecycle != "active" {
            return Err(RunError::NotActive(acquired.lifecycle.clone()));
        }
        let entra_tenant = EntraTenantId::from_uuid(acquired.entra_tenant_id)
            .map_err(|e| RunError::Graph(EntraError::from(e)))?;
        let ctx = RunCtx {
            pool: self.pool.clone(),
            graph: self.entra.graph(entra_tenant),
            settings: self.settings.clone(),
            tenant: job.tenant_id,
            run: job.run_id,
        };
        let kind = parse_kind(&acquired.kind).unwrap_or(SyncKind::Full);
        let links = acquired
            .users_delta_link
            .as_deref()
            .zip(acquired.groups_delta_link.as_deref());
        match (kind, links) {
            (SyncKind::Incremental, Some((users, groups))) => {
                match incremental::run(&ctx, users, groups).await {
                    Err(RunError::ResyncRequired) => {
                        tracing::info!(
                            "delta position reset by Graph: running a full sync instead"
                        );
                        runs::become_full(&self.pool, job.tenant_id, job.run_id).await?;
                        staging::forget(&self.pool, job.tenant_id, Some(job.run_id)).await?;
                        full::run(&ctx).await
                    }
                    other => other,
                }
            }
            _ => full::run(&ctx).await,
        }
    }
}

/// Renews the lease until it cannot (returns then). Database hiccups are retried until the
/// lease would have lapsed anyway.
async fn heartbeat(
    pool: PgPool,
    tenant: TenantId,
    run: Uuid,
    lease: Uuid,
    s: SyncSettings,
) -> Result<(), RunError> {
    let ttl = std::time::Duration::from_secs(u64::from(s.lease_ttl_secs));
    let mut last_renewed = tokio::time::Instant::now();
    loop {
        tokio::time::sleep(s.heartbeat()).await;
        match runs::heartbeat(&pool, tenant, run, lease, s.lease_ttl_secs).await {
            Ok(true) => last_renewed = tokio::time::Instant::now(),
            Ok(false) => return Err(RunError::LeaseLost),
            Err(e) if last_renewed.elapsed() < ttl => {
                tracing::warn!(error = %e, "renewing the lease failed; retrying");
            }
            Err(_) => return Err(RunError::LeaseLost),
        }
    }
}
