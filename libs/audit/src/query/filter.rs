//! The audit page's filter and cursor, parsed once at the edge.

use time::OffsetDateTime;

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

/// Where the next page starts: after the record with this time and id (newest first).
/// Opaque to clients; the same fixed-length wire form as every keyset cursor of the product,
/// so the contract's pattern ([`pa_domain::CURSOR_PATTERN`]) says exactly which strings are
/// cursors.
pub type AuditCursor = pa_domain::Cursor;

#[cfg(test)]
mod tests {

    use super::*;

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
}
