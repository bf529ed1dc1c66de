//! RFC 3339 rendering for audit details and problem texts.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `2026-01-08T14:03:00.123456Z`-style text (falls back to `Display`, which cannot fail).
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}
