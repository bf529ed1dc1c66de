//! [`AuditRecord`]: a record as the audit page shows it.

use std::net::IpAddr;

use ipnet::IpNet;
use time::OffsetDateTime;
use uuid::Uuid;

use super::AuditCursor;
use crate::{ActorKind, AuditError, ChainHash, Outcome};

/// One audit record read back, with its seal when it has one.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditRecord {
    /// The record's id (UUID v7).
    pub id: Uuid,
    /// When it happened (the writing transaction's start).
    pub occurred_at: OffsetDateTime,
    /// Who acted: the kind…
    pub actor_type: ActorKind,
    /// …and the id (an Entra object id, token id, key id or component name).
    pub actor_id: String,
    /// What happened, e.g. `session.started`.
    pub action: String,
    /// The kind of object acted upon.
    pub target_type: Option<String>,
    /// The id of the object acted upon.
    pub target_id: Option<String>,
    /// The request id, to find the logs and traces.
    pub request_id: Option<String>,
    /// The client's address.
    pub client_addr: Option<IpAddr>,
    /// Whether the action succeeded.
    pub outcome: Outcome,
    /// Action-specific facts (a JSON object).
    pub details: serde_json::Value,
    /// Its place in the tenant's hash chain; `None` until the sealer has sealed it
    /// (normally about a second after it was written).
    pub seal: Option<RecordSeal>,
}

impl AuditRecord {
    /// The cursor of the page that continues after this record.
    pub fn cursor(&self) -> AuditCursor {
        AuditCursor::after(self.occurred_at, self.id)
    }
}

/// A record's position and hash in its tenant's chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordSeal {
    /// Position in the chain (1, 2, 3, …).
    pub seq: i64,
    /// The chain hash at that position.
    pub hash: ChainHash,
}

/// One page of records, newest first.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditPage {
    /// Up to the page size of records.
    pub records: Vec<AuditRecord>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<AuditCursor>,
}

/// The select list of an [`AuditRecord`] (`audit_log l`, `audit_chain c`).
pub(crate) const RECORD_COLUMNS: &str = "SELECT l.id, l.occurred_at, \
     l.actor_type::text AS actor_type, l.actor_id::text AS actor_id, l.action::text AS action, \
     l.target_type::text AS target_type, l.target_id::text AS target_id, \
     l.request_id::text AS request_id, l.client_addr, l.outcome::text AS outcome, \
     l.details::jsonb AS details, c.seq AS chain_seq, c.hash::bytea AS chain_hash";

#[derive(sqlx::FromRow)]
pub(crate) struct RecordRow {
    id: Uuid,
    occurred_at: OffsetDateTime,
    actor_type: String,
    actor_id: String,
    action: String,
    target_type: Option<String>,
    target_id: Option<String>,
    request_id: Option<String>,
    client_addr: Option<IpNet>,
    outcome: String,
    details: serde_json::Value,
    chain_seq: Option<i64>,
    chain_hash: Option<Vec<u8>>,
}

impl TryFrom<RecordRow> for AuditRecord {
    type Error = AuditError;

    fn try_from(r: RecordRow) -> Result<Self, AuditError> {
        let unreadable =
            |what: &str| AuditError::Unreadable(format!("audit record {}: {what}", r.id));
        let seal = match (r.chain_seq, r.chain_hash.as_deref()) {
            (Some(seq), Some(hash)) => Some(RecordSeal {
                seq,
                hash: ChainHash::from_slice(hash).ok_or_else(|| unreadable("chain hash"))?,
            }),
            _ => None,
        };
        Ok(Self {
            id: r.id,
            occurred_at: r.occurred_at,
            actor_type: r.actor_type.parse().map_err(|_| unreadable("actor_type"))?,
            outcome: Outcome::parse(&r.outcome).ok_or_else(|| unreadable("outcome"))?,
            actor_id: r.actor_id,
            action: r.action,
            target_type: r.target_type,
            target_id: r.target_id,
            request_id: r.request_id,
            client_addr: r.client_addr.map(|net| net.addr()),
            details: r.details,
            seal,
        })
    }
}
