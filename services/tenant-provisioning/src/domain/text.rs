//! Shared rules for short, human-entered text values.

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
    /// Contains a character outside the allowed set.
    #[error("{0}")]
    Charset(&'static str),
}

/// Trims `input` and checks it is 1..=`max` characters without control characters.
pub(crate) fn single_line(input: &str, max: usize) -> Result<String, TextError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(TextError::Empty);
    }
    if s.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    if s.chars().any(char::is_control) {
        return Err(TextError::ControlCharacter);
    }
    Ok(s.to_owned())
}

/// A string schema with length bounds, for hand-written `ToSchema` impls.
pub(crate) fn string_schema(
    min: usize,
    max: usize,
    description: &str,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .min_length(Some(min))
        .max_length(Some(max))
        .description(Some(description))
        .into()
}

/// Implements `Display`, `AsRef<str>`, serde (`try_from = String`), and `ToSchema` for a
/// newtype over `String` with a `parse(&str) -> Result<Self, TextError>` constructor.
macro_rules! text_newtype {
    ($ty:ident, $min:expr, $max:expr, $doc:expr) => {
        impl $ty {
            /// The value as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $ty {
            type Error = $crate::domain::TextError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl From<$ty> for String {
            fn from(v: $ty) -> Self {
                v.0
            }
        }

        impl utoipa::PartialSchema for $ty {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $crate::domain::text::string_schema($min, $max, $doc)
            }
        }

        impl utoipa::ToSchema for $ty {}
    };
}
pub(crate) use text_newtype;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_line_trims_and_checks_each_rule() {
        assert_eq!(single_line("  a b ", 5), Ok("a b".to_owned()));
        assert_eq!(single_line("   ", 5), Err(TextError::Empty));
        assert_eq!(single_line("abcdef", 5), Err(TextError::TooLong { max: 5 }));
        assert_eq!(single_line("a\nb", 5), Err(TextError::ControlCharacter));
        assert_eq!(single_line("ééééé", 5), Ok("ééééé".to_owned()));
    }
}
