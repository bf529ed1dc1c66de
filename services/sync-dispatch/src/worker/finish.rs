//! The end of a run, in ONE transaction that first re-checks the lease under the tenant's
//! row lock: apply what was staged (or record the failure), record the run, release the
//! tenant, publish `sync.run_finished` (and `directory.needs_attention`), audit.

use pa_audit::{Actor, AuditEntry, Outcome};
use pa_events::{DirectoryNeedsAttention, SyncRunFinished, SyncRunOutcome};
use pa_messaging::EventMeta;
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::failure::{Failure, classify};
use super::{RunError, Staged, Worker};
use crate::domain::{RunStatus, parse_kind};
use crate::jobs::JobData;
use crate::repo::apply::{self, ApplyOutcome, ApplyScope, HoldRule};
use crate::repo::runs::{self, RunEnd, RunRecord};
use crate::repo::tenants::{self, SyncTenant};
use crate::repo::{config, staging};

const COMPONENT: &str = "sync-dispatch";

/// Applies a run that read everything.
pub async fn succeed(
    w: &Worker,
    job: &JobData,
    lease: Uuid,
    mut staged: Staged,
) -> Result<(), RunError> {
    let (tenant, run) = (job.tenant_id, job.run_id);
    // A whole lease ahead of the final transaction.
    if !runs::heartbeat(&w.pool, tenant, run, lease, w.settings.lease_ttl_secs).await? {
        return Err(RunError::LeaseLost);
    }
    // An initial load ends in the transaction it wrote its users in.
    let (mut tx, initial_version) = match staged.initial.take() {
        Some(load) => (load.tx, Some(load.config_version)),
        None => (pa_db::begin_tenant(&w.pool, tenant).await?, None),
    };
    let row = lock_own(&mut tx, job, lease).await?;
    let nothing_read =
        !staged.full && staged.staged == 0 && staged.reread.is_empty() && staged.deleted.is_empty();
    let outcome = if let Some(version) = initial_version {
        let config_changed = row.config_version != version;
        finish_initial_load(&mut tx, tenant, run, &staged, config_changed).await?
    } else if nothing_read {
        ApplyOutcome::default()
    } else {
        let initial = staged.full && row.last_success_at.is_none() && !has_users(&mut tx).await?;
        let reread: Vec<_> = staged.reread.iter().map(|(id, _)| *id).collect();
        let scope = ApplyScope {
            run_id: Some(run),
            all_users: staged.full,
            reread_groups: &reread,
            deleted_groups: &staged.deleted,
            extra_users: &[],
            rerole_grants: false,
            hold: Some(HoldRule {
                percent: u8::try_from(row.deactivation_threshold_percent).unwrap_or(20),
                count: u32::try_from(row.deactivation_threshold_count).unwrap_or(500),
                min: w.settings.hold_min_deactivations,
            }),
            initial,
            record_history: true,
            cause: "sync_run",
            caused_by: None,
            request_id: None,
        };
        let outcome = apply::apply(&mut tx, tenant, &scope).await?;
        config::record_groups(&mut tx, tenant, run, &staged.reread, &staged.deleted, false).await?;
        outcome
    };
    let (status, error_code, error_message) = if outcome.protected > 0 {
        let message = format!(
            "kept {} Admin(s) active: the directory would have left the tenant without an active Admin",
            outcome.protected
        );
        (
            RunStatus::Blocked,
            Some("last_admin_protected"),
            Some(message),
        )
    } else if outcome.held > 0 {
        let message = format!(
            "{} deactivation(s) exceed the tenant's threshold and wait for an Admin's decision",
            outcome.held
        );
        (RunStatus::Held, Some("deactivations_held"), Some(message))
    } else {
        (RunStatus::Succeeded, None, None)
    };
    let end = RunEnd {
        status: status.as_str(),
        created: outcome.created,
        updated: outcome.updated,
        deactivated: outcome.deactivated,
        reactivated: outcome.reactivated,
        held: outcome.held,
        error_code,
        error_message: error_message.as_deref(),
    };
    let record = runs::finish(&mut tx, tenant, run, &end).await?;
    runs::release_success(
        &mut tx,
        tenant,
        staged.full,
        staged.users_delta_link.as_deref(),
        staged.groups_delta_link.as_deref(),
    )
    .await?;
    let outcome_kind = match status {
        RunStatus::Blocked => SyncRunOutcome::Blocked,
        RunStatus::Held => SyncRunOutcome::Held,
        _ => SyncRunOutcome::Succeeded,
    };
    publish_finished(&mut tx, &record, outcome_kind).await?;
    let changed = outcome != ApplyOutcome::default();
    if changed || staged.full || status != RunStatus::Succeeded {
        let entry = AuditEntry::new(
            Actor::System {
                component: COMPONENT,
            },
            finished_action(status),
        )
        .target("sync_run", run)
        .details(json!({
            "kind": record.kind,
            "trigger": record.trigger,
            "users_created": outcome.created,
            "users_updated": outcome.updated,
            "users_deactivated": outcome.deactivated,
            "users_reactivated": outcome.reactivated,
            "held_changes": outcome.held,
            "admins_kept": outcome.protected,
            "pages_read": record.pages_read,
        }));
        pa_audit::record_tenant(&mut tx, tenant, &entry)
            .await
            .map_err(audit_error)?;
    }
    w.outbox.commit(tx).await?;
    forget_staging(w, job).await;
    if w.settings.stats_refresh_min_created > 0
        && outcome.created >= w.settings.stats_refresh_min_created
    {
        refresh_statistics(w).await;
    }
    tracing::info!(status = %status, created = outcome.created, updated = outcome.updated,
        deactivated = outcome.deactivated, reactivated = outcome.reactivated, held = outcome.held,
        "run finished");
    Ok(())
}

