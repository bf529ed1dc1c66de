//! The tamper-evident hash chain over each tenant's `audit_log` (migration 0051): the
//! [`Sealer`] that appends records to it, and [`verify_chain`] that recomputes it.

pub mod encoding;
mod hash;
mod seal;
mod verify;

pub use encoding::{CHAIN_ENCODING_VERSION, rfc3339_micros};
pub use hash::ChainHash;
pub use seal::{SealOutcome, SealPass, Sealer, SealerSettings};
pub use verify::{
    BreakReason, ChainBreak, ChainCheckpoint, ChainIntact, ChainVerification, verify_chain,
};

pub(crate) use encoding::{SEALED_RECORD_COLUMNS, SealedRecord, chain_hash_v1};
pub(crate) use seal::error_chain;
