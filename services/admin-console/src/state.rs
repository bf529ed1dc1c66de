//! [`AppState`]: what every handler shares (built once in `startup`).

use std::sync::Arc;

use pa_db::PgPool;
use pa_entra::{EntraClient, IdTokenValidator};
use pa_messaging::OutboxSignal;
use time::OffsetDateTime;
use url::Url;

use crate::auth::session_cache::SessionCache;
use crate::auth::session_hints::SessionHints;
use crate::clock::Clock;
use crate::config::{ConsoleSettings, EmergencySettings};
use crate::domain::sealing::SealingKey;

/// Shared, read-only application state.
pub struct AppState {
    pub pool: PgPool,
    /// The Users search's pool: sessions with [`crate::repo::directory::SEARCH_SETTINGS`], so
    /// a search is one autocommit statement (`directory::list_users`).
    pub search_pool: PgPool,
    /// Wakes the outbox relay: commit every transaction that enqueues events through it.
    pub outbox: OutboxSignal,
    pub clock: Arc<dyn Clock>,
    pub entra: EntraClient,
    pub id_tokens: IdTokenValidator,
    /// The sign-in redirect URI (registered with Entra ID).
    pub redirect_uri: Url,
    pub console: ConsoleSettings,
    pub emergency: EmergencySettings,
    pub sealing: SealingKey,
    /// Sessions this instance found live a moment ago (`auth::session_cache`); shared with
    /// the event consumer, which forgets them after applying an event.
    pub sessions: Arc<SessionCache>,
    /// Tells the other instances when this one wrote (`auth::session_hints`).
    pub session_hints: SessionHints,
}

impl AppState {
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }
}
