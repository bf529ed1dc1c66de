//! [`ExternalRef`]: the vendor's CRM id of the customer.

use serde::{Deserialize, Serialize};

use super::text::{TextError, text_newtype};

const MAX: usize = 128;

/// The vendor's CRM id of the customer, linking its production and non-production
/// tenants: trimmed, 1–128 visible ASCII characters (no spaces).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ExternalRef(String);

impl ExternalRef {
    /// Checks the rules above and keeps the trimmed text.
    pub fn parse(input: &str) -> Result<Self, TextError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(TextError::Empty);
        }
        if s.len() > MAX {
            return Err(TextError::TooLong { max: MAX });
        }
        if !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(TextError::Charset(
                "must be visible ASCII characters without spaces",
            ));
        }
        Ok(Self(s.to_owned()))
    }
}

text_newtype!(
    ExternalRef,
    1,
    MAX,
    "Vendor CRM id linking a customer's production and non-production tenants: 1-128 visible ASCII characters (surrounding spaces are trimmed).",
    pattern = Some(r"^ *[!-~]{1,128} *$")
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crm_ids_are_visible_ascii() {
        assert_eq!(
            ExternalRef::parse(" CRM-0042 ").map(String::from),
            Ok("CRM-0042".into())
        );
        assert!(ExternalRef::parse("has space").is_err());
        assert!(ExternalRef::parse("é").is_err());
        assert!(ExternalRef::parse(&"a".repeat(129)).is_err());
    }
}
