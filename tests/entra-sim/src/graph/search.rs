//! `$search` on directory objects (§4.3): `"property:value"` clauses joined by `AND`/`OR`, tokenized matching on
//! `displayName`/`description`, prefix matching elsewhere.

use super::filter::{Ent, Target};
use super::response::GraphError;

#[derive(Copy, Clone, Debug, PartialEq)]
pub enum SProp {
    DisplayName,
    Description,
    Mail,
    UserPrincipalName,
    MailNickname,
    GivenName,
    Surname,
    JobTitle,
}

#[derive(Debug, Clone)]
pub enum SExpr {
    And(Box<SExpr>, Box<SExpr>),
    Or(Box<SExpr>, Box<SExpr>),
    Term(SProp, String),
}

fn bad(m: impl Into<String>) -> GraphError {
    GraphError::unsupported(m)
}

#[derive(Debug, PartialEq)]
enum T {
    Clause(String),
    And,
    Or,
    L,
    R,
}

fn lex(src: &str) -> Result<Vec<T>, GraphError> {
    let mut out = Vec::new();
    let mut it = src.trim().char_indices().peekable();
    let s = src.trim();
    while let Some((i, c)) = it.next() {
        match c {
            ' ' => {}
            '(' => out.push(T::L),
            ')' => out.push(T::R),
            '"' => {
                let mut clause = String::new();
                let mut closed = false;
                for (_, ch) in it.by_ref() {
                    if ch == '"' {
                        closed = true;
                        break;
                    }
                    clause.push(ch);
                }
                if !closed {
                    return Err(bad("Syntax error: unterminated quote in $search."));
                }
                out.push(T::Clause(clause));
            }
            _ => {
                let rest = &s[i..];
                let word: String = rest
                    .chars()
                    .take_while(|c| !c.is_whitespace() && *c != '(' && *c != ')')
                    .collect();
                for _ in 1..word.chars().count() {
                    it.next();
                }
                match word.as_str() {
                    "AND" => out.push(T::And),
                    "OR" => out.push(T::Or),
                    _ => {
                        return Err(bad(format!(
                            "Syntax error: '{word}' is not valid in $search; quote each clause, e.g. $search=\"displayName:{word}\"."
                        )));
                    }
                }
            }
        }
    }
    Ok(out)
}

fn prop(name: &str, target: Target) -> Option<SProp> {
    let p = match name.to_ascii_lowercase().as_str() {
        "displayname" => SProp::DisplayName,
        "description" if target != Target::Users => SProp::Description,
        "mail" => SProp::Mail,
        "userprincipalname" if target != Target::Groups => SProp::UserPrincipalName,
        "mailnickname" => SProp::MailNickname,
        "givenname" if target != Target::Groups => SProp::GivenName,
        "surname" if target != Target::Groups => SProp::Surname,
        "jobtitle" if target != Target::Groups => SProp::JobTitle,
        _ => return None,
    };
    Some(p)
}

pub fn compile(src: &str, target: Target) -> Result<SExpr, GraphError> {
    let toks = lex(src)?;
    let mut pos = 0;
    let e = or(&toks, &mut pos, target)?;
    if pos != toks.len() {
        return Err(bad("Syntax error in $search."));
    }
    Ok(e)
}

fn or(t: &[T], pos: &mut usize, target: Target) -> Result<SExpr, GraphError> {
    let mut l = and(t, pos, target)?;
    while t.get(*pos) == Some(&T::Or) {
        *pos += 1;
        l = SExpr::Or(Box::new(l), Box::new(and(t, pos, target)?));
    }
    Ok(l)
}

fn and(t: &[T], pos: &mut usize, target: Target) -> Result<SExpr, GraphError> {
    let mut l = atom(t, pos, target)?;
    while t.get(*pos) == Some(&T::And) {
        *pos += 1;
        l = SExpr::And(Box::new(l), Box::new(atom(t, pos, target)?));
    }
    Ok(l)
}

