//! [`OperatorKey`]: an operator API key (a bearer secret).

use super::secret_token::{self, TokenHash};

/// Every operator key starts with this.
const PREFIX: &str = "pa_op_";
/// Characters of the random part kept as the non-secret display prefix.
const DISPLAY_CHARS: usize = 8;

/// An operator API key, `pa_op_<43 base64url characters>` (256 random bits).
///
/// Shown to its creator once, never stored (only [`TokenHash`] and the
/// [`OperatorKeyPrefix`] are) and never logged: `Debug` is redacted and there is no
/// `Display`; [`expose`](Self::expose) is the one deliberate way to read it.
#[derive(Clone)]
pub struct OperatorKey(String);

/// The first characters of a key (`pa_op_` + 8): safe to show and store, used to find
/// the key's row before the constant-time hash comparison.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperatorKeyPrefix(String);

impl OperatorKey {
    /// A new random key.
    pub fn generate() -> Result<Self, getrandom::Error> {
        secret_token::generate(PREFIX).map(Self)
    }

    /// Accepts a presented key if it has the exact shape of one we issue.
    pub fn parse(s: &str) -> Option<Self> {
        secret_token::is_well_formed(PREFIX, s).then(|| Self(s.to_owned()))
    }

    /// What the database stores.
    pub fn hash(&self) -> TokenHash {
        TokenHash::of(&self.0)
    }

    /// The display / lookup prefix.
    pub fn prefix(&self) -> OperatorKeyPrefix {
        // The key is ASCII by construction, so byte slicing is on char boundaries.
        OperatorKeyPrefix(self.0[..PREFIX.len() + DISPLAY_CHARS].to_owned())
    }

    /// The secret itself, for the one response (or CLI output) that shows it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for OperatorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OperatorKey({}..)", self.prefix().as_str())
    }
}

impl OperatorKeyPrefix {
    /// The prefix as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_never_print_the_secret() {
        let key = OperatorKey::generate().expect("rng");
        assert!(key.expose().starts_with("pa_op_"));
        assert_eq!(key.prefix().as_str().len(), 14);
        let parsed = OperatorKey::parse(key.expose()).expect("well formed");
        assert!(parsed.hash().ct_eq(&key.hash()));
        let debug = format!("{key:?}");
        assert!(!debug.contains(&key.expose()[14..]), "{debug}");
    }

    #[test]
    fn malformed_keys_are_refused() {
        for s in [
            "",
            "pa_op_",
            "pa_op_short",
            "Bearer pa_op_x",
            "pa_setup_AAAA",
        ] {
            assert!(OperatorKey::parse(s).is_none(), "{s}");
        }
    }
}
