//! Data access, one module per table family. Functions take a connection or the pool and
//! run under the tenant's row-level security context (the caller's `pa_db::begin_tenant`
//! transaction, or a single statement that sets the context itself).

pub mod apply;
pub mod config;
pub mod initial;
pub mod purge;
pub mod runs;
pub mod staging;
pub mod tenants;
