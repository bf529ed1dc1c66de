//! The audit page's filter and cursor, parsed once at the edge.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::ActorKind;

/// Longest filter value: the columns hold at most 255 characters.
pub const MAX_FILTER_CHARS: usize = 255;

/// Why a filter value or cursor was refused (the caller names the parameter).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    /// An empty value (leave the filter out instead).
    #[error("must not be empty")]
    Empty,
    /// More than [`MAX_FILTER_CHARS`] characters.
    #[error("must be at most 255 characters")]
    TooLong,
    /// Control characters are never part of an id, action or type.
    #[error("must not contain control characters")]
    ControlCharacter,
    /// Not a cursor this library issued.
    #[error("is not a valid page cursor")]
    InvalidCursor,
    /// `since` is not before `until`.
    #[error("the start of the time range must be before its end")]
    EmptyTimeRange,
}

/// A value to match a text column exactly: 1–255 characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterText(String);

impl FilterText {
    /// Parses a filter value.
    pub fn parse(value: &str) -> Result<Self, FilterError> {
        if value.is_empty() {
            Err(FilterError::Empty)
        } else if value.chars().count() > MAX_FILTER_CHARS {
            Err(FilterError::TooLong)
        } else if value.chars().any(char::is_control) {
            Err(FilterError::ControlCharacter)
        } else {
            Ok(Self(value.to_owned()))
        }
    }

    /// The value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How to match `action`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionFilter {
    /// Exactly this action, e.g. `session.started`.
    Exact(FilterText),
    /// Every action starting with this, e.g. `session.` (sign-ins, sign-outs, timeouts…).
    Prefix(FilterText),
}

impl ActionFilter {
    /// `session.*` (a trailing `*`) is a prefix filter, anything else an exact one.
    pub fn parse(value: &str) -> Result<Self, FilterError> {
        match value.strip_suffix('*') {
            Some(prefix) => FilterText::parse(prefix).map(Self::Prefix),
            None => FilterText::parse(value).map(Self::Exact),
        }
    }
}

/// Which records the audit page, the exports and their counts select. Every field is
/// optional; set ones combine with AND. The tenant is not part of it: every function
/// takes the tenant separately, from the caller's authenticated context.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Records that occurred at or after this instant.
    pub since: Option<OffsetDateTime>,
    /// Records that occurred before this instant.
    pub until: Option<OffsetDateTime>,
    /// Records by this kind of actor.
    pub actor_type: Option<ActorKind>,
    /// Records by this actor id (an Entra object id, token id, component name…).
    pub actor_id: Option<FilterText>,
    /// Records of this action, or of actions with this prefix.
    pub action: Option<ActionFilter>,
    /// Records about this kind of object (`user`, `session`, `group`…).
    pub target_type: Option<FilterText>,
    /// Records about this object id.
    pub target_id: Option<FilterText>,
}

impl AuditFilter {
    /// Checks what the fields can't on their own: a time range that is not empty.
    pub fn validate(&self) -> Result<(), FilterError> {
        match (self.since, self.until) {
            (Some(since), Some(until)) if since >= until => Err(FilterError::EmptyTimeRange),
            _ => Ok(()),
        }
    }
}

/// Where the next page starts: after the record with this time and id (newest first).
/// Opaque to clients: [`encode`](Self::encode) it into the response, [`parse`](Self::parse)
/// it from the next request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuditCursor {
    pub(crate) occurred_at: OffsetDateTime,
    pub(crate) id: Uuid,
}

impl AuditCursor {
    /// The cursor that continues after this record.
    pub fn after(occurred_at: OffsetDateTime, id: Uuid) -> Self {
        Self { occurred_at, id }
    }

    /// 32 URL-safe characters (base64url of the microsecond timestamp and the id).
    pub fn encode(&self) -> String {
        let micros = (self.occurred_at.unix_timestamp_nanos() / 1_000) as i64;
        let mut bytes = [0u8; 24];
        bytes[..8].copy_from_slice(&micros.to_be_bytes());
        bytes[8..].copy_from_slice(self.id.as_bytes());
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Parses what [`encode`](Self::encode) produced.
    pub fn parse(value: &str) -> Result<Self, FilterError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(value)
            .map_err(|_| FilterError::InvalidCursor)?;
        let bytes: [u8; 24] = bytes.try_into().map_err(|_| FilterError::InvalidCursor)?;
        let micros = i64::from_be_bytes(
            bytes[..8]
                .try_into()
                .map_err(|_| FilterError::InvalidCursor)?,
        );
        let occurred_at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
            .map_err(|_| FilterError::InvalidCursor)?;
        let id = Uuid::from_slice(&bytes[8..]).map_err(|_| FilterError::InvalidCursor)?;
        Ok(Self { occurred_at, id })
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn a_cursor_survives_its_round_trip() {
        let cursor = AuditCursor::after(datetime!(2026-03-04 05:06:07.891011 UTC), Uuid::now_v7());
        let text = cursor.encode();
        assert_eq!(text.len(), 32);
        assert_eq!(AuditCursor::parse(&text), Ok(cursor));
    }

    #[test]
    fn garbage_is_not_a_cursor() {
        for bad in ["", "abc", "!!!!", &"A".repeat(40)] {
            assert_eq!(
                AuditCursor::parse(bad),
                Err(FilterError::InvalidCursor),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_trailing_star_makes_a_prefix_filter() {
        assert_eq!(
            ActionFilter::parse("session.*"),
            Ok(ActionFilter::Prefix(FilterText("session.".into())))
        );
        assert_eq!(
            ActionFilter::parse("session.started"),
            Ok(ActionFilter::Exact(FilterText("session.started".into())))
        );
        assert_eq!(ActionFilter::parse("*"), Err(FilterError::Empty));
    }

    #[test]
    fn filter_text_is_bounded_and_printable() {
        assert_eq!(FilterText::parse(""), Err(FilterError::Empty));
        assert_eq!(
            FilterText::parse(&"é".repeat(255)).map(|t| t.0.len()),
            Ok(510)
        );
        assert_eq!(
            FilterText::parse(&"x".repeat(256)),
            Err(FilterError::TooLong)
        );
        assert_eq!(
            FilterText::parse("a\nb"),
            Err(FilterError::ControlCharacter)
        );
    }

    #[test]
    fn an_empty_time_range_is_refused() {
        let t = datetime!(2026-01-01 0:00 UTC);
        let filter = AuditFilter {
            since: Some(t),
            until: Some(t),
            ..AuditFilter::default()
        };
        assert_eq!(filter.validate(), Err(FilterError::EmptyTimeRange));
    }
}
