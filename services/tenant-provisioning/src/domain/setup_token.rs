//! [`SetupToken`]: the secret in a setup link, and [`SetupTokenKey`], the key it is derived
//! from.
//!
//! # Derivation
//!
//! ```text
//! token = "pa_setup_" ‖ base64url_nopad( HMAC-SHA256( setup_links.token_key,
//!                                       "pa-setup-link:v1:" ‖ tenant_id ‖ link_id ) )
//! ```
//!
//! `tenant_id` and `link_id` are the 16 raw bytes of each UUID. The database stores only
//! `SHA-256(token)` (`setup_links.token_hash`, resolved by `setup_link_lookup`), exactly as
//! when tokens were random, so the consent service is unaffected.
//!
//! Why derive instead of drawing random bytes: the e-mail is sent by a consumer after the
//! request has committed (the request never waits for SMTP), and that consumer must put
//! the token in the mail without the token ever being stored. Given the key it recomputes
//! the token from the link id in the `tenant.setup_link_issued` event.
//!
//! # Security argument
//!
//! - HMAC-SHA256 is a PRF: without the key its outputs are indistinguishable from 256
//!   random bits, so tokens are as unguessable as the random ones they replace (the ids
//!   that go into it are not secret and need not be).
//! - The database alone yields nothing: it holds the ids and `SHA-256(token)`; inverting
//!   SHA-256 of a 256-bit PRF output is infeasible, and without the key the ids give no
//!   token. Anyone with the key AND a link id (ids are in the database, events and API
//!   responses) can compute every token, so the key is a secret like any encryption key:
//!   it lives in the secret store (`PA_TP_SETUP_LINKS__TOKEN_KEY`), never in the repository,
//!   in logs (`SecretString`, redacted `Debug`) or in a default.
//! - The domain-separation prefix `pa-setup-link:v1:` keeps the key from being usable for
//!   anything else and lets the format change (v2) without ambiguity.
//! - Regenerating a link makes a new link id, hence an unrelated token; revocation, expiry
//!   and single use are enforced on the link row, as before.
//!
//! Rotation: replacing the key changes every token that would be derived from then on; the
//! hashes of links already issued stay in the database, so mailed links keep working, but
//! a mail not yet sent for an old link would carry a token that does not match its hash.
//! Rotate by deploying the new key and then regenerating the links that are still active
//! (or whose mail is still pending, `email_sent_at IS NULL`); after a suspected key leak,
//! regenerate every active link.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use pa_domain::TenantId;
use sha2::Sha256;
use uuid::Uuid;

use super::secret_token::{self, TokenHash};

const PREFIX: &str = "pa_setup_";
/// Domain separation for the HMAC input.
const CONTEXT: &[u8] = b"pa-setup-link:v1:";
/// Shortest accepted key (decoded): 256 bits.
pub const MIN_KEY_BYTES: usize = 32;

/// A setup token, `pa_setup_<43 base64url characters>` (256 bits, derived as the module
/// docs describe). It exists in memory only long enough to be e-mailed; the database keeps
/// its SHA-256. Never logged: `Debug` is redacted and there is no `Display`.
pub struct SetupToken(String);

impl SetupToken {
    /// The token of link `link` of `tenant`.
    pub fn derive(key: &SetupTokenKey, tenant: TenantId, link: Uuid) -> Self {
        let mut mac = key.mac();
        mac.update(CONTEXT);
        mac.update(tenant.as_uuid().as_bytes());
        mac.update(link.as_bytes());
        let tag = mac.finalize().into_bytes();
        Self(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(tag)))
    }

    /// Accepts a presented token if it has the exact shape of one we issue.
    pub fn parse(s: &str) -> Option<Self> {
        secret_token::is_well_formed(PREFIX, s).then(|| Self(s.to_owned()))
    }

    /// What the database stores (and `setup_link_lookup` takes).
    pub fn hash(&self) -> TokenHash {
        TokenHash::of(&self.0)
    }

    /// The secret itself, for building the e-mailed link.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SetupToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SetupToken([REDACTED])")
    }
}

