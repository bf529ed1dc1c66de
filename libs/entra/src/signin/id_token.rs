//! [`IdTokenValidator`]: ID-token validation for multi-tenant sign-in (reference §3.5–§3.7).

use std::collections::HashSet;

use jsonwebtoken::{Algorithm, Validation, decode, decode_header};
use serde::Deserialize;
use subtle::ConstantTimeEq;
use uuid::Uuid;

use super::jwks::{JwksCache, JwksSettings, KeyLookup};
use crate::client::EntraClient;
use crate::error::EntraError;
use crate::tenant::EntraTenantId;

/// Accepted clock difference for `exp` / `nbf` (seconds).
pub const CLOCK_SKEW_SECS: i64 = 120;

/// The claims a sign-in uses, from a validated ID token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdTokenClaims {
    /// The user's object id: with `tid`, THE identifier (never the UPN).
    pub oid: Uuid,
    /// The directory that signed the user in.
    pub tid: EntraTenantId,
    /// Mutable sign-in name: display only.
    pub preferred_username: Option<String>,
    /// Display name (`profile` scope).
    pub name: Option<String>,
    /// Unverified e-mail (`email` scope): display only.
    pub email: Option<String>,
    /// Entra's session id, when sent.
    pub sid: Option<String>,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Expires at (Unix seconds).
    pub exp: i64,
}

/// Why an ID token was refused.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdTokenError {
    /// Not a compact JWS, or its claims are not an ID token's.
    #[error("the ID token is malformed: {0}")]
    Malformed(&'static str),
    /// Signed with an algorithm other than RS256 (never `none`, never HMAC).
    #[error("the ID token is not signed with RS256")]
    Algorithm,
    /// No published key has the token's `kid` (after a refetch, rate limited).
    #[error("the ID token's signing key is not published")]
    UnknownKey,
    /// The signature does not verify with the published key.
    #[error("the ID token's signature does not verify")]
    Signature,
    /// `iss` is not the key's issuer for this `tid`, or not `{login}/{tid}/v2.0`.
    #[error("the ID token's issuer is not the tenant's")]
    Issuer,
    /// `tid` is not the directory the sign-in was started for.
    #[error("the ID token is from another directory")]
    Tenant,
    /// `aud` is not our client id.
    #[error("the ID token was issued to another application")]
    Audience,
    /// `exp` has passed.
    #[error("the ID token has expired")]
    Expired,
    /// `nbf` (or `iat`) is in the future.
    #[error("the ID token is not valid yet")]
    NotYetValid,
    /// `nonce` differs from the one sent with the authorization request.
    #[error("the ID token's nonce does not match")]
    Nonce,
    /// The keys could not be fetched and none are cached.
    #[error("the signing keys are unavailable")]
    KeysUnavailable(#[source] EntraError),
}

impl IdTokenError {
    /// A stable snake_case name for logs and problem details.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed",
            Self::Algorithm => "algorithm",
            Self::UnknownKey => "unknown_key",
            Self::Signature => "signature",
            Self::Issuer => "issuer",
            Self::Tenant => "tenant",
            Self::Audience => "audience",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::Nonce => "nonce",
            Self::KeysUnavailable(_) => "keys_unavailable",
        }
    }
}

#[derive(Deserialize)]
struct RawClaims {
    iss: Option<String>,
    aud: Option<Audience>,
    exp: Option<i64>,
    nbf: Option<i64>,
    iat: Option<i64>,
    tid: Option<String>,
    oid: Option<String>,
    nonce: Option<String>,
    preferred_username: Option<String>,
    name: Option<String>,
    email: Option<String>,
    sid: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

/// What the token must match.
#[derive(Clone, Copy, Debug)]
pub struct Expected<'a> {
    /// The directory the sign-in was started for.
    pub tenant: &'a EntraTenantId,
    /// The nonce sent with the authorization request.
    pub nonce: &'a str,
    /// The caller's current time (Unix seconds): injected, so tests control it.
    pub now: i64,
}

/// Validates ID tokens; holds the per-tenant key cache. Build one per process and share it.
pub struct IdTokenValidator {
    jwks: JwksCache,
    client_id: String,
    login_base: String,
}