/// Refreshes the directory tables' planner statistics after a large load (best effort: the
/// run is already recorded; see migration 0038 for why).
async fn refresh_statistics(w: &Worker) {
    let started = std::time::Instant::now();
    match sqlx::query("SELECT sync_refresh_statistics()")
        .execute(&w.pool)
        .await
    {
        Ok(_) => tracing::info!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "directory statistics refreshed after a large load"
        ),
        Err(e) => tracing::warn!(error = %e, "could not refresh the directory statistics"),
    }
}

/// Ends an initial load (its users are already written in `conn`'s transaction): roles
/// derived again if the configuration changed meanwhile or a group turned out deleted, one
/// `activated` history row per active user, the groups recorded.
async fn finish_initial_load(
    conn: &mut PgConnection,
    tenant: pa_domain::TenantId,
    run: uuid::Uuid,
    staged: &Staged,
    config_changed: bool,
) -> Result<ApplyOutcome, RunError> {
    if config_changed || !staged.deleted.is_empty() {
        let scope = ApplyScope {
            run_id: Some(run),
            all_users: true,
            reread_groups: &[],
            deleted_groups: &staged.deleted,
            extra_users: &[],
            rerole_grants: true,
            hold: None,
            initial: true,
            record_history: false,
            cause: "sync_run",
            caused_by: None,
            request_id: None,
        };
        apply::apply(conn, tenant, &scope).await?;
    }
    let (users, _active) = crate::repo::initial::record_history(conn, tenant, run).await?;
    config::record_groups(conn, tenant, run, &staged.reread, &staged.deleted, true).await?;
    Ok(ApplyOutcome {
        created: users,
        ..ApplyOutcome::default()
    })
}

