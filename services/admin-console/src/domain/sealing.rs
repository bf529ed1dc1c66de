//! Secrets at rest: Argon2id hashes of emergency-account secrets, and AES-256-GCM sealing of their
//! TOTP seeds (which must be read back to check codes).

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine as _;

/// The AES-256-GCM key (`emergency.totp_key`). `Debug` hides it.
#[derive(Clone)]
pub struct SealingKey(Aes256Gcm);

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingKey(..)")
    }
}

impl SealingKey {
    /// From base64 of exactly 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self, String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| "emergency.totp_key must be base64".to_owned())?;
        if bytes.len() != 32 {
            return Err("emergency.totp_key must hold 32 bytes (openssl rand -base64 32)".into());
        }
        Aes256Gcm::new_from_slice(&bytes)
            .map(Self)
            .map_err(|_| "emergency.totp_key is not an AES-256 key".to_owned())
    }

    /// nonce (12 bytes) ‖ ciphertext+tag; `aad` binds it to its row (tenant and account ids).
    pub fn seal(&self, plain: &[u8], aad: &[u8]) -> Result<Vec<u8>, String> {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|e| e.to_string())?;
        let sealed = self
            .0
            .encrypt(
                &Nonce::from(nonce),
                aes_gcm::aead::Payload { msg: plain, aad },
            )
            .map_err(|_| "sealing failed".to_owned())?;
        Ok([nonce.as_slice(), &sealed].concat())
    }

    /// The inverse of [`Self::seal`]; `None` when tampered with or sealed under another key/row.
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < 12 + 16 {
            return None;
        }
        let (nonce, body) = sealed.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().ok()?;
        self.0
            .decrypt(
                &Nonce::from(nonce),
                aes_gcm::aead::Payload { msg: body, aad },
            )
            .ok()
    }
}

/// Argon2id with OWASP's minimum profile (19 MiB, 2 passes, 1 lane).
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The PHC string of `secret` (salted, parameters included).
pub fn hash_secret(secret: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| e.to_string())?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    argon2()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `secret` matches the PHC string `stored`.
pub fn verify_secret(secret: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|parsed| argon2().verify_password(secret.as_bytes(), &parsed).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_seeds_open_only_with_their_key_and_row() {
        let key =
            SealingKey::from_base64(&base64::engine::general_purpose::STANDARD.encode([7u8; 32]))
                .expect("key");
        let sealed = key.seal(b"seed", b"row-1").expect("seal");
        assert_eq!(key.open(&sealed, b"row-1").as_deref(), Some(&b"seed"[..]));
        assert_eq!(key.open(&sealed, b"row-2"), None);
        assert!(SealingKey::from_base64("c2hvcnQ=").is_err());
    }

    #[test]
    fn argon2id_hashes_verify_only_the_secret() {
        let stored = hash_secret("correct horse").expect("hash");
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify_secret("correct horse", &stored));
        assert!(!verify_secret("wrong horse", &stored));
    }
}
