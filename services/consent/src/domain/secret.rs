//! Random secrets and their SHA-256, the only form the database keeps.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Random bytes per secret (256 bits).
pub(crate) const SECRET_BYTES: usize = 32;
/// Length of the base64url (no padding) encoding of [`SECRET_BYTES`].
pub(crate) const SECRET_LEN: usize = 43;

/// SHA-256 of a secret. Compare a presented secret with a stored hash with [`Self::ct_eq`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    /// Hashes the full secret string.
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

    /// Constant-time equality.
    pub fn ct_eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl std::fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenHash(..)")
    }
}

/// 43 base64url characters of 32 bytes from the OS CSPRNG.
pub(crate) fn random() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// True when `s` is exactly the base64url encoding of 32 bytes.
pub(crate) fn is_secret(s: &str) -> bool {
    s.len() == SECRET_LEN
        && URL_SAFE_NO_PAD
            .decode(s)
            .is_ok_and(|b| b.len() == SECRET_BYTES)
}

/// `base64url(SHA-256(context ‖ secret))`: a value derived from a secret that reveals nothing
/// of it.
pub(crate) fn derive(context: &[u8], secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(context);
    h.update(secret.as_bytes());
    URL_SAFE_NO_PAD.encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_43_characters_distinct_and_recognised() {
        let a = random().expect("rng");
        let b = random().expect("rng");
        assert_ne!(a, b);
        assert!(is_secret(&a));
        assert!(!is_secret(&a[1..]));
        assert!(!is_secret(&format!("{}!", &a[1..])));
        let h = TokenHash::of(&a);
        assert!(h.ct_eq(&TokenHash::of(&a)));
        assert!(!h.ct_eq(&TokenHash::of(&b)));
        assert_eq!(TokenHash::from_slice(h.as_bytes()), Some(h));
        assert_eq!(format!("{h:?}"), "TokenHash(..)");
    }
}
