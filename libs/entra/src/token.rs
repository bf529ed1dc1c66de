//! App-only tokens (client credentials, reference §2): acquisition with a secret or a certificate
//! assertion, and a per-tenant cache.
//!
//! * A cached token is renewed `token_refresh_margin_secs` before `expires_in` elapses (measured
//!   from when the request was sent). The access token itself is never parsed for its expiry.
//! * Single flight: concurrent callers for a tenant share one in-flight token request (and its error).
//! * [`TokenCache::invalidate`] drops the tenant's token (after a consent change new roles only appear
//!   in newly issued tokens); a request already in flight when invalidated is not cached.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::FutureExt as _;
use futures::future::{BoxFuture, Shared};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::assertion::AssertionSigner;
use crate::error::{Endpoint, EntraError, sts_error};
use crate::http::Transport;
use crate::tenant::EntraTenantId;

static TOKEN_SERIAL: AtomicU64 = AtomicU64::new(1);

/// An app-only access token for one tenant. `Debug` never shows the token.
#[derive(Clone)]
pub struct AppToken {
    tenant: EntraTenantId,
    access_token: SecretString,
    expires_in: Duration,
    acquired_at: Instant,
    serial: u64,
}

impl AppToken {
    /// The tenant it was issued for (as requested).
    pub fn tenant(&self) -> EntraTenantId {
        self.tenant
    }

    /// The bearer token. Do not log it.
    pub fn secret(&self) -> &SecretString {
        &self.access_token
    }

    /// `expires_in` as returned by the token endpoint.
    pub fn expires_in(&self) -> Duration {
        self.expires_in
    }

    /// When the token request was sent (client clock).
    pub fn acquired_at(&self) -> Instant {
        self.acquired_at
    }

    /// Decodes the claims **without validating the signature**; see [`AppTokenClaims`].
    pub fn claims(&self) -> Result<AppTokenClaims, EntraError> {
        AppTokenClaims::decode(self.access_token.expose_secret())
    }

    /// Whether two handles are the same issued token.
    pub fn same_token(&self, other: &AppToken) -> bool {
        self.serial == other.serial
    }
}

impl fmt::Debug for AppToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppToken")
            .field("tenant", &self.tenant)
            .field("access_token", &"[REDACTED]")
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

/// The claims of an app-only Graph access token that onboarding inspects.
///
/// **Decoded without signature validation, on purpose.** Graph access tokens are issued *to Graph*,
/// not to us: they are opaque to clients, their format may change, and their header can carry a
/// `nonce` that makes the signature unverifiable by anyone but Graph. We may only look inside to
/// read `tid` and `roles` of a token *we just received over TLS from the token endpoint we
/// configured*, to confirm which tenant issued it and which application permissions were consented.
/// Never use this to authenticate or authorise anything a third party presents.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct AppTokenClaims {
    /// Tenant that issued the token.
    pub tid: String,
    /// Granted application permissions; absent (empty) when none are granted.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Object id of the app's service principal in the tenant.
    #[serde(default)]
    pub oid: Option<String>,
    /// Client id (v1 tokens).
    #[serde(default)]
    pub appid: Option<String>,
    /// Client id (v2 tokens).
    #[serde(default)]
    pub azp: Option<String>,
    /// `app` for app-only tokens.
    #[serde(default)]
    pub idtyp: Option<String>,
}

impl AppTokenClaims {
    /// Base64url-decodes the payload segment of a compact JWT. See the type docs for why this does
    /// not (and must not) validate anything.
    pub fn decode(token: &str) -> Result<Self, EntraError> {
        let bad = |why: &str| {
            EntraError::unexpected(Endpoint::Token, None, format!("access token {why}"))
        };
        let mut parts = token.split('.');
        let payload = match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(_), Some(payload), Some(_), None) => payload,
            _ => return Err(bad("is not a compact JWT")),
        };
        let json = URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .map_err(|_| bad("payload is not base64url"))?;
        serde_json::from_slice(&json).map_err(|_| bad("payload lacks tid"))
    }
}

/// How the app authenticates to the token endpoint.
#[derive(Clone)]
pub(crate) enum ClientCredential {
    Secret(SecretString),
    Certificate(AssertionSigner),
}

