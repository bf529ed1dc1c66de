//! The paging engine shared by `/users`, `/groups` and member listings: candidate iteration from an opaque
//! cursor, filter/search predicates, optional `$orderby`, `@odata.count`, and fast page serialisation.

use super::ctx::Ctx;
use super::filter::{self, Ent, Expr};
use super::props::{GP, UP, context, w_str, write_group_fields, write_user_fields};
use super::response::{GraphError, GraphOk};
use super::search::{self, SExpr};
use crate::store::Directory;
use crate::store::model::MemberRef;

/// What each item looks like on the wire.
pub struct Shape {
    pub uprops: Vec<UP>,
    pub gprops: Vec<GP>,
    /// Emit `@odata.type` (directoryObjects collections).
    pub odata_type: bool,
}

/// Which objects a listing accepts.
pub struct Matcher {
    pub users: bool,
    pub groups: bool,
    pub filter: Option<Expr>,
    pub search: Option<SExpr>,
}

impl Matcher {
    pub fn accepts(&self, dir: &Directory, m: MemberRef) -> bool {
        let ent = match m {
            MemberRef::User(i) => {
                let u = &dir.users[i as usize];
                if !self.users || !u.is_live() {
                    return false;
                }
                Ent::User(u)
            }
            MemberRef::Group(i) => {
                let g = &dir.groups[i as usize];
                if !self.groups || !g.is_live() {
                    return false;
                }
                Ent::Group(g)
            }
        };
        self.filter.as_ref().is_none_or(|f| filter::eval(f, &ent))
            && self
                .search
                .as_ref()
                .is_none_or(|s| search::matches(s, &ent))
    }
}

/// Up to `top` accepted items from `iter`; `next` = position of the first accepted item beyond the page.
pub fn collect<I>(
    iter: I,
    top: usize,
    mut accept: impl FnMut(MemberRef) -> bool,
) -> (Vec<MemberRef>, Option<u64>)
where
    I: Iterator<Item = (u64, MemberRef)>,
{
    let mut items = Vec::with_capacity(top.min(1000));
    for (pos, m) in iter {
        if !accept(m) {
            continue;
        }
        if items.len() == top {
            return (items, Some(pos));
        }
        items.push(m);
    }
    (items, None)
}

#[derive(Copy, Clone, Debug, PartialEq)]
pub enum SortKey {
    DisplayName,
    UserPrincipalName,
}

/// `$orderby` (one key, asc/desc). Default-supported: displayName (users, groups), userPrincipalName (users).
pub fn orderby(ctx: &Ctx<'_>, users_only: bool) -> Result<Option<(SortKey, bool)>, GraphError> {
    let Some(ob) = ctx.p.orderby.as_deref() else {
        return Ok(None);
    };
    if ctx.p.filter.is_some() && !ctx.p.advanced() {
        return Err(GraphError::unsupported(
            "Sorting not supported for current query.",
        ));
    }
    let mut parts = ob.split_whitespace();
    let key = parts.next().unwrap_or("");
    let desc = match parts.next().map(str::to_ascii_lowercase).as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(_) => {
            return Err(GraphError::bad_request(format!(
                "Invalid $orderby clause '{ob}'."
            )));
        }
    };
    let k = match key.to_ascii_lowercase().as_str() {
        "displayname" => SortKey::DisplayName,
        "userprincipalname" if users_only => SortKey::UserPrincipalName,
        _ => {
            return Err(GraphError::unsupported(format!(
                "Sorting by property '{key}' is not supported."
            )));
        }
    };
    Ok(Some((k, desc)))
}

fn sort_text(dir: &Directory, m: MemberRef, k: SortKey) -> String {
    match (m, k) {
        (MemberRef::User(i), SortKey::DisplayName) => {
            dir.users[i as usize].display_name.to_lowercase()
        }
        (MemberRef::User(i), SortKey::UserPrincipalName) => {
            dir.users[i as usize].upn.to_lowercase()
        }
        (MemberRef::Group(i), _) => dir.groups[i as usize].display_name.to_lowercase(),
    }
}

