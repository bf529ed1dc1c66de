//! [`RunsCursor`]: the opaque position in a tenant's run history (keyset on
//! `(queued_at, id)`, newest first).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use time::OffsetDateTime;
use uuid::Uuid;

/// Where the next page of runs starts: strictly older than this run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunsCursor {
    queued_at: OffsetDateTime,
    id: Uuid,
}

impl RunsCursor {
    pub fn new(queued_at: OffsetDateTime, id: Uuid) -> Self {
        Self { queued_at, id }
    }

    pub fn queued_at(&self) -> OffsetDateTime {
        self.queued_at
    }

    pub fn id(&self) -> Uuid {
        self.id
    }

    /// `base64url("<unix nanos>.<uuid>")`.
    pub fn encode(&self) -> String {
        let raw = format!("{}.{}", self.queued_at.unix_timestamp_nanos(), self.id);
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// The cursor `encode` made, or `None` for anything else.
    pub fn decode(s: &str) -> Option<Self> {
        if s.is_empty() || s.len() > 128 {
            return None;
        }
        let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(s).ok()?).ok()?;
        let (nanos, id) = raw.split_once('.')?;
        let queued_at = OffsetDateTime::from_unix_timestamp_nanos(nanos.parse().ok()?).ok()?;
        Some(Self {
            queued_at,
            id: Uuid::parse_str(id).ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = RunsCursor::new(
            OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_000).expect("time"),
            Uuid::now_v7(),
        );
        assert_eq!(RunsCursor::decode(&c.encode()), Some(c));
        for bad in ["", "x", "bm9wZQ", &"A".repeat(200)] {
            assert_eq!(RunsCursor::decode(bad), None, "{bad}");
        }
    }
}
