//! [`Sealer`]: appends committed audit records to their tenant's hash chain.

use std::collections::HashSet;
use std::time::Duration;

use pa_domain::TenantId;
use sqlx::{PgConnection, PgPool};
use tokio::sync::watch;
use uuid::Uuid;

use super::{
    CHAIN_ENCODING_VERSION, ChainHash, SEALED_RECORD_COLUMNS, SealedRecord, chain_hash_v1,
};
use crate::AuditError;

/// How a [`Sealer`] paces itself.
#[derive(Clone, Debug)]
pub struct SealerSettings {
    /// Pause between passes of [`Sealer::run`] (default 500 ms: a record is sealed about
    /// a second after it commits at worst).
    pub poll_interval: Duration,
    /// Records sealed per transaction (default 1,000). A tenant with more queued is sealed
    /// in several transactions, one after another.
    pub batch_size: u32,
    /// Tenants listed per query while looking for queued records (default 100).
    pub tenants_per_query: u32,
    /// Longest pause after a failing pass (default 30 s; starts at the poll interval and
    /// doubles).
    pub max_backoff: Duration,
}

impl Default for SealerSettings {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_millis(500),
            batch_size: 1_000,
            tenants_per_query: 100,
            max_backoff: Duration::from_secs(30),
        }
    }
}

/// What one [`Sealer::seal_pending`] pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SealPass {
    /// Tenants whose queued records this pass sealed.
    pub tenants_sealed: u32,
    /// Records sealed.
    pub records_sealed: u64,
    /// Tenants skipped because another sealer was sealing them.
    pub tenants_busy: u32,
    /// Tenants whose sealing failed (logged; retried next pass).
    pub tenants_failed: u32,
}

/// The result of sealing one tenant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SealOutcome {
    /// This many records were sealed (0: nothing was queued); the chain's head is now at
    /// `head_seq`.
    Sealed {
        /// Records sealed by this call.
        records: u64,
        /// The tenant's last chain position afterwards (0: empty chain).
        head_seq: i64,
    },
    /// Another sealer holds the tenant's chain right now; it seals what is queued.
    Busy,
}

/// Seals audit records: takes each tenant's queued records (`audit_seal_queue`, filled by
/// a trigger on `audit_log`) and appends them to the tenant's hash chain (`audit_chain`).
///
/// Any number of sealers may run against one database (one per service instance): a
/// tenant's chain is extended under a row lock on its `audit_chain_heads` row, taken with
/// `FOR UPDATE SKIP LOCKED`, so two sealers never extend the same chain at once and never
/// wait for each other — each seals the tenants the other is not sealing. Writers of audit
/// records are never blocked: sealing happens after they commit.
///
/// Connects as the application role through `pool`; every tenant's chain is written in a
/// transaction under that tenant's row-level-security context.
#[derive(Clone, Debug)]
pub struct Sealer {
    pool: PgPool,
    settings: SealerSettings,
}

impl Sealer {
    /// A sealer with the default settings.
    pub fn new(pool: PgPool) -> Self {
        Self::with_settings(pool, SealerSettings::default())
    }

    /// A sealer with `settings`.
    pub fn with_settings(pool: PgPool, settings: SealerSettings) -> Self {
        Self { pool, settings }
    }

