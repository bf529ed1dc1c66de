//! `$filter` for directory objects: a small OData expression parser plus the default/advanced split (§4.3).

use super::props::{GP, UP, group_prop, user_prop};
use super::response::GraphError;
use crate::store::model::{Group, User};

#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Str(String),
    Bool(bool),
    Null,
    Raw(String),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub up: Option<UP>,
    pub gp: Option<GP>,
}

#[derive(Debug, Clone)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp(Field, Op, Lit),
    In(Field, Vec<Lit>),
    Starts(Field, String),
    Ends(Field, String),
    /// `coll/any(x: x eq 'v')` or `coll/any(x: startswith(x, 'v'))`.
    Any(Field, bool, String),
}

/// Which entity types a filter is compiled for.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum Target {
    Users,
    Groups,
    DirectoryObjects,
}

mod lexer;
mod parser;

/// Parse and check a `$filter`; `advanced` = ConsistencyLevel:eventual + $count=true.
pub fn compile(src: &str, target: Target, advanced: bool) -> Result<Expr, GraphError> {
    let toks = lexer::lex(src)
        .map_err(|e| GraphError::new(400, "BadRequest", format!("Invalid filter clause: {e}")))?;
    let expr = parser::Parser::new(toks, target)
        .parse()
        .map_err(|e| match e {
            parser::PErr::Syntax(m) => {
                GraphError::new(400, "BadRequest", format!("Invalid filter clause: {m}"))
            }
            parser::PErr::Graph(g) => g,
        })?;
    check(&expr, target, advanced)?;
    Ok(expr)
}

fn resource(target: Target) -> &'static str {
    match target {
        Target::Users => "User",
        Target::Groups => "Group",
        Target::DirectoryObjects => "DirectoryObject",
    }
}

fn needs_params(op: &str) -> GraphError {
    GraphError::unsupported(format!(
        "Operator '{op}' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information"
    ))
}

fn unsupported_prop(name: &str, target: Target) -> GraphError {
    GraphError::unsupported(format!(
        "Unsupported or invalid query filter clause specified for property '{name}' of resource '{}'.",
        resource(target)
    ))
}

/// Properties filterable without advanced query parameters.
fn default_filterable(f: &Field) -> bool {
    let user_ok = f.up.is_some_and(|p| {
        matches!(
            p,
            UP::Id
                | UP::UserPrincipalName
                | UP::DisplayName
                | UP::GivenName
                | UP::Surname
                | UP::Mail
                | UP::MailNickname
                | UP::JobTitle
                | UP::Department
                | UP::AccountEnabled
                | UP::UserType
                | UP::EmployeeId
                | UP::OtherMails
                | UP::ProxyAddresses
        )
    });
    let group_ok = f.gp.is_some_and(|p| {
        matches!(
            p,
            GP::Id
                | GP::DisplayName
                | GP::Mail
                | GP::MailEnabled
                | GP::MailNickname
                | GP::SecurityEnabled
                | GP::GroupTypes
                | GP::ProxyAddresses
        ) || matches!(
            p,
            GP::Null("onPremisesSyncEnabled") | GP::Null("isAssignableToRole")
        )
    });
    user_ok || group_ok
}

fn check(e: &Expr, target: Target, adv: bool) -> Result<(), GraphError> {
    let field_ok = |f: &Field| {
        if adv || default_filterable(f) {
            Ok(())
        } else {
            Err(unsupported_prop(&f.name, target))
        }
    };
    match e {
        Expr::And(a, b) | Expr::Or(a, b) => {
            check(a, target, adv)?;
            check(b, target, adv)
        }
        Expr::Not(a) => {
            if !adv {
                return Err(needs_params("Not"));
            }
            check(a, target, adv)
        }
        Expr::Cmp(f, op, _) => {
            let name = match op {
                Op::Eq => None,
                Op::Ne => Some("ne"),
                Op::Gt => Some("gt"),
                Op::Ge => Some("ge"),
                Op::Lt => Some("lt"),
                Op::Le => Some("le"),
            };
            if let Some(n) = name
                && !adv
            {
                return Err(needs_params(n));
            }
            field_ok(f)
        }
        Expr::In(f, _) | Expr::Starts(f, _) | Expr::Any(f, _, _) => field_ok(f),
        Expr::Ends(f, _) => {
            if !adv {
                return Err(needs_params("endsWith"));
            }
            let ok = matches!(
                f.up,
                Some(UP::Mail | UP::UserPrincipalName | UP::OtherMails | UP::ProxyAddresses)
            ) || matches!(f.gp, Some(GP::Mail | GP::ProxyAddresses));
            if ok {
                Ok(())
            } else {
                Err(unsupported_prop(&f.name, target))
            }
        }
    }
}

pub fn resolve_field(name: &str, target: Target) -> Option<Field> {
    let up = if target != Target::Groups {
        user_prop(name)
    } else {
        None
    };
    let gp = if target != Target::Users {
        group_prop(name)
    } else {
        None
    };
    (up.is_some() || gp.is_some()).then(|| Field {
        name: name.to_string(),
        up,
        gp,
    })
}

// ---- evaluation ----