/// Why `setup_links.token_key` is unusable.
#[derive(Debug, thiserror::Error)]
pub enum TokenKeyError {
    #[error(
        "setup_links.token_key is not set: give it base64 of at least 32 random bytes \
         (e.g. `openssl rand -base64 32`) in PA_TP_SETUP_LINKS__TOKEN_KEY"
    )]
    Missing,
    #[error("setup_links.token_key is not valid base64 (standard alphabet, padded)")]
    NotBase64,
    #[error("setup_links.token_key decodes to {0} bytes; it must be at least 32")]
    TooShort(usize),
}

/// The HMAC key setup tokens are derived from (decoded `setup_links.token_key`).
#[derive(Clone)]
pub struct SetupTokenKey(Hmac<Sha256>);

impl SetupTokenKey {
    /// Decodes and checks the configured key (base64, at least 32 bytes once decoded).
    pub fn from_base64(encoded: &str) -> Result<Self, TokenKeyError> {
        let encoded = encoded.trim();
        if encoded.is_empty() {
            return Err(TokenKeyError::Missing);
        }
        let mut bytes = STANDARD
            .decode(encoded)
            .map_err(|_| TokenKeyError::NotBase64)?;
        let key = if bytes.len() < MIN_KEY_BYTES {
            Err(TokenKeyError::TooShort(bytes.len()))
        } else {
            Self::from_bytes(&bytes)
        };
        // Best effort: do not leave the raw key in freed memory.
        std::hint::black_box(bytes.as_mut_slice()).fill(0);
        key
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, TokenKeyError> {
        // HMAC takes keys of any length; this cannot fail.
        Hmac::<Sha256>::new_from_slice(bytes)
            .map(Self)
            .map_err(|_| TokenKeyError::TooShort(bytes.len()))
    }

    fn mac(&self) -> Hmac<Sha256> {
        self.0.clone()
    }
}

impl std::fmt::Debug for SetupTokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SetupTokenKey([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SetupTokenKey {
        SetupTokenKey::from_base64(&STANDARD.encode([byte; 32])).expect("key")
    }

    #[test]
    fn tokens_are_256_bit_derivations_that_hide_in_debug() {
        let (tenant, link) = (TenantId::new(), Uuid::now_v7());
        let t = SetupToken::derive(&key(7), tenant, link);
        assert_eq!(t.expose().len(), "pa_setup_".len() + 43);
        assert!(SetupToken::parse(t.expose()).is_some());
        assert_eq!(format!("{t:?}"), "SetupToken([REDACTED])");
        assert!(t.hash().ct_eq(&TokenHash::of(t.expose())));
        // Deterministic for (key, tenant, link); any change gives another token.
        assert_eq!(
            t.expose(),
            SetupToken::derive(&key(7), tenant, link).expose()
        );
        assert_ne!(
            t.expose(),
            SetupToken::derive(&key(8), tenant, link).expose()
        );
        assert_ne!(
            t.expose(),
            SetupToken::derive(&key(7), tenant, Uuid::now_v7()).expose()
        );
        assert_ne!(
            t.expose(),
            SetupToken::derive(&key(7), TenantId::new(), link).expose()
        );
    }

    #[test]
    fn matches_the_documented_construction() {
        let tenant: TenantId = "00000000-0000-0000-0000-000000000001".parse().expect("id");
        let link: Uuid = "00000000-0000-0000-0000-000000000002".parse().expect("id");
        let mut mac = Hmac::<Sha256>::new_from_slice(&[7; 32]).expect("key");
        mac.update(b"pa-setup-link:v1:");
        mac.update(&[0; 15]);
        mac.update(&[1]);
        mac.update(&[0; 15]);
        mac.update(&[2]);
        let expected = format!(
            "pa_setup_{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        );
        assert_eq!(SetupToken::derive(&key(7), tenant, link).expose(), expected);
    }

    #[test]
    fn keys_must_be_base64_of_at_least_32_bytes() {
        assert!(matches!(
            SetupTokenKey::from_base64(""),
            Err(TokenKeyError::Missing)
        ));
        assert!(matches!(
            SetupTokenKey::from_base64("not base64!"),
            Err(TokenKeyError::NotBase64)
        ));
        assert!(matches!(
            SetupTokenKey::from_base64(&STANDARD.encode([1; 31])),
            Err(TokenKeyError::TooShort(31))
        ));
        assert!(SetupTokenKey::from_base64(&STANDARD.encode([1; 64])).is_ok());
        assert_eq!(format!("{:?}", key(1)), "SetupTokenKey([REDACTED])");
    }
}
