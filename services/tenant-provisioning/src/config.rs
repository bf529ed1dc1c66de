//! The service's configuration: defaults → optional TOML file → `PA_TP_*` environment
//! variables (pa-config). Unknown keys are rejected; secrets are `SecretString`.

use std::path::Path;

use ipnet::IpNet;
use pa_config::SecretString;
/// The `[smtp]` section lives in pa-mail (shared with the consent service).
pub use pa_mail::{SmtpSettings, SmtpTls};
use serde::Deserialize;
use time::OffsetDateTime;
use url::Url;

/// Environment-variable prefix, e.g. `PA_TP_SMTP__HOST`.
pub const ENV_PREFIX: &str = "PA_TP_";

/// The PostgreSQL role this service connects as (least privilege: migration 0053).
pub const DB_ROLE: pa_db::ServiceRole = pa_db::ServiceRole::TenantProvisioning;

/// Everything the service needs to run.
///
/// The `[http]` section defaults to this service's `127.0.0.1:8081` key by key (see
/// [`Settings::section_defaults`]): setting one `http` key keeps the others.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub http: pa_http::HttpSettings,
    pub database: pa_db::DatabaseSettings,
    pub amqp: pa_messaging::AmqpSettings,
    pub telemetry: pa_telemetry::TelemetrySettings,
    pub smtp: SmtpSettings,
    pub setup_links: SetupLinkSettings,
    pub egress: EgressSettings,
    pub deprovision: DeprovisionSettings,
    pub activation: ActivationSettings,
}

/// The local-stack port of this service.
pub const DEFAULT_PORT: u16 = 8081;

impl Default for Settings {
    fn default() -> Self {
        let mut http = pa_http::HttpSettings {
            bind: std::net::SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)),
            ..pa_http::HttpSettings::default()
        };
        http.public_base_url = Url::parse("http://127.0.0.1:8081/").expect("a valid literal URL");
        Self {
            http,
            database: pa_db::DatabaseSettings::for_role(DB_ROLE),
            amqp: Default::default(),
            telemetry: Default::default(),
            smtp: Default::default(),
            setup_links: Default::default(),
            egress: Default::default(),
            deprovision: Default::default(),
            activation: Default::default(),
        }
    }
}

impl Settings {
    /// Loads the layers (see the module docs); `file` overrides `PA_TP_CONFIG_FILE`.
    pub fn load(file: Option<&Path>) -> Result<Self, pa_config::ConfigError> {
        pa_config::load_with_defaults(ENV_PREFIX, file, Self::section_defaults())
    }

    /// This service's defaults for the sections whose type belongs to a library.
    pub fn section_defaults() -> pa_config::SectionDefaults {
        pa_config::SectionDefaults::new()
            .section("database", &pa_db::DatabaseSettings::role_defaults(DB_ROLE))
            .section("http", &Self::default().http)
    }
}

/// Setup links (`[setup_links]`).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SetupLinkSettings {
    /// Where the setup wizard is served; links are `{wizard_base_url}/setup#token=…`.
    pub wizard_base_url: Url,
    /// Lifetime of a link (seconds; default 7 days).
    pub ttl_secs: u64,
    /// The HMAC-SHA256 key setup tokens are derived from: base64 of at least 32 random bytes
    /// (`openssl rand -base64 32`). Required, no default; guard it like an encryption key
    /// (see `crate::domain::setup_token`). Env: `PA_TP_SETUP_LINKS__TOKEN_KEY`.
    pub token_key: SecretString,
    /// The mailer's queue (`pa.<service>.<consumer>`); only tests and benches change it.
    pub mailer_queue: String,
    /// Setup e-mails sent at once (ordered consumer lanes). The mailer and the other
    /// background workers use their own small database pool, so mail never starves requests.
    pub mailer_concurrency: u16,
}

impl Default for SetupLinkSettings {
    fn default() -> Self {
        Self {
            wizard_base_url: Url::parse("http://127.0.0.1:8082").expect("a valid literal URL"),
            ttl_secs: 7 * 24 * 3600,
            token_key: SecretString::from(""),
            mailer_queue: pa_messaging::topology::queue_name(
                "tenant-provisioning",
                "setup-link-mailer",
            ),
            mailer_concurrency: 4,
        }
    }
}

