//! Admin consent (reference §1): building the v2 `/adminconsent` URL and parsing its callback.
//!
//! The callback's `tenant` parameter is attacker-controllable and is **never** trusted: it is only
//! compared with the tenant the administrator entered, and consent is confirmed by acquiring an app
//! token for the entered tenant ([`crate::EntraClient::verify_consent`]).

use std::fmt;

use subtle::ConstantTimeEq;
use url::Url;

use crate::error::{EntraError, ErrorKind, parse_aadsts};
use crate::tenant::EntraTenantId;

/// Builds `{login}/{tenant}/v2.0/adminconsent?client_id&scope&redirect_uri&state`.
pub(crate) fn admin_consent_url(
    login_base: &Url,
    tenant: &EntraTenantId,
    client_id: &str,
    scope: &str,
    redirect_uri: &Url,
    state: &str,
) -> Result<Url, EntraError> {
    let base = format!(
        "{}/{tenant}/v2.0/adminconsent",
        login_base.as_str().trim_end_matches('/')
    );
    let mut url = Url::parse(&base).map_err(|e| {
        EntraError::Configuration(format!("login_base_url yields an invalid URL: {e}"))
    })?;
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("scope", scope)
        .append_pair("redirect_uri", redirect_uri.as_str())
        .append_pair("state", state);
    Ok(url)
}

/// The parsed query of the admin-consent redirect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConsentCallback {
    /// `admin_consent=True&tenant=…&scope=…&state=…`.
    Granted {
        /// The tenant the redirect claims consented. **Untrusted**: compare, never authorise with it.
        claimed_tenant: String,
        /// Echoed scope.
        scope: Option<String>,
        /// Echoed state.
        state: Option<String>,
    },
    /// `error=…&error_description=AADSTSnnnn: …&state=…`.
    Denied(ConsentDenial),
}

/// An error redirect from `/adminconsent`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentDenial {
    /// The leading `AADSTSnnnn` of the description (65004 when declined).
    pub aadsts: Option<u32>,
    /// OAuth `error` (`consent_required`, `access_denied`, …).
    pub error: String,
    /// `error_description`'s first line (the rest is trace/correlation ids and a timestamp).
    pub description: Option<String>,
    /// Echoed state.
    pub state: Option<String>,
    /// `Trace ID` from the description.
    pub trace_id: Option<String>,
    /// `Correlation ID` from the description.
    pub correlation_id: Option<String>,
}

impl ConsentDenial {
    /// The typed meaning (65004 → [`ErrorKind::ConsentDeclined`]; an error without a code is treated
    /// as declined too, as for the v1 `permission_denied` answer).
    pub fn kind(&self) -> ErrorKind {
        self.aadsts
            .and_then(ErrorKind::from_aadsts)
            .unwrap_or(ErrorKind::ConsentDeclined)
    }
}

impl fmt::Display for ConsentDenial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(code) = self.aadsts {
            write!(f, "AADSTS{code} ")?;
        }
        f.write_str(&self.error)?;
        if let Some(d) = &self.description {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

impl ConsentCallback {
    /// Parses the raw query string of the redirect (without the leading `?`; a leading `?` is ignored).
    pub fn parse(query: &str) -> Result<Self, EntraError> {
        let query = query.strip_prefix('?').unwrap_or(query);
        let mut admin_consent = None;
        let mut tenant = None;
        let mut scope = None;
        let mut state = None;
        let mut error = None;
        let mut description = None;
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match key.as_ref() {
                "admin_consent" => &mut admin_consent,
                "tenant" => &mut tenant,
                "scope" => &mut scope,
                "state" => &mut state,
                "error" => &mut error,
                "error_description" => &mut description,
                _ => continue,
            };
            if slot.is_some() {
                return Err(EntraError::InvalidConsentCallback(format!(
                    "parameter `{key}` repeated"
                )));
            }
            *slot = Some(value.into_owned());
        }
        if let Some(error) = error {
            let full = description.unwrap_or_default();
            return Ok(ConsentCallback::Denied(ConsentDenial {
                aadsts: parse_aadsts(&full),
                error,
                description: full
                    .lines()
                    .next()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned),
                state,
                trace_id: description_field(&full, "Trace ID:"),
                correlation_id: description_field(&full, "Correlation ID:"),
            }));
        }
        if !admin_consent
            .as_deref()
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        {
            return Err(EntraError::InvalidConsentCallback(
                "admin_consent=True is missing".into(),
            ));
        }
        let claimed_tenant = tenant
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| EntraError::InvalidConsentCallback("tenant is missing".into()))?;
        Ok(ConsentCallback::Granted {
            claimed_tenant,
            scope,
            state,
        })
    }

    /// The echoed `state`.
    pub fn state(&self) -> Option<&str> {
        match self {
            ConsentCallback::Granted { state, .. } => state.as_deref(),
            ConsentCallback::Denied(d) => d.state.as_deref(),
        }
    }

    /// Checks state (constant time) and that the claimed tenant is the one entered; a denial becomes
    /// [`EntraError::ConsentDenied`]. Success here is *not* proof of consent: follow with
    /// [`crate::EntraClient::verify_consent`].
    pub fn check(
        &self,
        expected_tenant: &EntraTenantId,
        expected_state: &str,
    ) -> Result<(), EntraError> {
        let state_ok = self
            .state()
            .is_some_and(|s| bool::from(s.as_bytes().ct_eq(expected_state.as_bytes())));
        if !state_ok {
            return Err(EntraError::ConsentStateMismatch);
        }
        match self {
            ConsentCallback::Denied(d) => Err(EntraError::ConsentDenied(Box::new(d.clone()))),
            ConsentCallback::Granted { claimed_tenant, .. } => {
                match EntraTenantId::parse(claimed_tenant) {
                    Ok(id) if id == *expected_tenant => Ok(()),
                    _ => Err(EntraError::TenantMismatch {
                        expected: *expected_tenant,
                        actual: claimed_tenant.clone(),
                    }),
                }
            }
        }
    }
}

