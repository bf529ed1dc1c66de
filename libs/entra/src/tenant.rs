//! Tenant identifiers: what an administrator may type ([`TenantRef`]), validated locally before any
//! request, and the canonical tenant GUID ([`EntraTenantId`]) that everything is keyed by.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ErrorKind;

/// The personal Microsoft account (MSA) tenant: never onboardable.
pub const MSA_TENANT_ID: Uuid = Uuid::from_u128(0x9188040d_6c67_4c5b_b112_36a304b66dad);

/// Why a tenant identifier was rejected before any network call.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TenantParseError {
    /// Nothing was entered.
    #[error("the tenant identifier is empty")]
    Empty,
    /// `{guid}` or `urn:uuid:guid`: only the plain hyphenated form is accepted.
    #[error("enter the tenant ID as a plain GUID, without braces or a urn: prefix")]
    DecoratedGuid,
    /// Looks like a GUID but is not a valid one.
    #[error("`{0}` is not a valid tenant ID (expected 8-4-4-4-12 hexadecimal digits)")]
    MalformedGuid(String),
    /// The nil GUID.
    #[error("the all-zero GUID is not a tenant ID")]
    NilGuid,
    /// `common`, `organizations` or `consumers`.
    #[error("`{0}` is a multi-tenant alias, not a tenant")]
    Alias(String),
    /// The personal Microsoft account tenant.
    #[error("the personal Microsoft account tenant cannot be onboarded")]
    ConsumerTenant,
    /// Not a syntactically valid DNS domain.
    #[error("`{input}` is not a valid domain name: {reason}")]
    InvalidDomain {
        /// What was entered (trimmed).
        input: String,
        /// Which rule it broke.
        reason: &'static str,
    },
}

impl TenantParseError {
    /// [`ErrorKind::NotATenant`] for aliases / MSA, else [`ErrorKind::InvalidTenantInput`].
    pub fn kind(&self) -> ErrorKind {
        match self {
            TenantParseError::Alias(_) | TenantParseError::ConsumerTenant => ErrorKind::NotATenant,
            _ => ErrorKind::InvalidTenantInput,
        }
    }
}

/// A Microsoft Entra tenant id: a GUID, stored lowercase-hyphenated, never the MSA tenant.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EntraTenantId(Uuid);

impl EntraTenantId {
    /// Parses the strict hyphenated form (any case). Braces, `urn:uuid:`, the nil GUID and the MSA
    /// tenant are rejected.
    pub fn parse(input: &str) -> Result<Self, TenantParseError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(TenantParseError::Empty);
        }
        if s.starts_with('{') || s.to_ascii_lowercase().starts_with("urn:") {
            return Err(TenantParseError::DecoratedGuid);
        }
        if !is_hyphenated_guid(s) {
            return Err(TenantParseError::MalformedGuid(s.to_owned()));
        }
        let uuid = Uuid::parse_str(s).map_err(|_| TenantParseError::MalformedGuid(s.to_owned()))?;
        Self::from_uuid(uuid)
    }

    /// Wraps a UUID (rejecting nil and MSA).
    pub fn from_uuid(uuid: Uuid) -> Result<Self, TenantParseError> {
        if uuid.is_nil() {
            Err(TenantParseError::NilGuid)
        } else if uuid == MSA_TENANT_ID {
            Err(TenantParseError::ConsumerTenant)
        } else {
            Ok(Self(uuid))
        }
    }

    /// The GUID.
    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl fmt::Display for EntraTenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl fmt::Debug for EntraTenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EntraTenantId({})", self.0.hyphenated())
    }
}

impl FromStr for EntraTenantId {
    type Err = TenantParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for EntraTenantId {
    type Error = TenantParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<EntraTenantId> for String {
    fn from(id: EntraTenantId) -> Self {
        id.to_string()
    }
}

/// A syntactically valid DNS domain (lowercase ASCII; IDNs converted to punycode), ≤ 253 characters.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct TenantDomain(String);

impl TenantDomain {
    /// Validates DNS syntax: ≥ 2 labels of 1–63 `[a-z0-9-]` not starting or ending with `-`, a
    /// non-numeric top-level label, ≤ 253 characters in total. A trailing dot is dropped.
    pub fn parse(input: &str) -> Result<Self, TenantParseError> {
        let trimmed = input.trim();
        let invalid = |reason| TenantParseError::InvalidDomain {
            input: trimmed.to_owned(),
            reason,
        };
        if trimmed.is_empty() {
            return Err(TenantParseError::Empty);
        }
        if trimmed.contains('@') {
            return Err(invalid("enter the domain only, not an email address"));
        }
        let ascii = if trimmed.is_ascii() {
            trimmed.to_ascii_lowercase()
        } else {
            match url::Host::parse(trimmed) {
                Ok(url::Host::Domain(d)) => d,
                _ => return Err(invalid("not a valid internationalised domain name")),
            }
        };
        let name = ascii.strip_suffix('.').unwrap_or(&ascii);
        if name.len() > 253 {
            return Err(invalid("longer than 253 characters"));
        }
        let labels: Vec<&str> = name.split('.').collect();
        if labels.len() < 2 {
            return Err(invalid(
                "a domain needs at least two labels, e.g. contoso.com",
            ));
        }
        for label in &labels {
            if label.is_empty() || label.len() > 63 {
                return Err(invalid("each label must be 1 to 63 characters"));
            }
            if !label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                return Err(invalid(
                    "only letters, digits, hyphens and dots are allowed",
                ));
            }
            if label.starts_with('-') || label.ends_with('-') {
                return Err(invalid("a label cannot start or end with a hyphen"));
            }
        }
        if labels
            .last()
            .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(invalid("an IP address is not a domain"));
        }
        Ok(Self(name.to_owned()))
    }

