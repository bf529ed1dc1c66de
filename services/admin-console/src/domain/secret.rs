//! [`TenantSecret`]: a random bearer secret that names its tenant.
//!
//! Wire form: `{prefix}` + base64url(tenant id (16 bytes) ‖ 32 random bytes), e.g. a session cookie
//! `s1.…`, an API token `pa_api_…`, a sign-in `state`. The tenant part is not secret; it lets the
//! server open the tenant's row-level-security context before looking the secret up (by its
//! SHA-256, [`SecretHash`]: only hashes are stored). 256 random bits, from the OS CSPRNG.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use pa_domain::TenantId;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;

const RANDOM_LEN: usize = 32;
const RAW_LEN: usize = 16 + RANDOM_LEN;

/// A secret bound to a tenant. `Debug` shows only the tenant.
#[derive(Clone, PartialEq, Eq)]
pub struct TenantSecret {
    tenant: TenantId,
    text: String,
}

impl TenantSecret {
    /// A fresh secret for `tenant` with `prefix`.
    pub fn generate(prefix: &str, tenant: TenantId) -> Result<Self, getrandom::Error> {
        let mut raw = [0u8; RAW_LEN];
        raw[..16].copy_from_slice(tenant.as_uuid().as_bytes());
        getrandom::fill(&mut raw[16..])?;
        Ok(Self {
            tenant,
            text: format!("{prefix}{}", URL_SAFE_NO_PAD.encode(raw)),
        })
    }

    /// Parses `text` (must start with `prefix`); `None` for anything else.
    pub fn parse(prefix: &str, text: &str) -> Option<Self> {
        let body = text.strip_prefix(prefix)?;
        if body.len() != 64 {
            return None;
        }
        let raw = URL_SAFE_NO_PAD.decode(body).ok()?;
        if raw.len() != RAW_LEN {
            return None;
        }
        let tenant = Uuid::from_slice(&raw[..16]).ok()?;
        Some(Self {
            tenant: TenantId::from_uuid(tenant),
            text: text.to_owned(),
        })
    }

    /// The tenant it belongs to.
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// The secret itself (for a cookie or a one-time response). Never log it.
    pub fn expose(&self) -> &str {
        &self.text
    }

    /// SHA-256 of the whole text: what is stored and looked up.
    pub fn hash(&self) -> SecretHash {
        SecretHash::of(&self.text)
    }

    /// A value derived from this secret for `purpose` (e.g. the CSRF token of a session, the PKCE
    /// verifier of a sign-in): base64url(SHA-256(purpose ‖ 0 ‖ secret)), 43 characters.
    pub fn derive(&self, purpose: &str) -> String {
        let mut h = Sha256::new();
        h.update(purpose.as_bytes());
        h.update([0u8]);
        h.update(self.text.as_bytes());
        URL_SAFE_NO_PAD.encode(h.finalize())
    }

    /// The first characters, to recognise a token in a list (not a secret: 12 of 64+).
    pub fn display_prefix(&self, prefix: &str) -> String {
        self.text.chars().take(prefix.len() + 8).collect()
    }
}

impl fmt::Debug for TenantSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantSecret")
            .field("tenant", &self.tenant)
            .finish_non_exhaustive()
    }
}

/// SHA-256 of a secret.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecretHash([u8; 32]);

impl SecretHash {
    pub fn of(text: &str) -> Self {
        Self(Sha256::digest(text.as_bytes()).into())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Constant-time comparison with stored bytes.
    pub fn matches(&self, stored: &[u8]) -> bool {
        stored.len() == 32 && bool::from(self.0.ct_eq(stored))
    }
}

impl fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretHash(..)")
    }
}

/// Constant-time equality of two strings (CSRF tokens).
pub fn ct_str_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// 32 random bytes, base64url: one-time values that carry no tenant (nonces, pre-session
/// cookies, emergency secrets).
pub fn random_token() -> Result<String, getrandom::Error> {
    let mut raw = [0u8; 32];
    getrandom::fill(&mut raw)?;
    Ok(URL_SAFE_NO_PAD.encode(raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_round_trip_and_name_their_tenant() {
        let tenant = TenantId::new();
        let s = TenantSecret::generate("pa_api_", tenant).expect("rng");
        assert_eq!(s.expose().len(), "pa_api_".len() + 64);
        let back = TenantSecret::parse("pa_api_", s.expose()).expect("parses");
        assert_eq!(back.tenant(), tenant);
        assert_eq!(back.hash(), s.hash());
        assert!(s.hash().matches(back.hash().as_bytes()));
        assert!(TenantSecret::parse("s1.", s.expose()).is_none());
        assert!(TenantSecret::parse("pa_api_", "pa_api_short").is_none());
        assert!(!format!("{s:?}").contains(s.expose()));
        assert_ne!(s.derive("csrf"), s.derive("pkce"));
        assert_eq!(s.derive("csrf").len(), 43);
    }
}
