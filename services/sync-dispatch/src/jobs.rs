//! The sync jobs: one message per run, published by the scheduler through the outbox to the
//! `pa.events` exchange under `sync.job.full` / `sync.job.incremental`, consumed only by
//! this service's workers (two queues, so full syncs never delay incremental ones).
//!
//! A job names the run; the run's row and the tenant's lease decide whether it still needs
//! doing, so a duplicate or late job is harmless.

use pa_domain::TenantId;
use pa_events::SyncKind;
use pa_messaging::{Event, EventMeta, MessagingError, OutboxBatch};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Routing keys (event types) of the jobs.
pub const FULL_ROUTING_KEY: &str = "sync.job.full";
pub const INCREMENTAL_ROUTING_KEY: &str = "sync.job.incremental";

/// What a job carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobData {
    pub tenant_id: TenantId,
    pub run_id: Uuid,
    pub kind: SyncKind,
}

/// A full sync job.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct FullSyncJob<'a>(pub &'a JobData);

impl Event for FullSyncJob<'_> {
    const TYPE: &'static str = FULL_ROUTING_KEY;
}

/// An incremental sync job.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct IncrementalSyncJob<'a>(pub &'a JobData);

impl Event for IncrementalSyncJob<'_> {
    const TYPE: &'static str = INCREMENTAL_ROUTING_KEY;
}

/// Adds the job to `batch` (routing key by kind).
pub fn push(batch: &mut OutboxBatch, job: &JobData) -> Result<Uuid, MessagingError> {
    let meta = EventMeta {
        tenant_id: Some(job.tenant_id),
        request_id: None,
    };
    match job.kind {
        SyncKind::Full => batch.push(&meta, &FullSyncJob(job)),
        SyncKind::Incremental => batch.push(&meta, &IncrementalSyncJob(job)),
    }
}
