//! The canonical encoding a chain hash is computed over (version 1).
//!
//! ```text
//! hash = SHA-256( "pa-audit-chain-v1\n"          18 ASCII bytes: domain and version
//!               ‖ prev_hash                       32 bytes (GENESIS = 32 zero bytes)
//!               ‖ seq                             8 bytes, big-endian signed
//!               ‖ field × 12 )                    in this order:
//!
//!   1 tenant_id    16 bytes, the UUID in network order
//!   2 id           16 bytes
//!   3 occurred_at  ASCII RFC 3339 in UTC with exactly six fractional digits,
//!                  e.g. 2026-01-02T03:04:05.123456Z (PostgreSQL keeps microseconds)
//!   4 actor_type   UTF-8
//!   5 actor_id     UTF-8
//!   6 action       UTF-8
//!   7 target_type  UTF-8 or NULL
//!   8 target_id    UTF-8 or NULL
//!   9 request_id   UTF-8 or NULL
//!  10 client_addr  family (4 or 6) ‖ prefix length (1 byte) ‖ address (4 or 16 bytes), or NULL
//!  11 outcome      UTF-8
//!  12 details      UTF-8: PostgreSQL's text output of the jsonb value (`details::text`)
//!
//! field = 0x00                                    NULL
//!       | 0x01 ‖ length (4 bytes, big-endian) ‖ bytes
//! ```
//!
//! Why this form: every field is length-prefixed and NULL is distinct from empty, so no
//! two different records encode alike; nothing depends on how a library formats values
//! (UUIDs, addresses and the sequence number are raw bytes, the timestamp has one fixed
//! textual form). `details` is jsonb, which PostgreSQL stores normalised (keys sorted
//! shortest first then bytewise, duplicates removed, numbers as numeric) and prints in one
//! fixed format, so its text is a function of the stored value alone — re-serialising it
//! in Rust instead would tie the hash to serde_json's number and ordering rules.
//!
//! The encoding covers every column of `audit_log` (a test compares it with the catalog).
//! A column added to `audit_log` needs a version 2, selected per chain row by its
//! `encoding` column, so rows sealed under version 1 still verify.

use ipnet::IpNet;
use sha2::{Digest, Sha256};
use time::{OffsetDateTime, UtcOffset};
use uuid::Uuid;

use super::ChainHash;

/// The encoding version new chain rows are sealed with.
pub const CHAIN_ENCODING_VERSION: i16 = 1;

/// The domain-separation prefix of version 1.
const V1_PREFIX: &[u8] = b"pa-audit-chain-v1\n";

/// Every column of an `audit_log` row, as the chain hashes it (`details` as PostgreSQL's
/// jsonb text).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub(crate) struct SealedRecord {
    pub tenant_id: Uuid,
    pub id: Uuid,
    pub occurred_at: OffsetDateTime,
    pub actor_type: String,
    pub actor_id: String,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub request_id: Option<String>,
    pub client_addr: Option<IpNet>,
    pub outcome: String,
    pub details: String,
}

/// The select list that reads a [`SealedRecord`] from `audit_log` aliased `l`.
pub(crate) const SEALED_RECORD_COLUMNS: &str = "l.tenant_id, l.id, l.occurred_at, \
     l.actor_type::text AS actor_type, l.actor_id::text AS actor_id, l.action::text AS action, \
     l.target_type::text AS target_type, l.target_id::text AS target_id, \
     l.request_id::text AS request_id, l.client_addr, l.outcome::text AS outcome, \
     l.details::text AS details";

/// The hash of `record` at position `seq` after `prev` (version 1).
pub(crate) fn chain_hash_v1(prev: &ChainHash, seq: i64, record: &SealedRecord) -> ChainHash {
    let mut h = Sha256::new();
    h.update(V1_PREFIX);
    h.update(prev.as_bytes());
    h.update(seq.to_be_bytes());
    field(&mut h, Some(record.tenant_id.as_bytes()));
    field(&mut h, Some(record.id.as_bytes()));
    field(&mut h, Some(rfc3339_micros(record.occurred_at).as_bytes()));
    field(&mut h, Some(record.actor_type.as_bytes()));
    field(&mut h, Some(record.actor_id.as_bytes()));
    field(&mut h, Some(record.action.as_bytes()));
    field(&mut h, record.target_type.as_deref().map(str::as_bytes));
    field(&mut h, record.target_id.as_deref().map(str::as_bytes));
    field(&mut h, record.request_id.as_deref().map(str::as_bytes));
    field(&mut h, record.client_addr.map(inet_bytes).as_deref());
    field(&mut h, Some(record.outcome.as_bytes()));
    field(&mut h, Some(record.details.as_bytes()));
    ChainHash::from_bytes(h.finalize().into())
}

