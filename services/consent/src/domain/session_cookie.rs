//! [`SessionCookie`]: the wizard session's bearer secret, and the [`CsrfToken`] derived
//! from it.
//!
//! Value: `<tenant id, 32 hex>.<session id, 32 hex>.<43 base64url characters>` (256 random
//! bits). The ids let the service set the tenant's row-level-security context before looking
//! the session up; the database stores only SHA-256 of the whole value.
//!
//! The CSRF token is `base64url(SHA-256("pa-wizard-csrf:v1:" ‖ cookie value))`: the front-end
//! reads it from the JSON of start / state and sends it back in `X-CSRF-Token`. A page on
//! another origin can make the browser send the cookie but can neither read the token nor
//! derive it, and knowing the token reveals nothing of the cookie.

use pa_domain::TenantId;
use subtle::ConstantTimeEq;
use uuid::Uuid;

use super::secret::{self, TokenHash};

/// The cookie's name.
pub const COOKIE_NAME: &str = "pa_wizard";
const CSRF_CONTEXT: &[u8] = b"pa-wizard-csrf:v1:";

/// A wizard session cookie value (issued or presented). `Debug` is redacted.
pub struct SessionCookie {
    tenant: TenantId,
    session: Uuid,
    value: String,
}

impl SessionCookie {
    /// A fresh cookie for a new session of `tenant`.
    pub fn issue(tenant: TenantId) -> Result<Self, getrandom::Error> {
        let session = Uuid::now_v7();
        let value = format!(
            "{}.{}.{}",
            tenant.as_uuid().simple(),
            session.simple(),
            secret::random()?
        );
        Ok(Self {
            tenant,
            session,
            value,
        })
    }

    /// A presented value; `None` unless it has the exact shape.
    pub fn parse(value: &str) -> Option<Self> {
        let mut parts = value.split('.');
        let (tenant, session, secret) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || tenant.len() != 32 || session.len() != 32 {
            return None;
        }
        let tenant = Uuid::try_parse(tenant).ok()?;
        let session = Uuid::try_parse(session).ok()?;
        secret::is_secret(secret).then(|| Self {
            tenant: TenantId::from_uuid(tenant),
            session,
            value: value.to_owned(),
        })
    }

    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    pub fn session_id(&self) -> Uuid {
        self.session
    }

    /// What `consent_sessions.token_hash` holds.
    pub fn hash(&self) -> TokenHash {
        TokenHash::of(&self.value)
    }

    /// The CSRF token of this session.
    pub fn csrf(&self) -> CsrfToken {
        CsrfToken(secret::derive(CSRF_CONTEXT, &self.value))
    }

    /// The secret value, for the `Set-Cookie` header only.
    pub fn expose(&self) -> &str {
        &self.value
    }
}

impl std::fmt::Debug for SessionCookie {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCookie")
            .field("tenant", &self.tenant)
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

/// A session's CSRF token (43 base64url characters).
#[derive(Clone)]
pub struct CsrfToken(String);

impl CsrfToken {
    /// Constant-time comparison with a presented header value.
    pub fn matches(&self, presented: &str) -> bool {
        self.0.as_bytes().ct_eq(presented.as_bytes()).into()
    }

    /// For the JSON response of start / state.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for CsrfToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfToken([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issued_cookie_parses_back_and_derives_its_csrf_token() {
        let tenant = TenantId::new();
        let issued = SessionCookie::issue(tenant).expect("rng");
        let parsed = SessionCookie::parse(issued.expose()).expect("parses");
        assert_eq!(parsed.tenant(), tenant);
        assert_eq!(parsed.session_id(), issued.session_id());
        assert!(parsed.hash().ct_eq(&issued.hash()));
        assert!(parsed.csrf().matches(issued.csrf().expose()));
        let other = SessionCookie::issue(tenant).expect("rng");
        assert!(!other.csrf().matches(issued.csrf().expose()));
        assert_ne!(issued.csrf().expose(), issued.expose());
        assert!(!format!("{issued:?}").contains(issued.expose()));
    }

    #[test]
    fn malformed_values_are_refused() {
        let v = SessionCookie::issue(TenantId::new()).expect("rng");
        let value = v.expose();
        for bad in [
            "",
            "a.b.c",
            &value[1..],
            &format!("{value}.x"),
            &value.replace('.', ":"),
        ] {
            assert!(SessionCookie::parse(bad).is_none(), "{bad}");
        }
    }
}
