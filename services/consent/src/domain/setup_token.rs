//! [`SetupToken`]: the secret of a setup link, as the browser posts it.

use super::secret::{TokenHash, is_secret};

const PREFIX: &str = "pa_setup_";

/// A presented setup token of the shape tenant-provisioning issues:
/// `pa_setup_<43 base64url characters>`. Never stored, logged or echoed: only its SHA-256
/// is looked up (`consent_setup_link_lookup`). `Debug` is redacted; there is no `Display`.
pub struct SetupToken(String);

impl SetupToken {
    /// `None` unless `s` has the exact shape (no surrounding whitespace either).
    pub fn parse(s: &str) -> Option<Self> {
        s.strip_prefix(PREFIX)
            .is_some_and(is_secret)
            .then(|| Self(s.to_owned()))
    }

    /// What `setup_links.token_hash` holds.
    pub fn hash(&self) -> TokenHash {
        TokenHash::of(&self.0)
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
    fn only_the_issued_shape_parses() {
        let secret = super::super::secret::random().expect("rng");
        let token = format!("pa_setup_{secret}");
        let parsed = SetupToken::parse(&token).expect("well formed");
        assert!(parsed.hash().ct_eq(&TokenHash::of(&token)));
        assert_eq!(format!("{parsed:?}"), "SetupToken([REDACTED])");
        for bad in [
            secret.clone(),
            format!("pa_op_{secret}"),
            format!(" pa_setup_{secret}"),
            format!("pa_setup_{}", &secret[1..]),
            String::new(),
        ] {
            assert!(SetupToken::parse(&bad).is_none(), "{bad}");
        }
    }
}
