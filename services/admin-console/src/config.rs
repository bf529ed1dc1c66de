//! The service's configuration: defaults → optional TOML file → `PA_CONSOLE_*` environment
//! variables (pa-config). Unknown keys are rejected; secrets are `SecretString`.

use std::path::Path;

use pa_config::SecretString;
use serde::Deserialize;
use url::Url;

/// Environment-variable prefix, e.g. `PA_CONSOLE_CONSOLE__FRONTEND_URL`.
pub const ENV_PREFIX: &str = "PA_CONSOLE_";

/// The PostgreSQL role this service connects as (least privilege: migration 0053).
pub const DB_ROLE: pa_db::ServiceRole = pa_db::ServiceRole::AdminConsole;

/// The local-stack port of this service.
pub const DEFAULT_PORT: u16 = 8084;

/// Everything the service needs to run.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub http: pa_http::HttpSettings,
    pub database: pa_db::DatabaseSettings,
    pub amqp: pa_messaging::AmqpSettings,
    pub telemetry: pa_telemetry::TelemetrySettings,
    /// The Entra ID app registration (sign-in and group look-ups). `entra.redirect_uri` is the
    /// sign-in callback; unset, it is `{http.public_base_url}auth/callback`.
    pub entra: pa_entra::EntraSettings,
    pub console: ConsoleSettings,
    pub emergency: EmergencySettings,
    pub workers: WorkerSettings,
    /// The built web front-end (services/web) served on this origin: the console at `/`
    /// (none unless `web.dir` is set). `/setup` belongs to the consent service's origin.
    pub web: pa_http::spa::SpaSettings,
}

impl Default for Settings {
    fn default() -> Self {
        let mut http = pa_http::HttpSettings {
            bind: std::net::SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)),
            ..pa_http::HttpSettings::default()
        };
        http.public_base_url = Url::parse("http://127.0.0.1:8084/").expect("a valid literal URL");
        Self {
            http,
            database: pa_db::DatabaseSettings::for_role(DB_ROLE),
            amqp: Default::default(),
            telemetry: Default::default(),
            entra: Default::default(),
            console: Default::default(),
            emergency: Default::default(),
            workers: Default::default(),
            web: default_web(),
        }
    }
}

fn default_web() -> pa_http::spa::SpaSettings {
    pa_http::spa::SpaSettings {
        reserved_prefixes: vec!["/setup".to_owned()],
        ..Default::default()
    }
}

impl Settings {
    /// Loads the layers; `file` overrides `PA_CONSOLE_CONFIG_FILE`.
    pub fn load(file: Option<&Path>) -> Result<Self, pa_config::ConfigError> {
        pa_config::load_with_defaults(ENV_PREFIX, file, Self::section_defaults())
    }

    /// This service's defaults for the sections whose type belongs to a library.
    pub fn section_defaults() -> pa_config::SectionDefaults {
        pa_config::SectionDefaults::new()
            .section("database", &pa_db::DatabaseSettings::role_defaults(DB_ROLE))
            .section("http", &Self::default().http)
            .section("web", &default_web())
    }

    /// The sign-in redirect URI registered with Entra ID.
    pub fn redirect_uri(&self) -> Url {
        self.entra.redirect_uri.clone().unwrap_or_else(|| {
            self.http
                .public_base_url
                .join("auth/callback")
                .unwrap_or_else(|_| self.http.public_base_url.clone())
        })
    }
}

/// The console (`[console]`).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConsoleSettings {
    /// Where browsers go after signing in (and, with `?signin_error=<code>`, after a refused
    /// sign-in). Default `http://127.0.0.1:8084/`.
    pub frontend_url: Url,
    /// `Secure` on the session cookies. Only a local stack over plain http sets it false.
    pub cookie_secure: bool,
    /// Lifetime of a started sign-in (state, nonce, PKCE) in seconds (default 600).
    pub signin_ttl_secs: u32,
    /// The event consumer's queue (`pa.admin-console.events`).
    pub events_queue: String,
    /// Connections of the Users search's own pool (default 4), whose sessions plan
    /// generically and never JIT-compile (`repo::user_search`), beside `database`'s pool.
    pub search_connections: u32,
    /// How long this instance reuses its reading of a live session for the same session's
    /// next requests (milliseconds, default 1000; `0`: read the database on every request,
    /// and no session hints). Writes through any instance, and the events that end sessions,
    /// make every instance forget the tenant's sessions at once (`auth::session_hints`); what
    /// an instance does not hear of (a lost hint) it sees within this time
    /// (`auth::session_cache`).
    pub session_cache_ms: u64,
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        Self {
            frontend_url: Url::parse("http://127.0.0.1:8084/").expect("a valid literal URL"),
            cookie_secure: true,
            signin_ttl_secs: 600,
            events_queue: pa_messaging::topology::queue_name("admin-console", "events"),
            search_connections: 4,
            session_cache_ms: 1000,
        }
    }
}

/// Emergency access (`[emergency]`).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmergencySettings {
    /// AES-256-GCM key sealing the accounts' TOTP secrets: base64 of 32 random bytes
    /// (`openssl rand -base64 32`). Required. Env `PA_CONSOLE_EMERGENCY__TOTP_KEY`.
    pub totp_key: SecretString,
    /// Absolute lifetime of an emergency session in seconds (default 3600; never more than the
    /// tenant's absolute lifetime).
    pub session_lifetime_secs: u32,
    /// Failed attempts before an account locks (default 5) …
    pub max_failed_attempts: u32,
    /// … for this many seconds (default 900).
    pub lockout_secs: u32,
}

impl Default for EmergencySettings {
    fn default() -> Self {
        Self {
            totp_key: SecretString::from(""),
            session_lifetime_secs: 3600,
            max_failed_attempts: 5,
            lockout_secs: 900,
        }
    }
}

/// Background work (`[workers]`); 0 disables a loop (tests drive them by hand).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkerSettings {
    /// How often the audit sealer chains new records (milliseconds; default 1000).
    pub seal_interval_ms: u64,
    /// How often expired sessions are ended and audited, and stale sign-ins deleted (seconds;
    /// default 30).
    pub session_sweep_secs: u64,
    /// How often the audit retention purge runs (seconds; default 3600).
    pub retention_purge_secs: u64,
    /// Run the event consumer (default true).
    pub consume_events: bool,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            seal_interval_ms: 1_000,
            session_sweep_secs: 30,
            retention_purge_secs: 3_600,
            consume_events: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(env: &[(&str, &str)]) -> Result<Settings, pa_config::ConfigError> {
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        pa_config::load_from_iter_with_defaults(ENV_PREFIX, None, env, Settings::section_defaults())
    }

    #[test]
    fn defaults_are_the_local_stack_and_the_hipaa_yardsticks() {
        let s = load(&[]).expect("defaults load");
        assert_eq!(s.http.bind.port(), DEFAULT_PORT);
        assert!(s.console.cookie_secure);
        assert_eq!(s.console.events_queue, "pa.admin-console.events");
        assert_eq!(
            s.redirect_uri().as_str(),
            "http://127.0.0.1:8084/auth/callback"
        );
        assert_eq!(s.emergency.session_lifetime_secs, 3600);
    }

    #[test]
    fn environment_overrides_and_unknown_keys_fail() {
        let s = load(&[("PA_CONSOLE_CONSOLE__COOKIE_SECURE", "false")]).expect("loads");
        assert!(!s.console.cookie_secure);
        assert!(load(&[("PA_CONSOLE_CONSOLE__COOKIE", "x")]).is_err());
    }
}
