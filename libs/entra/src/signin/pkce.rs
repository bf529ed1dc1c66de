//! [`Pkce`]: RFC 7636 proof key, S256 only (never `plain`, RFC 9700).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::error::EntraError;

/// A code verifier (kept secret until the redemption) and its S256 challenge. `Debug` hides the
/// verifier.
#[derive(Clone)]
pub struct Pkce {
    verifier: SecretString,
    challenge: String,
}

impl Pkce {
    /// A fresh verifier: 32 random bytes, base64url (43 characters).
    pub fn generate() -> Result<Self, EntraError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| EntraError::Configuration(format!("the OS RNG failed: {e}")))?;
        Ok(Self::from_verifier(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// A verifier the caller made (43–128 characters of `[A-Za-z0-9-._~]`, RFC 7636 §4.1), e.g.
    /// derived from a secret only the browser holds.
    pub fn from_verifier(verifier: String) -> Self {
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Self {
            verifier: SecretString::from(verifier),
            challenge,
        }
    }

    /// `code_challenge` = base64url(SHA-256(verifier)).
    pub fn challenge(&self) -> &str {
        &self.challenge
    }

    /// `code_verifier` for the redemption. Do not log it.
    pub fn verifier(&self) -> &str {
        self.verifier.expose_secret()
    }
}

impl fmt::Debug for Pkce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkce")
            .field("challenge", &self.challenge)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_is_the_rfc_7636_example() {
        // RFC 7636 appendix B.
        let pkce = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into());
        assert_eq!(
            pkce.challenge(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let fresh = Pkce::generate().unwrap();
        assert_eq!(fresh.verifier().len(), 43);
        assert!(!format!("{fresh:?}").contains(fresh.verifier()));
    }
}
