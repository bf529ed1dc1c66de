//! Data access, one module per table family. Functions take a connection (the caller owns
//! the transaction and its tenant context) and return records or `pa_db::DbError`, whose
//! constraint violations the service layer maps to 409/422 by constraint name.

pub mod idempotency;
pub mod operator_keys;
pub mod provisioning;
pub mod setup_links;
pub mod tenant_data;
pub mod tenants;

/// Escapes `\`, `%` and `_` so user text matches literally in `LIKE ... ESCAPE '\'`.
pub(crate) fn like_prefix(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_prefix_escapes_wildcards() {
        assert_eq!(super::like_prefix(r"a_b%c\"), r"a\_b\%c\\%");
    }
}
