//! Certificate credentials: signed client assertions (RFC 7523 `private_key_jwt`, reference §2.1).
//!
//! Header `alg` PS256 (or RS256), `typ` JWT, `x5t#S256` = base64url(SHA-256(DER certificate)).
//! Claims `aud` = the tenant's token endpoint, `iss` = `sub` = client id, fresh `jti`, `nbf` = `iat` =
//! now, `exp` = now + 5 minutes. A new assertion is signed for every token request.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::ExposeSecret;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::config::{AssertionAlgorithm, CertificateCredential};
use crate::error::EntraError;

/// Lifetime of one assertion.
const ASSERTION_LIFETIME: Duration = Duration::from_secs(300);

/// Signs client assertions with the configured certificate's key.
#[derive(Clone)]
pub(crate) struct AssertionSigner {
    client_id: String,
    key: EncodingKey,
    x5t_s256: String,
    algorithm: Algorithm,
}

impl fmt::Debug for AssertionSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssertionSigner")
            .field("x5t#S256", &self.x5t_s256)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct AssertionClaims<'a> {
    aud: &'a str,
    iss: &'a str,
    sub: &'a str,
    jti: String,
    nbf: u64,
    iat: u64,
    exp: u64,
}

impl AssertionSigner {
    /// Loads the certificate (for its thumbprint) and the RSA private key.
    pub(crate) fn new(client_id: &str, cred: &CertificateCredential) -> Result<Self, EntraError> {
        let der = certificate_der(&cred.cert_pem)?;
        let key =
            EncodingKey::from_rsa_pem(cred.key_pem.expose_secret().as_bytes()).map_err(|_| {
                EntraError::Configuration(
                    "certificate key_pem is not an RSA private key in PEM".into(),
                )
            })?;
        let algorithm = match cred.algorithm {
            AssertionAlgorithm::Ps256 => Algorithm::PS256,
            AssertionAlgorithm::Rs256 => Algorithm::RS256,
        };
        let signer = Self {
            client_id: client_id.to_owned(),
            key,
            x5t_s256: URL_SAFE_NO_PAD.encode(Sha256::digest(&der)),
            algorithm,
        };
        // Fail at start-up, not on the first token request, if the key cannot sign.
        signer.sign("https://login.microsoftonline.com/self-test")?;
        Ok(signer)
    }

    /// A fresh assertion for `token_endpoint` (the exact URL the request is posted to).
    pub(crate) fn sign(&self, token_endpoint: &str) -> Result<String, EntraError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let mut header = Header::new(self.algorithm);
        header.x5t_s256 = Some(self.x5t_s256.clone());
        let claims = AssertionClaims {
            aud: token_endpoint,
            iss: &self.client_id,
            sub: &self.client_id,
            jti: uuid::Uuid::new_v4().to_string(),
            nbf: now,
            iat: now,
            exp: now + ASSERTION_LIFETIME.as_secs(),
        };
        jsonwebtoken::encode(&header, &claims, &self.key).map_err(|e| {
            EntraError::Configuration(format!("cannot sign the client assertion: {e}"))
        })
    }
}

/// The DER bytes of the first `CERTIFICATE` block of a PEM text.
pub(crate) fn certificate_der(pem: &str) -> Result<Vec<u8>, EntraError> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let bad = |why: &str| EntraError::Configuration(format!("certificate cert_pem: {why}"));
    let start = pem
        .find(BEGIN)
        .ok_or_else(|| bad("no BEGIN CERTIFICATE block"))?
        + BEGIN.len();
    let len = pem[start..]
        .find(END)
        .ok_or_else(|| bad("no END CERTIFICATE line"))?;
    let b64: String = pem[start..start + len]
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let der = STANDARD.decode(b64).map_err(|_| bad("invalid base64"))?;
    if der.first() != Some(&0x30) {
        return Err(bad("not a DER certificate"));
    }
    Ok(der)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_der_is_extracted_from_pem() {
        let pem = "junk\n-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n";
        assert_eq!(
            certificate_der(pem).unwrap(),
            vec![0x30, 0x03, 0x02, 0x01, 0x01]
        );
        assert!(
            certificate_der("-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----").is_err()
        );
        assert!(certificate_der("nothing").is_err());
    }
}
