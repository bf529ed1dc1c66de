//! Shared state behind every endpoint.

use parking_lot::{Mutex, RwLock};
use std::collections::HashMap;
use uuid::Uuid;

use crate::clock::SimClock;
use crate::config::AppRegistration;
use crate::keys::KeySet;
use crate::store::Store;
use crate::throttle::Throttle;

pub struct SimState {
    /// Public login base without trailing slash, e.g. `https://127.0.0.1:8443`.
    pub login_base: String,
    /// Public Graph base without trailing slash, e.g. `https://127.0.0.1:8443/graph`.
    pub graph_base: String,
    pub app: RwLock<AppRegistration>,
    /// The app certificate's public key (client assertions are verified against it).
    pub app_cert_key: jsonwebtoken::DecodingKey,
    pub clock: SimClock,
    pub keys: RwLock<KeySet>,
    pub store: Store,
    pub auth: Mutex<AuthState>,
    pub throttle: Throttle,
}

/// Authorization codes, refresh tokens, seen assertion ids and the chosen signed-in user.
#[derive(Default)]
pub struct AuthState {
    pub signin: Option<(Uuid, Uuid)>,
    pub codes: HashMap<String, CodeGrant>,
    pub refresh_tokens: HashMap<String, RefreshGrant>,
    /// Client-assertion `jti` → its `exp` (replays rejected until then).
    pub seen_jtis: HashMap<String, i64>,
}

#[derive(Clone, Debug)]
pub struct CodeGrant {
    pub tenant: Uuid,
    pub user: Uuid,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<(String, String)>,
    pub issued_at: i64,
    pub redeemed: bool,
    pub mfa_pending: bool,
}

#[derive(Clone, Debug)]
pub struct RefreshGrant {
    pub tenant: Uuid,
    pub user: Uuid,
    pub scopes: Vec<String>,
    /// Sim time (seconds) it was issued; it works until `issued_at` + 90 days, however often used.
    pub issued_at: i64,
}

impl SimState {
    pub fn now(&self) -> i64 {
        self.clock.now_secs()
    }

    pub fn client_id(&self) -> String {
        self.app.read().client_id.clone()
    }

    /// `https://host:port` of the login base, for `msgraph_host`-style fields.
    pub fn graph_host(&self) -> String {
        host_port(&self.graph_base)
    }

    pub fn login_host(&self) -> String {
        host_port(&self.login_base)
    }
}

fn host_port(base: &str) -> String {
    match url::Url::parse(base) {
        Ok(u) => match (u.host_str(), u.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => base.to_string(),
        },
        Err(_) => base.to_string(),
    }
}
