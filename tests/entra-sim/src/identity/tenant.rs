//! The `{tenant}` path segment: GUID, verified domain, or one of the multi-tenant aliases.

use std::sync::Arc;

use crate::state::SimState;
use crate::store::TenantCell;
use crate::util::parse_guid;

/// The Microsoft-account (consumer) tenant.
pub const MSA_TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

pub enum TenantSeg {
    Specific(Arc<TenantCell>),
    Organizations,
    Common,
    Consumers,
}

pub enum SegError {
    /// AADSTS90002
    NotFound(String),
    /// AADSTS900023
    Malformed(String),
}

impl SegError {
    pub fn code(&self) -> u32 {
        match self {
            SegError::NotFound(_) => 90002,
            SegError::Malformed(_) => 900023,
        }
    }

    pub fn message(&self) -> String {
        match self {
            SegError::NotFound(t) => format!(
                "Tenant '{t}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
            ),
            SegError::Malformed(t) => {
                format!(
                    "Specified tenant identifier '{t}' is neither a valid DNS name, nor a valid external domain."
                )
            }
        }
    }
}

pub fn classify(st: &SimState, seg: &str) -> Result<TenantSeg, SegError> {
    match seg.to_ascii_lowercase().as_str() {
        "organizations" => return Ok(TenantSeg::Organizations),
        "common" => return Ok(TenantSeg::Common),
        "consumers" => return Ok(TenantSeg::Consumers),
        _ => {}
    }
    if parse_guid(seg).is_none() && !is_dns_name(seg) {
        return Err(SegError::Malformed(seg.to_string()));
    }
    st.store
        .resolve(seg)
        .map(TenantSeg::Specific)
        .ok_or_else(|| SegError::NotFound(seg.to_string()))
}

/// DNS syntax with at least two labels (Entra tenant domains always have a dot).
pub fn is_dns_name(s: &str) -> bool {
    if s.is_empty() || s.len() > 253 || !s.contains('.') {
        return false;
    }
    s.split('.').all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    })
}

#[cfg(test)]
mod tests {
    use super::is_dns_name;

    #[test]
    fn dns_names_need_a_dot_and_clean_labels() {
        assert!(is_dns_name("contoso.onmicrosoft.com"));
        assert!(!is_dns_name("contoso"));
        assert!(!is_dns_name("{{tenantid}}"));
        assert!(!is_dns_name("-a.com"));
    }
}
