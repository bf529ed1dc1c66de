//! TOTP (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits) and the base32 form authenticator apps
//! read.

use hmac::{Hmac, Mac};
use sha1::Sha1;

/// Step length (seconds).
pub const STEP_SECS: i64 = 30;
const DIGITS: u32 = 6;

/// The code for time step `step` (`unix_time / 30`).
pub fn code_at_step(secret: &[u8], step: i64) -> String {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let binary = (u32::from(digest[offset] & 0x7f) << 24)
        | (u32::from(digest[offset + 1]) << 16)
        | (u32::from(digest[offset + 2]) << 8)
        | u32::from(digest[offset + 3]);
    format!("{:06}", binary % 10u32.pow(DIGITS))
}

/// The step a code matches at `unix_time`, allowing one step of drift either way; `None` when it
/// matches none. Callers refuse steps at or before the last one used (no replay).
pub fn verify(secret: &[u8], code: &str, unix_time: i64) -> Option<i64> {
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = unix_time.div_euclid(STEP_SECS);
    [now - 1, now, now + 1]
        .into_iter()
        .find(|step| super::secret::ct_str_eq(&code_at_step(secret, *step), code))
}

/// RFC 4648 base32 without padding (what `otpauth://` URIs carry).
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 rows (8 digits there; the last 6 are ours).
    #[test]
    fn rfc_6238_vectors() {
        let secret = b"12345678901234567890";
        for (time, code8) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            assert_eq!(code_at_step(secret, time / 30), code8[2..], "{time}");
            assert_eq!(verify(secret, &code8[2..], time), Some(time / 30));
        }
        assert_eq!(verify(secret, "000000", 59), None);
        assert_eq!(verify(secret, "12345", 59), None);
    }

    #[test]
    fn base32_matches_rfc_4648() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(
            base32(b"12345678901234567890"),
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        );
    }
}