fn atom(t: &[T], pos: &mut usize, target: Target) -> Result<SExpr, GraphError> {
    match t.get(*pos) {
        Some(T::L) => {
            *pos += 1;
            let e = or(t, pos, target)?;
            if t.get(*pos) != Some(&T::R) {
                return Err(bad("Syntax error: missing ')' in $search."));
            }
            *pos += 1;
            Ok(e)
        }
        Some(T::Clause(c)) => {
            *pos += 1;
            let (p, v) = c.split_once(':').ok_or_else(|| {
                bad(format!(
                    "Invalid $search clause '{c}': expected \"property:value\"."
                ))
            })?;
            let sp = prop(p.trim(), target).ok_or_else(|| {
                bad(format!(
                    "Search on property '{}' is not supported.",
                    p.trim()
                ))
            })?;
            Ok(SExpr::Term(sp, v.trim().to_string()))
        }
        _ => Err(bad("Syntax error in $search.")),
    }
}

/// Split on spaces and symbols, between letters and digits, and at lower→Upper case changes.
pub fn tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut prev: Option<char> = None;
    for (i, c) in s.char_indices() {
        if !c.is_alphanumeric() {
            if let Some(st) = start.take() {
                out.push(&s[st..i]);
            }
            prev = None;
            continue;
        }
        if let (Some(st), Some(p)) = (start, prev) {
            let boundary =
                (p.is_lowercase() && c.is_uppercase()) || (p.is_alphabetic() != c.is_alphabetic());
            if boundary {
                out.push(&s[st..i]);
                start = Some(i);
            }
        }
        if start.is_none() {
            start = Some(i);
        }
        prev = Some(c);
    }
    if let Some(st) = start {
        out.push(&s[st..]);
    }
    out
}

fn starts_ci(hay: &str, prefix: &str) -> bool {
    let mut h = hay.chars().flat_map(char::to_lowercase);
    prefix
        .chars()
        .flat_map(char::to_lowercase)
        .all(|p| h.next() == Some(p))
}

fn tokenized_match(field: &str, query: &str) -> bool {
    let ft = tokens(field);
    let qt = tokens(query);
    !qt.is_empty() && qt.iter().all(|q| ft.iter().any(|f| starts_ci(f, q)))
}

fn text<'a>(ent: &Ent<'a>, p: SProp) -> Option<&'a str> {
    match ent {
        Ent::User(u) => match p {
            SProp::DisplayName => Some(&u.display_name),
            SProp::Mail => u.mail.as_deref(),
            SProp::UserPrincipalName => Some(&u.upn),
            SProp::MailNickname => Some(&u.mail_nickname),
            SProp::GivenName => u.given_name.as_deref(),
            SProp::Surname => u.surname.as_deref(),
            SProp::JobTitle => u.job_title.as_deref(),
            SProp::Description => None,
        },
        Ent::Group(g) => match p {
            SProp::DisplayName => Some(&g.display_name),
            SProp::Description => g.description.as_deref(),
            SProp::Mail => g.mail.as_deref(),
            SProp::MailNickname => Some(&g.mail_nickname),
            _ => None,
        },
    }
}

pub fn matches(e: &SExpr, ent: &Ent<'_>) -> bool {
    match e {
        SExpr::And(a, b) => matches(a, ent) && matches(b, ent),
        SExpr::Or(a, b) => matches(a, ent) || matches(b, ent),
        SExpr::Term(p, v) => match text(ent, *p) {
            None => false,
            Some(t) if matches!(p, SProp::DisplayName | SProp::Description) => {
                tokenized_match(t, v)
            }
            Some(t) => starts_ci(t, v),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::tokens;

    #[test]
    fn tokenizer_splits_on_case_changes_digits_and_symbols() {
        assert_eq!(tokens("Lake Washington"), vec!["Lake", "Washington"]);
        assert_eq!(
            tokens("iPhone12-pro_max"),
            vec!["i", "Phone", "12", "pro", "max"]
        );
        assert_eq!(tokens("FrontDesk"), vec!["Front", "Desk"]);
    }
}
