//! Configuration of the Entra ID / Graph client (`[entra]` section of a service's settings).
//!
//! Every Microsoft URL is configuration: the public cloud by default, a national cloud or the local
//! simulator by changing `login_base_url` / `graph_base_url` (and `extra_ca_pem` to trust its CA).

use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

use crate::retry::RetryPolicy;

/// Settings of [`crate::EntraClient`]. Unknown keys are rejected; every field has a default.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EntraSettings {
    /// Security token service base, default `https://login.microsoftonline.com`.
    pub login_base_url: Url,
    /// Microsoft Graph base, default `https://graph.microsoft.com`. May carry a path prefix
    /// (`http://127.0.0.1:8400/graph`); requests go to `{graph_base_url}/v1.0/…`.
    pub graph_base_url: Url,
    /// Scope requested for app tokens and admin consent, default `https://graph.microsoft.com/.default`
    /// (national clouds use their own Graph resource).
    pub graph_scope: String,
    /// Application (client) id of the Patient Access multi-tenant app registration.
    pub client_id: String,
    /// How the application authenticates to the token endpoint.
    pub credential: Credential,
    /// Redirect URI registered for admin consent (must match the registration exactly).
    pub redirect_uri: Option<Url>,
    /// PEM file with extra CA certificates to trust (e.g. the simulator's CA). The platform roots stay trusted.
    pub extra_ca_pem: Option<PathBuf>,
    /// Whole-request timeout (connect + response body), milliseconds.
    pub request_timeout_ms: u64,
    /// TCP/TLS connect timeout, milliseconds.
    pub connect_timeout_ms: u64,
    /// Renew a cached app token this many seconds before its `expires_in` elapses.
    pub token_refresh_margin_secs: u64,
    /// How long [`crate::EntraClient::verify_consent`] keeps retrying AADSTS700016 (consent still
    /// propagating) before reporting `ConsentNotCompleted`, milliseconds.
    pub consent_propagation_timeout_ms: u64,
    /// Retries of throttled (429) and unavailable (503/504) responses and of connection failures.
    pub retry: RetrySettings,
}

impl Default for EntraSettings {
    fn default() -> Self {
        Self {
            login_base_url: default_url("https://login.microsoftonline.com"),
            graph_base_url: default_url("https://graph.microsoft.com"),
            graph_scope: "https://graph.microsoft.com/.default".to_owned(),
            client_id: String::new(),
            credential: Credential::Secret(SecretString::from(String::new())),
            redirect_uri: None,
            extra_ca_pem: None,
            request_timeout_ms: 30_000,
            connect_timeout_ms: 10_000,
            token_refresh_margin_secs: 300,
            consent_propagation_timeout_ms: 120_000,
            retry: RetrySettings::default(),
        }
    }
}

#[allow(clippy::expect_used)] // constant, valid URLs
fn default_url(s: &str) -> Url {
    Url::parse(s).expect("built-in default URL is valid")
}

impl EntraSettings {
    /// The request timeout as a [`Duration`].
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    /// The connect timeout as a [`Duration`].
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_millis(self.connect_timeout_ms)
    }

    /// The consent propagation window as a [`Duration`].
    pub fn consent_propagation_timeout(&self) -> Duration {
        Duration::from_millis(self.consent_propagation_timeout_ms)
    }

    /// The token renewal margin as a [`Duration`].
    pub fn token_refresh_margin(&self) -> Duration {
        Duration::from_secs(self.token_refresh_margin_secs)
    }
}

/// The application's credential for the client-credentials grant.
///
/// TOML: `credential = { secret = "…" }` or
/// `[entra.credential.certificate]` with `cert_pem`, `key_pem` and optionally `algorithm`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Credential {
    /// Client secret (the secret *value*, not its id), sent as `client_secret` in the form body.
    Secret(SecretString),
    /// Certificate: a signed client assertion (RFC 7523) per token request.
    Certificate(CertificateCredential),
}

/// Certificate credential: the public certificate (to compute `x5t#S256`) and its private key.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateCredential {
    /// PEM of the X.509 certificate uploaded to the app registration.
    pub cert_pem: String,
    /// PEM of the RSA private key (PKCS#8 `PRIVATE KEY`; PKCS#1 is accepted too).
    pub key_pem: SecretString,
    /// Signature algorithm of the assertion, default PS256 (what current Entra docs require).
    #[serde(default)]
    pub algorithm: AssertionAlgorithm,
}

/// Signature algorithm for client assertions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub enum AssertionAlgorithm {
    /// RSASSA-PSS with SHA-256 (documented by Microsoft).
    #[default]
    #[serde(rename = "PS256", alias = "ps256")]
    Ps256,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (widely used by MSAL, accepted).
    #[serde(rename = "RS256", alias = "rs256")]
    Rs256,
}

/// Retry policy knobs (see [`RetryPolicy`]).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct RetrySettings {
    /// Attempts per request including the first (≥ 1).
    pub max_attempts: u32,
    /// Base of the exponential backoff used when no `Retry-After` is given, milliseconds.
    pub base_backoff_ms: u64,
    /// Cap of one backoff interval, milliseconds.
    pub max_backoff_ms: u64,
    /// A `Retry-After` longer than this is not waited for in-line: the throttling error is returned
    /// (carrying the delay) so the caller can reschedule. Milliseconds.
    pub max_retry_after_ms: u64,
}

impl Default for RetrySettings {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            base_backoff_ms: 2_000,
            max_backoff_ms: 60_000,
            max_retry_after_ms: 300_000,
        }
    }
}

impl From<&RetrySettings> for RetryPolicy {
    fn from(s: &RetrySettings) -> Self {
        RetryPolicy {
            max_attempts: s.max_attempts.max(1),
            base_backoff: Duration::from_millis(s.base_backoff_ms),
            max_backoff: Duration::from_millis(s.max_backoff_ms),
            max_retry_after: Duration::from_millis(s.max_retry_after_ms),
        }
    }
}
