//! [`Cursor`]: an opaque position in a keyset-paginated list ordered newest first by
//! `(timestamp, id)` — tenant-provisioning's lists, sync-dispatch's run history. Its wire form
//! has a fixed length, so the contract can say exactly which strings are cursors
//! ([`CURSOR_PATTERN`]) and every string the pattern admits is one.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use time::OffsetDateTime;
use uuid::Uuid;

/// The contract's pattern for a cursor: version 1, 25 bytes, no stray trailing bits. Every
/// string it admits decodes (see the tests).
pub const CURSOR_PATTERN: &str = r"^A[Q-Za-f][A-Za-z0-9_-]{31}[AQgw]$";
/// A cursor's length on the wire.
pub const CURSOR_LEN: usize = 34;

/// Version byte, so the encoding can change without misreading old cursors.
const VERSION: u8 = 1;
/// version + i64 microseconds + 16-byte UUID.
const LEN: usize = 1 + 8 + 16;
/// 0001-01-01T00:00:00Z: the earliest position a cursor names (PostgreSQL stops at 4713 BC).
const FLOOR_SECS: i64 = -62_135_596_800;

/// The (timestamp, id) of the last item on a page. Lists are ordered newest first by
/// (timestamp, id), so the next page holds the items strictly before it.
///
/// On the wire it is base64url (no padding) of a version byte, the timestamp in
/// microseconds (PostgreSQL's precision) and the id; clients treat it as opaque.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    at: OffsetDateTime,
    id: Uuid,
}

/// The cursor text is not one we issued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cursor is not valid; use the next_cursor value of a previous page")]
pub struct CursorError;

impl Cursor {
    /// The cursor after the item of timestamp `at` and id `id`.
    pub fn after(at: OffsetDateTime, id: Uuid) -> Self {
        Self { at, id }
    }

    /// The position's timestamp.
    pub fn at(&self) -> OffsetDateTime {
        self.at
    }

    /// The position's id.
    pub fn id(&self) -> Uuid {
        self.id
    }

    /// The wire form.
    pub fn encode(&self) -> String {
        let micros = i64::try_from(self.at.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX);
        let mut bytes = Vec::with_capacity(LEN);
        bytes.push(VERSION);
        bytes.extend_from_slice(&micros.to_be_bytes());
        bytes.extend_from_slice(self.id.as_bytes());
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Parses the wire form.
    pub fn decode(s: &str) -> Result<Self, CursorError> {
        let bytes = URL_SAFE_NO_PAD.decode(s).map_err(|_| CursorError)?;
        if bytes.len() != LEN || bytes[0] != VERSION {
            return Err(CursorError);
        }
        let micros = i64::from_be_bytes(bytes[1..9].try_into().map_err(|_| CursorError)?);
        let id = Uuid::from_slice(&bytes[9..]).map_err(|_| CursorError)?;
        // Any position is a position: one outside what PostgreSQL's timestamptz and `time` hold
        // is the nearest one they do (so every cursor the contract's pattern admits works).
        let floor =
            OffsetDateTime::from_unix_timestamp(FLOOR_SECS).unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
            .unwrap_or(if micros < 0 {
                floor
            } else {
                time::PrimitiveDateTime::MAX.assume_utc()
            })
            .max(floor);
        Ok(Self { at, id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_at_microsecond_precision() {
        let at =
            OffsetDateTime::from_unix_timestamp_nanos(1_767_225_600_123_456_000).expect("time");
        let c = Cursor::after(at, Uuid::now_v7());
        assert_eq!(Cursor::decode(&c.encode()), Ok(c));
    }

    #[test]
    fn foreign_cursors_are_refused() {
        for s in [
            "",
            "abc",
            "!!!!",
            &URL_SAFE_NO_PAD.encode([2u8; LEN]),
            &URL_SAFE_NO_PAD.encode([1u8; 10]),
        ] {
            assert_eq!(Cursor::decode(s), Err(CursorError), "{s}");
        }
    }

    #[test]
    fn every_cursor_the_contract_pattern_admits_decodes() {
        // ^A[Q-Za-f][A-Za-z0-9_-]{31}[AQgw]$ — version 1, 25 bytes, no stray trailing bits.
        assert_eq!(CURSOR_PATTERN, r"^A[Q-Za-f][A-Za-z0-9_-]{31}[AQgw]$");
        let pattern = regex_lite_like;
        for s in [
            format!("AQ{}A", "A".repeat(31)),
            format!("Af{}w", "_".repeat(31)),
            format!("AZ{}g", "-".repeat(31)),
            Cursor::after(OffsetDateTime::UNIX_EPOCH, Uuid::nil()).encode(),
        ] {
            assert!(pattern(&s), "{s}");
            let c = Cursor::decode(&s).expect(&s);
            assert!(c.at().year() >= 1, "{s}");
        }
    }

    /// The contract's cursor pattern, spelled out.
    fn regex_lite_like(s: &str) -> bool {
        let b = s.as_bytes();
        let b64 = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
        b.len() == CURSOR_LEN
            && b[0] == b'A'
            && matches!(b[1], b'Q'..=b'Z' | b'a'..=b'f')
            && b[2..33].iter().all(|c| b64(*c))
            && matches!(b[33], b'A' | b'Q' | b'g' | b'w')
    }
}