fn description_field(description: &str, label: &str) -> Option<String> {
    description
        .lines()
        .find_map(|line| line.trim().strip_prefix(label))
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

    #[test]
    fn consent_url_has_the_v2_shape() {
        let tenant = EntraTenantId::parse(T).unwrap();
        let url = admin_consent_url(
            &Url::parse("https://login.microsoftonline.com").unwrap(),
            &tenant,
            "app-id",
            "https://graph.microsoft.com/.default",
            &Url::parse("https://pa.example/consent/callback").unwrap(),
            "s t",
        )
        .unwrap();
        assert_eq!(
            url.as_str(),
            format!(
                "https://login.microsoftonline.com/{T}/v2.0/adminconsent?client_id=app-id\
                 &scope=https%3A%2F%2Fgraph.microsoft.com%2F.default\
                 &redirect_uri=https%3A%2F%2Fpa.example%2Fconsent%2Fcallback&state=s+t"
            )
        );
    }

    #[test]
    fn granted_callback_is_parsed_and_checked() {
        let cb = ConsentCallback::parse(&format!(
            "admin_consent=True&tenant={T}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&state=abc"
        ))
        .unwrap();
        let tenant = EntraTenantId::parse(T).unwrap();
        assert!(
            matches!(&cb, ConsentCallback::Granted { claimed_tenant, .. } if claimed_tenant == T)
        );
        cb.check(&tenant, "abc").unwrap();
        assert_eq!(
            cb.check(&tenant, "abd").unwrap_err().kind(),
            ErrorKind::ConsentStateMismatch
        );
        let other = EntraTenantId::parse("11111111-2222-3333-4444-555555555555").unwrap();
        assert_eq!(
            cb.check(&other, "abc").unwrap_err().kind(),
            ErrorKind::TenantMismatch
        );
    }

    #[test]
    fn declined_callback_carries_the_aadsts_code_and_ids() {
        let cb = ConsentCallback::parse(
            "admin_consent=True&error=consent_required&error_description=AADSTS65004%3a+The+resource+owner+or+authorization+server+denied+the+request.%0d%0aTrace+ID%3a+t-1%0d%0aCorrelation+ID%3a+c-1%0d%0aTimestamp%3a+2019-09-24+18%3a34%3a26Z&state=12345",
        )
        .unwrap();
        let ConsentCallback::Denied(d) = &cb else {
            panic!("expected a denial: {cb:?}")
        };
        assert_eq!(d.aadsts, Some(65004));
        assert_eq!(d.error, "consent_required");
        assert_eq!(d.trace_id.as_deref(), Some("t-1"));
        assert_eq!(d.correlation_id.as_deref(), Some("c-1"));
        let err = cb
            .check(&EntraTenantId::parse(T).unwrap(), "12345")
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConsentDeclined);
        assert_eq!(err.aadsts(), Some(65004));
    }

    #[test]
    fn malformed_callbacks_are_rejected() {
        assert!(ConsentCallback::parse("state=1").is_err());
        assert!(ConsentCallback::parse("admin_consent=True&state=1").is_err());
        assert!(
            ConsentCallback::parse(&format!("admin_consent=True&tenant={T}&tenant={T}")).is_err()
        );
    }
}
