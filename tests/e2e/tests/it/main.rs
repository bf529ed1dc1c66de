//! The end-to-end tests: the four real service binaries (build them first:
//! `cargo build --bins -p tenant-provisioning -p consent -p sync-dispatch -p admin-console`).
//!
//! Tests named `fault_…` (module `fault_journeys`) restart RabbitMQ or PostgreSQL or kill
//! a service; they run one at a time in the fault pass (deploy/local/test.sh).

mod fault_journeys;
mod journey;
mod one_trace;
mod two_instances;
