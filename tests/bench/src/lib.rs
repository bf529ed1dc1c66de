//! Shared pieces of the `make bench` binaries: result files, latency statistics, process memory,
//! the bench database and broker settings.
//!
//! Every bench binary measures its subject and a baseline in the same run, writes one JSON
//! [`report::BenchReport`] into the results directory, and `bench-report` turns those files into
//! `tests/bench/RESULTS.md`. Nothing here asserts on timings: the figures are the output.

pub mod amqp;
pub mod benchdb;
pub mod load;
pub mod procfs;
pub mod report;
pub mod stats;

/// Installs the ring crypto provider for rustls (reqwest, lapin and sqlx need one); a second
/// call is harmless.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Rounds to `digits` decimals, for readable figures in the results.
pub fn round(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}
