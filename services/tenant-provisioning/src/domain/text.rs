//! Short, human-entered text values: the rules are pa-domain's (`pa_domain::text`), shared
//! by every service; this adds the newtype boilerplate and schemas.

pub use pa_domain::text::TextError;

/// Trims `input` and checks it is 1..=`max` characters of one visible line: no control
/// characters, no Unicode bidirectional formatting (pa-domain's shared rule,
/// [`pa_domain::text::single_line`]).
pub(crate) fn single_line(input: &str, max: usize) -> Result<String, TextError> {
    pa_domain::text::single_line(input, max).map(str::to_owned)
}

/// The `pattern` of a [`single_line`] value's schema: no control or bidirectional
/// formatting characters (pa-domain's rule).
pub(crate) const SINGLE_LINE_PATTERN: &str = pa_domain::text::LINE_CHARS_PATTERN;

/// A string schema with length bounds (and a `pattern`, when given), for hand-written
/// `ToSchema` impls.
pub(crate) fn string_schema(
    min: usize,
    max: usize,
    description: &str,
    pattern: Option<&str>,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .min_length(Some(min))
        .max_length(Some(max))
        .pattern(pattern)
        .description(Some(description))
        .into()
}

/// Implements `Display`, `AsRef<str>`, serde (`try_from = String`), and `ToSchema` for a
/// newtype over `String` with a `parse(&str) -> Result<Self, TextError>` constructor;
/// `pattern = …` puts the character rule into the schema.
macro_rules! text_newtype {
    ($ty:ident, $min:expr, $max:expr, $doc:expr) => {
        $crate::domain::text::text_newtype!($ty, $min, $max, $doc, pattern = None);
    };
    ($ty:ident, $min:expr, $max:expr, $doc:expr, pattern = $pattern:expr) => {
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
                $crate::domain::text::string_schema($min, $max, $doc, $pattern)
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
        assert_eq!(single_line("a\u{202E}b", 5), Err(TextError::BidiControl));
    }
}
