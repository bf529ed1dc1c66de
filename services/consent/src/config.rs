//! The service's configuration: defaults → optional TOML file → `PA_CONSENT_*` environment
//! variables (pa-config). Unknown keys are rejected; secrets are `SecretString`.

use std::path::Path;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use url::Url;

/// Environment-variable prefix, e.g. `PA_CONSENT_ENTRA__CLIENT_ID`.
pub const ENV_PREFIX: &str = "PA_CONSENT_";

/// The PostgreSQL role this service connects as (least privilege: migration 0053).
pub const DB_ROLE: pa_db::ServiceRole = pa_db::ServiceRole::Consent;

/// The local-stack port of this service.
pub const DEFAULT_PORT: u16 = 8082;

/// Everything the service needs to run.
///
/// `[http]` and `[web]` default to this service's values key by key (see
/// [`Settings::section_defaults`]). `entra.redirect_uri` defaults to
/// `{http.public_base_url}consent/callback`.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub http: pa_http::HttpSettings,
    pub database: pa_db::DatabaseSettings,
    pub amqp: pa_messaging::AmqpSettings,
    pub telemetry: pa_telemetry::TelemetrySettings,
    /// The Patient Access multi-tenant app registration and Microsoft's endpoints.
    pub entra: pa_entra::EntraSettings,
    /// Outgoing mail (the admin-welcome mail), as tenant-provisioning's setup mail.
    pub smtp: pa_mail::SmtpSettings,
    /// The built web front-end served at `/setup` (none unless `web.dir` is set).
    pub web: pa_http::spa::SpaSettings,
    pub wizard: WizardSettings,
    pub console: ConsoleSettings,
    pub egress: EgressSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            http: default_http(),
            database: pa_db::DatabaseSettings::for_role(DB_ROLE),
            amqp: Default::default(),
            telemetry: Default::default(),
            entra: Default::default(),
            smtp: Default::default(),
            web: default_web(),
            wizard: Default::default(),
            console: Default::default(),
            egress: Default::default(),
        }
    }
}

fn default_http() -> pa_http::HttpSettings {
    let mut http = pa_http::HttpSettings {
        bind: std::net::SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)),
        ..pa_http::HttpSettings::default()
    };
    http.public_base_url = literal_url("http://127.0.0.1:8082/");
    http
}

fn default_web() -> pa_http::spa::SpaSettings {
    pa_http::spa::SpaSettings {
        navigation_prefixes: vec!["/setup".to_owned()],
        ..Default::default()
    }
}

#[allow(clippy::expect_used)] // constant, valid URLs
fn literal_url(s: &str) -> Url {
    Url::parse(s).expect("a valid literal URL")
}

impl Settings {
    /// Loads the layers (see the module docs); `file` overrides `PA_CONSENT_CONFIG_FILE`.
    pub fn load(file: Option<&Path>) -> Result<Self, pa_config::ConfigError> {
        let settings: Self =
            pa_config::load_with_defaults(ENV_PREFIX, file, Self::section_defaults())?;
        Ok(settings.with_derived_defaults())
    }

    /// This service's defaults for the sections whose type belongs to a library.
    pub fn section_defaults() -> pa_config::SectionDefaults {
        pa_config::SectionDefaults::new()
            .section("database", &pa_db::DatabaseSettings::role_defaults(DB_ROLE))
            .section("http", &default_http())
            .section("web", &default_web())
    }

    /// Fills the settings derived from others: `entra.redirect_uri` from the public base URL,
    /// and the consent-propagation wait from `[wizard]` (a browser waits on the callback).
    pub fn with_derived_defaults(mut self) -> Self {
        if self.entra.redirect_uri.is_none() {
            self.entra.redirect_uri = self.http.public_base_url.join("consent/callback").ok();
        }
        self.entra.consent_propagation_timeout_ms = self.wizard.consent_propagation_wait_ms;
        self
    }
}

/// The wizard (`[wizard]`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct WizardSettings {
    /// Where the browser goes after Microsoft's callback, with `?consent=granted` or
    /// `?consent=error&code=<problem code>`.
    pub frontend_url: Url,
    /// `Secure` on the `pa_wizard` cookie. Only the local stack over plain http sets false.
    pub cookie_secure: bool,
    /// A session ends after this long without a request (seconds; default 15 minutes).
    pub session_idle_secs: u64,
    /// … and this long after it started, whatever happens (seconds; default 2 hours).
    pub session_absolute_secs: u64,
    /// Lifetime of an admin-consent `state` (seconds; default 10 minutes).
    pub consent_state_ttl_secs: u64,
    /// How long the callback waits for a fresh consent to reach Microsoft's token endpoint
    /// (AADSTS700016 retried) before answering "still propagating, check again" (ms).
    /// Overrides `entra.consent_propagation_timeout_ms`.
    pub consent_propagation_wait_ms: u64,
    /// Bad setup-link attempts (malformed or unknown tokens) one client may make per window.
    pub start_failure_limit: u32,
    /// The window of `start_failure_limit` (seconds; default 15 minutes).
    pub start_failure_window_secs: u64,
    /// Reverse proxies whose `X-Forwarded-For` is believed: the client address is the right-most
    /// address not in these networks. Empty: the peer address is the client.
    pub trusted_proxies: Vec<IpNet>,
    /// Origins allowed in the `Origin` header of state-changing requests, besides the
    /// origins of `http.public_base_url` and `frontend_url`.
    pub allowed_origins: Vec<Url>,
    /// The display name of the Patient Access application customers exclude from
    /// Conditional Access policies that require MFA.
    pub application_name: String,
    /// The admin-welcome mailer's queue (`pa.<service>.<consumer>`); only tests change it.
    pub welcome_mailer_queue: String,
    /// The `tenant.purged` consumer's queue (`pa.<service>.<consumer>`); only tests change it.
    pub tenant_purge_queue: String,
}

