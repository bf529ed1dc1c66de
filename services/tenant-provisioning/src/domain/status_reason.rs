//! [`StatusReason`]: why an operator suspended or deprovisioned a tenant.

use serde::{Deserialize, Serialize};

use super::text::{TextError, single_line, text_newtype};

const MAX: usize = 500;

/// A free-text reason: trimmed, 1–500 characters, no control characters. Recorded on the
/// tenant, in the audit trail and in the event, so it must not contain secrets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StatusReason(String);

impl StatusReason {
    /// Checks the rules above and keeps the trimmed text.
    pub fn parse(input: &str) -> Result<Self, TextError> {
        single_line(input, MAX).map(Self)
    }
}

text_newtype!(
    StatusReason,
    1,
    MAX,
    "Why: trimmed, 1-500 characters, no control characters and no Unicode bidirectional formatting characters; never put secrets here.",
    pattern = Some(super::text::SINGLE_LINE_PATTERN)
);
