//! pa-audit integration tests against the real PostgreSQL (one binary; see CONTRACTS.md).

mod append_only;
mod chain;
mod export;
mod query;
mod record;
mod retention;
mod schema;
mod support;

/// Process-wide setup every test calls first.
fn init() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
