//! The end-to-end tests: the four real service binaries (build them first:
//! `cargo build --bins -p tenant-provisioning -p consent -p sync-dispatch -p admin-console`).
//!
//! Tests named `fault_…` (module `fault_journeys`) restart RabbitMQ or PostgreSQL; they run
//! one at a time in the fault pass (deploy/local/test.sh). `service_faults` (a service
//! killed, Graph throttling) touches only its own run and runs in the parallel pass.

mod demo;
mod fault_journeys;
mod journey;
mod one_trace;
mod service_faults;
mod two_instances;