pub enum Ent<'a> {
    User(&'a User),
    Group(&'a Group),
}

enum V<'a> {
    S(Option<&'a str>),
    B(bool),
    L(Vec<String>),
    T(Option<i64>),
}

fn value<'a>(e: &Ent<'a>, f: &Field) -> Option<V<'a>> {
    match e {
        Ent::User(u) => Some(match f.up? {
            UP::Id => V::L(vec![u.id.to_string()]),
            UP::UserPrincipalName => V::S(Some(&u.upn)),
            UP::DisplayName => V::S(Some(&u.display_name)),
            UP::GivenName => V::S(u.given_name.as_deref()),
            UP::Surname => V::S(u.surname.as_deref()),
            UP::Mail => V::S(u.mail.as_deref()),
            UP::MailNickname => V::S(Some(&u.mail_nickname)),
            UP::JobTitle => V::S(u.job_title.as_deref()),
            UP::Department => V::S(u.department.as_deref()),
            UP::OfficeLocation => V::S(u.office_location.as_deref()),
            UP::MobilePhone => V::S(u.mobile_phone.as_deref()),
            UP::BusinessPhones => V::L(u.business_phones.clone()),
            UP::PreferredLanguage => V::S(u.preferred_language.as_deref()),
            UP::EmployeeId => V::S(u.employee_id.as_deref()),
            UP::AccountEnabled => V::B(u.account_enabled),
            UP::UserType => V::S(Some(&u.user_type)),
            UP::CreatedDateTime => V::T(Some(u.created)),
            UP::DeletedDateTime => V::T(u.deleted_at),
            UP::OtherMails | UP::Empty(_) => V::L(Vec::new()),
            UP::ProxyAddresses => V::L(u.mail.iter().map(|m| format!("SMTP:{m}")).collect()),
            UP::Null(_) => V::S(None),
        }),
        Ent::Group(g) => Some(match f.gp? {
            GP::Id => V::L(vec![g.id.to_string()]),
            GP::DisplayName => V::S(Some(&g.display_name)),
            GP::Description => V::S(g.description.as_deref()),
            GP::Mail => V::S(g.mail.as_deref()),
            GP::MailEnabled => V::B(g.mail_enabled),
            GP::MailNickname => V::S(Some(&g.mail_nickname)),
            GP::SecurityEnabled => V::B(g.security_enabled),
            GP::GroupTypes => V::L(g.group_types().iter().map(|s| s.to_string()).collect()),
            GP::Visibility => V::S(g.visibility.as_deref()),
            GP::CreatedDateTime | GP::RenewedDateTime => V::T(Some(g.created)),
            GP::DeletedDateTime => V::T(g.deleted_at),
            GP::ProxyAddresses => V::L(g.mail.iter().map(|m| format!("SMTP:{m}")).collect()),
            GP::SecurityIdentifier | GP::Null(_) => V::S(None),
            GP::Members | GP::Empty(_) => V::L(Vec::new()),
        }),
    }
}

fn cmp_str(a: &str, op: Op, b: &str) -> bool {
    let (a, b) = (a.to_lowercase(), b.to_lowercase());
    match op {
        Op::Eq => a == b,
        Op::Ne => a != b,
        Op::Gt => a > b,
        Op::Ge => a >= b,
        Op::Lt => a < b,
        Op::Le => a <= b,
    }
}

fn cmp(v: &V<'_>, op: Op, lit: &Lit) -> bool {
    if *lit == Lit::Null {
        let is_null = matches!(v, V::S(None) | V::T(None));
        return match op {
            Op::Eq => is_null,
            Op::Ne => !is_null,
            _ => false,
        };
    }
    match (v, lit) {
        (V::S(Some(s)), Lit::Str(l)) => cmp_str(s, op, l),
        (V::S(None), _) => op == Op::Ne,
        (V::B(b), Lit::Bool(l)) => match op {
            Op::Eq => b == l,
            Op::Ne => b != l,
            _ => false,
        },
        (V::L(items), Lit::Str(l)) => {
            let hit = items.iter().any(|i| i.eq_ignore_ascii_case(l));
            if op == Op::Ne { !hit } else { hit }
        }
        (V::T(Some(t)), Lit::Raw(r)) | (V::T(Some(t)), Lit::Str(r)) => {
            let Ok(l) =
                time::OffsetDateTime::parse(r, &time::format_description::well_known::Rfc3339)
            else {
                return false;
            };
            let l = l.unix_timestamp();
            match op {
                Op::Eq => *t == l,
                Op::Ne => *t != l,
                Op::Gt => *t > l,
                Op::Ge => *t >= l,
                Op::Lt => *t < l,
                Op::Le => *t <= l,
            }
        }
        _ => false,
    }
}

pub fn eval(e: &Expr, ent: &Ent<'_>) -> bool {
    match e {
        Expr::And(a, b) => eval(a, ent) && eval(b, ent),
        Expr::Or(a, b) => eval(a, ent) || eval(b, ent),
        Expr::Not(a) => !eval(a, ent),
        Expr::Cmp(f, op, lit) => value(ent, f).is_some_and(|v| cmp(&v, *op, lit)),
        Expr::In(f, lits) => value(ent, f).is_some_and(|v| lits.iter().any(|l| cmp(&v, Op::Eq, l))),
        Expr::Starts(f, p) | Expr::Ends(f, p) => {
            let starts = matches!(e, Expr::Starts(..));
            let test = |s: &str| {
                let (s, p) = (s.to_lowercase(), p.to_lowercase());
                if starts {
                    s.starts_with(&p)
                } else {
                    s.ends_with(&p)
                }
            };
            match value(ent, f) {
                Some(V::S(Some(s))) => test(s),
                Some(V::L(items)) => items.iter().any(|i| test(i)),
                _ => false,
            }
        }
        Expr::Any(f, starts, v) => match value(ent, f) {
            Some(V::L(items)) => items.iter().any(|i| {
                if *starts {
                    i.to_lowercase().starts_with(&v.to_lowercase())
                } else {
                    i.eq_ignore_ascii_case(v)
                }
            }),
            _ => false,
        },
    }
}
