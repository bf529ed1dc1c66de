//! [`verify_chain`]: recomputes a tenant's hash chain and names the first broken record.

use std::fmt;

use pa_domain::TenantId;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{ChainHash, SEALED_RECORD_COLUMNS, SealedRecord, chain_hash_v1};
use crate::AuditError;

/// Chain rows read per query while verifying.
const CHUNK: i64 = 5_000;

/// The outcome of [`verify_chain`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainVerification {
    /// Every record from the start (or `from`) to the head matches its seal.
    Intact(ChainIntact),
    /// The first position where the chain does not hold.
    Broken(ChainBreak),
}

/// An intact chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainIntact {
    /// Records recomputed and found unchanged.
    pub verified: u64,
    /// The first position verified (1, the position after the latest retention
    /// checkpoint, or `from`); greater than `head_seq` when there was nothing to verify.
    pub first_seq: i64,
    /// The last sealed position (0: nothing sealed yet).
    pub head_seq: i64,
    /// The hash at `head_seq` ([`ChainHash::GENESIS`] when nothing is sealed). Keep it
    /// somewhere else (a report, a ticket) to detect a later rewrite of the whole chain.
    pub head_hash: ChainHash,
    /// Where the latest retention purge cut the chain, if one did.
    pub checkpoint: Option<ChainCheckpoint>,
    /// Records not sealed (yet): normally the last second's. Many, or old ones, mean the
    /// sealer is not running — or records were inserted bypassing the queue.
    pub unsealed: u64,
    /// When the oldest unsealed record occurred.
    pub oldest_unsealed_at: Option<OffsetDateTime>,
}

/// Where and why a chain is broken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainBreak {
    /// The first chain position that does not verify.
    pub seq: i64,
    /// The audit record sealed at `seq`, when the chain row is there to say.
    pub audit_id: Option<Uuid>,
    /// What is wrong there.
    pub reason: BreakReason,
    /// Records verified before it.
    pub verified: u64,
}

/// Why a chain position does not verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakReason {
    /// The record's columns no longer hash to its seal: it was altered after sealing.
    ContentAltered,
    /// The chain row is there but its audit record is gone: it was deleted.
    RecordDeleted,
    /// No chain row at this position although later ones exist, or the chain ends before
    /// its head: chain rows were deleted.
    ChainRowMissing,
    /// The chain row does not link to the previous row's hash: rows were replaced,
    /// reordered or re-linked.
    LinkBroken,
    /// The chain's end does not match the recorded head (position or hash).
    HeadMismatch,
    /// The chain row names an encoding version this build does not know.
    UnknownEncoding(i16),
}

impl BreakReason {
    /// A stable snake_case code (for APIs and logs).
    pub fn code(&self) -> &'static str {
        match self {
            Self::ContentAltered => "content_altered",
            Self::RecordDeleted => "record_deleted",
            Self::ChainRowMissing => "chain_row_missing",
            Self::LinkBroken => "link_broken",
            Self::HeadMismatch => "head_mismatch",
            Self::UnknownEncoding(_) => "unknown_encoding",
        }
    }
}

impl fmt::Display for BreakReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ContentAltered => f.write_str("the record was altered after it was sealed"),
            Self::RecordDeleted => f.write_str("the sealed record was deleted"),
            Self::ChainRowMissing => f.write_str("the chain row at this position is missing"),
            Self::LinkBroken => {
                f.write_str("the chain row does not link to the previous row's hash")
            }
            Self::HeadMismatch => f.write_str("the chain does not end at its recorded head"),
            Self::UnknownEncoding(v) => write!(f, "unknown chain encoding version {v}"),
        }
    }
}

/// A retention purge's cut of the chain (`audit_chain_checkpoints`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainCheckpoint {
    /// The last purged position; verification continues after it.
    pub through_seq: i64,
    /// The hash at `through_seq`, which the next position links to.
    pub through_hash: ChainHash,
    /// Records that purge deleted.
    pub purged: i64,
    /// It deleted records that occurred before this.
    pub cutoff: OffsetDateTime,
    /// When it ran.
    pub created_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct ChainRow {
    seq: i64,
    audit_id: Uuid,
    encoding: i16,
    prev_hash: Vec<u8>,
    hash: Vec<u8>,
    found: bool,
    #[sqlx(flatten)]
    record: NullableRecord,
}