    /// The normalised domain.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What an administrator entered to name their tenant: its GUID or one of its verified domains.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum TenantRef {
    /// A tenant GUID.
    Id(EntraTenantId),
    /// A domain (verified-ness is established by discovery).
    Domain(TenantDomain),
}

impl TenantRef {
    /// Validates locally: a GUID-shaped input must be a valid GUID, aliases (`common`,
    /// `organizations`, `consumers`) and the MSA tenant are refused, anything else must be a DNS domain.
    pub fn parse(input: &str) -> Result<Self, TenantParseError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(TenantParseError::Empty);
        }
        let lower = s.to_ascii_lowercase();
        if matches!(lower.as_str(), "common" | "organizations" | "consumers") {
            return Err(TenantParseError::Alias(lower));
        }
        if s.starts_with('{') || lower.starts_with("urn:") {
            return Err(TenantParseError::DecoratedGuid);
        }
        if looks_like_guid_attempt(s) {
            return EntraTenantId::parse(s).map(TenantRef::Id);
        }
        TenantDomain::parse(s).map(TenantRef::Domain)
    }

    /// The path segment used in STS URLs.
    pub fn as_path_segment(&self) -> String {
        match self {
            TenantRef::Id(id) => id.to_string(),
            TenantRef::Domain(d) => d.as_str().to_owned(),
        }
    }
}

impl fmt::Display for TenantRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TenantRef::Id(id) => fmt::Display::fmt(id, f),
            TenantRef::Domain(d) => fmt::Display::fmt(d, f),
        }
    }
}

impl FromStr for TenantRef {
    type Err = TenantParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl From<EntraTenantId> for TenantRef {
    fn from(id: EntraTenantId) -> Self {
        TenantRef::Id(id)
    }
}

fn is_hyphenated_guid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Hex digits and hyphens only, with at least one hyphen or 32 hex digits: the user meant a GUID.
fn looks_like_guid_attempt(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
        && (s.contains('-') || s.len() == 32)
        && !s.contains('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_is_normalised_to_lowercase() {
        let id = EntraTenantId::parse(" 72F988BF-86F1-41AF-91AB-2D7CD011DB47 ").unwrap();
        assert_eq!(id.to_string(), "72f988bf-86f1-41af-91ab-2d7cd011db47");
    }

    #[test]
    fn braces_urn_simple_and_short_guids_are_rejected() {
        for bad in [
            "{72f988bf-86f1-41af-91ab-2d7cd011db47}",
            "urn:uuid:72f988bf-86f1-41af-91ab-2d7cd011db47",
            "72f988bf86f141af91ab2d7cd011db47",
            "72f988bf-86f1-41af-91ab-2d7cd011db4",
            "72f988bg-86f1-41af-91ab-2d7cd011db47",
        ] {
            let err = TenantRef::parse(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidTenantInput, "{bad}: {err:?}");
        }
    }

    #[test]
    fn msa_tenant_and_aliases_are_not_tenants() {
        for bad in [
            "9188040d-6c67-4c5b-b112-36a304b66dad",
            "common",
            "Organizations",
            "consumers",
        ] {
            assert_eq!(
                TenantRef::parse(bad).unwrap_err().kind(),
                ErrorKind::NotATenant,
                "{bad}"
            );
        }
    }

    #[test]
    fn domains_are_validated_and_lowercased() {
        let d = TenantRef::parse("Contoso.OnMicrosoft.com.").unwrap();
        assert_eq!(
            d,
            TenantRef::Domain(TenantDomain("contoso.onmicrosoft.com".into()))
        );
        assert!(
            matches!(TenantRef::parse("bücher.example").unwrap(), TenantRef::Domain(d) if d.as_str() == "xn--bcher-kva.example")
        );
        let long_label = format!("{}.com", "a".repeat(64));
        let too_long = format!("{}.com", ["abcdefghij"; 25].join("."));
        for bad in [
            "contoso",
            "admin@contoso.com",
            "contoso..com",
            "-contoso.com",
            "contoso-.com",
            "con toso.com",
            "contoso.com/oauth2/token",
            "10.0.0.1",
            "{{tenantid}}",
            "undefined",
            long_label.as_str(),
            too_long.as_str(),
        ] {
            assert_eq!(
                TenantRef::parse(bad).unwrap_err().kind(),
                ErrorKind::InvalidTenantInput,
                "{bad}"
            );
        }
    }

    #[test]
    fn tenant_id_serialises_as_a_lowercase_string() {
        let id: EntraTenantId =
            serde_json::from_str("\"72F988BF-86F1-41AF-91AB-2D7CD011DB47\"").unwrap();
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"72f988bf-86f1-41af-91ab-2d7cd011db47\""
        );
        assert!(serde_json::from_str::<EntraTenantId>("\"common\"").is_err());
    }
}
