//! Append-only audit records (HIPAA 45 CFR 164.312(b)), written inside the caller's
//! transaction so an action and its record commit or roll back together.
//!
//! * [`record_tenant`] writes to `audit_log`, a tenant-owned table under row-level
//!   security: the transaction's tenant context (`pa_db::begin_tenant` /
//!   `pa_db::set_tenant`) must be the same tenant, or PostgreSQL rejects the row.
//! * [`record_platform`] writes to `platform_audit_log` for operator-level actions.
//!
//! Both tables reject UPDATE, DELETE and TRUNCATE (trigger + revoked privileges).

mod batch;
mod entry;
mod error;
mod record;

pub use batch::TenantAuditBatch;
pub use entry::{Actor, AuditEntry, Outcome};
pub use error::AuditError;
pub use record::{record_platform, record_tenant};
