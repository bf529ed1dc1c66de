//! `pa-e2e`: the guide's whole journey across the four real services.
//!
//! The harness starts the service binaries built under `target/debug` (never builds them: see
//! [`bins`]) as child processes on ports of their own (18100–18999), each against a database
//! made for the run ([`db`]), a RabbitMQ exchange and queues of the run's own (so parallel
//! runs never take each other's events), an in-process Entra ID simulator playing Microsoft
//! and an in-process SMTP sink playing mail ([`stack`]). The journey ([`journey`]) then goes
//! through public APIs only — the services' HTTP, the simulator's control API, the sink's
//! mail — and records how long each step took ([`timing`]).
//!
//! Variants: faults injected mid-journey ([`infra`] restarts RabbitMQ or PostgreSQL,
//! [`process`] kills a service), two instances of every service behind an alternating
//! client ([`client::Balancer`]), and every service exporting its spans to an in-process
//! OTLP receiver ([`otlp`]).

pub mod bins;
pub mod client;
pub mod db;
pub mod infra;
pub mod journey;
pub mod otlp;
pub mod ports;
pub mod process;
pub mod services;
pub mod stack;
pub mod timing;
pub mod wait;

/// Installs the TLS provider reqwest needs (idempotent).
pub fn init() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
