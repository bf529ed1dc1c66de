//! CSV cells: RFC 4180 quoting and spreadsheet formula-injection neutralising.

/// Appends `value` as one CSV cell (RFC 4180).
///
/// A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading
/// `'` (OWASP "CSV Injection"): spreadsheets would otherwise run it as a formula. A cell
/// containing `"`, `,`, CR or LF — or neutralised as above — is quoted, with `"` doubled.
pub(crate) fn push_cell(out: &mut Vec<u8>, value: &str) {
    let formula = matches!(
        value.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    );
    let quote = formula
        || value
            .bytes()
            .any(|b| matches!(b, b'"' | b',' | b'\r' | b'\n'));
    if !quote {
        out.extend_from_slice(value.as_bytes());
        return;
    }
    out.push(b'"');
    if formula {
        out.push(b'\'');
    }
    for part in value.split_inclusive('"') {
        out.extend_from_slice(part.as_bytes());
        if part.ends_with('"') {
            out.push(b'"');
        }
    }
    out.push(b'"');
}

/// Appends an optional cell (NULL is an empty cell).
pub(crate) fn push_opt(out: &mut Vec<u8>, value: Option<&str>) {
    if let Some(v) = value {
        push_cell(out, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(v: &str) -> String {
        let mut out = Vec::new();
        push_cell(&mut out, v);
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn plain_cells_are_written_as_they_are() {
        assert_eq!(cell("session.started"), "session.started");
        assert_eq!(cell(""), "");
        assert_eq!(cell("203.0.113.7"), "203.0.113.7");
    }

    #[test]
    fn delimiters_quotes_and_line_breaks_are_quoted() {
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\r\nlines"), "\"two\r\nlines\"");
        assert_eq!(
            cell(r#"{"a": 1, "b": "x"}"#),
            r#""{""a"": 1, ""b"": ""x""}""#
        );
    }

    #[test]
    fn formula_starters_are_neutralised() {
        assert_eq!(
            cell("=HYPERLINK(\"http://x\")"),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        assert_eq!(cell("+1"), "\"'+1\"");
        assert_eq!(cell("-2+3"), "\"'-2+3\"");
        assert_eq!(cell("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(cell("\tx"), "\"'\tx\"");
        assert_eq!(cell("\rx"), "\"'\rx\"");
        // Only the first character matters.
        assert_eq!(cell("a=b"), "a=b");
    }
}
