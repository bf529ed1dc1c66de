//! [`EntraClient`]: the entry point (tenant resolution, admin consent, app tokens, Graph access).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret;
use url::Url;

use crate::assertion::AssertionSigner;
use crate::clock::{Clock, TokioClock};
use crate::config::{Credential, EntraSettings};
use crate::consent::{ConsentCallback, admin_consent_url};
use crate::discovery::{self, ResolvedTenant};
use crate::error::{EntraError, ErrorKind};
use crate::graph::GraphClient;
use crate::http::Transport;
use crate::tenant::{EntraTenantId, TenantRef};
use crate::token::{AppToken, ClientCredential, TokenCache, TokenSource};

/// First wait between token attempts while consent propagates; doubles up to [`CONSENT_POLL_MAX`].
const CONSENT_POLL_START: Duration = Duration::from_secs(2);
const CONSENT_POLL_MAX: Duration = Duration::from_secs(15);

/// Client for Microsoft Entra ID and Microsoft Graph. Cheap to clone (shared state behind an `Arc`);
/// create one per process. `Debug` shows no secret.
#[derive(Clone)]
pub struct EntraClient {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) settings: EntraSettings,
    pub(crate) transport: Transport,
    pub(crate) tokens: TokenCache,
    /// `graph_base_url` without a trailing slash.
    pub(crate) graph_base: String,
}

impl fmt::Debug for EntraClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.inner.settings;
        f.debug_struct("EntraClient")
            .field("login_base_url", &s.login_base_url.as_str())
            .field("graph_base_url", &s.graph_base_url.as_str())
            .field("client_id", &s.client_id)
            .field("tokens", &self.inner.tokens)
            .finish_non_exhaustive()
    }
}

/// Proof of admin consent: an app token for the entered tenant carried the required roles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentGrant {
    /// The tenant (equal to the one entered and to the token's `tid`).
    pub tenant: EntraTenantId,
    /// Application permissions in the token's `roles`.
    pub roles: Vec<String>,
    /// Object id of the app's service principal in the tenant (`oid`).
    pub service_principal_id: Option<String>,
}

impl EntraClient {
    /// Builds a client on the real clock. Needs a rustls crypto provider installed by the process.
    pub fn new(settings: EntraSettings) -> Result<Self, EntraError> {
        Self::with_clock(settings, Arc::new(TokioClock))
    }

    /// Builds a client whose waits and token lifetimes use `clock` (tests: [`crate::ManualClock`]).
    pub fn with_clock(settings: EntraSettings, clock: Arc<dyn Clock>) -> Result<Self, EntraError> {
        if settings.client_id.trim().is_empty() {
            return Err(EntraError::Configuration("client_id is empty".into()));
        }
        for (name, url) in [
            ("login_base_url", &settings.login_base_url),
            ("graph_base_url", &settings.graph_base_url),
        ] {
            if !matches!(url.scheme(), "https" | "http") || url.query().is_some() {
                return Err(EntraError::Configuration(format!(
                    "{name} must be an http(s) URL without a query"
                )));
            }
        }
        let credential = match &settings.credential {
            Credential::Secret(secret) if secret.expose_secret().is_empty() => {
                return Err(EntraError::Configuration(
                    "the client secret is empty".into(),
                ));
            }
            Credential::Secret(secret) => ClientCredential::Secret(secret.clone()),
            Credential::Certificate(cert) => {
                ClientCredential::Certificate(AssertionSigner::new(&settings.client_id, cert)?)
            }
        };
        let transport = Transport::new(&settings, clock)?;
        let source = TokenSource {
            transport: transport.clone(),
            login_base: settings
                .login_base_url
                .as_str()
                .trim_end_matches('/')
                .to_owned(),
            client_id: settings.client_id.clone(),
            scope: settings.graph_scope.clone(),
            credential,
        };
        let tokens = TokenCache::new(source, settings.token_refresh_margin());
        let graph_base = settings
            .graph_base_url
            .as_str()
            .trim_end_matches('/')
            .to_owned();
        Ok(Self {
            inner: Arc::new(Inner {
                settings,
                transport,
                tokens,
                graph_base,
            }),
        })
    }

    /// The settings this client was built from.
    pub fn settings(&self) -> &EntraSettings {
        &self.inner.settings
    }

