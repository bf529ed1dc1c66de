//! [`ConsentState`]: the one-time `state` of an admin-consent request.
//!
//! Value: `<tenant id, 32 hex>.<43 base64url characters>`. The tenant part lets the callback
//! set the tenant's row-level-security context; `consent_states` keeps only SHA-256 of the
//! value, bound to the session that asked for it.

use pa_domain::TenantId;
use uuid::Uuid;

use super::secret::{self, TokenHash};

/// An admin-consent `state` (issued or presented). `Debug` is redacted.
pub struct ConsentState {
    tenant: TenantId,
    value: String,
}

impl ConsentState {
    /// A fresh state for `tenant`.
    pub fn issue(tenant: TenantId) -> Result<Self, getrandom::Error> {
        let value = format!("{}.{}", tenant.as_uuid().simple(), secret::random()?);
        Ok(Self { tenant, value })
    }

    /// A presented state; `None` unless it has the exact shape.
    pub fn parse(value: &str) -> Option<Self> {
        let (tenant, secret) = value.split_once('.')?;
        if tenant.len() != 32 || !secret::is_secret(secret) {
            return None;
        }
        let tenant = Uuid::try_parse(tenant).ok()?;
        Some(Self {
            tenant: TenantId::from_uuid(tenant),
            value: value.to_owned(),
        })
    }

    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// What `consent_states.state_hash` holds.
    pub fn hash(&self) -> TokenHash {
        TokenHash::of(&self.value)
    }

    /// The value, for the admin-consent URL only (and pa-entra's constant-time check).
    pub fn expose(&self) -> &str {
        &self.value
    }
}

impl std::fmt::Debug for ConsentState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsentState")
            .field("tenant", &self.tenant)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issued_state_parses_back_and_garbage_does_not() {
        let tenant = TenantId::new();
        let s = ConsentState::issue(tenant).expect("rng");
        let p = ConsentState::parse(s.expose()).expect("parses");
        assert_eq!(p.tenant(), tenant);
        assert!(p.hash().ct_eq(&s.hash()));
        for bad in [
            "",
            "abc",
            "st-123",
            &s.expose()[2..],
            &format!("{}x", s.expose()),
        ] {
            assert!(ConsentState::parse(bad).is_none(), "{bad}");
        }
    }
}
