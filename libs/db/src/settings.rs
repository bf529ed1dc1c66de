//! [`DatabaseSettings`]: the `database` section of a service's configuration.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::ServiceRole;

/// How a service reaches PostgreSQL (as its own role, [`ServiceRole`]: build a service's
/// defaults with [`DatabaseSettings::for_role`] and [`DatabaseSettings::role_defaults`]).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// Connection URL of the service's role; holds a password, hence secret.
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

impl DatabaseSettings {
    /// The local-development URL of `role` (password = role name, as
    /// deploy/postgres/bootstrap-roles.sql sets it; deployments set their own secret).
    pub fn local_url(role: &str) -> String {
        format!("postgres://{role}:{role}@127.0.0.1:5432/patient_access?sslmode=disable")
    }

    /// The defaults of a service connecting as `role` (the local-development URL).
    pub fn for_role(role: ServiceRole) -> Self {
        Self {
            url: SecretString::from(Self::local_url(role.name())),
            ..Self::default()
        }
    }

    /// The `[database]` section default of a service connecting as `role`, for
    /// `pa_config::SectionDefaults::section("database", …)`: it sits below the file and the
    /// environment key by key, so setting only `DATABASE__MAX_CONNECTIONS` keeps the
    /// service's own URL.
    pub fn role_defaults(role: ServiceRole) -> impl Serialize {
        #[derive(Serialize)]
        struct RoleDefaults {
            url: String,
        }
        RoleDefaults {
            url: Self::local_url(role.name()),
        }
    }
}

impl Default for DatabaseSettings {
    /// Library defaults; the URL is the legacy shared role `pa_app` (tools only: services use
    /// [`DatabaseSettings::for_role`]).
    fn default() -> Self {
        Self {
            // Loopback development default; deployments set the URL with `sslmode=verify-full`.
            url: SecretString::from(Self::local_url("pa_app")),
            max_connections: 8,
            acquire_timeout_ms: 5_000,
            statement_timeout_ms: 30_000,
        }
    }
}
