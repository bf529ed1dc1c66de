//! [`SignInCallback`]: the authorization response (`?code&state` or `?error&error_description`).

use crate::error::parse_aadsts;

/// What Microsoft sent back to the redirect URI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignInCallback {
    /// `code` + `state`: redeem the code after checking the state.
    Code {
        /// The authorization code (single use, ~10 minutes). Do not log it.
        code: String,
        /// Echoed state.
        state: String,
    },
    /// `error` + `error_description` (+ `state`).
    Error(SignInError),
}

/// A sign-in refused by Entra ID, e.g. `access_denied` with AADSTS53003 (Conditional Access),
/// `interaction_required` with AADSTS50076 (MFA), `access_denied` with AADSTS50105 (not assigned).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignInError {
    /// OAuth `error`.
    pub error: String,
    /// The leading `AADSTSnnnn` of the description, when there is one.
    pub aadsts: Option<u32>,
    /// Microsoft's text (diagnostics only; never branch on it).
    pub description: Option<String>,
    /// Echoed state, when present.
    pub state: Option<String>,
}

impl SignInCallback {
    /// Parses the callback's query pairs; `None` when it is neither a code nor an error response
    /// (the caller answers 400 naming the missing parameter).
    pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<Self> {
        let (mut code, mut state, mut error, mut description) = (None, None, None, None);
        for (k, v) in pairs {
            let slot = match k {
                "code" => &mut code,
                "state" => &mut state,
                "error" => &mut error,
                "error_description" => &mut description,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(v.to_owned());
            }
        }
        if let Some(error) = error.filter(|e| !e.is_empty()) {
            let aadsts = description.as_deref().and_then(parse_aadsts);
            return Some(Self::Error(SignInError {
                error,
                aadsts,
                description,
                state,
            }));
        }
        match (code, state) {
            (Some(code), Some(state)) if !code.is_empty() && !state.is_empty() => {
                Some(Self::Code { code, state })
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_errors_and_garbage() {
        assert_eq!(
            SignInCallback::parse([("code", "c"), ("state", "s"), ("session_state", "x")]),
            Some(SignInCallback::Code {
                code: "c".into(),
                state: "s".into()
            })
        );
        let Some(SignInCallback::Error(e)) = SignInCallback::parse([
            ("error", "interaction_required"),
            (
                "error_description",
                "AADSTS50076: Due to a configuration change…\r\nTrace ID: x",
            ),
            ("state", "s"),
        ]) else {
            panic!("an error response")
        };
        assert_eq!((e.aadsts, e.state.as_deref()), (Some(50076), Some("s")));
        assert_eq!(SignInCallback::parse([("code", "c")]), None);
        assert_eq!(SignInCallback::parse([]), None);
    }
}
