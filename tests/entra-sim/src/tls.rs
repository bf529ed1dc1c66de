//! HTTPS material: a local CA (ECDSA P-256, rcgen + ring) and a server certificate it signs.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::sync::Arc;

pub struct TlsMaterial {
    pub ca_pem: String,
    /// PKCS#8 PEM of the CA key (persist it to keep the same CA across restarts).
    pub ca_key_pem: String,
    pub server_config: rustls::ServerConfig,
}

fn ca_params() -> anyhow::Result<CertificateParams> {
    let mut p = CertificateParams::new(Vec::<String>::new())?;
    p.distinguished_name
        .push(DnType::CommonName, "entra-sim local CA");
    p.distinguished_name
        .push(DnType::OrganizationName, "entra-sim");
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    p.not_before = rcgen::date_time_ymd(2024, 1, 1);
    p.not_after = rcgen::date_time_ymd(2049, 12, 31);
    Ok(p)
}

/// `names`: DNS names and IP literals for the server certificate.
pub fn build(names: &[String], ca_key_pem: Option<&str>) -> anyhow::Result<TlsMaterial> {
    let ca_key = match ca_key_pem {
        Some(pem) => KeyPair::from_pem(pem)?,
        None => KeyPair::generate()?,
    };
    let ca_cert = ca_params()?.self_signed(&ca_key)?;
    let ca_pem = ca_cert.pem();
    let ca_key_pem = ca_key.serialize_pem();
    let issuer = Issuer::new(ca_params()?, ca_key);

    let mut all: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
    for n in names {
        if !all.contains(n) {
            all.push(n.clone());
        }
    }
    let mut sp = CertificateParams::new(all)?;
    sp.distinguished_name.push(DnType::CommonName, "entra-sim");
    sp.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    sp.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    sp.not_before = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    sp.not_after = time::OffsetDateTime::now_utc() + time::Duration::days(365);
    let server_key = KeyPair::generate()?;
    let server_cert = sp.signed_by(&server_key, &issuer)?;

    let chain = vec![
        server_cert.der().clone(),
        CertificateDer::from(ca_cert.der().to_vec()),
    ];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let server_config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(chain, key)?;
    Ok(TlsMaterial {
        ca_pem,
        ca_key_pem,
        server_config,
    })
}