/// Records a run that could not read everything: nothing is applied; the tenant is retried
/// after a backoff, or needs attention.
pub async fn fail(
    w: &Worker,
    job: &JobData,
    lease: Uuid,
    error: &RunError,
) -> Result<(), RunError> {
    let (tenant, run) = (job.tenant_id, job.run_id);
    let failure: Failure = classify(error);
    tracing::warn!(code = %failure.code, error = %crate::error::error_chain(error), "run failed");
    let mut tx = pa_db::begin_tenant(&w.pool, tenant).await?;
    let row = lock_own(&mut tx, job, lease).await?;
    let end = RunEnd {
        status: RunStatus::Failed.as_str(),
        error_code: Some(&failure.code),
        error_message: Some(&failure.message),
        ..RunEnd::default()
    };
    let record = runs::finish(&mut tx, tenant, run, &end).await?;
    let failures = u32::try_from(row.consecutive_failures).unwrap_or(0) + 1;
    let backoff = w
        .settings
        .retry_backoff_secs(failures)
        .max(failure.retry_after_secs.unwrap_or(0));
    runs::release_failure(&mut tx, tenant, &record.kind, backoff, false).await?;
    if let Some(attention) = &failure.attention {
        let since = tenants::set_attention(
            &mut tx,
            tenant,
            attention.reason,
            attention.microsoft_code.as_deref(),
            &attention.remediation,
        )
        .await?;
        let event = DirectoryNeedsAttention {
            tenant_id: tenant,
            reason: attention.reason.to_owned(),
            microsoft_code: attention.microsoft_code.clone(),
            remediation: attention.remediation.clone(),
            since,
        };
        pa_messaging::enqueue(&mut tx, &meta(job), &event)
            .await
            .map_err(messaging_error)?;
    }
    publish_finished(&mut tx, &record, SyncRunOutcome::Failed).await?;
    let entry = AuditEntry::new(
        Actor::System {
            component: COMPONENT,
        },
        "sync.run_failed",
    )
    .target("sync_run", run)
    .outcome(Outcome::Failure)
    .details(json!({
        "kind": record.kind,
        "error_code": failure.code,
        "error_message": failure.message,
        "needs_attention": failure.attention.as_ref().map(|a| a.reason),
        "retry_after_secs": failure.attention.is_none().then_some(backoff),
    }));
    pa_audit::record_tenant(&mut tx, tenant, &entry)
        .await
        .map_err(audit_error)?;
    w.outbox.commit(tx).await?;
    forget_staging(w, job).await;
    Ok(())
}

/// The tenant's row, locked, while this attempt holds the lease for the job's run.
async fn lock_own(
    conn: &mut PgConnection,
    job: &JobData,
    lease: Uuid,
) -> Result<SyncTenant, RunError> {
    let row = tenants::lock(conn, job.tenant_id)
        .await?
        .ok_or(RunError::LeaseLost)?;
    if row.current_run_id != Some(job.run_id) || row.lease_owner != Some(lease) {
        return Err(RunError::LeaseLost);
    }
    Ok(row)
}

async fn has_users(conn: &mut PgConnection) -> Result<bool, sqlx::Error> {
    // RLS scopes this to the transaction's tenant.
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM directory_users)")
        .fetch_one(conn)
        .await
}

async fn publish_finished(
    conn: &mut PgConnection,
    record: &RunRecord,
    outcome: SyncRunOutcome,
) -> Result<(), RunError> {
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    let event = SyncRunFinished {
        tenant_id: record.tenant_id.into(),
        run_id: record.id,
        kind: parse_kind(&record.kind).unwrap_or(pa_events::SyncKind::Full),
        outcome,
        users_created: n(record.users_created),
        users_updated: n(record.users_updated),
        users_deactivated: n(record.users_deactivated),
        users_reactivated: n(record.users_reactivated),
        held_changes: n(record.held_changes),
        error_code: record.error_code.clone(),
    };
    let meta = EventMeta {
        tenant_id: Some(record.tenant_id.into()),
        request_id: None,
    };
    pa_messaging::enqueue(conn, &meta, &event)
        .await
        .map_err(messaging_error)?;
    Ok(())
}

fn finished_action(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Held => "sync.run_held",
        RunStatus::Blocked => "sync.run_blocked",
        _ => "sync.run_succeeded",
    }
}

fn meta(job: &JobData) -> EventMeta {
    EventMeta {
        tenant_id: Some(job.tenant_id),
        request_id: None,
    }
}

async fn forget_staging(w: &Worker, job: &JobData) {
    if let Err(e) = staging::forget(&w.pool, job.tenant_id, Some(job.run_id)).await {
        tracing::warn!(error = %e, "deleting the run's staging rows failed; the next run does");
    }
}

fn audit_error(e: pa_audit::AuditError) -> RunError {
    match e {
        pa_audit::AuditError::Db(db) | pa_audit::AuditError::TenantContext(db) => db.into(),
        other => RunError::Db(sqlx::Error::Protocol(other.to_string())),
    }
}

fn messaging_error(e: pa_messaging::MessagingError) -> RunError {
    match e {
        pa_messaging::MessagingError::Db(db) => db.into(),
        other => RunError::Db(sqlx::Error::Protocol(other.to_string())),
    }
}
