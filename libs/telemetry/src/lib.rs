//! One telemetry entry point per process.
//!
//! [`init`] installs, once per process:
//! - a `tracing` subscriber writing JSON (default) or pretty logs to stdout, filtered by `RUST_LOG`
//!   (default `info`);
//! - an OpenTelemetry tracer provider, always, so every span gets W3C trace and span ids even when
//!   nothing is exported; spans at `info` and above are handed to OpenTelemetry regardless of
//!   `RUST_LOG`, so trace propagation does not depend on the log level;
//! - an OTLP/HTTP (protobuf) exporter, only when [`TelemetrySettings::otlp_endpoint`] is set;
//! - the W3C trace-context propagator as the global text-map propagator.
//!
//! The returned [`TelemetryGuard`] flushes and shuts the exporter down when dropped: keep it alive
//! for the whole of `main`.
//!
//! Tests call [`init_for_tests`] instead (idempotent, quiet unless `RUST_LOG` is set).
//!
//! [`current_traceparent`] and [`set_parent_from_traceparent`] carry a trace across process
//! boundaries (HTTP `traceparent` headers, AMQP message headers).

mod error_chain;
mod init;
mod propagation;
mod settings;

pub use error_chain::error_chain;
pub use init::{TelemetryError, TelemetryGuard, init, init_for_tests};
pub use propagation::{
    current_traceparent, set_otel_name, set_parent_from_traceparent, trace_id_of, traceparent_of,
};
pub use settings::{LogFormat, TelemetrySettings};

#[cfg(test)]
mod tests;
