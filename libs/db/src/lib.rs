//! PostgreSQL access shared by every service: the connection pool, tenant-scoped
//! transactions (row-level security context), the embedded migrations and a test helper.
//!
//! Each service connects as its own role ([`ServiceRole`]: `pa_tp`, `pa_consent`, `pa_sync`,
//! `pa_console`), which owns nothing, cannot bypass row-level security and may write only
//! the tables its service owns. Every statement touching a tenant-owned table runs in a
//! transaction opened by [`begin_tenant`] (or after [`set_tenant`]), which sets
//! `app.tenant_id` for that transaction only; without it the policies match no rows.

mod error;
mod migrate;
mod pool;
mod roles;
mod settings;
mod tenant;
pub mod testing;

pub use error::{
    ConstraintViolation, DbError, ViolationKind, constraint_violation, is_unavailable,
};
pub use migrate::{MIGRATOR, migrate, migrate_with};
pub use pool::{SessionSetting, connect, connect_lazy, connect_lazy_with_settings};
pub use roles::ServiceRole;
pub use settings::DatabaseSettings;
pub use tenant::{
    IN_TENANT_CONTEXT, begin_tenant, clear_tenant, delete_tenant_rows, set_tenant, tenant_statement,
};

pub use sqlx::{PgConnection, PgPool, Postgres, Transaction};
