//! Shared machinery of the two bearer secrets (operator keys and setup tokens):
//! `<prefix><base64url, no padding, of 32 random bytes>`, stored only as SHA-256.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Random bytes per secret (256 bits).
const RANDOM_BYTES: usize = 32;
/// Length of the base64url (no padding) encoding of [`RANDOM_BYTES`].
pub(crate) const ENCODED_LEN: usize = 43;

/// SHA-256 of a secret: what the database stores instead of the secret. `Eq` and `Hash`
/// are for lookups by digest (a digest reveals nothing of the secret); compare a presented
/// secret with a stored hash with [`TokenHash::ct_eq`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    /// Hashes the full secret string (prefix included).
    pub fn of(secret: &str) -> Self {
        Self(Sha256::digest(secret.as_bytes()).into())
    }

    /// Wraps a stored hash; `None` unless it is 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        <[u8; 32]>::try_from(bytes).ok().map(Self)
    }

    /// The 32 bytes, for binding to a `bytea` parameter.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Constant-time equality, for comparing a presented secret with a stored hash.
    pub fn ct_eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl std::fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenHash(..)")
    }
}

/// A fresh secret `prefix` + 43 base64url characters from the OS CSPRNG.
pub(crate) fn generate(prefix: &str) -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; RANDOM_BYTES];
    getrandom::fill(&mut bytes)?;
    Ok(format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes)))
}

/// True when `s` is `prefix` followed by exactly the base64url encoding of 32 bytes.
pub(crate) fn is_well_formed(prefix: &str, s: &str) -> bool {
    s.strip_prefix(prefix).is_some_and(|body| {
        body.len() == ENCODED_LEN
            && URL_SAFE_NO_PAD
                .decode(body)
                .is_ok_and(|b| b.len() == RANDOM_BYTES)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_are_well_formed_and_distinct() {
        let a = generate("pa_x_").expect("rng");
        let b = generate("pa_x_").expect("rng");
        assert_ne!(a, b);
        assert_eq!(a.len(), "pa_x_".len() + ENCODED_LEN);
        assert!(is_well_formed("pa_x_", &a));
        assert!(!is_well_formed("pa_y_", &a));
        assert!(!is_well_formed("pa_x_", &a[..a.len() - 1]));
        assert!(!is_well_formed("pa_x_", &format!("{a}A")));
    }

    #[test]
    fn hashes_compare_in_constant_time() {
        let h = TokenHash::of("secret");
        assert!(h.ct_eq(&TokenHash::of("secret")));
        assert!(!h.ct_eq(&TokenHash::of("secreT")));
        assert_eq!(TokenHash::from_slice(h.as_bytes()), Some(h));
        assert_eq!(TokenHash::from_slice(&[0; 31]), None);
        assert_eq!(format!("{h:?}"), "TokenHash(..)");
    }
}
