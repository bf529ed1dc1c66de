//! Building the connection pool.

use std::str::FromStr;
use std::time::Duration;

use secrecy::ExposeSecret;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgPool};

use crate::{DatabaseSettings, DbError};

/// Idle connections are closed after this long.
const IDLE_TIMEOUT: Duration = Duration::from_secs(600);
/// Connections are recycled after this long (picks up role/config changes, spreads load).
const MAX_LIFETIME: Duration = Duration::from_secs(1800);

/// Opens a pool for `s.url`, connecting eagerly once so a wrong URL fails at startup.
///
/// Every session gets `statement_timeout` from the settings and an `application_name`
/// naming the binary, so `pg_stat_activity` shows who holds what.
pub async fn connect(s: &DatabaseSettings) -> Result<PgPool, DbError> {
    let options = connect_options(s.url.expose_secret(), s.statement_timeout_ms)?;
    let pool = pool_options(s).connect_with(options).await?;
    Ok(pool)
}

/// Same as [`connect`] but does not open a connection until the first query.
pub fn connect_lazy(s: &DatabaseSettings) -> Result<PgPool, DbError> {
    let options = connect_options(s.url.expose_secret(), s.statement_timeout_ms)?;
    Ok(pool_options(s).connect_lazy_with(options))
}

/// A planner setting that every session of a pool opened by [`connect_lazy_with_settings`]
/// starts with (a startup option). Only the constants below exist (names and values fixed in
/// code), so the option never carries data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionSetting {
    name: &'static str,
    value: &'static str,
}

impl SessionSetting {
    /// `plan_cache_mode = force_generic_plan`: a prepared statement is planned once per
    /// connection and the plan reused, instead of re-planned for its parameters on every
    /// execution. For statements whose plan does not depend on their parameters' values
    /// (index walks bounded by `LIMIT`), where planning can cost more than executing.
    pub const GENERIC_PLANS: Self = Self {
        name: "plan_cache_mode",
        value: "force_generic_plan",
    };
    /// `jit = off`: no JIT compilation (milliseconds) for a statement whose cost estimate
    /// crosses `jit_above_cost` although it reads little.
    pub const NO_JIT: Self = Self {
        name: "jit",
        value: "off",
    };
}

/// Opens a pool of at most `max_connections` like [`connect_lazy`] (no connection until the
/// first query) whose every session also carries `settings` (startup options): for a class
/// of statements that must always be planned one way and that run in autocommit, without a
/// transaction to `SET LOCAL` them in ([`crate::tenant_statement`]: one round trip).
pub fn connect_lazy_with_settings(
    s: &DatabaseSettings,
    max_connections: u32,
    settings: &[SessionSetting],
) -> Result<PgPool, DbError> {
    let options = connect_options(s.url.expose_secret(), s.statement_timeout_ms)?
        .options(settings.iter().map(|l| (l.name, l.value)));
    Ok(pool_options(s)
        .max_connections(max_connections.max(1))
        .connect_lazy_with(options))
}

/// A connection taken from the pool is checked (a round trip) only when it has been idle this
/// long. sqlx already checks every connection when it comes back to the pool, so a connection
/// returned moments ago is known good: checking it again on every acquire doubled the round
/// trips of a one-statement request. HikariCP skips its check the same way
/// (`aliveBypassWindowMs`, 500 ms). A connection that broke in between (the server
/// restarted) fails its statement, is dropped on release, and the pool opens a new one.
const CHECK_IF_IDLE_FOR: Duration = Duration::from_millis(500);

fn pool_options(s: &DatabaseSettings) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(s.max_connections.max(1))
        .acquire_timeout(Duration::from_millis(s.acquire_timeout_ms))
        .idle_timeout(IDLE_TIMEOUT)
        .max_lifetime(MAX_LIFETIME)
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= CHECK_IF_IDLE_FOR {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
}

/// Parses `url` and adds our session defaults.
pub(crate) fn connect_options(
    url: &str,
    statement_timeout_ms: u64,
) -> Result<PgConnectOptions, DbError> {
    let mut options =
        PgConnectOptions::from_str(url).map_err(|e| DbError::Config(e.to_string()))?;
    if options.get_application_name().is_none() {
        options = options.application_name(&application_name());
    }
    let timeout = statement_timeout_ms.to_string();
    Ok(options.options([("statement_timeout", timeout.as_str())]))
}

fn application_name() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "pa".to_owned())
}