impl fmt::Debug for ClientCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientCredential::Secret(_) => f.write_str("Secret([REDACTED])"),
            ClientCredential::Certificate(s) => f.debug_tuple("Certificate").field(s).finish(),
        }
    }
}

/// Sends client-credentials token requests.
#[derive(Debug)]
pub(crate) struct TokenSource {
    pub(crate) transport: Transport,
    pub(crate) login_base: String,
    pub(crate) client_id: String,
    pub(crate) scope: String,
    pub(crate) credential: ClientCredential,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: ExpiresIn,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ExpiresIn {
    Number(u64),
    Text(String),
}

impl TokenSource {
    /// The form fields that authenticate the application at `endpoint` (a token endpoint URL):
    /// `client_secret`, or a fresh client assertion for that audience. Never log them.
    pub(crate) fn credential_fields(
        &self,
        endpoint: &str,
    ) -> Result<Vec<(&'static str, String)>, EntraError> {
        Ok(match &self.credential {
            ClientCredential::Secret(secret) => {
                vec![("client_secret", secret.expose_secret().to_owned())]
            }
            ClientCredential::Certificate(signer) => vec![
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
                ),
                ("client_assertion", signer.sign(endpoint)?),
            ],
        })
    }

    /// `POST {login}/{tenant}/oauth2/v2.0/token` with `grant_type=client_credentials`.
    pub(crate) async fn request(&self, tenant: EntraTenantId) -> Result<AppToken, EntraError> {
        let endpoint = format!("{}/{tenant}/oauth2/v2.0/token", self.login_base);
        let acquired_at = self.transport.clock().now();
        let resp = self
            .transport
            .send(Endpoint::Token, || {
                let mut form: Vec<(&str, String)> = vec![
                    ("client_id", self.client_id.clone()),
                    ("scope", self.scope.clone()),
                    ("grant_type", "client_credentials".to_owned()),
                ];
                match &self.credential {
                    ClientCredential::Secret(secret) => {
                        form.push(("client_secret", secret.expose_secret().to_owned()));
                    }
                    ClientCredential::Certificate(signer) => match signer.sign(&endpoint) {
                        Ok(assertion) => {
                            form.push((
                                "client_assertion_type",
                                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
                            ));
                            form.push(("client_assertion", assertion));
                        }
                        Err(e) => tracing::error!(error = %e, "client assertion signing failed"),
                    },
                }
                self.transport
                    .client()
                    .post(&endpoint)
                    .header("x-ms-lib-capability", "retry-after, h429")
                    .header("client-request-id", uuid::Uuid::new_v4().to_string())
                    .form(&form)
            })
            .await?;
        let status = resp.status();
        if !status.is_success() {
            let err = sts_error(Endpoint::Token, resp).await;
            tracing::debug!(%tenant, kind = err.kind().as_str(), aadsts = err.aadsts(), "token request failed");
            return Err(err);
        }
        let body = resp
            .bytes()
            .await
            .map_err(|e| EntraError::transport(Endpoint::Token, e))?;
        let parsed: TokenResponse = serde_json::from_slice(&body).map_err(|_| {
            EntraError::unexpected(
                Endpoint::Token,
                Some(status.as_u16()),
                "token response lacks access_token/expires_in",
            )
        })?;
        let expires_in = match parsed.expires_in {
            ExpiresIn::Number(n) => n,
            ExpiresIn::Text(t) => t.trim().parse().map_err(|_| {
                EntraError::unexpected(
                    Endpoint::Token,
                    Some(status.as_u16()),
                    "expires_in is not a number",
                )
            })?,
        };
        tracing::debug!(%tenant, expires_in, "app token acquired");
        Ok(AppToken {
            tenant,
            access_token: SecretString::from(parsed.access_token),
            expires_in: Duration::from_secs(expires_in),
            acquired_at,
            serial: TOKEN_SERIAL.fetch_add(1, Ordering::Relaxed),
        })
    }
}

type TokenFuture = Shared<BoxFuture<'static, Result<AppToken, EntraError>>>;