/// The egress-IP manifest (`[egress]`): the static addresses our servers call customers'
/// Entra ID tenants from, which customers add to Named locations and MFA trusted IPs.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EgressSettings {
    /// Bumped whenever `cidrs` changes.
    pub version: u32,
    /// When `cidrs` last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub cidrs: Vec<IpNet>,
}

impl Default for EgressSettings {
    fn default() -> Self {
        let cidrs = ["44.207.16.175/32", "44.196.189.191/32", "34.195.47.118/32"];
        Self {
            version: 1,
            updated_at: time::macros::datetime!(2024-01-01 00:00 UTC),
            cidrs: cidrs.iter().filter_map(|c| c.parse().ok()).collect(),
        }
    }
}

/// Tenant activation (`[activation]`): the consumer of the consent service's
/// `setup.completed` that makes a tenant `active` (see `crate::activation`).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActivationSettings {
    /// The consumer's queue (`pa.<service>.<consumer>`); only tests and benches change it.
    pub queue: String,
    /// Deliveries handled per transaction (all its effects are in PostgreSQL).
    pub batch: u16,
}

impl Default for ActivationSettings {
    fn default() -> Self {
        Self {
            queue: pa_messaging::topology::queue_name("tenant-provisioning", "setup-completed"),
            batch: 32,
        }
    }
}

/// Deprovisioning and purging (`[deprovision]`).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeprovisionSettings {
    /// Time between deprovisioning and purging the tenant's data (seconds; default 30 days).
    pub grace_period_secs: u64,
    /// How often the purge worker looks for tenants due (seconds; 0 disables the worker).
    pub purge_interval_secs: u64,
}

impl Default for DeprovisionSettings {
    fn default() -> Self {
        Self {
            grace_period_secs: 30 * 24 * 3600,
            purge_interval_secs: 300,
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
    fn defaults_match_the_customer_guide() {
        let s = load(&[]).expect("defaults load");
        let cidrs: Vec<String> = s.egress.cidrs.iter().map(ToString::to_string).collect();
        assert_eq!(
            cidrs,
            ["44.207.16.175/32", "44.196.189.191/32", "34.195.47.118/32"]
        );
        assert_eq!(s.setup_links.ttl_secs, 604_800);
        assert_eq!(s.deprovision.grace_period_secs, 2_592_000);
        assert_eq!(s.smtp.tls, SmtpTls::None);
        assert_eq!(s.http.bind.port(), DEFAULT_PORT);
        assert_eq!(s.smtp.pool_size, 20);
        assert_eq!(
            s.setup_links.mailer_queue,
            "pa.tenant-provisioning.setup-link-mailer"
        );
        assert_eq!(s.activation.queue, "pa.tenant-provisioning.setup-completed");
    }

    #[test]
    fn setting_one_http_key_keeps_the_services_other_http_defaults() {
        let s = load(&[("PA_TP_HTTP__BODY_LIMIT_BYTES", "1024")]).expect("loads");
        assert_eq!(s.http.body_limit_bytes, 1024);
        assert_eq!(s.http.bind.port(), DEFAULT_PORT);
        assert_eq!(s.http.public_base_url.as_str(), "http://127.0.0.1:8081/");
        let s = load(&[("PA_TP_HTTP__BIND", "0.0.0.0:9000")]).expect("loads");
        assert_eq!(s.http.bind.port(), 9000);
        assert!(
            load(&[("PA_TP_HTTP__PORT", "1")]).is_err(),
            "unknown keys still fail"
        );
    }

    #[test]
    fn the_database_default_is_the_services_own_role_even_when_another_key_is_set() {
        use pa_config::ExposeSecret;
        for env in [&[][..], &[("PA_TP_DATABASE__MAX_CONNECTIONS", "3")][..]] {
            let s = load(env).expect("loads");
            assert!(
                s.database
                    .url
                    .expose_secret()
                    .starts_with("postgres://pa_tp:"),
                "{env:?}"
            );
        }
        assert!(
            Settings::default()
                .database
                .url
                .expose_secret()
                .starts_with("postgres://pa_tp:")
        );
    }

    #[test]
    fn environment_overrides_and_unknown_keys_fail() {
        let s =
            load(&[("PA_TP_SMTP__TLS", "starttls"), ("PA_TP_SMTP__PORT", "587")]).expect("loads");
        assert_eq!((s.smtp.tls, s.smtp.port), (SmtpTls::Starttls, 587));
        assert!(load(&[("PA_TP_SMTP__HOSTNAME", "x")]).is_err());
    }
}
