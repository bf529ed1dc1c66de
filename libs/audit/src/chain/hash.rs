//! [`ChainHash`]: a SHA-256 digest in the audit chain.

use std::fmt;

/// A SHA-256 digest: a chain row's hash, or the hash a chain starts from.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChainHash([u8; 32]);

impl ChainHash {
    /// What the first record of a chain links to: 32 zero bytes.
    pub const GENESIS: Self = Self([0; 32]);

    /// Wraps a digest.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A digest read back from the database; `None` unless exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        <[u8; 32]>::try_from(bytes).ok().map(Self)
    }

    /// The 32 bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lowercase hex, 64 characters (also what `Display` writes).
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for ChainHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for ChainHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChainHash({})", self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_32_bytes_make_a_hash() {
        assert_eq!(ChainHash::from_slice(&[0; 32]), Some(ChainHash::GENESIS));
        assert_eq!(ChainHash::from_slice(&[0; 31]), None);
        assert_eq!(ChainHash::GENESIS.to_hex(), "0".repeat(64));
    }
}