#[derive(Default)]
struct Slot {
    cached: Option<(AppToken, Instant)>,
    inflight: Option<(u64, TokenFuture)>,
    generation: u64,
}

/// Per-tenant token cache with single-flight acquisition.
pub(crate) struct TokenCache {
    source: Arc<TokenSource>,
    margin: Duration,
    slots: Mutex<HashMap<EntraTenantId, Slot>>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("source", &self.source)
            .field("margin", &self.margin)
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    pub(crate) fn new(source: TokenSource, margin: Duration) -> Self {
        Self {
            source: Arc::new(source),
            margin,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// The token requester (its transport, endpoints and credential).
    pub(crate) fn source(&self) -> &TokenSource {
        &self.source
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<EntraTenantId, Slot>> {
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A valid cached token, or one from a (shared) token request.
    pub(crate) async fn get(&self, tenant: EntraTenantId) -> Result<AppToken, EntraError> {
        let now = self.source.transport.clock().now();
        let (generation, fut) = {
            let mut slots = self.lock();
            let slot = slots.entry(tenant).or_default();
            if let Some((token, renew_at)) = &slot.cached
                && now < *renew_at
            {
                return Ok(token.clone());
            }
            match &slot.inflight {
                Some((generation, fut)) if *generation == slot.generation => {
                    (*generation, fut.clone())
                }
                _ => {
                    let source = Arc::clone(&self.source);
                    let fut = async move { source.request(tenant).await }.boxed().shared();
                    slot.inflight = Some((slot.generation, fut.clone()));
                    (slot.generation, fut)
                }
            }
        };
        let result = fut.clone().await;
        let mut slots = self.lock();
        let slot = slots.entry(tenant).or_default();
        if slot.inflight.as_ref().is_some_and(|(_, f)| f.ptr_eq(&fut)) {
            slot.inflight = None;
        }
        if let Ok(token) = &result
            && slot.generation == generation
            && !slot
                .cached
                .as_ref()
                .is_some_and(|(t, _)| t.same_token(token))
        {
            slot.cached = Some((token.clone(), self.renew_at(token)));
        }
        result
    }

    /// When a token should be replaced: `margin` before `expires_in` elapses (half-life for tokens
    /// shorter than the margin).
    fn renew_at(&self, token: &AppToken) -> Instant {
        let lifetime = token.expires_in;
        let usable = if lifetime > self.margin {
            lifetime - self.margin
        } else {
            lifetime / 2
        };
        token.acquired_at + usable
    }

    /// Forgets the tenant's token and any in-flight request's result.
    pub(crate) fn invalidate(&self, tenant: &EntraTenantId) {
        let mut slots = self.lock();
        if let Some(slot) = slots.get_mut(tenant) {
            slot.generation += 1;
            slot.cached = None;
            slot.inflight = None;
        }
    }

    /// Forgets `token` if it is still the cached one (a 401 from Graph); a newer token is kept.
    pub(crate) fn reject(&self, token: &AppToken) {
        let mut slots = self.lock();
        if let Some(slot) = slots.get_mut(&token.tenant)
            && slot
                .cached
                .as_ref()
                .is_some_and(|(t, _)| t.same_token(token))
        {
            slot.cached = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_are_read_from_the_payload() {
        let payload = URL_SAFE_NO_PAD.encode(
            br#"{"tid":"72f988bf-86f1-41af-91ab-2d7cd011db47","roles":["User.Read.All"],"idtyp":"app"}"#,
        );
        let claims =
            AppTokenClaims::decode(&format!("eyJhbGciOiJSUzI1NiJ9.{payload}.sig")).unwrap();
        assert_eq!(claims.tid, "72f988bf-86f1-41af-91ab-2d7cd011db47");
        assert_eq!(claims.roles, vec!["User.Read.All".to_owned()]);
        let no_roles = URL_SAFE_NO_PAD.encode(br#"{"tid":"x"}"#);
        assert!(
            AppTokenClaims::decode(&format!("h.{no_roles}.s"))
                .unwrap()
                .roles
                .is_empty()
        );
        assert!(AppTokenClaims::decode("not-a-jwt").is_err());
    }
}
