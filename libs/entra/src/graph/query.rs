//! OData query strings: page size, `$filter` literals, `$search` clauses and percent-encoding.

use std::fmt::Write as _;

/// Items per page (`$top`), 1–999 (Graph's directory maximum, the default here).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PageSize(u16);

impl PageSize {
    /// 999, the largest page Graph serves for directory objects.
    pub const MAX: PageSize = PageSize(999);

    /// A page size within 1..=999.
    pub fn new(size: u16) -> Option<Self> {
        (1..=999).contains(&size).then_some(Self(size))
    }

    /// The value.
    pub fn get(self) -> u16 {
        self.0
    }
}

impl Default for PageSize {
    fn default() -> Self {
        Self::MAX
    }
}

/// Ordered query parameters.
#[derive(Clone, Debug, Default)]
pub(crate) struct Query(Vec<(&'static str, String)>);

impl Query {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn push(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.0.push((key, value.into()));
        self
    }

    pub(crate) fn push_opt(self, key: &'static str, value: Option<String>) -> Self {
        match value {
            Some(v) => self.push(key, v),
            None => self,
        }
    }

    /// Appends `?k=v&…` (keys verbatim — they are our `$`-prefixed constants — values encoded).
    pub(crate) fn append_to(&self, url: &mut String) {
        for (i, (key, value)) in self.0.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(key);
            url.push('=');
            percent_encode_into(value, url);
        }
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters (so `@` → `%40`, `#` → `%23`,
/// space → `%20`, `'` → `%27`).
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    percent_encode_into(s, &mut out);
    out
}

fn percent_encode_into(s: &str, out: &mut String) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

/// An OData string literal: `'…'` with `'` doubled.
pub(crate) fn odata_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Joins `$filter` clauses with ` and `; `None` when there are none.
pub(crate) fn and_clauses(clauses: Vec<String>) -> Option<String> {
    (!clauses.is_empty()).then(|| clauses.join(" and "))
}

/// `id in ('a','b')`.
pub(crate) fn id_in(ids: impl IntoIterator<Item = String>) -> Option<String> {
    let list: Vec<String> = ids.into_iter().map(|id| odata_string(&id)).collect();
    (!list.is_empty()).then(|| format!("id in ({})", list.join(",")))
}

/// A `$search` clause `"property:text"`. Double quotes and backslashes in `text` become spaces: they
/// could otherwise close the clause (query injection), and tokenized matching splits on symbols anyway.
/// `None` when no words remain.
pub(crate) fn search_clause(property: &str, text: &str) -> Option<String> {
    let words: Vec<&str> = text
        .split(|c: char| c == '"' || c == '\\' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    (!words.is_empty()).then(|| format!("\"{property}:{}\"", words.join(" ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_size_is_bounded() {
        assert_eq!(PageSize::new(0), None);
        assert_eq!(PageSize::new(1000), None);
        assert_eq!(PageSize::new(999), Some(PageSize::MAX));
        assert_eq!(PageSize::default().get(), 999);
    }

    #[test]
    fn query_values_are_percent_encoded() {
        let mut url = "https://graph/v1.0/groups".to_owned();
        Query::new()
            .push("$filter", "startswith(displayName,'O''Brien team')")
            .push_opt("$search", search_clause("displayName", " a\"b\\ "))
            .push("$top", "999")
            .append_to(&mut url);
        assert_eq!(
            url,
            "https://graph/v1.0/groups?$filter=startswith%28displayName%2C%27O%27%27Brien%20team%27%29\
             &$search=%22displayName%3Aa%20b%22&$top=999"
        );
    }

    #[test]
    fn odata_literals_double_quotes() {
        assert_eq!(odata_string("O'Brien"), "'O''Brien'");
        assert_eq!(
            id_in(vec!["a".into(), "b".into()]).as_deref(),
            Some("id in ('a','b')")
        );
        assert_eq!(id_in(Vec::new()), None);
        assert_eq!(percent_encode("jo#EXT#@x.com"), "jo%23EXT%23%40x.com");
        assert_eq!(search_clause("displayName", " \" \\ "), None);
    }
}
