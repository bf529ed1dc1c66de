//! Client-assertion (private_key_jwt) verification for the token endpoint (§2.1, §2.6).

use jsonwebtoken::{Algorithm, Validation, decode, decode_header};
use serde_json::Value;
use uuid::Uuid;

use super::errors::StsError;
use crate::state::SimState;

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Clock skew tolerated on `exp`/`nbf` (seconds).
const SKEW: i64 = 300;

/// Check a client assertion for `client_id`, presented at `/{segment}/oauth2/v2.0/token` of tenant `tid`
/// (`None` for `organizations`/`common`). On success returns nothing; the caller issues `appidacr = 2`.
pub fn verify(
    st: &SimState,
    segment: &str,
    tid: Option<Uuid>,
    client_id: &str,
    jwt: &str,
) -> Result<(), StsError> {
    let malformed = || StsError::client(50027, "JWT token is invalid or malformed.");
    let header = decode_header(jwt).map_err(|_| malformed())?;
    if !matches!(header.alg, Algorithm::RS256 | Algorithm::PS256) {
        return Err(StsError::client(
            700027,
            format!(
                "Client assertion contains an invalid signature algorithm '{:?}'.",
                header.alg
            ),
        ));
    }
    let (sha256, sha1) = {
        let app = st.app.read();
        (
            app.cert_thumbprint_sha256_b64url.clone(),
            app.cert_thumbprint_sha1_b64url.clone(),
        )
    };
    let presented = header
        .x5t_s256
        .clone()
        .or_else(|| header.x5t.clone())
        .unwrap_or_default();
    let known = header.x5t_s256.as_deref() == Some(sha256.as_str())
        || header.x5t.as_deref() == Some(sha1.as_str());
    if !known {
        return Err(StsError::client(
            700027,
            format!(
                "The certificate with identifier used to sign the client assertion is not registered on application. \
                 [Reason - The key was not found., Thumbprint of key used by client: '{presented}', Please visit the \
                 Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{client_id}'.]"
            ),
        ));
    }
    let mut v = Validation::new(header.alg);
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    let data = decode::<Value>(jwt, &st.app_cert_key, &v).map_err(|e| match e.kind() {
        jsonwebtoken::errors::ErrorKind::InvalidSignature => {
            StsError::client(700027, "Client assertion failed signature validation.")
        }
        _ => malformed(),
    })?;
    let c = data.claims;
    let s = |k: &str| {
        c.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    if s("iss") != client_id || s("sub") != client_id {
        return Err(StsError::client(
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://docs.microsoft.com/en-us/azure/active-directory/develop/active-directory-certificate-credentials .",
        ));
    }
    let aud = c.get("aud").and_then(Value::as_str).unwrap_or_default();
    if !audience_ok(st, segment, tid, aud) {
        return Err(StsError::client(
            700023,
            "Client assertion audience claim does not match Realm issuer. Review the documentation at https://docs.microsoft.com/en-us/azure/active-directory/develop/active-directory-certificate-credentials .",
        ));
    }
    let now = st.now();
    let exp = c.get("exp").and_then(Value::as_i64);
    let nbf = c
        .get("nbf")
        .and_then(Value::as_i64)
        .or_else(|| c.get("iat").and_then(Value::as_i64));
    let fmt = |t: Option<i64>| {
        t.map(|t| crate::util::sts_timestamp(time_of(t)))
            .unwrap_or_else(|| "unset".into())
    };
    let out_of_range = match (exp, nbf) {
        (None, _) => true,
        (Some(e), n) => e + SKEW < now || n.is_some_and(|n| n - SKEW > now),
    };
    if out_of_range {
        return Err(StsError::client(
            700024,
            format!(
                "Client assertion is not within its valid time range. Current time: {}, assertion valid from {}, expiry time of assertion {}. Review the documentation at https://docs.microsoft.com/en-us/azure/active-directory/develop/active-directory-certificate-credentials .",
                crate::util::sts_timestamp(st.clock.now()),
                fmt(nbf),
                fmt(exp)
            ),
        ));
    }
    if let Some(jti) = c.get("jti").and_then(Value::as_str) {
        let mut auth = st.auth.lock();
        auth.seen_jtis.retain(|_, e| *e + SKEW >= now);
        let key = format!("{}:{jti}", tid.map(|t| t.to_string()).unwrap_or_default());
        if auth.seen_jtis.contains_key(&key) {
            return Err(StsError::client(
                50013,
                "Assertion failed signature validation. [Reason - The provided jti was already used (token replay).]",
            ));
        }
        auth.seen_jtis.insert(key, exp.unwrap_or(now));
    }
    Ok(())
}

fn time_of(t: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(t).unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

fn audience_ok(st: &SimState, segment: &str, tid: Option<Uuid>, aud: &str) -> bool {
    let base = &st.login_base;
    let mut tenants = vec![segment.to_string()];
    if let Some(t) = tid {
        tenants.push(t.to_string());
        if let Some(cell) = st.store.get(&t) {
            tenants.extend(cell.meta.read().domains.iter().cloned());
        }
    }
    tenants.iter().any(|t| {
        aud.eq_ignore_ascii_case(&format!("{base}/{t}/oauth2/v2.0/token"))
            || aud.eq_ignore_ascii_case(&format!("{base}/{t}/oauth2/token"))
    })
}
