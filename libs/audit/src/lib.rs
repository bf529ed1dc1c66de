//! The audit trail (HIPAA 45 CFR 164.312(b) audit controls, (c) integrity): append-only
//! records written inside the caller's transaction, chained by hash per tenant, queried,
//! exported and purged by retention.
//!
//! # Writing
//!
//! * [`record_tenant`] / [`TenantAuditBatch`] write to `audit_log`, a tenant-owned table
//!   under row-level security: the transaction's tenant context (`pa_db::begin_tenant` /
//!   `pa_db::set_tenant`) must be the same tenant, or PostgreSQL rejects the row.
//! * [`record_platform`] writes to `platform_audit_log` for operator-level actions.
//!
//! Both tables reject UPDATE, DELETE and TRUNCATE (trigger + revoked privileges); the only
//! deletion is the retention purge below. Actors ([`Actor`]) include the admin console's
//! signed-in users (by Entra object id), API tokens and emergency-access accounts.
//!
//! # The hash chain (tamper evidence) — [`chain`], migration 0051
//!
//! Writers never wait for each other or for the chain. Each INSERT into `audit_log` also
//! queues the new ids (a statement trigger, same transaction). A [`Sealer`] — any number of
//! them, e.g. one per admin-console instance — takes each tenant's queued records under a
//! row lock on the tenant's chain head (`FOR UPDATE SKIP LOCKED`: sealers spread over
//! tenants and never block each other), and appends one `audit_chain` row per record:
//! `(tenant_id, seq, audit_id, encoding, prev_hash, hash)` with
//! `hash = SHA-256(v1 prefix ‖ prev_hash ‖ seq ‖ every column of the record)` in the
//! canonical, length-prefixed encoding documented in [`chain::encoding`] (RFC 3339
//! microsecond UTC timestamps, raw UUID and address bytes, jsonb as PostgreSQL prints it).
//! A record is sealed about a second after it commits ([`SealerSettings::poll_interval`]).
//!
//! [`verify_chain`] walks a tenant's chain in one snapshot, recomputes every hash and
//! returns the head (count, position, hash) or the FIRST broken position and why
//! ([`BreakReason`]: content altered, record deleted, chain row missing, link broken, head
//! mismatch). What it proves: nobody changed, removed or reordered a sealed record without
//! also rewriting every later chain row and the head. Someone able to do that (a database
//! superuser) can rebuild a consistent chain; keep the reported head hash elsewhere to
//! detect that too. Records are unprotected in the second before their seal.
//!
//! # Reading — [`query_tenant`], [`export_tenant`]
//!
//! The audit page: a tenant's records filtered by time range, actor (type / id), action
//! (exact or prefix) and target (type / id) — [`AuditFilter`] — newest first, with keyset
//! cursors ([`AuditCursor`]), on indexes made for each filter (0050). The exports stream the
//! same selection as CSV (RFC 4180, formula-injection safe) or NDJSON in chunks, with flat
//! memory, as an [`ExportStream`] for `HttpResponse::streaming`.
//!
//! # Retention — [`purge_expired`], [`RetentionPurger`], migration 0052
//!
//! Per tenant ([`set_tenant_retention`], default [`Retention::DEFAULT`] = 6 years). The
//! purge runs `audit_purge()`, a SECURITY DEFINER function owned by `pa_owner`: it deletes
//! only the current tenant's sealed records older than the cutoff — a prefix of the chain —
//! and writes a checkpoint (last purged position and hash) in the same transaction, where
//! verification then starts. Unsealed records are never deleted.

mod batch;
pub mod chain;
mod entry;
mod error;
mod export;
mod query;
mod record;
mod retention;

pub use batch::TenantAuditBatch;
pub use chain::{
    BreakReason, CHAIN_ENCODING_VERSION, ChainBreak, ChainCheckpoint, ChainHash, ChainIntact,
    ChainVerification, SealOutcome, SealPass, Sealer, SealerSettings, verify_chain,
};
pub use entry::{Actor, ActorKind, AuditEntry, Outcome, UnknownActorKind};
pub use error::AuditError;
pub use export::{ExportFormat, ExportOptions, ExportStream, export_tenant, export_tenant_with};
pub use query::{
    ActionFilter, AuditCursor, AuditFilter, AuditPage, AuditRecord, FilterError, FilterText,
    MAX_FILTER_CHARS, MAX_PAGE_SIZE, RecordSeal, query_tenant,
};
pub use record::{record_platform, record_tenant};
pub use retention::{
    PurgeOutcome, PurgeSweep, PurgerSettings, Retention, RetentionOutOfRange, RetentionPurger,
    purge_expired, set_tenant_retention, tenant_retention,
};
