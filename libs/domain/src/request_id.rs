//! [`RequestId`]: the correlation id of one inbound request.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Longest request id accepted from a client.
const MAX_LEN: usize = 128;

/// A request correlation id: taken from a sane `X-Request-Id` header or generated.
///
/// Sane means 1–128 characters from `A–Z a–z 0–9 - _ . :` so it is safe in logs,
/// headers and JSON without escaping.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String)]
pub struct RequestId(String);

/// The value is empty, too long, or has characters outside the allowed set.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("request id must be 1-128 characters of A-Z a-z 0-9 - _ . :")]
pub struct RequestIdError;

impl RequestId {
    /// Accepts a client-supplied id if it is sane (see the type docs).
    pub fn parse(s: &str) -> Result<Self, RequestIdError> {
        let ok = !s.is_empty()
            && s.len() <= MAX_LEN
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(RequestIdError)
        }
    }

    /// A fresh id (a UUID v7, so ids sort by time).
    pub fn generate() -> Self {
        Self(uuid::Uuid::now_v7().to_string())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for RequestId {
    type Err = RequestIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for RequestId {
    type Error = RequestIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<RequestId> for String {
    fn from(r: RequestId) -> Self {
        r.0
    }
}

impl AsRef<str> for RequestId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_sane_client_ids() {
        for s in ["abc", "0190a0c4-5b7e-7c3a-9c1e-2f0b5e8d9a11", "req_1.2:3"] {
            assert_eq!(RequestId::parse(s).expect("sane").as_str(), s);
        }
        assert!(RequestId::parse(&"a".repeat(128)).is_ok());
    }

    #[test]
    fn rejects_insane_client_ids() {
        for s in ["", "has space", "new\nline", "<script>", "é"] {
            assert_eq!(RequestId::parse(s), Err(RequestIdError), "input {s:?}");
        }
        assert!(RequestId::parse(&"a".repeat(129)).is_err());
    }

    #[test]
    fn generated_ids_are_sane_and_unique() {
        let a = RequestId::generate();
        let b = RequestId::generate();
        assert_ne!(a, b);
        assert!(RequestId::parse(a.as_str()).is_ok());
    }
}
