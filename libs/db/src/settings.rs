//! [`DatabaseSettings`]: the `database` section of a service's configuration.

use secrecy::SecretString;
use serde::Deserialize;

/// How a service reaches PostgreSQL (as the application role `pa_app`).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// Connection URL of the application role; holds a password, hence secret.
    pub url: SecretString,
    /// Upper bound of pooled connections. Small on purpose: a few busy backends per core
    /// serve more than many contending ones (on the 2-core bench box, 8 instead of 20 cut
    /// create-tenant p99 by ≈ 15 % at the same throughput), and every replica of every
    /// service shares the server's `max_connections`.
    pub max_connections: u32,
    /// How long a request waits for a pooled connection before failing (ms).
    pub acquire_timeout_ms: u64,
    /// Server-side `statement_timeout` for every session (ms; 0 disables).
    pub statement_timeout_ms: u64,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            // Loopback development default; deployments set the URL with `sslmode=verify-full`.
            url: SecretString::from(
                "postgres://pa_app:pa_app@127.0.0.1:5432/patient_access?sslmode=disable",
            ),
            max_connections: 8,
            acquire_timeout_ms: 5_000,
            statement_timeout_ms: 30_000,
        }
    }
}
