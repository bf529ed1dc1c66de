//! Rules for short, human-entered text (names, labels, reasons) shared by every service's
//! name types.
//!
//! A name must be one line of visible text: no control characters (line breaks, tabs,
//! NUL, …) and no Unicode bidirectional formatting characters. The latter render
//! invisibly but reorder the text around them, so `"Acme\u{202E}moc.evil"` shows as
//! something else than it is — in a mail subject (display names end up there), a header,
//! the console or an audit record ("Trojan Source", CVE-2021-42574). Text from elsewhere
//! that cannot be refused (names read from Microsoft Graph) is passed through
//! [`strip_bidi_controls`] before it goes into a mail.

use std::borrow::Cow;

/// Why a text value was refused. The message is shown to API clients.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Empty after trimming.
    #[error("must not be empty")]
    Empty,
    /// Longer than allowed (in characters).
    #[error("must be at most {max} characters")]
    TooLong {
        /// The limit.
        max: usize,
    },
    /// Contains a control character (line breaks, tabs, NUL, ...).
    #[error("must not contain control characters")]
    ControlCharacter,
    /// Contains a Unicode bidirectional formatting character (see [`is_bidi_control`]).
    #[error(
        "must not contain Unicode bidirectional formatting characters (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C)"
    )]
    BidiControl,
    /// Contains a character outside the allowed set.
    #[error("{0}")]
    Charset(&'static str),
}

/// The Unicode bidirectional formatting characters: the embeddings and overrides
/// U+202A–U+202E (LRE, RLE, PDF, LRO, RLO), the isolates U+2066–U+2069 (LRI, RLI, FSI,
/// PDI), and the implicit marks U+200E (LRM), U+200F (RLM) and U+061C (ALM).
pub const BIDI_CONTROLS: [char; 12] = [
    '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
];

/// A regular-expression character class (for OpenAPI `pattern`s) matching none of the
/// characters [`check_line`] refuses: `^[^\p{Cc}…]*$` in ECMA-262 terms, spelled with
/// escapes only so every validator reads it the same way.
pub const LINE_CHARS_PATTERN: &str =
    r"^[^\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]*$";

/// True for a Unicode bidirectional formatting character (see [`BIDI_CONTROLS`]).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Checks that `s` is one line of visible text: no control character, no bidirectional
/// formatting character.
pub fn check_line(s: &str) -> Result<(), TextError> {
    if s.chars().any(char::is_control) {
        return Err(TextError::ControlCharacter);
    }
    if s.chars().any(is_bidi_control) {
        return Err(TextError::BidiControl);
    }
    Ok(())
}

/// Trims `input` and checks it is 1..=`max` characters of one visible line
/// ([`check_line`]); returns the trimmed text.
pub fn single_line(input: &str, max: usize) -> Result<&str, TextError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(TextError::Empty);
    }
    if s.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    check_line(s)?;
    Ok(s)
}

/// `s` without its bidirectional formatting characters, for text that cannot be refused
/// (e.g. a name read from Microsoft Graph) before it goes into a mail or a header.
pub fn strip_bidi_controls(s: &str) -> Cow<'_, str> {
    if s.chars().any(is_bidi_control) {
        Cow::Owned(s.chars().filter(|c| !is_bidi_control(*c)).collect())
    } else {
        Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_line_trims_and_checks_each_rule() {
        assert_eq!(single_line("  a b ", 5), Ok("a b"));
        assert_eq!(single_line("   ", 5), Err(TextError::Empty));
        assert_eq!(single_line("abcdef", 5), Err(TextError::TooLong { max: 5 }));
        assert_eq!(single_line("a\nb", 5), Err(TextError::ControlCharacter));
        assert_eq!(single_line("a\u{0}b", 5), Err(TextError::ControlCharacter));
        assert_eq!(single_line("ééééé", 5), Ok("ééééé"));
    }

    #[test]
    fn every_bidirectional_formatting_character_is_refused() {
        for c in BIDI_CONTROLS {
            assert!(is_bidi_control(c), "{:04X}", u32::from(c));
            let name = format!("Acme{c}moc.evil");
            assert_eq!(
                single_line(&name, 50),
                Err(TextError::BidiControl),
                "U+{:04X}",
                u32::from(c)
            );
        }
        // Right-to-left scripts themselves are fine; only the invisible formatting is not.
        assert_eq!(single_line("مستشفى الشفاء", 50), Ok("مستشفى الشفاء"));
        assert_eq!(single_line("בית חולים", 50), Ok("בית חולים"));
        // Neighbours of the ranges are ordinary characters.
        for c in [
            '\u{2029}', '\u{202F}', '\u{2065}', '\u{206A}', '\u{200D}', '\u{061B}',
        ] {
            assert!(!is_bidi_control(c), "{:04X}", u32::from(c));
        }
    }

    #[test]
    fn stripping_removes_only_bidirectional_formatting() {
        assert!(matches!(
            strip_bidi_controls("Avery"),
            Cow::Borrowed("Avery")
        ));
        assert_eq!(strip_bidi_controls("Av\u{202E}ery\u{2066}"), "Avery");
        assert_eq!(strip_bidi_controls("نور"), "نور");
    }

    #[test]
    fn the_pattern_names_the_same_bidirectional_characters() {
        for c in BIDI_CONTROLS {
            let escaped = format!("\\u{:04X}", u32::from(c));
            let in_range = match u32::from(c) {
                0x202A..=0x202E => LINE_CHARS_PATTERN.contains(r"\u202A-\u202E"),
                0x2066..=0x2069 => LINE_CHARS_PATTERN.contains(r"\u2066-\u2069"),
                _ => LINE_CHARS_PATTERN.contains(&escaped),
            };
            assert!(in_range, "{escaped}");
        }
    }
}
