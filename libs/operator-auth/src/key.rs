//! [`OperatorKey`] and [`TokenHash`]: the format tenant-provisioning issues
//! (`services/tenant-provisioning/src/domain/operator_key.rs` and `secret_token.rs`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Every operator key starts with this.
const PREFIX: &str = "pa_op_";
/// Characters of the random part kept as the stored, non-secret display prefix.
const DISPLAY_CHARS: usize = 8;
/// Random bytes per key (256 bits) and the length of their base64url encoding.
const RANDOM_BYTES: usize = 32;
const ENCODED_LEN: usize = 43;

/// A presented operator key, `pa_op_<43 base64url characters>`. `Debug` shows the display
/// prefix only; there is no `Display`.
#[derive(Clone)]
pub struct OperatorKey(String);

impl OperatorKey {
    /// Accepts `s` only if it has the exact shape of a key tenant-provisioning issues.
    pub fn parse(s: &str) -> Option<Self> {
        let body = s.strip_prefix(PREFIX)?;
        let well_formed = body.len() == ENCODED_LEN
            && URL_SAFE_NO_PAD
                .decode(body)
                .is_ok_and(|bytes| bytes.len() == RANDOM_BYTES);
        well_formed.then(|| Self(s.to_owned()))
    }

    /// SHA-256 of the whole key: what `operator_api_keys.key_hash` stores.
    pub fn hash(&self) -> TokenHash {
        TokenHash(Sha256::digest(self.0.as_bytes()).into())
    }

    /// `pa_op_` + the first 8 characters: `operator_api_keys.key_prefix`, the lookup key.
    pub fn prefix(&self) -> &str {
        // ASCII by construction (checked in `parse`), so the slice is on a char boundary.
        &self.0[..PREFIX.len() + DISPLAY_CHARS]
    }
}

impl std::fmt::Debug for OperatorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OperatorKey({}..)", self.prefix())
    }
}

/// A SHA-256 digest of a key. Compare with [`TokenHash::ct_eq`] (constant time).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    /// Wraps a stored hash; `None` unless it is 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        <[u8; 32]>::try_from(bytes).ok().map(Self)
    }

    /// The 32 bytes.
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

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "pa_op_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    #[test]
    fn well_formed_keys_parse_and_hash_like_tenant_provisioning() {
        let key = OperatorKey::parse(KEY).expect("well formed");
        assert_eq!(key.prefix(), "pa_op_AAAAAAAA");
        let expected: [u8; 32] = Sha256::digest(KEY.as_bytes()).into();
        assert_eq!(key.hash().as_bytes(), &expected);
        assert!(
            key.hash()
                .ct_eq(&TokenHash::from_slice(&expected).expect("32 bytes"))
        );
        assert!(!format!("{key:?}").contains(&KEY[14..]));
    }

    #[test]
    fn malformed_keys_are_refused() {
        for s in [
            "",
            "pa_op_",
            "pa_op_short",
            &KEY[..KEY.len() - 1],
            &format!("{KEY}A"),
            "pa_setup_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "pa_op_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",
        ] {
            assert!(OperatorKey::parse(s).is_none(), "{s}");
        }
        assert!(TokenHash::from_slice(&[0; 31]).is_none());
    }
}