/// A [`SealedRecord`] read through a LEFT JOIN (all NULL when the record is gone).
#[derive(sqlx::FromRow)]
struct NullableRecord {
    tenant_id: Option<Uuid>,
    id: Option<Uuid>,
    occurred_at: Option<OffsetDateTime>,
    actor_type: Option<String>,
    actor_id: Option<String>,
    action: Option<String>,
    target_type: Option<String>,
    target_id: Option<String>,
    request_id: Option<String>,
    client_addr: Option<ipnet::IpNet>,
    outcome: Option<String>,
    details: Option<String>,
}

impl NullableRecord {
    fn into_record(self) -> Option<SealedRecord> {
        Some(SealedRecord {
            tenant_id: self.tenant_id?,
            id: self.id?,
            occurred_at: self.occurred_at?,
            actor_type: self.actor_type?,
            actor_id: self.actor_id?,
            action: self.action?,
            target_type: self.target_type,
            target_id: self.target_id,
            request_id: self.request_id,
            client_addr: self.client_addr,
            outcome: self.outcome?,
            details: self.details?,
        })
    }
}

/// Walks `tenant`'s chain in order and recomputes every hash from the records' current
/// columns, in one read-only snapshot (REPEATABLE READ) under the tenant's context.
///
/// Starts after the latest retention checkpoint (or at position 1), or at `from` when that
/// is later (e.g. where the previous verification ended; the stored hash of `from - 1` is
/// then trusted). Returns [`ChainVerification::Broken`] at the FIRST position that does not
/// hold: a record altered, a record deleted, a chain row missing or re-linked, or the end not
/// matching the head; otherwise [`ChainVerification::Intact`] with the count, the head hash
/// and how many records still await their seal. Reads the chain in chunks: memory does not
/// grow with its length.
pub async fn verify_chain(
    pool: &PgPool,
    tenant: TenantId,
    from: Option<i64>,
) -> Result<ChainVerification, AuditError> {
    let mut tx = pool
        .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .await?;
    pa_db::set_tenant(&mut tx, tenant)
        .await
        .map_err(AuditError::Db)?;
    let result = verify_in(&mut tx, tenant, from).await;
    tx.rollback().await?;
    result
}

async fn verify_in(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: Option<i64>,
) -> Result<ChainVerification, AuditError> {
    let checkpoint = latest_checkpoint(conn, tenant).await?;
    let (head_seq, head_hash) = head(conn, tenant).await?;
    let (mut last, mut prev) = checkpoint
        .as_ref()
        .map_or((0, ChainHash::GENESIS), |c| (c.through_seq, c.through_hash));
    // Nothing lies beyond the head: `from` past it verifies nothing.
    let from = from.map(|f| f.min(head_seq + 1));
    if let Some(from) = from.filter(|&f| f - 1 > last) {
        let anchor: Option<(Uuid, Vec<u8>)> = sqlx::query_as(
            "SELECT audit_id, hash FROM audit_chain WHERE tenant_id = $1 AND seq = $2",
        )
        .bind(tenant)
        .bind(from - 1)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(hash) = anchor.and_then(|(_, h)| ChainHash::from_slice(&h)) else {
            return Ok(broken(from - 1, None, BreakReason::ChainRowMissing, 0));
        };
        (last, prev) = (from - 1, hash);
    }
    let first_seq = last + 1;
    let mut verified = 0u64;
    loop {
        let rows: Vec<ChainRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT c.seq, c.audit_id, c.encoding, c.prev_hash, c.hash, l.id IS NOT NULL AS found, \
                    {SEALED_RECORD_COLUMNS} \
             FROM audit_chain c \
             LEFT JOIN audit_log l ON l.tenant_id = c.tenant_id AND l.id = c.audit_id \
             WHERE c.tenant_id = $1 AND c.seq > $2 ORDER BY c.seq LIMIT $3"
        )))
        .bind(tenant)
        .bind(last)
        .bind(CHUNK)
        .fetch_all(&mut *conn)
        .await?;
        let more = rows.len() as i64 == CHUNK;
        for row in rows {
            let (seq, audit_id) = (row.seq, row.audit_id);
            let stored = ChainHash::from_slice(&row.hash);
            if let Some(reason) = check_row(row, last, &prev) {
                return Ok(if reason == BreakReason::ChainRowMissing {
                    broken(last + 1, None, reason, verified)
                } else {
                    broken(seq, Some(audit_id), reason, verified)
                });
            }
            // check_row compared the 32 bytes of a recomputed hash with it.
            prev = stored.unwrap_or(ChainHash::GENESIS);
            last = seq;
            verified += 1;
        }
        if !more {
            break;
        }
    }
    if last < head_seq {
        return Ok(broken(
            last + 1,
            None,
            BreakReason::ChainRowMissing,
            verified,
        ));
    }
    if last > head_seq || prev != head_hash {
        return Ok(broken(last, None, BreakReason::HeadMismatch, verified));
    }
    let (unsealed, oldest_unsealed_at) = unsealed(conn, tenant).await?;
    Ok(ChainVerification::Intact(ChainIntact {
        verified,
        first_seq,
        head_seq,
        head_hash,
        checkpoint,
        unsealed,
        oldest_unsealed_at,
    }))
}

