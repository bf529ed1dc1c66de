//! The sync-dispatch service: keeps every tenant's people, groups and roles in step with
//! Microsoft Entra ID (the HIPAA joiner / mover / leaver process).
//!
//! Code tour:
//! - [`consumers`]: the tenant events it reacts to (`setup.completed`, `access.config_changed`,
//!   `tenant.settings_changed`, `sync.requested`, `sync.hold_decided`, `consent.granted`,
//!   `tenant.suspended|resumed|deprovisioned|purged`), one module per event family.
//! - [`scheduler`]: every instance claims due tenants from `sync_tenants` with
//!   `FOR UPDATE SKIP LOCKED` and publishes one job per run through the outbox; it also
//!   re-publishes runs whose job or worker went missing.
//! - [`worker`]: consumes the jobs (one queue for full, one for incremental syncs, so a large
//!   first sync never delays small tenants), holds the tenant's lease while it reads Graph
//!   into staging tables, then applies everything in one transaction ([`repo::apply`]).
//! - [`routes`]: the operators' REST API (status with progress, run history, "sync now"),
//!   behind `pa-operator-auth`.
//! - [`startup`] wires it all; [`config`] lists every setting (`PA_SYNC_*`).

pub mod cli;
pub mod config;
pub mod consumers;
pub mod domain;
pub mod error;
pub mod events;
pub mod jobs;
pub mod openapi;
pub mod repo;
pub mod routes;
pub mod scheduler;
pub mod startup;
pub mod state;
pub mod worker;
