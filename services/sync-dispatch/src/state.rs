//! [`AppState`]: what every handler shares (built once in `startup`).

use pa_db::PgPool;
use pa_messaging::OutboxSignal;

/// Shared, read-only application state of the HTTP API.
pub struct AppState {
    pub pool: PgPool,
    /// Wakes the outbox relay: commit every transaction that enqueues events through it.
    pub outbox: OutboxSignal,
}
