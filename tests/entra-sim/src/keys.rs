//! RSA keys: the STS token-signing keys published in JWKS (with rotation) and the app's client certificate.
//!
//! RSA generation is the slow part of starting a simulator, so keys come from a process-wide pool generated in
//! parallel on first use and shared by every simulator in the process; rotation always makes a fresh key.

use jsonwebtoken::{DecodingKey, EncodingKey};
use parking_lot::Mutex;
use rsa::RsaPrivateKey;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use sha2::{Digest, Sha256};
use std::sync::Arc;

use crate::util::{b64std, b64url};

/// A freshly generated RSA-2048 key in the encodings the simulator needs.
pub struct RsaMaterial {
    pub pkcs1_der: Vec<u8>,
    pub pkcs8_der: Vec<u8>,
    pub pkcs8_pem: String,
    pub n: Vec<u8>,
    pub e: Vec<u8>,
}

pub fn generate_rsa() -> anyhow::Result<RsaMaterial> {
    let key = RsaPrivateKey::new(&mut rand_core::OsRng, 2048)?;
    let pkcs1 = key.to_pkcs1_der()?;
    let pkcs8 = key.to_pkcs8_der()?;
    let pem = key.to_pkcs8_pem(LineEnding::LF)?;
    Ok(RsaMaterial {
        pkcs1_der: pkcs1.as_bytes().to_vec(),
        pkcs8_der: pkcs8.as_bytes().to_vec(),
        pkcs8_pem: pem.to_string(),
        n: key.n().to_bytes_be(),
        e: key.e().to_bytes_be(),
    })
}

static POOL: Mutex<Vec<Arc<RsaMaterial>>> = Mutex::new(Vec::new());

/// The first `n` keys of the process-wide pool (generated in parallel when missing).
pub fn pooled(n: usize) -> anyhow::Result<Vec<Arc<RsaMaterial>>> {
    let mut pool = POOL.lock();
    let missing = n.saturating_sub(pool.len());
    if missing > 0 {
        let fresh: Vec<anyhow::Result<RsaMaterial>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..missing).map(|_| s.spawn(generate_rsa)).collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(anyhow::anyhow!("key generation panicked")))
                })
                .collect()
        });
        for k in fresh {
            pool.push(Arc::new(k?));
        }
    }
    Ok(pool[..n].to_vec())
}

/// A self-signed certificate over an RSA key (rcgen + ring), DER and PEM.
pub fn self_signed_rsa_cert(
    m: &RsaMaterial,
    common_name: &str,
) -> anyhow::Result<(Vec<u8>, String)> {
    let kp = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(
        &rustls::pki_types::PrivatePkcs8KeyDer::from(m.pkcs8_der.as_slice()),
        &rcgen::PKCS_RSA_SHA256,
    )?;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new())?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, common_name);
    params.not_before = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    params.not_after = time::OffsetDateTime::now_utc() + time::Duration::days(730);
    let cert = params.self_signed(&kp)?;
    Ok((cert.der().to_vec(), cert.pem()))
}

pub fn sha1_b64url(der: &[u8]) -> String {
    b64url(ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, der).as_ref())
}

pub fn sha256_b64url(der: &[u8]) -> String {
    b64url(&Sha256::digest(der))
}

/// One STS signing key as published in JWKS.
pub struct SigningKey {
    pub kid: String,
    pub x5t: String,
    pub n: String,
    pub e: String,
    pub x5c: String,
    pub encoding: EncodingKey,
    pub decoding: DecodingKey,
}

impl SigningKey {
    pub fn from_material(m: &RsaMaterial) -> anyhow::Result<Self> {
        let (der, _) = self_signed_rsa_cert(m, "accounts.accesscontrol.windows.net")?;
        let x5t = sha1_b64url(&der);
        Ok(Self {
            kid: x5t.clone(),
            x5t,
            n: b64url(&m.n),
            e: b64url(&m.e),
            x5c: b64std(&der),
            encoding: EncodingKey::from_rsa_der(&m.pkcs1_der),
            decoding: DecodingKey::from_rsa_raw_components(&m.n, &m.e),
        })
    }
}

/// Published keys (JWKS order = this order), the active signer, and every key ever used (for verifying
/// tokens the simulator issued before a rotation).
pub struct KeySet {
    pub published: Vec<Arc<SigningKey>>,
    pub active: Arc<SigningKey>,
    all: Vec<Arc<SigningKey>>,
}

impl KeySet {
    pub fn new(keys: Vec<SigningKey>) -> anyhow::Result<Self> {
        let published: Vec<Arc<SigningKey>> = keys.into_iter().map(Arc::new).collect();
        let active = published
            .first()
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("no signing keys"))?;
        Ok(Self {
            all: published.clone(),
            published,
            active,
        })
    }

    pub fn find(&self, kid: &str) -> Option<Arc<SigningKey>> {
        self.all.iter().find(|k| k.kid == kid).cloned()
    }

    /// Make `key` the active signer. Graceful: the old keys stay published (at most 3 overall);
    /// `retire_previous`: only the new key stays published (an emergency roll).
    pub fn rotate(&mut self, key: SigningKey, retire_previous: bool) -> String {
        let key = Arc::new(key);
        let kid = key.kid.clone();
        self.all.push(key.clone());
        if retire_previous {
            self.published = vec![key.clone()];
        } else {
            self.published.insert(0, key.clone());
            self.published.truncate(3);
        }
        self.active = key;
        kid
    }
}