    /// Validates `input` locally (no request for malformed input), then confirms the tenant through
    /// v2 discovery: GUID from the issuer, cross-checked with the token endpoint.
    ///
    /// Errors: [`ErrorKind::InvalidTenantInput`] / [`ErrorKind::NotATenant`] locally;
    /// [`ErrorKind::UnknownTenant`] (AADSTS90002), [`ErrorKind::MalformedTenant`] (AADSTS900023),
    /// [`ErrorKind::NotATenant`] for templated issuers.
    pub async fn resolve_tenant(&self, input: &str) -> Result<ResolvedTenant, EntraError> {
        let tenant = TenantRef::parse(input)?;
        discovery::resolve(
            &self.inner.transport,
            &self.inner.settings.login_base_url,
            tenant,
        )
        .await
    }

    /// The v2 admin-consent URL to send a Global / Privileged Role Administrator to. `state` must be a
    /// fresh, unguessable value bound to the setup session.
    pub fn admin_consent_url(
        &self,
        tenant: &EntraTenantId,
        state: &str,
    ) -> Result<Url, EntraError> {
        let s = &self.inner.settings;
        let redirect = s
            .redirect_uri
            .as_ref()
            .ok_or_else(|| EntraError::Configuration("redirect_uri is not configured".into()))?;
        admin_consent_url(
            &s.login_base_url,
            tenant,
            &s.client_id,
            &s.graph_scope,
            redirect,
            state,
        )
    }

    /// An app token for `tenant` (cached; renewed ahead of expiry; single flight per tenant).
    pub async fn app_token(&self, tenant: &EntraTenantId) -> Result<AppToken, EntraError> {
        self.inner.tokens.get(*tenant).await
    }

    /// Drops the tenant's cached token (call after a consent change).
    pub fn invalidate(&self, tenant: &EntraTenantId) {
        self.inner.tokens.invalidate(tenant);
    }

    /// Confirms admin consent for the tenant **the administrator entered**: acquires a fresh app
    /// token for it (retrying AADSTS700016 while consent propagates, for
    /// `consent_propagation_timeout_ms`), then checks the token's `tid` and that its `roles`
    /// include every `required_roles` entry.
    ///
    /// Errors: [`ErrorKind::ConsentNotCompleted`] (still 700016 at the end of the window),
    /// [`ErrorKind::TenantMismatch`], [`ErrorKind::MissingPermissions`] (naming them), or the token
    /// error (53003, 7000215, …).
    pub async fn verify_consent(
        &self,
        tenant: &EntraTenantId,
        required_roles: &[&str],
    ) -> Result<ConsentGrant, EntraError> {
        self.invalidate(tenant);
        let clock = self.inner.transport.clock();
        let deadline = clock.now() + self.inner.settings.consent_propagation_timeout();
        let mut wait = CONSENT_POLL_START;
        let token = loop {
            match self.app_token(tenant).await {
                Ok(token) => break token,
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::AppNotInTenant | ErrorKind::ConsentMissing
                    ) =>
                {
                    if clock.now() + wait > deadline {
                        return Err(EntraError::ConsentNotCompleted {
                            tenant: *tenant,
                            last: Box::new(e),
                        });
                    }
                    tracing::debug!(%tenant, wait_ms = wait.as_millis() as u64, "consent not yet effective");
                    clock.sleep(wait).await;
                    wait = (wait * 2).min(CONSENT_POLL_MAX);
                }
                Err(e) => return Err(e),
            }
        };
        let claims = token.claims()?;
        match EntraTenantId::parse(&claims.tid) {
            Ok(tid) if tid == *tenant => {}
            _ => {
                self.invalidate(tenant);
                return Err(EntraError::TenantMismatch {
                    expected: *tenant,
                    actual: claims.tid,
                });
            }
        }
        let missing: Vec<String> = required_roles
            .iter()
            .filter(|required| {
                !claims
                    .roles
                    .iter()
                    .any(|r| r.eq_ignore_ascii_case(required))
            })
            .map(|r| (*r).to_owned())
            .collect();
        if !missing.is_empty() {
            return Err(EntraError::MissingPermissions {
                tenant: *tenant,
                missing,
                granted: claims.roles,
            });
        }
        Ok(ConsentGrant {
            tenant: *tenant,
            roles: claims.roles,
            service_principal_id: claims.oid,
        })
    }

    /// The whole callback check: `state` matches, the callback is not a denial, its claimed tenant is
    /// the one entered, and [`Self::verify_consent`] confirms it by token.
    pub async fn confirm_consent(
        &self,
        expected_tenant: &EntraTenantId,
        expected_state: &str,
        callback: &ConsentCallback,
        required_roles: &[&str],
    ) -> Result<ConsentGrant, EntraError> {
        callback.check(expected_tenant, expected_state)?;
        self.verify_consent(expected_tenant, required_roles).await
    }

    /// Typed Graph calls for one tenant.
    pub fn graph(&self, tenant: EntraTenantId) -> GraphClient {
        GraphClient::new(self.clone(), tenant)
    }
}
