//! [`error_chain`]: an error and its causes on one log line.

/// `error: cause: cause` for one-line logs. A cause whose text its parent already ends with
/// (as lapin's and sqlx's errors quote their source) is not repeated.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::error_chain;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] std::io::Error);

    #[derive(Debug, thiserror::Error)]
    #[error("quoting: {0}")]
    struct Quoting(#[source] std::io::Error);

    #[test]
    fn chains_causes_without_repeating_quoted_ones() {
        let io = || std::io::Error::other("reset");
        assert_eq!(error_chain(&Outer(io())), "outer: reset");
        assert_eq!(error_chain(&Quoting(io())), "quoting: reset");
    }
}
