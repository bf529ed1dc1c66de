//! Data access, one module per table family. Tenant-owned tables are read and written only
//! inside `pa_db::begin_tenant(tenant)` transactions, and every function takes the tenant
//! first and filters by it too.

pub mod groups;
pub mod links;
pub mod purge;
pub mod rate_limit;
pub mod sessions;
pub mod states;
pub mod tenants;
pub mod wizards;
