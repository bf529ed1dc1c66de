//! [`Upn`]: a user principal name as an administrator types it.

/// A syntactically valid Entra ID user principal name: `local@domain`, at most 113
/// characters (Entra's limit), one `@`, a local part of letters, digits and
/// `' . - _ ! # ^ ~ $ +` (guest UPNs carry `#EXT#`), a DNS domain. Compared case-insensitively
/// by Entra; kept as typed (trimmed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upn(String);

/// Why a UPN is malformed (the message names the rule).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UpnError(&'static str);

impl Upn {
    /// Maximum length Entra ID allows.
    pub const MAX_LEN: usize = 113;

    pub fn parse(input: &str) -> Result<Self, UpnError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(UpnError("must not be empty"));
        }
        if s.chars().count() > Self::MAX_LEN {
            return Err(UpnError("must be at most 113 characters"));
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err(UpnError(
                "must look like name@domain (a user principal name)",
            ));
        };
        if domain.contains('@') {
            return Err(UpnError("must contain exactly one @"));
        }
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "'.-_!#^~$+".contains(c));
        if !local_ok {
            return Err(UpnError(
                "the part before @ may hold letters, digits and ' . - _ ! # ^ ~ $ + only",
            ));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !domain_ok {
            return Err(UpnError(
                "the part after @ must be a domain such as contoso.com",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_upns_including_guests_parse() {
        for ok in [
            "avery.admin@contosohealth.onmicrosoft.com",
            " Jo.O'Neil@Contoso.com ",
            "jo_fabrikam.com#EXT#@contoso.onmicrosoft.com",
        ] {
            assert!(Upn::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(Upn::parse(" a@b.co ").expect("ok").as_str(), "a@b.co");
    }

    #[test]
    fn malformed_upns_are_refused() {
        let long = format!("{}@contoso.com", "a".repeat(110));
        for bad in [
            "",
            "avery",
            "a@b@c.com",
            "a b@contoso.com",
            "@contoso.com",
            "a@contoso",
            "a@-contoso.com",
            ".a@contoso.com",
            "a@contoso..com",
            long.as_str(),
        ] {
            assert!(Upn::parse(bad).is_err(), "{bad}");
        }
    }
}
