//! The per-tenant signing-key cache (reference §3.7).
//!
//! Keys are fetched from `{login}/{tid}/discovery/v2.0/keys` and kept by `kid`. A tenant's set is
//! refetched when older than `ttl`; a token signed with a `kid` the set does not hold triggers one
//! immediate refetch, but never more often than `min_refresh_interval` per tenant (so a flood of
//! forged `kid`s cannot make us hammer Microsoft). When a fetch fails the last-known-good set keeps
//! serving.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use jsonwebtoken::DecodingKey;
use serde::Deserialize;

use crate::error::{Endpoint, EntraError, sts_error};
use crate::http::Transport;
use crate::tenant::EntraTenantId;

/// Cache timing (defaults: Microsoft's guidance).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JwksSettings {
    /// Refetch a tenant's keys when they are older than this (default 24 h).
    pub ttl: Duration,
    /// Least time between two fetches for one tenant (default 5 minutes).
    pub min_refresh_interval: Duration,
}

impl Default for JwksSettings {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(24 * 3600),
            min_refresh_interval: Duration::from_secs(300),
        }
    }
}

/// One published signing key.
#[derive(Clone)]
pub(crate) struct SigningKey {
    pub(crate) key: DecodingKey,
    /// The key's `issuer` (templated `{tenantid}` for shared keys), when published.
    pub(crate) issuer: Option<String>,
}

#[derive(Default)]
struct Entry {
    keys: Arc<HashMap<String, SigningKey>>,
    fetched_at: Option<Instant>,
    last_attempt: Option<Instant>,
}

/// Why no key could be had.
pub(crate) enum KeyLookup {
    Found(SigningKey),
    /// The (fresh or just refetched) set has no such `kid`.
    Unknown,
    /// Nothing cached and the fetch failed.
    Unavailable(EntraError),
}

pub(crate) struct JwksCache {
    transport: Transport,
    login_base: String,
    settings: JwksSettings,
    entries: Mutex<HashMap<EntraTenantId, Entry>>,
    fetches: std::sync::atomic::AtomicU64,
}

#[derive(Deserialize)]
struct JwksDoc {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    #[serde(rename = "use")]
    key_use: Option<String>,
    kid: Option<String>,
    n: Option<String>,
    e: Option<String>,
    issuer: Option<String>,
}

impl JwksCache {
    pub(crate) fn new(transport: Transport, login_base: String, settings: JwksSettings) -> Self {
        Self {
            transport,
            login_base,
            settings,
            entries: Mutex::new(HashMap::new()),
            fetches: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// How many key-set fetches were sent (tests check the rate limit with it).
    pub(crate) fn fetch_count(&self) -> u64 {
        self.fetches.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<EntraTenantId, Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The key `kid` of `tenant`, fetching the set when it is missing, stale, or lacks `kid` (rate
    /// limited).
    pub(crate) async fn key(&self, tenant: EntraTenantId, kid: &str) -> KeyLookup {
        let now = self.transport.clock().now();
        {
            let mut entries = self.entries();
            let entry = entries.entry(tenant).or_default();
            let fresh = entry
                .fetched_at
                .is_some_and(|at| now.duration_since(at) < self.settings.ttl);
            let found = entry.keys.get(kid).cloned();
            let may_fetch = entry
                .last_attempt
                .is_none_or(|at| now.duration_since(at) >= self.settings.min_refresh_interval);
            match (found, fresh) {
                (Some(key), true) => return KeyLookup::Found(key),
                // Stale: refetch when allowed, else keep serving what we have.
                (Some(key), false) if !may_fetch => return KeyLookup::Found(key),
                (None, _) if !may_fetch => return KeyLookup::Unknown,
                _ => {}
            }
            entry.last_attempt = Some(now);
        }
        match self.fetch(tenant).await {
            Ok(keys) => {
                let keys = Arc::new(keys);
                let mut entries = self.entries();
                let entry = entries.entry(tenant).or_default();
                entry.keys = Arc::clone(&keys);
                entry.fetched_at = Some(now);
                match keys.get(kid) {
                    Some(key) => KeyLookup::Found(key.clone()),
                    None => KeyLookup::Unknown,
                }
            }
            Err(e) => {
                tracing::warn!(%tenant, kind = e.kind().as_str(), "fetching signing keys failed; keeping the last-known-good set");
                let entries = self.entries();
                match entries.get(&tenant).and_then(|en| en.keys.get(kid)) {
                    Some(key) => KeyLookup::Found(key.clone()),
                    None if entries
                        .get(&tenant)
                        .is_some_and(|en| en.fetched_at.is_some()) =>
                    {
                        KeyLookup::Unknown
                    }
                    None => KeyLookup::Unavailable(e),
                }
            }
        }
    }

    async fn fetch(
        &self,
        tenant: EntraTenantId,
    ) -> Result<HashMap<String, SigningKey>, EntraError> {
        self.fetches
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let url = format!("{}/{tenant}/discovery/v2.0/keys", self.login_base);
        let resp = self
            .transport
            .send(Endpoint::Discovery, || self.transport.client().get(&url))
            .await?;
        let status = resp.status();
        if !status.is_success() {
            return Err(sts_error(Endpoint::Discovery, resp).await);
        }
        let body = resp
            .bytes()
            .await
            .map_err(|e| EntraError::transport(Endpoint::Discovery, e))?;
        let doc: JwksDoc = serde_json::from_slice(&body).map_err(|_| {
            EntraError::unexpected(
                Endpoint::Discovery,
                Some(status.as_u16()),
                "JWKS is not a key set",
            )
        })?;
        let mut keys = HashMap::new();
        for jwk in doc.keys {
            let usable = jwk.kty == "RSA" && jwk.key_use.as_deref().is_none_or(|u| u == "sig");
            let (Some(kid), Some(n), Some(e)) = (jwk.kid, jwk.n, jwk.e) else {
                continue;
            };
            if !usable {
                continue;
            }
            if let Ok(key) = DecodingKey::from_rsa_components(&n, &e) {
                keys.insert(
                    kid,
                    SigningKey {
                        key,
                        issuer: jwk.issuer,
                    },
                );
            }
        }
        Ok(keys)
    }
}