    /// Seals everything queued right now, tenant by tenant. A tenant that fails is logged
    /// and counted (the others still get sealed); `Err` only when the queue can't be read.
    pub async fn seal_pending(&self) -> Result<SealPass, AuditError> {
        let mut pass = SealPass::default();
        let mut after: Option<Uuid> = None;
        let page = i32::try_from(self.settings.tenants_per_query.max(1)).unwrap_or(i32::MAX);
        loop {
            let tenants: Vec<Uuid> =
                sqlx::query_scalar("SELECT * FROM audit_seal_pending_tenants($1, $2)")
                    .bind(after)
                    .bind(page)
                    .fetch_all(&self.pool)
                    .await?;
            for &tenant in &tenants {
                match self.seal_tenant(TenantId::from_uuid(tenant)).await {
                    Ok(SealOutcome::Sealed { records, .. }) => {
                        pass.tenants_sealed += u32::from(records > 0);
                        pass.records_sealed += records;
                    }
                    Ok(SealOutcome::Busy) => pass.tenants_busy += 1,
                    Err(error) => {
                        pass.tenants_failed += 1;
                        tracing::warn!(tenant_id = %tenant, error = %error_chain(&error),
                            "sealing audit records failed; retrying next pass");
                    }
                }
            }
            match tenants.last() {
                Some(&last) if tenants.len() == page as usize => after = Some(last),
                _ => return Ok(pass),
            }
        }
    }

    /// Seals every record of `tenant` queued right now (in transactions of
    /// [`SealerSettings::batch_size`] records), unless another sealer holds its chain.
    pub async fn seal_tenant(&self, tenant: TenantId) -> Result<SealOutcome, AuditError> {
        let mut records = 0;
        let mut last_head = None;
        loop {
            match (self.seal_batch(tenant).await?, last_head) {
                (Batch::Busy, None) => return Ok(SealOutcome::Busy),
                // Another sealer took over between two of our batches.
                (Batch::Busy, Some(head_seq)) => {
                    return Ok(SealOutcome::Sealed { records, head_seq });
                }
                (
                    Batch::Sealed {
                        count,
                        head_seq,
                        full,
                    },
                    _,
                ) => {
                    records += count;
                    last_head = Some(head_seq);
                    if !full {
                        return Ok(SealOutcome::Sealed { records, head_seq });
                    }
                }
            }
        }
    }

    /// Seals in passes until `shutdown` turns `true` (or its sender is dropped): a pass,
    /// then [`SealerSettings::poll_interval`] of rest; after a failing pass, a growing pause.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!("audit sealer started");
        let mut backoff = self.settings.poll_interval;
        loop {
            if *shutdown.borrow() {
                break;
            }
            let pause = match self.seal_pending().await {
                Ok(pass) => {
                    backoff = self.settings.poll_interval;
                    if pass.records_sealed > 0 {
                        tracing::debug!(
                            records = pass.records_sealed,
                            tenants = pass.tenants_sealed,
                            "audit records sealed"
                        );
                    }
                    self.settings.poll_interval
                }
                Err(error) => {
                    tracing::warn!(error = %error_chain(&error), "audit sealer pass failed; backing off");
                    backoff = (backoff * 2).min(self.settings.max_backoff);
                    backoff
                }
            };
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                changed = shutdown.changed() => if changed.is_err() { break },
            }
        }
        tracing::info!("audit sealer stopped");
    }

    async fn seal_batch(&self, tenant: TenantId) -> Result<Batch, AuditError> {
        let mut tx = pa_db::begin_tenant(&self.pool, tenant)
            .await
            .map_err(AuditError::Db)?;
        let Some((head_seq, head_hash)) = lock_head(&mut tx, tenant).await? else {
            return Ok(Batch::Busy);
        };
        let limit = i64::from(self.settings.batch_size.max(1));
        let queued: Vec<Uuid> = sqlx::query_scalar(
            "SELECT audit_id FROM audit_seal_queue WHERE tenant_id = $1 \
             ORDER BY audit_id LIMIT $2",
        )
        .bind(tenant)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let full = queued.len() as i64 == limit;
        let mut records: Vec<SealedRecord> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {SEALED_RECORD_COLUMNS} FROM audit_log l \
             WHERE l.tenant_id = $1 AND l.id = ANY($2)"
        )))
        .bind(tenant)
        .bind(&queued)
        .fetch_all(&mut *tx)
        .await?;
        if records.len() < queued.len() {
            drop_orphans(&mut tx, tenant, &queued, &records).await?;
        }
        // Oldest first within the batch (batches follow the ids, UUID v7: time order).
        records.sort_by_key(|r| (r.occurred_at, r.id));

        let count = records.len();
        let mut seqs = Vec::with_capacity(count);
        let mut ids = Vec::with_capacity(count);
        let mut prevs = Vec::with_capacity(count);
        let mut hashes = Vec::with_capacity(count);
        let (mut seq, mut prev) = (head_seq, head_hash);
        for record in &records {
            seq += 1;
            let hash = chain_hash_v1(&prev, seq, record);
            seqs.push(seq);
            ids.push(record.id);
            prevs.push(prev.as_bytes().to_vec());
            hashes.push(hash.as_bytes().to_vec());
            prev = hash;
        }
        if count > 0 {
            sqlx::query(
                "INSERT INTO audit_chain (tenant_id, seq, audit_id, encoding, prev_hash, hash) \
                 SELECT $1, s, a, $2, p, h \
                 FROM UNNEST($3::bigint[], $4::uuid[], $5::bytea[], $6::bytea[]) AS u(s, a, p, h)",
            )
            .bind(tenant)
            .bind(CHAIN_ENCODING_VERSION)
            .bind(&seqs)
            .bind(&ids)
            .bind(&prevs)
            .bind(&hashes)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE audit_chain_heads SET seq = $2, hash = $3, sealed_at = now() \
                 WHERE tenant_id = $1",
            )
            .bind(tenant)
            .bind(seq)
            .bind(prev.as_bytes().as_slice())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Batch::Sealed {
            count: count as u64,
            head_seq: seq,
            full,
        })
    }
}

