//! The `[http]` configuration section.

use std::net::{Ipv4Addr, SocketAddr};

use serde::{Deserialize, Serialize};
use url::Url;

use crate::json::DEFAULT_BODY_LIMIT;

/// HTTP server settings (`[http]` section; env `{prefix}HTTP__BIND`, …).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    /// Listen address (default `127.0.0.1:8080`; tests bind port 0).
    pub bind: SocketAddr,
    /// Largest accepted JSON body in bytes (default 65536); see [`crate::BodyLimit`].
    pub body_limit_bytes: usize,
    /// The externally visible base URL, used to build absolute links (default
    /// `http://127.0.0.1:8080/`).
    pub public_base_url: Url,
}

impl Default for HttpSettings {
    fn default() -> Self {
        let bind = SocketAddr::from((Ipv4Addr::LOCALHOST, 8080));
        Self {
            bind,
            body_limit_bytes: DEFAULT_BODY_LIMIT,
            public_base_url: default_base_url(bind),
        }
    }
}

fn default_base_url(bind: SocketAddr) -> Url {
    // A socket address always forms a valid http URL.
    #[allow(clippy::expect_used)]
    Url::parse(&format!("http://{bind}/")).expect("socket address forms a valid URL")
}
