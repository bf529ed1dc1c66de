//! Sign-in of people with Entra ID (reference §3): the OpenID Connect authorization-code flow with
//! PKCE (S256), `state` and `nonce`, for a confidential web client such as the admin console.
//!
//! * [`Pkce`]: a verifier and its S256 challenge ([`Pkce::generate`], or [`Pkce::from_verifier`] when
//!   the caller derives the verifier itself).
//! * [`EntraClient::signin_url`]: the tenant-specific `/{tid}/oauth2/v2.0/authorize` URL.
//! * [`SignInCallback::parse`]: the redirect back (`code` + `state`, or `error` with its AADSTS code).
//! * [`EntraClient::redeem_code`]: `grant_type=authorization_code` with the verifier and the app's
//!   credential; returns the ID token (and `client_info`), never logging either.
//! * [`IdTokenValidator`]: validates an ID token as §3.6/§3.7 prescribe — RS256 signature by a
//!   published key chosen by `kid` from a per-tenant JWKS cache (24 h, refreshed at once on an
//!   unknown `kid` but at most every 5 minutes, last-known-good kept when a fetch fails), issuer from
//!   the key's `issuer` with `{tenantid}` substituted and equal to `iss` and to
//!   `{login}/{tid}/v2.0`, `tid` equal to the expected directory, `aud` the client id, `exp`/`nbf`
//!   against the caller's clock with a small skew, and `nonce`.
//!
//! Users are identified by (`tid`, `oid`) ([`IdTokenClaims`]); `preferred_username` is display-only.

mod callback;
mod id_token;
mod jwks;
mod pkce;
mod redeem;

pub use callback::{SignInCallback, SignInError};
pub use id_token::{
    CLOCK_SKEW_SECS, Expected as IdTokenExpected, IdTokenClaims, IdTokenError, IdTokenValidator,
};
pub use jwks::JwksSettings;
pub use pkce::Pkce;
pub use redeem::{ClientInfo, CodeRedemption};

use url::Url;

use crate::client::EntraClient;
use crate::error::EntraError;
use crate::tenant::EntraTenantId;

/// The scopes the console asks for: an ID token with the profile claims (`oid`, `tid`,
/// `preferred_username`, `name`) and `email`. No Graph scope and no `offline_access`: the console
/// keeps its own session and never calls Graph as the user.
pub const SIGNIN_SCOPES: &str = "openid profile email";

/// What goes into an authorization request.
#[derive(Clone, Copy, Debug)]
pub struct SignInRequest<'a> {
    /// The customer's directory: the tenant-specific authority is used, never `organizations`.
    pub tenant: &'a EntraTenantId,
    /// Registered redirect URI (exact match).
    pub redirect_uri: &'a Url,
    /// One-time value bound to the browser's pre-session.
    pub state: &'a str,
    /// One-time value the ID token must echo.
    pub nonce: &'a str,
    /// `code_challenge` (S256) of the verifier kept for the redemption.
    pub pkce: &'a Pkce,
    /// Optional `login_hint` (a UPN) to preselect the account.
    pub login_hint: Option<&'a str>,
}

impl EntraClient {
    /// `GET {login}/{tenant}/oauth2/v2.0/authorize?client_id&response_type=code&redirect_uri&
    /// response_mode=query&scope&state&nonce&code_challenge&code_challenge_method=S256[&login_hint]`.
    pub fn signin_url(&self, request: &SignInRequest<'_>) -> Result<Url, EntraError> {
        let s = self.settings();
        let base = format!(
            "{}/{}/oauth2/v2.0/authorize",
            s.login_base_url.as_str().trim_end_matches('/'),
            request.tenant
        );
        let mut url = Url::parse(&base).map_err(|e| {
            EntraError::Configuration(format!("login_base_url yields an invalid URL: {e}"))
        })?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("client_id", &s.client_id)
                .append_pair("response_type", "code")
                .append_pair("redirect_uri", request.redirect_uri.as_str())
                .append_pair("response_mode", "query")
                .append_pair("scope", SIGNIN_SCOPES)
                .append_pair("state", request.state)
                .append_pair("nonce", request.nonce)
                .append_pair("code_challenge", request.pkce.challenge())
                .append_pair("code_challenge_method", "S256");
            if let Some(hint) = request.login_hint {
                q.append_pair("login_hint", hint);
            }
        }
        Ok(url)
    }
}