/// One page of a listing. `source` yields (cursor position, object) from `start`; `kind` tags the cursor.
pub struct Listing<'a> {
    pub kind: &'a str,
    pub context_set: &'a str,
    pub shape: Shape,
    pub matcher: Matcher,
    pub sort: Option<(SortKey, bool)>,
    pub version: u64,
}

pub fn run<'d, F, I>(
    ctx: &Ctx<'_>,
    dir: &'d Directory,
    l: Listing<'_>,
    source: F,
) -> Result<GraphOk, GraphError>
where
    F: Fn(u64) -> I,
    I: Iterator<Item = (u64, MemberRef)> + 'd,
{
    let top = ctx.p.page_size();
    let (start, _) = ctx.position(l.kind)?;
    let count = ctx.wants_count().then(|| {
        source(0)
            .filter(|(_, m)| l.matcher.accepts(dir, *m))
            .count()
    });
    let (items, next) = match l.sort {
        None => collect(source(start), top, |m| l.matcher.accepts(dir, m)),
        Some((key, desc)) => {
            let mut all: Vec<(String, MemberRef)> = source(0)
                .filter(|(_, m)| l.matcher.accepts(dir, *m))
                .map(|(_, m)| (sort_text(dir, m, key), m))
                .collect();
            all.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
            if desc {
                all.reverse();
            }
            let from = (start as usize).min(all.len());
            let to = (from + top).min(all.len());
            let items = all[from..to].iter().map(|(_, m)| *m).collect();
            (items, (to < all.len()).then_some(to as u64))
        }
    };
    // Knobs: an empty page that still links to the same position, or a page served twice.
    let (items, next) = if !items.is_empty() && ctx.take_empty() {
        (Vec::new(), Some(start))
    } else {
        (
            items,
            next.map(|n| if ctx.take_duplicate() { start } else { n }),
        )
    };
    let link = next.map(|n| ctx.next_link(l.kind, n, l.version));
    let ctx_url = context(
        &ctx.st.graph_base,
        l.context_set,
        ctx.p.select.as_ref(),
        false,
    );
    Ok(GraphOk::json(write_collection(
        dir,
        &ctx_url,
        count,
        link.as_deref(),
        &items,
        &l.shape,
    )))
}

pub fn write_collection(
    dir: &Directory,
    context_url: &str,
    count: Option<usize>,
    next_link: Option<&str>,
    items: &[MemberRef],
    shape: &Shape,
) -> Vec<u8> {
    let per_item = if shape.uprops.len() > 12 || shape.gprops.len() > 12 {
        700
    } else {
        320
    };
    let mut out = Vec::with_capacity(256 + items.len() * per_item);
    out.extend_from_slice(b"{\"@odata.context\":");
    w_str(&mut out, context_url);
    if let Some(c) = count {
        out.extend_from_slice(format!(",\"@odata.count\":{c}").as_bytes());
    }
    if let Some(n) = next_link {
        out.extend_from_slice(b",\"@odata.nextLink\":");
        w_str(&mut out, n);
    }
    out.extend_from_slice(b",\"value\":[");
    for (i, m) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_object(&mut out, dir, *m, shape);
    }
    out.extend_from_slice(b"]}");
    out
}

pub fn write_object(out: &mut Vec<u8>, dir: &Directory, m: MemberRef, shape: &Shape) {
    out.push(b'{');
    let mut first = true;
    match m {
        MemberRef::User(i) => {
            if shape.odata_type {
                out.extend_from_slice(b"\"@odata.type\":\"#microsoft.graph.user\"");
                first = false;
            }
            write_user_fields(out, &dir.users[i as usize], &shape.uprops, &mut first);
        }
        MemberRef::Group(i) => {
            if shape.odata_type {
                out.extend_from_slice(b"\"@odata.type\":\"#microsoft.graph.group\"");
                first = false;
            }
            write_group_fields(out, &dir.groups[i as usize], &shape.gprops, &mut first);
        }
    }
    out.push(b'}');
}
