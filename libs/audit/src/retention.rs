//! Retention: each tenant's records are kept for its [`Retention`] (default 6 years), then
//! purged by [`purge_expired`] / [`RetentionPurger`] without breaking the chain (0052).

use std::time::Duration;

use pa_domain::TenantId;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use tokio::sync::watch;
use uuid::Uuid;

use crate::chain::error_chain;
use crate::{Actor, AuditEntry, AuditError, ChainHash};

/// How long a tenant's audit records are kept, in whole days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Retention(u32);

/// A retention outside [`Retention::MIN_DAYS`]..=[`Retention::MAX_DAYS`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("retention must be between 365 and 36525 days")]
pub struct RetentionOutOfRange;

impl Retention {
    /// 6 years (HIPAA 164.316(b)(2)(i)) of 365.25 days, rounded up: 2,192 days, never less
    /// than six calendar years.
    pub const DEFAULT: Self = Self(2_192);
    /// The shortest retention a tenant may set: one year.
    pub const MIN_DAYS: u32 = 365;
    /// The longest: 100 years.
    pub const MAX_DAYS: u32 = 36_525;

    /// A retention of `days`.
    pub fn from_days(days: u32) -> Result<Self, RetentionOutOfRange> {
        if (Self::MIN_DAYS..=Self::MAX_DAYS).contains(&days) {
            Ok(Self(days))
        } else {
            Err(RetentionOutOfRange)
        }
    }

    /// The retention in days.
    pub fn days(&self) -> u32 {
        self.0
    }

    /// Records that occurred before this are expired at `now`.
    pub fn cutoff(&self, now: OffsetDateTime) -> OffsetDateTime {
        now - time::Duration::days(i64::from(self.0))
    }
}

impl Default for Retention {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// `tenant`'s retention ([`Retention::DEFAULT`] unless set). Run under the tenant's context.
pub async fn tenant_retention(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Retention, AuditError> {
    let days: Option<i32> =
        sqlx::query_scalar("SELECT retention_days FROM audit_retention WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_optional(conn)
            .await?;
    Ok(days
        .and_then(|d| u32::try_from(d).ok())
        .and_then(|d| Retention::from_days(d).ok())
        .unwrap_or_default())
}

/// Sets `tenant`'s retention. Run it in the transaction of the change it belongs to, under
/// the tenant's context, and record the change with [`record_tenant`](crate::record_tenant)
/// there too (e.g. `audit.retention_changed` with the old and new days).
pub async fn set_tenant_retention(
    conn: &mut PgConnection,
    tenant: TenantId,
    retention: Retention,
) -> Result<(), AuditError> {
    sqlx::query(
        "INSERT INTO audit_retention (tenant_id, retention_days) VALUES ($1, $2) \
         ON CONFLICT (tenant_id) DO UPDATE \
         SET retention_days = EXCLUDED.retention_days, updated_at = now()",
    )
    .bind(tenant)
    .bind(i32::try_from(retention.days()).unwrap_or(i32::MAX))
    .execute(conn)
    .await?;
    Ok(())
}

/// What [`purge_expired`] did for one tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurgeOutcome {
    /// Records deleted.
    pub purged: u64,
    /// Records older than this were due.
    pub cutoff: OffsetDateTime,
    /// The chain's checkpoint afterwards (where verification starts), if any.
    pub checkpoint: Option<(i64, ChainHash)>,
}

/// Records deleted per transaction (one checkpoint and one audit record each).
const PURGE_BATCH: i32 = 10_000;

/// The component named in the audit records of purges.
const COMPONENT: &str = "pa-audit.retention";

/// Deletes `tenant`'s records that are older than its retention at `now` (time injected
/// for tests), in transactions of up to 10,000 records, through `audit_purge()` (0052):
/// only sealed records, a prefix of the chain, with a checkpoint so the rest still
/// verifies. Each transaction that deletes something also appends an
/// `audit.records_purged` record (system actor, `details`: purged, through_seq, cutoff,
/// retention_days). Records not sealed yet are never deleted, whatever their age.
pub async fn purge_expired(
    pool: &PgPool,
    tenant: TenantId,
    now: OffsetDateTime,
) -> Result<PurgeOutcome, AuditError> {
    let mut outcome = PurgeOutcome {
        purged: 0,
        cutoff: now,
        checkpoint: None,
    };
    loop {
        let mut tx = pa_db::begin_tenant(pool, tenant)
            .await
            .map_err(AuditError::Db)?;
        let retention = tenant_retention(&mut tx, tenant).await?;
        let cutoff = retention.cutoff(now);
        let (purged, seq, hash): (i64, Option<i64>, Option<Vec<u8>>) =
            sqlx::query_as("SELECT * FROM audit_purge($1, $2)")
                .bind(cutoff)
                .bind(PURGE_BATCH)
                .fetch_one(&mut *tx)
                .await?;
        outcome.cutoff = cutoff;
        outcome.checkpoint = seq.zip(hash.as_deref().and_then(ChainHash::from_slice));
        if purged > 0 {
            let entry = AuditEntry::new(
                Actor::System {
                    component: COMPONENT,
                },
                "audit.records_purged",
            )
            .target("tenant", tenant)
            .details(serde_json::json!({
                "purged": purged,
                "through_seq": seq,
                "cutoff": crate::chain::rfc3339_micros(cutoff),
                "retention_days": retention.days(),
            }));
            crate::record_tenant(&mut tx, tenant, &entry).await?;
        }
        tx.commit().await?;
        outcome.purged += u64::try_from(purged).unwrap_or(0);
        if purged < i64::from(PURGE_BATCH) {
            return Ok(outcome);
        }
    }
}

/// How a [`RetentionPurger`] paces itself.
#[derive(Clone, Debug)]
pub struct PurgerSettings {
    /// Pause between sweeps over every tenant (default 1 hour).
    pub interval: Duration,
    /// Tenants listed per query (default 100).
    pub tenants_per_query: u32,
}

impl Default for PurgerSettings {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(3_600),
            tenants_per_query: 100,
        }
    }
}

