//! Authorization-code redemption (reference §3.4) for the sign-in flow.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;
use uuid::Uuid;

use super::Pkce;
use super::SIGNIN_SCOPES;
use crate::client::EntraClient;
use crate::error::{Endpoint, EntraError, sts_error};
use crate::tenant::EntraTenantId;

/// What a successful redemption returns that a sign-in needs. `Debug` hides the token.
#[derive(Clone)]
pub struct CodeRedemption {
    /// The compact ID token: validate it with [`super::IdTokenValidator`] before trusting anything.
    pub id_token: SecretString,
    /// `client_info` (asked for with `client_info=1`): the home account's `uid`/`utid`, when sent.
    pub client_info: Option<ClientInfo>,
}

impl fmt::Debug for CodeRedemption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CodeRedemption")
            .field("id_token", &"[REDACTED]")
            .field("client_info", &self.client_info)
            .finish()
    }
}

/// The decoded `client_info` of a token response: `{"uid": oid, "utid": tid}`. Informational: the
/// validated ID token is what identifies the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub struct ClientInfo {
    /// The user's object id in their home tenant.
    pub uid: Uuid,
    /// The home tenant.
    pub utid: Uuid,
}

impl ClientInfo {
    /// Decodes base64url JSON; `None` when it is not that.
    pub fn decode(text: &str) -> Option<Self> {
        let json = URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok()?;
        serde_json::from_slice(&json).ok()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
    client_info: Option<String>,
}

impl EntraClient {
    /// `POST {login}/{tenant}/oauth2/v2.0/token` with `grant_type=authorization_code`, the code,
    /// the same redirect URI, the PKCE verifier and the app's credential (secret or certificate
    /// assertion), asking for `client_info`. Errors are typed from Microsoft's answer
    /// ([`EntraError::aadsts`]: 501481 verifier mismatch, 54005 code already redeemed, 70008
    /// expired, 50076 MFA required at the token endpoint, …).
    pub async fn redeem_code(
        &self,
        tenant: &EntraTenantId,
        code: &str,
        redirect_uri: &Url,
        pkce: &Pkce,
    ) -> Result<CodeRedemption, EntraError> {
        let source = self.inner.tokens.source();
        let endpoint = format!("{}/{tenant}/oauth2/v2.0/token", source.login_base);
        let credential = source.credential_fields(&endpoint)?;
        let transport = &self.inner.transport;
        let resp = transport
            .send(Endpoint::Token, || {
                let mut form: Vec<(&str, String)> = vec![
                    ("client_id", source.client_id.clone()),
                    ("grant_type", "authorization_code".to_owned()),
                    ("code", code.to_owned()),
                    ("redirect_uri", redirect_uri.as_str().to_owned()),
                    ("code_verifier", pkce.verifier().to_owned()),
                    ("scope", SIGNIN_SCOPES.to_owned()),
                    ("client_info", "1".to_owned()),
                ];
                form.extend(credential.iter().cloned());
                transport
                    .client()
                    .post(&endpoint)
                    .header("client-request-id", Uuid::new_v4().to_string())
                    .form(&form)
            })
            .await?;
        let status = resp.status();
        if !status.is_success() {
            let err = sts_error(Endpoint::Token, resp).await;
            tracing::debug!(%tenant, kind = err.kind().as_str(), aadsts = err.aadsts(), "code redemption failed");
            return Err(err);
        }
        let body = resp
            .bytes()
            .await
            .map_err(|e| EntraError::transport(Endpoint::Token, e))?;
        let parsed: TokenResponse = serde_json::from_slice(&body).map_err(|_| {
            EntraError::unexpected(
                Endpoint::Token,
                Some(status.as_u16()),
                "token response is not JSON",
            )
        })?;
        let id_token = parsed.id_token.ok_or_else(|| {
            EntraError::unexpected(
                Endpoint::Token,
                Some(status.as_u16()),
                "token response lacks id_token",
            )
        })?;
        Ok(CodeRedemption {
            id_token: SecretString::from(id_token),
            client_info: parsed.client_info.as_deref().and_then(ClientInfo::decode),
        })
    }
}

/// The ID token, for [`super::IdTokenValidator::validate`].
impl CodeRedemption {
    /// The compact ID token. Do not log it.
    pub fn id_token(&self) -> &str {
        self.id_token.expose_secret()
    }
}