impl Default for WizardSettings {
    fn default() -> Self {
        Self {
            frontend_url: literal_url("http://127.0.0.1:8082/setup"),
            cookie_secure: true,
            session_idle_secs: 15 * 60,
            session_absolute_secs: 2 * 3600,
            consent_state_ttl_secs: 10 * 60,
            consent_propagation_wait_ms: 20_000,
            start_failure_limit: 10,
            start_failure_window_secs: 15 * 60,
            trusted_proxies: Vec::new(),
            allowed_origins: Vec::new(),
            application_name: "Patient Access".to_owned(),
            welcome_mailer_queue: pa_messaging::topology::queue_name(
                "consent",
                "admin-welcome-mailer",
            ),
            tenant_purge_queue: pa_messaging::topology::queue_name(
                "consent",
                crate::purge::CONSUMER,
            ),
        }
    }
}

/// The admin console (`[console]`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConsoleSettings {
    /// The console's base URL; the initial administrator gets `{base_url}/?tenant={tenant_id}`.
    pub base_url: Url,
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        Self {
            base_url: literal_url("http://127.0.0.1:8084"),
        }
    }
}

impl ConsoleSettings {
    /// `{base_url}/?tenant={tenant}`.
    pub fn url_for(&self, tenant: pa_domain::TenantId) -> String {
        format!(
            "{}/?tenant={tenant}",
            self.base_url.as_str().trim_end_matches('/')
        )
    }
}

/// The static egress addresses customers allow (`[egress]`): the same list as
/// tenant-provisioning's `GET /v1/egress-ips`, shown in the prerequisites.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct EgressSettings {
    pub cidrs: Vec<IpNet>,
    /// Where the machine-readable manifest is (tenant-provisioning's public endpoint).
    pub manifest_url: Option<Url>,
}

impl Default for EgressSettings {
    fn default() -> Self {
        let cidrs = ["44.207.16.175/32", "44.196.189.191/32", "34.195.47.118/32"];
        Self {
            cidrs: cidrs.iter().filter_map(|c| c.parse().ok()).collect(),
            manifest_url: Some(literal_url("http://127.0.0.1:8081/v1/egress-ips")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(env: &[(&str, &str)]) -> Result<Settings, pa_config::ConfigError> {
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        let s: Settings = pa_config::load_from_iter_with_defaults(
            ENV_PREFIX,
            None,
            env,
            Settings::section_defaults(),
        )?;
        Ok(s.with_derived_defaults())
    }

    #[test]
    fn defaults_serve_the_local_stack() {
        let s = load(&[]).expect("defaults load");
        assert_eq!(s.http.bind.port(), DEFAULT_PORT);
        assert_eq!(
            s.entra.redirect_uri.as_ref().map(Url::as_str),
            Some("http://127.0.0.1:8082/consent/callback")
        );
        assert_eq!(
            s.wizard.frontend_url.as_str(),
            "http://127.0.0.1:8082/setup"
        );
        assert!(s.wizard.cookie_secure);
        assert_eq!(s.web.navigation_prefixes, ["/setup"]);
        assert_eq!(s.egress.cidrs.len(), 3);
        assert_eq!(
            s.wizard.welcome_mailer_queue,
            "pa.consent.admin-welcome-mailer"
        );
        assert_eq!(s.wizard.tenant_purge_queue, "pa.consent.tenant-purge");
        assert_eq!(s.entra.consent_propagation_timeout_ms, 20_000);
        let tenant: pa_domain::TenantId =
            "6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab".parse().expect("id");
        assert_eq!(
            s.console.url_for(tenant),
            "http://127.0.0.1:8084/?tenant=6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab"
        );
    }

    #[test]
    fn the_environment_overrides_and_unknown_keys_fail() {
        let s = load(&[
            ("PA_CONSENT_WIZARD__COOKIE_SECURE", "false"),
            ("PA_CONSENT_HTTP__PUBLIC_BASE_URL", "https://setup.example/"),
            ("PA_CONSENT_ENTRA__CLIENT_ID", "app"),
        ])
        .expect("loads");
        assert!(!s.wizard.cookie_secure);
        assert_eq!(s.http.bind.port(), DEFAULT_PORT, "other http keys stay");
        assert_eq!(
            s.entra.redirect_uri.as_ref().map(Url::as_str),
            Some("https://setup.example/consent/callback")
        );
        assert!(load(&[("PA_CONSENT_WIZARD__COOKIE", "x")]).is_err());
    }
}