/// What one sweep of [`RetentionPurger::purge_all`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PurgeSweep {
    /// Tenants looked at (every tenant with a chain).
    pub tenants: u32,
    /// Records deleted, over all tenants.
    pub purged: u64,
    /// Tenants whose purge failed (logged; retried next sweep).
    pub failed: u32,
}

/// The retention job: every [`PurgerSettings::interval`], [`purge_expired`] for every
/// tenant with an audit chain. Several instances may run: a tenant's purges are serialised
/// by its chain head lock, and a second purge finds nothing left to do.
#[derive(Clone, Debug)]
pub struct RetentionPurger {
    pool: PgPool,
    settings: PurgerSettings,
}

impl RetentionPurger {
    /// A purger with the default settings.
    pub fn new(pool: PgPool) -> Self {
        Self::with_settings(pool, PurgerSettings::default())
    }

    /// A purger with `settings`.
    pub fn with_settings(pool: PgPool, settings: PurgerSettings) -> Self {
        Self { pool, settings }
    }

    /// One sweep over every tenant with a chain, as of `now`.
    pub async fn purge_all(&self, now: OffsetDateTime) -> Result<PurgeSweep, AuditError> {
        let mut sweep = PurgeSweep::default();
        let page = i32::try_from(self.settings.tenants_per_query.max(1)).unwrap_or(i32::MAX);
        let mut after: Option<Uuid> = None;
        loop {
            let tenants: Vec<Uuid> =
                sqlx::query_scalar("SELECT * FROM audit_chain_tenants($1, $2)")
                    .bind(after)
                    .bind(page)
                    .fetch_all(&self.pool)
                    .await?;
            for &tenant in &tenants {
                sweep.tenants += 1;
                match purge_expired(&self.pool, TenantId::from_uuid(tenant), now).await {
                    Ok(outcome) => sweep.purged += outcome.purged,
                    Err(error) => {
                        sweep.failed += 1;
                        tracing::warn!(tenant_id = %tenant, error = %error_chain(&error),
                            "purging expired audit records failed; retrying next sweep");
                    }
                }
            }
            match tenants.last() {
                Some(&last) if tenants.len() == page as usize => after = Some(last),
                _ => return Ok(sweep),
            }
        }
    }

    /// Sweeps (as of the current time) until `shutdown` turns `true` or its sender is
    /// dropped: first right away, then every interval.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!("audit retention purger started");
        loop {
            if *shutdown.borrow() {
                break;
            }
            match self.purge_all(OffsetDateTime::now_utc()).await {
                Ok(sweep) if sweep.purged > 0 => {
                    tracing::info!(
                        purged = sweep.purged,
                        tenants = sweep.tenants,
                        "expired audit records purged"
                    );
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(error = %error_chain(&error), "audit retention sweep failed");
                }
            }
            tokio::select! {
                () = tokio::time::sleep(self.settings.interval) => {}
                changed = shutdown.changed() => if changed.is_err() { break },
            }
        }
        tracing::info!("audit retention purger stopped");
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn the_default_keeps_at_least_six_calendar_years() {
        let now = datetime!(2032-02-29 12:00 UTC);
        assert!(Retention::DEFAULT.cutoff(now) <= datetime!(2026-02-28 12:00 UTC));
        assert_eq!(Retention::default().days(), 2_192);
    }

    #[test]
    fn a_retention_is_between_one_and_a_hundred_years() {
        assert_eq!(Retention::from_days(364), Err(RetentionOutOfRange));
        assert_eq!(Retention::from_days(365).map(|r| r.days()), Ok(365));
        assert_eq!(Retention::from_days(36_526), Err(RetentionOutOfRange));
    }
}
