//! [`AppState`]: what every handler shares (built once in `startup`).

use pa_db::PgPool;
use url::Url;

use crate::config::{EgressSettings, SetupLinkSettings};
use crate::email::Mailer;
use crate::routes::egress::EgressManifest;

/// Shared, read-only application state.
pub struct AppState {
    pub pool: PgPool,
    pub mailer: Mailer,
    pub setup_links: SetupLinkSettings,
    pub egress: EgressSettings,
    /// `GET /v1/egress-ips`, rendered once.
    pub egress_manifest: EgressManifest,
    /// Seconds between deprovisioning and purge.
    pub purge_grace_secs: i64,
    /// Externally visible base URL of this service (for links in e-mails).
    pub public_base_url: Url,
}

impl AppState {
    /// The setup link for `token`: `{wizard_base_url}/setup#token=<token>`. The token sits
    /// in the fragment, which browsers never send to servers or in `Referer`.
    pub fn setup_link(&self, token: &str) -> String {
        let base = self
            .setup_links
            .wizard_base_url
            .as_str()
            .trim_end_matches('/');
        format!("{base}/setup#token={token}")
    }

    /// Absolute URL of the public egress-IP manifest.
    pub fn egress_manifest_url(&self) -> String {
        let base = self.public_base_url.as_str().trim_end_matches('/');
        format!("{base}/v1/egress-ips")
    }

    /// Link lifetime in seconds, as bound to SQL.
    pub fn setup_link_ttl_secs(&self) -> i64 {
        i64::try_from(self.setup_links.ttl_secs).unwrap_or(i64::MAX)
    }
}