enum Batch {
    Busy,
    Sealed {
        count: u64,
        head_seq: i64,
        full: bool,
    },
}

/// Locks the tenant's chain head (creating it at position 0 the first time) and returns its
/// position and hash; `None` when another transaction holds it.
async fn lock_head(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Option<(i64, ChainHash)>, AuditError> {
    let locked: Option<(i64, Vec<u8>)> = sqlx::query_as(
        "SELECT seq, hash FROM audit_chain_heads WHERE tenant_id = $1 FOR UPDATE SKIP LOCKED",
    )
    .bind(tenant)
    .fetch_optional(&mut *conn)
    .await?;
    let head = match locked {
        Some(head) => Some(head),
        // No row, or a row locked by someone else: a new row is ours (locked by our
        // uncommitted insert); a conflict means it exists and someone holds it.
        None => {
            sqlx::query_as(
                "INSERT INTO audit_chain_heads (tenant_id) VALUES ($1) \
                 ON CONFLICT (tenant_id) DO NOTHING RETURNING seq, hash",
            )
            .bind(tenant)
            .fetch_optional(&mut *conn)
            .await?
        }
    };
    head.map(|(seq, hash)| {
        ChainHash::from_slice(&hash)
            .map(|h| (seq, h))
            .ok_or_else(|| AuditError::Unreadable("chain head hash is not 32 bytes".into()))
    })
    .transpose()
}

/// Queue entries without a record (see `audit_seal_drop_orphans`, 0051) would come back
/// every pass; drop them, loudly: a record that vanished before its seal was deleted by
/// someone bypassing the append-only rules.
async fn drop_orphans(
    conn: &mut PgConnection,
    tenant: TenantId,
    queued: &[Uuid],
    found: &[SealedRecord],
) -> Result<(), AuditError> {
    let found: HashSet<Uuid> = found.iter().map(|r| r.id).collect();
    let missing: Vec<Uuid> = queued
        .iter()
        .copied()
        .filter(|id| !found.contains(id))
        .collect();
    let dropped: i64 = sqlx::query_scalar("SELECT audit_seal_drop_orphans($1)")
        .bind(&missing)
        .fetch_one(&mut *conn)
        .await?;
    tracing::error!(tenant_id = %tenant, dropped, missing = ?missing,
        "queued audit records vanished before they were sealed");
    Ok(())
}

pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
