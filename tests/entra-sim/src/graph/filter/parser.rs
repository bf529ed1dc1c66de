//! Recursive-descent parser for `$filter`.

use super::lexer::Tok;
use super::{Expr, Field, Lit, Op, Target, resolve_field, unsupported_prop};
use crate::graph::response::GraphError;

pub enum PErr {
    Syntax(String),
    Graph(GraphError),
}

pub struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    target: Target,
}

fn syntax(m: impl Into<String>) -> PErr {
    PErr::Syntax(m.into())
}

impl Parser {
    pub fn new(toks: Vec<Tok>, target: Target) -> Self {
        Self {
            toks,
            pos: 0,
            target,
        }
    }

    pub fn parse(mut self) -> Result<Expr, PErr> {
        let e = self.or()?;
        if self.pos != self.toks.len() {
            return Err(syntax(format!(
                "unexpected token {:?}",
                self.toks[self.pos]
            )));
        }
        Ok(e)
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(s)) if s.eq_ignore_ascii_case(kw))
    }

    fn expect(&mut self, t: Tok) -> Result<(), PErr> {
        match self.next() {
            Some(x) if x == t => Ok(()),
            other => Err(syntax(format!("expected {t:?}, found {other:?}"))),
        }
    }

    fn or(&mut self) -> Result<Expr, PErr> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.pos += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, PErr> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.pos += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, PErr> {
        if self.keyword("not") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn field(&self, name: &str) -> Result<Field, PErr> {
        resolve_field(name, self.target)
            .ok_or_else(|| PErr::Graph(unsupported_prop(name, self.target)))
    }

    fn literal(&mut self) -> Result<Lit, PErr> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Lit::Str(s)),
            Some(Tok::Raw(r)) => Ok(Lit::Raw(r)),
            Some(Tok::Ident(i)) if i.eq_ignore_ascii_case("true") => Ok(Lit::Bool(true)),
            Some(Tok::Ident(i)) if i.eq_ignore_ascii_case("false") => Ok(Lit::Bool(false)),
            Some(Tok::Ident(i)) if i.eq_ignore_ascii_case("null") => Ok(Lit::Null),
            other => Err(syntax(format!("expected a literal, found {other:?}"))),
        }
    }

    fn string(&mut self) -> Result<String, PErr> {
        match self.literal()? {
            Lit::Str(s) => Ok(s),
            other => Err(syntax(format!(
                "expected a string literal, found {other:?}"
            ))),
        }
    }

    fn primary(&mut self) -> Result<Expr, PErr> {
        match self.next() {
            Some(Tok::LParen) => {
                let e = self.or()?;
                self.expect(Tok::RParen)?;
                Ok(e)
            }
            Some(Tok::Ident(name)) => {
                let lower = name.to_ascii_lowercase();
                if (lower == "startswith" || lower == "endswith")
                    && self.peek() == Some(&Tok::LParen)
                {
                    self.pos += 1;
                    let prop = match self.next() {
                        Some(Tok::Ident(p)) => p,
                        other => {
                            return Err(syntax(format!("expected a property, found {other:?}")));
                        }
                    };
                    self.expect(Tok::Comma)?;
                    let v = self.string()?;
                    self.expect(Tok::RParen)?;
                    let f = self.field(&prop)?;
                    return Ok(if lower == "startswith" {
                        Expr::Starts(f, v)
                    } else {
                        Expr::Ends(f, v)
                    });
                }
                if let Some(coll) = lower.strip_suffix("/any").map(|_| &name[..name.len() - 4]) {
                    return self.lambda(coll.to_string());
                }
                let f = self.field(&name)?;
                let op = match self.next() {
                    Some(Tok::Ident(o)) => o.to_ascii_lowercase(),
                    other => return Err(syntax(format!("expected an operator, found {other:?}"))),
                };
                if op == "in" {
                    self.expect(Tok::LParen)?;
                    let mut vals = vec![self.literal()?];
                    while self.peek() == Some(&Tok::Comma) {
                        self.pos += 1;
                        vals.push(self.literal()?);
                    }
                    self.expect(Tok::RParen)?;
                    return Ok(Expr::In(f, vals));
                }
                let op = match op.as_str() {
                    "eq" => Op::Eq,
                    "ne" => Op::Ne,
                    "gt" => Op::Gt,
                    "ge" => Op::Ge,
                    "lt" => Op::Lt,
                    "le" => Op::Le,
                    other => return Err(syntax(format!("unknown operator '{other}'"))),
                };
                Ok(Expr::Cmp(f, op, self.literal()?))
            }
            other => Err(syntax(format!("unexpected {other:?}"))),
        }
    }

    /// `coll/any(x: x eq 'v')` or `coll/any(x: startswith(x, 'v'))`.
    fn lambda(&mut self, coll: String) -> Result<Expr, PErr> {
        let f = self.field(&coll)?;
        self.expect(Tok::LParen)?;
        let var = match self.next() {
            Some(Tok::Ident(v)) => v,
            other => {
                return Err(syntax(format!(
                    "expected a lambda variable, found {other:?}"
                )));
            }
        };
        self.expect(Tok::Colon)?;
        let e = match self.next() {
            Some(Tok::Ident(v)) if v == var => {
                if !self.keyword("eq") {
                    return Err(syntax("only 'eq' is supported inside any()"));
                }
                self.pos += 1;
                Expr::Any(f, false, self.string()?)
            }
            Some(Tok::Ident(fun)) if fun.eq_ignore_ascii_case("startswith") => {
                self.expect(Tok::LParen)?;
                match self.next() {
                    Some(Tok::Ident(v)) if v == var => {}
                    other => return Err(syntax(format!("expected '{var}', found {other:?}"))),
                }
                self.expect(Tok::Comma)?;
                let s = self.string()?;
                self.expect(Tok::RParen)?;
                Expr::Any(f, true, s)
            }
            other => return Err(syntax(format!("unsupported lambda body {other:?}"))),
        };
        self.expect(Tok::RParen)?;
        Ok(e)
    }
}
