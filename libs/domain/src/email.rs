//! [`EmailAddress`]: a syntactically plausible e-mail address.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Longest address accepted (RFC 5321 path limit minus the angle brackets).
const MAX_LEN: usize = 254;

/// An e-mail address that passed [`EmailAddress::parse`].
///
/// Rules: surrounding whitespace trimmed; at most 254 characters; exactly one `@`; a
/// non-empty local part; a domain containing a dot (not at either end); no whitespace,
/// control or bidirectional formatting characters. The address is kept as given (after
/// trimming), but equality and hashing ignore ASCII case, so
/// `Ann@Example.org == ann@example.org`.
///
/// Serialises as a string; deserialising runs `parse`. Stored in PostgreSQL as `text`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

/// Why a string is not an acceptable e-mail address.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EmailError {
    /// Empty after trimming.
    #[error("email address is empty")]
    Empty,
    /// Longer than 254 characters.
    #[error("email address is longer than 254 characters")]
    TooLong,
    /// Contains whitespace or a control character.
    #[error("email address contains whitespace, control or bidirectional formatting characters")]
    InvalidCharacter,
    /// Zero or more than one `@`.
    #[error("email address must contain exactly one '@'")]
    AtSign,
    /// Nothing before the `@`.
    #[error("email address has an empty local part")]
    EmptyLocalPart,
    /// Domain missing, without a dot, or with a dot at either end.
    #[error("email address domain must contain a dot")]
    InvalidDomain,
}

impl EmailAddress {
    /// Checks the rules listed on the type and keeps the trimmed input.
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        if s.chars().count() > MAX_LEN {
            return Err(EmailError::TooLong);
        }
        // An address goes into a mail header: no bidirectional formatting either.
        if s.chars()
            .any(|c| c.is_whitespace() || c.is_control() || crate::text::is_bidi_control(c))
        {
            return Err(EmailError::InvalidCharacter);
        }
        let mut parts = s.split('@');
        let (local, domain) = match (parts.next(), parts.next(), parts.next()) {
            (Some(local), Some(domain), None) => (local, domain),
            _ => return Err(EmailError::AtSign),
        };
        if local.is_empty() {
            return Err(EmailError::EmptyLocalPart);
        }
        if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
            return Err(EmailError::InvalidDomain);
        }
        Ok(Self(s.to_owned()))
    }

    /// The address as given (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address in lowercase, the form used for comparisons and lookups.
    pub fn normalized(&self) -> String {
        self.0.to_ascii_lowercase()
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        self.0.rsplit('@').next().unwrap_or_default()
    }
}

impl PartialEq for EmailAddress {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl Eq for EmailAddress {}

impl Hash for EmailAddress {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for b in self.0.bytes() {
            state.write_u8(b.to_ascii_lowercase());
        }
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for EmailAddress {
    type Err = EmailError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = EmailError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<EmailAddress> for String {
    fn from(e: EmailAddress) -> Self {
        e.0
    }
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl utoipa::PartialSchema for EmailAddress {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Email,
            )))
            .max_length(Some(MAX_LEN))
            .into()
    }
}

impl utoipa::ToSchema for EmailAddress {}

impl sqlx::Type<sqlx::Postgres> for EmailAddress {
    fn type_info() -> sqlx::postgres::PgTypeInfo {
        <String as sqlx::Type<sqlx::Postgres>>::type_info()
    }
    fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
        <String as sqlx::Type<sqlx::Postgres>>::compatible(ty)
    }
}

impl sqlx::Encode<'_, sqlx::Postgres> for EmailAddress {
    fn encode_by_ref(
        &self,
        buf: &mut sqlx::postgres::PgArgumentBuffer,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        <&str as sqlx::Encode<sqlx::Postgres>>::encode(self.0.as_str(), buf)
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Postgres> for EmailAddress {
    fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        let s = <&str as sqlx::Decode<sqlx::Postgres>>::decode(value)?;
        Ok(Self::parse(s)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses_and_trims() {
        let e = EmailAddress::parse("  Ann.Lee+tag@Example.org ").expect("valid");
        assert_eq!(e.as_str(), "Ann.Lee+tag@Example.org");
        assert_eq!(e.domain(), "Example.org");
        assert_eq!(e.normalized(), "ann.lee+tag@example.org");
    }

    #[test]
    fn compares_case_insensitively_but_keeps_the_original() {
        let a = EmailAddress::parse("Ann@Example.org").expect("valid");
        let b = EmailAddress::parse("ann@example.ORG").expect("valid");
        assert_eq!(a, b);
        let mut set = std::collections::HashSet::new();
        set.insert(a.clone());
        assert!(set.contains(&b));
        assert_eq!(a.to_string(), "Ann@Example.org");
    }

    #[test]
    fn rejects_each_broken_rule() {
        let cases = [
            ("", EmailError::Empty),
            ("   ", EmailError::Empty),
            ("no-at-sign.example.org", EmailError::AtSign),
            ("a@b@example.org", EmailError::AtSign),
            ("@example.org", EmailError::EmptyLocalPart),
            ("ann@localhost", EmailError::InvalidDomain),
            ("ann@", EmailError::InvalidDomain),
            ("ann@.example", EmailError::InvalidDomain),
            ("ann@example.", EmailError::InvalidDomain),
            ("ann lee@example.org", EmailError::InvalidCharacter),
            ("ann\u{7}@example.org", EmailError::InvalidCharacter),
            (
                "ann\u{202E}gro.elpmaxe@example.org",
                EmailError::InvalidCharacter,
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(EmailAddress::parse(input), Err(expected), "input {input:?}");
        }
    }

    #[test]
    fn length_limit_is_254_characters() {
        let ok = format!("{}@example.org", "a".repeat(254 - 12));
        assert_eq!(ok.len(), 254);
        assert!(EmailAddress::parse(&ok).is_ok());
        let long = format!("a{ok}");
        assert_eq!(EmailAddress::parse(&long), Err(EmailError::TooLong));
    }

    #[test]
    fn serde_parses_on_the_way_in() {
        let e: EmailAddress = serde_json::from_str("\"ann@example.org\"").expect("valid");
        assert_eq!(
            serde_json::to_string(&e).expect("ser"),
            "\"ann@example.org\""
        );
        assert!(serde_json::from_str::<EmailAddress>("\"ann\"").is_err());
    }
}
