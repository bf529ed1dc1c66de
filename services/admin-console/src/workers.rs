//! Background work every instance runs (several instances may run at once):
//! the audit [`pa_audit::Sealer`] (chains new records about a second after they commit), the
//! [`pa_audit::RetentionPurger`] (deletes records older than each tenant's retention, keeping
//! the chain verifiable), and the session sweeper ([`sweep_sessions`]: ends and audits sessions
//! that timed out while nobody used them, deletes stale sign-ins).

use std::sync::Arc;
use std::time::Duration;

use pa_db::PgPool;
use pa_domain::TenantId;
use time::OffsetDateTime;
use tokio::sync::watch;
use uuid::Uuid;

use crate::auth;
use crate::clock::Clock;
use crate::error::ApiError;
use crate::repo::sessions::{self, SessionRow};
use crate::repo::signin;

/// What one sweep did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sweep {
    pub sessions_ended: u64,
    pub signins_deleted: u64,
}

/// Ends every live session whose idle timeout or absolute lifetime has passed (audited as
/// `session.timed_out`, by the session's subject), and deletes expired sign-ins: every tenant
/// [`tenants_with_expired_sessions`] names, each by [`sweep_tenant`].
pub async fn sweep_sessions(pool: &PgPool, clock: &dyn Clock) -> Result<Sweep, ApiError> {
    let now = clock.now();
    let mut sweep = Sweep::default();
    for tenant in tenants_with_expired_sessions(pool, now).await? {
        let done = sweep_tenant(pool, tenant, now).await?;
        sweep.sessions_ended += done.sessions_ended;
        sweep.signins_deleted += done.signins_deleted;
    }
    Ok(sweep)
}

/// The tenants that have a session or sign-in past its time at `now` (across tenants,
/// through a SECURITY DEFINER function: 0041).
pub async fn tenants_with_expired_sessions(
    pool: &PgPool,
    now: OffsetDateTime,
) -> Result<Vec<TenantId>, ApiError> {
    let tenants: Vec<Uuid> = sqlx::query_scalar("SELECT console_tenants_with_expired_sessions($1)")
        .bind(now)
        .fetch_all(pool)
        .await?;
    Ok(tenants.into_iter().map(TenantId::from_uuid).collect())
}

/// One tenant's part of the sweep, in one transaction under its RLS context.
pub async fn sweep_tenant(
    pool: &PgPool,
    tenant: TenantId,
    now: OffsetDateTime,
) -> Result<Sweep, ApiError> {
    let mut sweep = Sweep::default();
    let mut tx = pa_db::begin_tenant(pool, tenant).await?;
    let live: Vec<SessionRow> = sessions::live_in_tenant(&mut tx, tenant).await?;
    for row in &live {
        if let Err(reason) = auth::verdict_of(row, now)
            && matches!(
                reason,
                sessions::EndReason::IdleTimeout | sessions::EndReason::AbsoluteTimeout
            )
        {
            let ctx = crate::context::RequestContext::new(row.actor(), None, None);
            if sessions::end(&mut tx, tenant, row, reason, now, &ctx).await? {
                sweep.sessions_ended += 1;
            }
        }
    }
    sweep.signins_deleted += signin::delete_expired(&mut tx, tenant, now).await?;
    tx.commit().await?;
    Ok(sweep)
}

/// Runs the sweeper every `every` until shutdown.
pub async fn run_sweeper(
    pool: PgPool,
    clock: Arc<dyn Clock>,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            return;
        }
        match sweep_sessions(&pool, clock.as_ref()).await {
            Ok(s) if s.sessions_ended > 0 => {
                tracing::info!(ended = s.sessions_ended, "expired sessions ended")
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %crate::error::error_chain(&e), "session sweep failed")
            }
        }
    }
}
