//! Simulator configuration (library form; the binary maps CLI flags and `ENTRA_SIM_*` env onto it).

use serde::Serialize;
use std::net::SocketAddr;
use url::Url;

/// Default application (client) id of the simulated vendor app.
pub const DEFAULT_CLIENT_ID: &str = "4f0e8d2c-5b7a-4c1e-9a63-2d8f1b7e6c50";
/// Default client secret (a fake value; the simulator prints it).
pub const DEFAULT_CLIENT_SECRET: &str = "sim~Qx8Q~local.development.only.not.a.real.secret";
/// Application permissions (app roles) on Microsoft Graph that admin consent grants by default.
pub const DEFAULT_APP_ROLES: &[&str] = &["Directory.Read.All", "Group.Read.All", "User.Read.All"];
/// Delegated permissions on Microsoft Graph that the app requires.
pub const DEFAULT_DELEGATED: &[&str] = &["User.Read"];

pub fn default_redirect_uris() -> Vec<String> {
    [
        "http://localhost:8082/consent/callback",
        "https://localhost:8082/consent/callback",
        "http://127.0.0.1:8082/consent/callback",
        "http://localhost:8084/auth/callback",
        "https://localhost:8084/auth/callback",
        "http://127.0.0.1:8084/auth/callback",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Plain-HTTP listener (use port 0 in tests).
    pub bind: SocketAddr,
    /// HTTPS listener (CA + server certificate generated at start).
    pub https: Option<HttpsConfig>,
    /// Base for every URL the simulator hands out; default: the HTTPS listener if any, else the HTTP one.
    pub public_base_url: Option<Url>,
    /// Seed the "Contoso Health" demo tenant at start.
    pub seed_demo: bool,
    pub app: AppOverrides,
    /// actix worker threads (default 2).
    pub workers: usize,
    /// Write the CA certificate PEM here once HTTPS is up.
    pub ca_out: Option<std::path::PathBuf>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            https: None,
            public_base_url: None,
            seed_demo: false,
            app: AppOverrides::default(),
            workers: 2,
            ca_out: None,
        }
    }
}

impl SimConfig {
    /// HTTP on 127.0.0.1:0 plus HTTPS on 127.0.0.1:0 (public base = the HTTPS one).
    pub fn with_https() -> Self {
        Self {
            https: Some(HttpsConfig::default()),
            ..Self::default()
        }
    }
}

#[derive(Clone, Debug)]
pub struct HttpsConfig {
    pub bind: SocketAddr,
    /// Extra DNS names / IPs for the server certificate (localhost and 127.0.0.1 are always included, and so is
    /// the public base URL's host).
    pub extra_names: Vec<String>,
    /// A PKCS#8 PEM key to reuse for the CA, so a client that trusts a saved CA PEM keeps working across
    /// restarts (the CA certificate is rebuilt from this key with a fixed name).
    pub ca_key_pem: Option<String>,
}

impl Default for HttpsConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            extra_names: Vec::new(),
            ca_key_pem: None,
        }
    }
}

/// Overrides of the simulated vendor app registration.
#[derive(Clone, Debug, Default)]
pub struct AppOverrides {
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    pub display_name: Option<String>,
    /// App roles admin consent grants (default [`DEFAULT_APP_ROLES`]).
    pub app_roles: Option<Vec<String>>,
    pub delegated_scopes: Option<Vec<String>>,
}

/// The registered multi-tenant application, as a test or the local stack needs to know it.
#[derive(Clone, Debug, Serialize)]
pub struct AppRegistration {
    pub client_id: String,
    pub client_secret: String,
    pub display_name: String,
    pub redirect_uris: Vec<String>,
    /// PEM of the app's client certificate (uploaded to the registration).
    pub cert_pem: String,
    /// PKCS#8 PEM of the certificate's private key, for signing client assertions.
    pub key_pem: String,
    /// `x5t#S256` header value: base64url SHA-256 of the DER certificate.
    pub cert_thumbprint_sha256_b64url: String,
    /// Legacy `x5t` header value: base64url SHA-1 of the DER certificate.
    pub cert_thumbprint_sha1_b64url: String,
    pub app_roles: Vec<String>,
    pub delegated_scopes: Vec<String>,
}