impl IdTokenValidator {
    /// A validator with Microsoft's key-cache timing.
    pub fn new(client: &EntraClient) -> Self {
        Self::with_settings(client, JwksSettings::default())
    }

    /// A validator with explicit key-cache timing.
    pub fn with_settings(client: &EntraClient, settings: JwksSettings) -> Self {
        let s = client.settings();
        let login_base = s.login_base_url.as_str().trim_end_matches('/').to_owned();
        Self {
            jwks: JwksCache::new(client.inner.transport.clone(), login_base.clone(), settings),
            client_id: s.client_id.clone(),
            login_base,
        }
    }

    /// How many key-set fetches this validator has sent.
    pub fn key_fetches(&self) -> u64 {
        self.jwks.fetch_count()
    }

    /// Validates `token` (see the module docs for every check) and returns its claims.
    pub async fn validate(
        &self,
        token: &str,
        expected: Expected<'_>,
    ) -> Result<IdTokenClaims, IdTokenError> {
        let header = decode_header(token).map_err(|_| IdTokenError::Malformed("header"))?;
        if header.alg != Algorithm::RS256 {
            return Err(IdTokenError::Algorithm);
        }
        let kid = header.kid.ok_or(IdTokenError::Malformed("no kid"))?;
        let key = match self.jwks.key(*expected.tenant, &kid).await {
            KeyLookup::Found(key) => key,
            KeyLookup::Unknown => return Err(IdTokenError::UnknownKey),
            KeyLookup::Unavailable(e) => return Err(IdTokenError::KeysUnavailable(e)),
        };
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims = HashSet::new();
        let claims = decode::<RawClaims>(token, &key.key, &validation)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidSignature => IdTokenError::Signature,
                _ => IdTokenError::Malformed("claims"),
            })?
            .claims;
        // Tenant and issuer (§3.6): tid is a GUID, the key's issuer with {tenantid} substituted
        // equals iss, and iss is exactly {login}/{tid}/v2.0.
        let tid = claims
            .tid
            .as_deref()
            .and_then(|t| EntraTenantId::parse(t).ok())
            .ok_or(IdTokenError::Malformed("tid"))?;
        let iss = claims
            .iss
            .as_deref()
            .ok_or(IdTokenError::Malformed("iss"))?;
        if let Some(template) = &key.issuer
            && template.replace("{tenantid}", &tid.to_string()) != iss
        {
            return Err(IdTokenError::Issuer);
        }
        if iss != format!("{}/{tid}/v2.0", self.login_base) {
            return Err(IdTokenError::Issuer);
        }
        if tid != *expected.tenant {
            return Err(IdTokenError::Tenant);
        }
        let audience_ok = match &claims.aud {
            Some(Audience::One(a)) => *a == self.client_id,
            Some(Audience::Many(all)) => all.len() == 1 && all[0] == self.client_id,
            None => false,
        };
        if !audience_ok {
            return Err(IdTokenError::Audience);
        }
        let exp = claims.exp.ok_or(IdTokenError::Malformed("exp"))?;
        if exp + CLOCK_SKEW_SECS <= expected.now {
            return Err(IdTokenError::Expired);
        }
        let not_before = claims.nbf.or(claims.iat).unwrap_or(i64::MIN);
        if not_before - CLOCK_SKEW_SECS > expected.now {
            return Err(IdTokenError::NotYetValid);
        }
        let nonce_ok = claims
            .nonce
            .as_deref()
            .is_some_and(|n| bool::from(n.as_bytes().ct_eq(expected.nonce.as_bytes())));
        if !nonce_ok {
            return Err(IdTokenError::Nonce);
        }
        let oid = claims
            .oid
            .as_deref()
            .and_then(|o| Uuid::parse_str(o).ok())
            .ok_or(IdTokenError::Malformed("oid"))?;
        Ok(IdTokenClaims {
            oid,
            tid,
            preferred_username: claims.preferred_username,
            name: claims.name,
            email: claims.email,
            sid: claims.sid,
            iat: claims.iat.unwrap_or(not_before),
            exp,
        })
    }
}