fn field(h: &mut Sha256, value: Option<&[u8]>) {
    match value {
        None => h.update([0u8]),
        Some(bytes) => {
            // Columns are at most a few MB (jsonb); a u32 length always fits.
            let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
            h.update([1u8]);
            h.update(len.to_be_bytes());
            h.update(bytes);
        }
    }
}

fn inet_bytes(net: IpNet) -> Vec<u8> {
    match net {
        IpNet::V4(n) => [&[4, n.prefix_len()][..], &n.addr().octets()].concat(),
        IpNet::V6(n) => [&[6, n.prefix_len()][..], &n.addr().octets()].concat(),
    }
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ` in UTC: the one textual form of a timestamp in the chain
/// encoding and the exports.
pub fn rfc3339_micros(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn record() -> SealedRecord {
        SealedRecord {
            tenant_id: Uuid::from_u128(0x0199_0000_0000_7000_8000_0000_0000_0001),
            id: Uuid::from_u128(0x0199_0000_0000_7000_8000_0000_0000_0002),
            occurred_at: datetime!(2026-01-02 03:04:05.123456 +01:00),
            actor_type: "console_user".into(),
            actor_id: "6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab".into(),
            action: "session.started".into(),
            target_type: Some("session".into()),
            target_id: None,
            request_id: Some("req-1".into()),
            client_addr: Some("203.0.113.7/32".parse().expect("net")),
            outcome: "success".into(),
            details: r#"{"mfa": true}"#.into(),
        }
    }

    #[test]
    fn timestamps_have_one_utc_form_with_microseconds() {
        assert_eq!(
            rfc3339_micros(datetime!(2026-01-02 03:04:05.1 +01:00)),
            "2026-01-02T02:04:05.100000Z"
        );
    }

    /// A fixed vector: if this changes, every chain sealed so far stops verifying. Change
    /// the encoding only as a new version. The value was cross-checked with an independent
    /// implementation of the module docs (Python: hashlib, struct, ipaddress).
    #[test]
    fn version_1_is_pinned() {
        let hash = chain_hash_v1(&ChainHash::GENESIS, 1, &record());
        assert_eq!(
            hash.to_hex(),
            "41aa70f4a622f6fbce07c5e221f7e22ff4cfd5a1a0e3495fad1ea441c3442f5f"
        );
    }

    #[test]
    fn every_field_position_and_link_changes_the_hash() {
        let base = record();
        let h = |r: &SealedRecord| chain_hash_v1(&ChainHash::GENESIS, 1, r);
        let reference = h(&base);
        let variants: Vec<SealedRecord> = vec![
            SealedRecord {
                tenant_id: Uuid::nil(),
                ..base.clone()
            },
            SealedRecord {
                id: Uuid::nil(),
                ..base.clone()
            },
            SealedRecord {
                occurred_at: base.occurred_at + time::Duration::microseconds(1),
                ..base.clone()
            },
            SealedRecord {
                actor_type: "api_token".into(),
                ..base.clone()
            },
            SealedRecord {
                actor_id: "x".into(),
                ..base.clone()
            },
            SealedRecord {
                action: "session.ended".into(),
                ..base.clone()
            },
            SealedRecord {
                target_type: None,
                ..base.clone()
            },
            // NULL and empty differ.
            SealedRecord {
                target_id: Some(String::new()),
                ..base.clone()
            },
            SealedRecord {
                request_id: None,
                ..base.clone()
            },
            SealedRecord {
                client_addr: Some("203.0.113.7/24".parse().expect("net")),
                ..base.clone()
            },
            SealedRecord {
                outcome: "failure".into(),
                ..base.clone()
            },
            SealedRecord {
                details: r#"{"mfa": false}"#.into(),
                ..base.clone()
            },
        ];
        for v in &variants {
            assert_ne!(h(v), reference, "{v:?}");
        }
        // Moving text from one field to the next is not the same record.
        let shifted = SealedRecord {
            actor_id: "6f1c2d3e-4b5a-4c6d-8e7f-0123456789absession.started".into(),
            action: String::new(),
            ..base.clone()
        };
        assert_ne!(h(&shifted), reference);
        assert_ne!(chain_hash_v1(&ChainHash::GENESIS, 2, &base), reference);
        assert_ne!(chain_hash_v1(&reference, 1, &base), reference);
    }
}
