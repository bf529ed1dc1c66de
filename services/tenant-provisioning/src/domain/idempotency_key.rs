//! [`IdempotencyKey`]: the client's `Idempotency-Key` header value.

use super::text::TextError;

const MAX: usize = 255;

/// An `Idempotency-Key` header value: 1–255 visible ASCII characters (a UUID is typical).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Checks the rules above (no trimming: the header is used verbatim).
    pub fn parse(input: &str) -> Result<Self, TextError> {
        if input.is_empty() {
            return Err(TextError::Empty);
        }
        if input.len() > MAX {
            return Err(TextError::TooLong { max: MAX });
        }
        if !input.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(TextError::Charset(
                "must be visible ASCII characters without spaces",
            ));
        }
        Ok(Self(input.to_owned()))
    }

    /// The key as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
