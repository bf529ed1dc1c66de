//! [`KeyName`]: what an operator API key is for.

use serde::{Deserialize, Serialize};

use super::text::{TextError, single_line, text_newtype};

const MAX: usize = 100;

/// The name of an operator API key (who holds it or what uses it): trimmed, 1–100
/// characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KeyName(String);

impl KeyName {
    /// Checks the rules above and keeps the trimmed text.
    pub fn parse(input: &str) -> Result<Self, TextError> {
        single_line(input, MAX).map(Self)
    }
}

text_newtype!(
    KeyName,
    1,
    MAX,
    "Who holds the key or what uses it: trimmed, 1-100 characters, no control characters and no Unicode bidirectional formatting characters.",
    pattern = Some(super::text::SINGLE_LINE_PATTERN)
);
