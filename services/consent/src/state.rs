//! [`AppState`]: what every handler shares (built once in `startup`).

use std::sync::Arc;

use pa_db::PgPool;
use pa_entra::EntraClient;
use pa_messaging::OutboxSignal;
use time::{Duration, OffsetDateTime};

use crate::clock::Clock;
use crate::config::Settings;
use crate::domain::ClientAddrResolver;

/// Shared, read-only application state.
pub struct AppState {
    pub pool: PgPool,
    /// Wakes the outbox relay: commit every transaction that enqueues events through it.
    pub outbox: OutboxSignal,
    pub entra: EntraClient,
    pub settings: Arc<Settings>,
    pub clock: Arc<dyn Clock>,
    pub client_addr: ClientAddrResolver,
    /// Origins (`scheme://host[:port]`) allowed in `Origin` on state-changing requests.
    pub allowed_origins: Vec<String>,
}

impl AppState {
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    pub fn session_idle(&self) -> Duration {
        secs(self.settings.wizard.session_idle_secs)
    }

    pub fn session_lifetime(&self) -> Duration {
        secs(self.settings.wizard.session_absolute_secs)
    }

    pub fn consent_state_ttl(&self) -> Duration {
        secs(self.settings.wizard.consent_state_ttl_secs)
    }

    pub fn start_failure_window(&self) -> Duration {
        secs(self.settings.wizard.start_failure_window_secs)
    }
}

fn secs(s: u64) -> Duration {
    Duration::seconds(i64::try_from(s).unwrap_or(i64::MAX / 2))
}
