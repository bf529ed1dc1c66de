//! [`SetupToken`]: the secret in a setup link.

use super::secret_token::{self, TokenHash};

const PREFIX: &str = "pa_setup_";

/// A setup token, `pa_setup_<43 base64url characters>` (256 random bits from the OS
/// CSPRNG). It exists in memory only long enough to be e-mailed; the database keeps its
/// SHA-256. Never logged: `Debug` is redacted and there is no `Display`.
pub struct SetupToken(String);

impl SetupToken {
    /// A new random token.
    pub fn generate() -> Result<Self, getrandom::Error> {
        secret_token::generate(PREFIX).map(Self)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_256_random_bits_and_hide_in_debug() {
        let t = SetupToken::generate().expect("rng");
        assert_eq!(t.expose().len(), "pa_setup_".len() + 43);
        assert!(SetupToken::parse(t.expose()).is_some());
        assert_eq!(format!("{t:?}"), "SetupToken([REDACTED])");
        assert!(t.hash().ct_eq(&TokenHash::of(t.expose())));
    }
}
