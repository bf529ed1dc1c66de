//! `/groups/{id}/members` and `/groups/{id}/transitiveMembers`, with `/microsoft.graph.user|group` casts
//! (also the short `graph.user` form) and `/$count` (§4.4).

use super::ctx::Ctx;
use super::filter::Target;
use super::groups::find;
use super::list::{Listing, Matcher, Shape, run};
use super::props::{GP, GROUP_DEFAULT, UP, USER_DEFAULT, group_prop, no_such_property, user_prop};
use super::response::{GraphError, GraphOk};

#[derive(Copy, Clone, Debug, PartialEq)]
pub enum Cast {
    None,
    User,
    Group,
}

pub fn parse_cast(seg: &str) -> Option<Cast> {
    match seg.to_ascii_lowercase().as_str() {
        "microsoft.graph.user" | "graph.user" => Some(Cast::User),
        "microsoft.graph.group" | "graph.group" => Some(Cast::Group),
        _ => None,
    }
}

/// `$select` over directoryObjects: each name must exist on at least one of the member types.
fn shape(ctx: &Ctx<'_>, cast: Cast) -> Result<Shape, GraphError> {
    let Some(sel) = &ctx.p.select else {
        return Ok(Shape {
            uprops: USER_DEFAULT.to_vec(),
            gprops: GROUP_DEFAULT.to_vec(),
            odata_type: cast == Cast::None,
        });
    };
    let mut uprops: Vec<UP> = Vec::new();
    let mut gprops: Vec<GP> = Vec::new();
    for s in sel {
        let u = if cast != Cast::Group {
            user_prop(s)
        } else {
            None
        };
        let g = if cast != Cast::User {
            group_prop(s).filter(|g| *g != GP::Members)
        } else {
            None
        };
        if u.is_none() && g.is_none() {
            let ty = match cast {
                Cast::User => "user",
                Cast::Group => "group",
                Cast::None => "directoryObject",
            };
            return Err(no_such_property(s, ty));
        }
        if let Some(u) = u.filter(|u| !uprops.contains(u)) {
            uprops.push(u);
        }
        if let Some(g) = g.filter(|g| !gprops.contains(g)) {
            gprops.push(g);
        }
    }
    if !uprops.contains(&UP::Id) {
        uprops.push(UP::Id);
    }
    if !gprops.contains(&GP::Id) {
        gprops.push(GP::Id);
    }
    Ok(Shape {
        uprops,
        gprops,
        odata_type: cast == Cast::None,
    })
}

fn matcher(ctx: &Ctx<'_>, cast: Cast) -> Result<Matcher, GraphError> {
    let target = match cast {
        Cast::User => Target::Users,
        Cast::Group => Target::Groups,
        Cast::None => Target::DirectoryObjects,
    };
    Ok(Matcher {
        users: cast != Cast::Group,
        groups: cast != Cast::User,
        filter: ctx.filter(target)?,
        search: ctx.search(target)?,
    })
}

fn check_cast(unified: bool, cast: Cast) -> Result<(), GraphError> {
    if unified && cast == Cast::Group {
        return Err(GraphError::unsupported(
            "The specified type cast 'microsoft.graph.group' is not valid for members of a Microsoft 365 group.",
        ));
    }
    Ok(())
}

pub fn list(
    ctx: &Ctx<'_>,
    group: &str,
    transitive: bool,
    cast: Cast,
) -> Result<GraphOk, GraphError> {
    ctx.reject_expand()?;
    let shape = shape(ctx, cast)?;
    let matcher = matcher(ctx, cast)?;
    if ctx.p.orderby.is_some() && !ctx.p.advanced() {
        return Err(GraphError::unsupported(
            "Sorting not supported for current query.",
        ));
    }
    let sort = super::list::orderby(ctx, cast == Cast::User)?;
    let dir = ctx.tenant.dir.read();
    let g = find(&dir, group)?;
    check_cast(dir.groups[g as usize].unified, cast)?;
    let set = match cast {
        Cast::User => "users",
        Cast::Group => "groups",
        Cast::None => "directoryObjects",
    };
    if transitive {
        let list = dir.transitive_members(g);
        let version = dir.membership_version;
        let listing = Listing {
            kind: "tm",
            context_set: set,
            shape,
            matcher,
            sort,
            version,
        };
        run(ctx, &dir, listing, |start| {
            let from = (start as usize).min(list.len());
            list[from..]
                .iter()
                .enumerate()
                .map(move |(i, m)| ((from + i) as u64, *m))
        })
    } else {
        let members = &dir.groups[g as usize].members;
        let listing = Listing {
            kind: "m",
            context_set: set,
            shape,
            matcher,
            sort,
            version: 0,
        };
        run(ctx, &dir, listing, |start| {
            members.range(start..).map(|(k, m)| (*k, *m))
        })
    }
}

pub fn count(
    ctx: &Ctx<'_>,
    group: &str,
    transitive: bool,
    cast: Cast,
) -> Result<GraphOk, GraphError> {
    ctx.require_count_header()?;
    let matcher = matcher(ctx, cast)?;
    let dir = ctx.tenant.dir.read();
    let g = find(&dir, group)?;
    check_cast(dir.groups[g as usize].unified, cast)?;
    let n = if transitive {
        dir.transitive_members(g)
            .iter()
            .filter(|m| matcher.accepts(&dir, **m))
            .count()
    } else {
        dir.groups[g as usize]
            .members
            .values()
            .filter(|m| matcher.accepts(&dir, **m))
            .count()
    };
    Ok(GraphOk::text(n.to_string()))
}