/// Why `row` (expected at `last + 1`, linking to `prev`) does not verify, if it doesn't.
fn check_row(row: ChainRow, last: i64, prev: &ChainHash) -> Option<BreakReason> {
    if row.seq != last + 1 {
        return Some(BreakReason::ChainRowMissing);
    }
    if row.prev_hash.as_slice() != prev.as_bytes().as_slice() {
        return Some(BreakReason::LinkBroken);
    }
    if row.encoding != super::CHAIN_ENCODING_VERSION {
        return Some(BreakReason::UnknownEncoding(row.encoding));
    }
    let Some(record) = row.record.into_record().filter(|_| row.found) else {
        return Some(BreakReason::RecordDeleted);
    };
    (chain_hash_v1(prev, row.seq, &record).as_bytes().as_slice() != row.hash.as_slice())
        .then_some(BreakReason::ContentAltered)
}

fn broken(
    seq: i64,
    audit_id: Option<Uuid>,
    reason: BreakReason,
    verified: u64,
) -> ChainVerification {
    ChainVerification::Broken(ChainBreak {
        seq,
        audit_id,
        reason,
        verified,
    })
}

async fn latest_checkpoint(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Option<ChainCheckpoint>, AuditError> {
    let row: Option<(i64, Vec<u8>, i64, OffsetDateTime, OffsetDateTime)> = sqlx::query_as(
        "SELECT through_seq, through_hash, purged, cutoff, created_at \
         FROM audit_chain_checkpoints WHERE tenant_id = $1 ORDER BY through_seq DESC LIMIT 1",
    )
    .bind(tenant)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|(through_seq, hash, purged, cutoff, created_at)| {
        Ok(ChainCheckpoint {
            through_seq,
            through_hash: ChainHash::from_slice(&hash)
                .ok_or_else(|| AuditError::Unreadable("checkpoint hash is not 32 bytes".into()))?,
            purged,
            cutoff,
            created_at,
        })
    })
    .transpose()
}

async fn head(conn: &mut PgConnection, tenant: TenantId) -> Result<(i64, ChainHash), AuditError> {
    let row: Option<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT seq, hash FROM audit_chain_heads WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_optional(&mut *conn)
            .await?;
    match row {
        None => Ok((0, ChainHash::GENESIS)),
        Some((seq, hash)) => ChainHash::from_slice(&hash)
            .map(|h| (seq, h))
            .ok_or_else(|| AuditError::Unreadable("chain head hash is not 32 bytes".into())),
    }
}

async fn unsealed(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<(u64, Option<OffsetDateTime>), AuditError> {
    let (count, oldest): (i64, Option<OffsetDateTime>) = sqlx::query_as(
        "SELECT count(*), min(l.occurred_at) FROM audit_log l \
         WHERE l.tenant_id = $1 AND NOT EXISTS \
           (SELECT 1 FROM audit_chain c WHERE c.tenant_id = l.tenant_id AND c.audit_id = l.id)",
    )
    .bind(tenant)
    .fetch_one(&mut *conn)
    .await?;
    Ok((u64::try_from(count).unwrap_or(0), oldest))
}
