//! [`AppState`]: what every handler shares (built once in `startup`).

use pa_db::PgPool;
use pa_messaging::OutboxSignal;

use crate::config::SetupLinkSettings;
use crate::domain::SetupTokenKey;
use crate::routes::egress::EgressManifest;

/// Shared, read-only application state.
pub struct AppState {
    pub pool: PgPool,
    /// Wakes the outbox relay: commit every transaction that enqueues events through it.
    pub outbox: OutboxSignal,
    /// Derives setup tokens (decoded `setup_links.token_key`, checked at startup).
    pub setup_token_key: SetupTokenKey,
    pub setup_links: SetupLinkSettings,
    /// `GET /v1/egress-ips`, rendered once.
    pub egress_manifest: EgressManifest,
    /// Seconds between deprovisioning and purge.
    pub purge_grace_secs: i64,
}

impl AppState {
    /// Link lifetime in seconds, as bound to SQL.
    pub fn setup_link_ttl_secs(&self) -> i64 {
        i64::try_from(self.setup_links.ttl_secs).unwrap_or(i64::MAX)
    }
}
