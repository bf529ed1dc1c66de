//! `/users`, `/users/$count`, `/users/{id | userPrincipalName}`, `/me`.

use super::ctx::Ctx;
use super::filter::Target;
use super::list::{Listing, Matcher, Shape, orderby, run, write_object};
use super::props::{context, user_select};
use super::response::{GraphError, GraphOk};
use crate::store::Directory;
use crate::store::model::MemberRef;

fn users_source<'a>(
    dir: &'a Directory,
) -> impl Fn(u64) -> Box<dyn Iterator<Item = (u64, MemberRef)> + 'a> + 'a {
    move |start| {
        let len = dir.users.len() as u64;
        Box::new((start.min(len)..len).map(|i| (i, MemberRef::User(i as u32))))
    }
}

pub fn list(ctx: &Ctx<'_>) -> Result<GraphOk, GraphError> {
    ctx.reject_expand()?;
    let shape = Shape {
        uprops: user_select(ctx.p.select.as_ref())?,
        gprops: Vec::new(),
        odata_type: false,
    };
    let matcher = Matcher {
        users: true,
        groups: false,
        filter: ctx.filter(Target::Users)?,
        search: ctx.search(Target::Users)?,
    };
    let sort = orderby(ctx, true)?;
    let dir = ctx.tenant.dir.read();
    let listing = Listing {
        kind: "users",
        context_set: "users",
        shape,
        matcher,
        sort,
        version: 0,
    };
    run(ctx, &dir, listing, users_source(&dir))
}

pub fn count(ctx: &Ctx<'_>) -> Result<GraphOk, GraphError> {
    ctx.require_count_header()?;
    let matcher = Matcher {
        users: true,
        groups: false,
        filter: ctx.filter(Target::Users)?,
        search: ctx.search(Target::Users)?,
    };
    let dir = ctx.tenant.dir.read();
    let n = (0..dir.users.len())
        .filter(|i| matcher.accepts(&dir, MemberRef::User(*i as u32)))
        .count();
    Ok(GraphOk::text(n.to_string()))
}

/// `/users/{key}`: GUID or UPN (already percent-decoded by the router).
pub fn get(ctx: &Ctx<'_>, key: &str) -> Result<GraphOk, GraphError> {
    ctx.reject_expand()?;
    let uprops = user_select(ctx.p.select.as_ref())?;
    let dir = ctx.tenant.dir.read();
    let idx = dir
        .find_user(key)
        .filter(|i| dir.users[*i as usize].is_live())
        .ok_or_else(|| GraphError::not_found(key))?;
    single(ctx, &dir, idx, uprops)
}

fn single(
    ctx: &Ctx<'_>,
    dir: &Directory,
    idx: u32,
    uprops: Vec<super::props::UP>,
) -> Result<GraphOk, GraphError> {
    let shape = Shape {
        uprops,
        gprops: Vec::new(),
        odata_type: false,
    };
    let mut obj = Vec::with_capacity(512);
    write_object(&mut obj, dir, MemberRef::User(idx), &shape);
    let ctx_url = context(&ctx.st.graph_base, "users", ctx.p.select.as_ref(), true);
    let mut out = Vec::with_capacity(obj.len() + 128);
    out.extend_from_slice(b"{\"@odata.context\":");
    super::props::w_str(&mut out, &ctx_url);
    out.push(b',');
    out.extend_from_slice(&obj[1..]);
    Ok(GraphOk::json(out))
}

/// `/me` (delegated tokens only).
pub fn me(ctx: &Ctx<'_>) -> Result<GraphOk, GraphError> {
    let Some(oid) = ctx.caller.user else {
        return Err(GraphError::bad_request(
            "/me request is only valid with delegated authentication flow.",
        ));
    };
    let uprops = user_select(ctx.p.select.as_ref())?;
    let dir = ctx.tenant.dir.read();
    let idx = dir
        .user_idx_by_id(&oid)
        .filter(|i| dir.users[*i as usize].is_live())
        .ok_or_else(|| GraphError::not_found(&oid.to_string()))?;
    single(ctx, &dir, idx, uprops)
}
