//! [`DisplayName`]: a tenant's customer-facing name.

use serde::{Deserialize, Serialize};

use super::text::{TextError, single_line, text_newtype};

/// Longest display name, in characters.
const MAX: usize = 200;

/// A tenant's display name: trimmed, 1–200 characters, no control characters and no
/// Unicode bidirectional formatting characters (it goes into mail subjects).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DisplayName(String);

impl DisplayName {
    /// Checks the rules above and keeps the trimmed text.
    pub fn parse(input: &str) -> Result<Self, TextError> {
        single_line(input, MAX).map(Self)
    }
}

text_newtype!(
    DisplayName,
    1,
    MAX,
    "Customer-facing tenant name: trimmed, 1-200 characters, no control characters and no Unicode bidirectional formatting characters (it goes into mail subjects).",
    pattern = Some(super::text::SINGLE_LINE_PATTERN)
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(
            DisplayName::parse(" Acme Health ").map(String::from),
            Ok("Acme Health".into())
        );
        assert!(DisplayName::parse(&"x".repeat(200)).is_ok());
        assert_eq!(
            DisplayName::parse(&"x".repeat(201)),
            Err(TextError::TooLong { max: 200 })
        );
        assert_eq!(
            DisplayName::parse("Acme\u{0}"),
            Err(TextError::ControlCharacter)
        );
        assert_eq!(
            DisplayName::parse("Acme\u{202E}latipsoH"),
            Err(TextError::BidiControl)
        );
        assert!(serde_json::from_str::<DisplayName>("\"\"").is_err());
    }
}
