//! `/users/delta` and `/groups/delta` (§5): initial rounds over the directory, incremental rounds from the change
//! log, `members@delta`, `@removed`, `$deltatoken=latest`, expiry, forced resets and the replay knob.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ctx::Ctx;
use super::delta_plan::{PlanKey, Unit};
use super::props::{GP, UP, context, group_select, user_select, w_str, write_group_fields, write_user_fields};
use super::query::enc;
use super::response::{GraphError, GraphOk};
use crate::store::Directory;
use crate::store::model::MemberRef;
use crate::util::{b64url, b64url_decode};

const DEFAULT_PAGE: usize = 200;
const DEFAULT_SLICE: usize = 500;

/// Everything a delta link carries (the opaque token).
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct DState {
    t: Uuid,
    g: bool,
    s: Option<Vec<String>>,
    f: Option<Vec<Uuid>>,
    init: bool,
    from: u64,
    head: u64,
    pos: u64,
    mpos: u64,
    slab: u64,
    iat: i64,
}

fn encode(s: &DState) -> String {
    b64url(&serde_json::to_vec(s).unwrap_or_default())
}

fn decode(tok: &str, ctx: &Ctx<'_>, groups: bool) -> Result<DState, GraphError> {
    let bad = || GraphError::new(400, "Request_BadRequest", "The delta token is invalid.");
    let s: DState = serde_json::from_slice(&b64url_decode(tok).ok_or_else(bad)?).map_err(|_| bad())?;
    if s.t != ctx.tid() || s.g != groups {
        return Err(bad());
    }
    Ok(s)
}

/// `$filter=id eq '…' or id eq '…'` (the only filter delta supports, ≤ 50 ids).
fn id_filter(f: &str) -> Result<Vec<Uuid>, GraphError> {
    let unsupported = || GraphError::unsupported(format!("Unsupported query filter for delta: '{f}'. Only 'id eq' clauses joined by 'or' are supported."));
    let mut ids = Vec::new();
    for clause in f.split(" or ").flat_map(|c| c.split(" OR ")) {
        let c = clause.trim();
        let rest = c.strip_prefix("id eq '").or_else(|| c.strip_prefix("id eq \"")).ok_or_else(unsupported)?;
        let id = rest.trim_end_matches(['\'', '"']);
        ids.push(Uuid::try_parse(id).map_err(|_| unsupported())?);
    }
    if ids.is_empty() || ids.len() > 50 {
        return Err(unsupported());
    }
    Ok(ids)
}

pub fn delta(ctx: &Ctx<'_>, groups: bool) -> Result<GraphOk, GraphError> {
    if ctx.p.search.is_some() || ctx.p.orderby.is_some() {
        return Err(GraphError::unsupported("$search and $orderby are not supported on delta queries."));
    }
    if ctx.p.expand.as_deref().is_some_and(|e| !e.eq_ignore_ascii_case("members")) {
        return Err(GraphError::unsupported("$expand is not supported on delta queries."));
    }
    let faults = ctx.tenant.faults();
    let now = ctx.st.now();
    let dir = ctx.tenant.dir.read();
    let head_now = dir.log.visible_head(now, faults.delta_visibility_delay_seconds);
    let coll = if groups { "groups" } else { "users" };
    let mut state = if let Some(tok) = &ctx.p.skiptoken {
        decode(tok, ctx, groups)?
    } else if let Some(tok) = ctx.p.deltatoken.as_deref().filter(|t| !t.is_empty()) {
        if tok.eq_ignore_ascii_case("latest") {
            let st = fresh(ctx, groups, now)?;
            let link = delta_link(ctx, coll, &DState { from: head_now, ..st });
            return Ok(GraphOk::json(envelope(ctx, coll, None, &link, true, b"")));
        }
        let mut s = decode(tok, ctx, groups)?;
        if s.iat + faults.delta_token_ttl_seconds as i64 <= now {
            return Err(GraphError::new(
                faults.delta_expired_status,
                "syncStateNotFound",
                format!("The sync state generation is not found; generation={};[highest={}].", s.from, head_now),
            ));
        }
        if take_reset(ctx) {
            let mut loc = format!("{}/v1.0/{coll}/delta?", ctx.st.graph_base);
            if let Some(sel) = &s.s {
                loc.push_str(&format!("$select={}&", enc(&sel.join(","))));
            }
            loc.push_str("$deltatoken=");
            return Err(GraphError::new(
                410,
                "resyncRequired",
                "Resync required. Replace any local items with the server's version (including deletes) if you're sure that the service was up to date with your local changes when you last sync'd. Upload any local changes that the server doesn't know about.",
            )
            .header("Location", loc));
        }
        if ctx.p.select.is_some() {
            s.s = ctx.p.select.clone();
        }
        DState { init: false, head: head_now.max(s.from), pos: 0, mpos: 0, ..s }
    } else {
        let mut s = fresh(ctx, groups, now)?;
        s.head = head_now;
        s.slab = if groups { dir.groups.len() } else { dir.users.len() } as u64;
        s
    };
    let uprops = if groups { Vec::new() } else { user_select(state.s.as_ref())? };
    let gprops = if groups { group_select(state.s.as_ref())? } else { Vec::new() };
    let members = groups && state.s.as_ref().is_none_or(|s| s.iter().any(|x| x.eq_ignore_ascii_case("members")));
    let page_size = faults.delta_page_size.unwrap_or(DEFAULT_PAGE);
    let slice = faults.delta_member_slice.unwrap_or(DEFAULT_SLICE);
    let shape = Shape { uprops: &uprops, gprops: &gprops, members };
    let mut body = Vec::with_capacity(page_size * 400);
    let start = (state.pos, state.mpos);
    let done = if state.init {
        initial_page(&dir, &mut state, page_size, slice, &shape, &mut body)
    } else {
        let key = PlanKey { groups, from: state.from, head: state.head, members, slice, ids: state.f.clone() };
        let plan = ctx.tenant.delta_plans.get_or_build(key, &dir);
        let end = (state.pos as usize + page_size).min(plan.units.len());
        let reps = if faults.delta_duplicate_replay { 2 } else { 1 };
        for unit in &plan.units[(state.pos as usize).min(end)..end] {
            for _ in 0..reps {
                sep(&mut body);
                write_unit(&dir, unit, &plan.member_changes, &shape, &mut body);
            }
        }
        state.pos = end as u64;
        end >= plan.units.len()
    };
    let link = if done {
        state.iat = now;
        delta_link(ctx, coll, &DState { init: false, from: state.head, pos: 0, mpos: 0, ..state })
    } else {
        if ctx.take_duplicate() {
            (state.pos, state.mpos) = start;
        }
        format!("{}/v1.0/{coll}/delta?$skiptoken={}", ctx.st.graph_base, encode(&state))
    };
    Ok(GraphOk::json(envelope(ctx, coll, state.s.as_ref(), &link, done, &body)))
}

fn fresh(ctx: &Ctx<'_>, groups: bool, now: i64) -> Result<DState, GraphError> {
    let f = ctx.p.filter.as_deref().map(id_filter).transpose()?;
    if groups {
        group_select(ctx.p.select.as_ref())?;
    } else {
        user_select(ctx.p.select.as_ref())?;
    }
    Ok(DState { t: ctx.tid(), g: groups, s: ctx.p.select.clone(), f, init: true, from: 0, head: 0, pos: 0, mpos: 0, slab: 0, iat: now })
}

fn take_reset(ctx: &Ctx<'_>) -> bool {
    let mut c = ctx.tenant.control.lock();
    if c.faults.delta_force_reset > 0 {
        c.faults.delta_force_reset -= 1;
        true
    } else {
        false
    }
}

fn delta_link(ctx: &Ctx<'_>, coll: &str, s: &DState) -> String {
    format!("{}/v1.0/{coll}/delta?$deltatoken={}", ctx.st.graph_base, encode(s))
}

fn envelope(ctx: &Ctx<'_>, coll: &str, select: Option<&Vec<String>>, link: &str, done: bool, items: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(items.len() + 512);
    out.extend_from_slice(b"{\"@odata.context\":");
    w_str(&mut out, &context(&ctx.st.graph_base, coll, select, false));
    out.extend_from_slice(if done { b",\"@odata.deltaLink\":" } else { b",\"@odata.nextLink\":" });
    w_str(&mut out, link);
    out.extend_from_slice(b",\"value\":[");
    out.extend_from_slice(items);
    out.extend_from_slice(b"]}");
    out
}

struct Shape<'a> {
    uprops: &'a [UP],
    gprops: &'a [GP],
    members: bool,
}

fn sep(body: &mut Vec<u8>) {
    if !body.is_empty() {
        body.push(b',');
    }
}

fn wanted(dir: &Directory, f: &Option<Vec<Uuid>>, m: MemberRef) -> bool {
    f.as_ref().is_none_or(|ids| ids.contains(&dir.member_id(m)))
}

/// Fill one page of an initial round; returns true when the round is complete.
fn initial_page(dir: &Directory, s: &mut DState, page: usize, slice: usize, sh: &Shape<'_>, body: &mut Vec<u8>) -> bool {
    let mut emitted = 0;
    while s.pos < s.slab {
        if emitted == page {
            return false;
        }
        let i = s.pos as u32;
        if !s.g {
            let u = &dir.users[i as usize];
            if u.is_live() && wanted(dir, &s.f, MemberRef::User(i)) {
                sep(body);
                obj_user(dir, i, sh, body);
                emitted += 1;
            }
            s.pos += 1;
            continue;
        }
        let g = &dir.groups[i as usize];
        if !g.is_live() || !wanted(dir, &s.f, MemberRef::Group(i)) {
            s.pos += 1;
            s.mpos = 0;
            continue;
        }
        sep(body);
        body.push(b'{');
        let mut first = true;
        write_group_fields(body, g, sh.gprops, &mut first);
        let mut next_m = None;
        if sh.members {
            body.extend_from_slice(b",\"members@delta\":[");
            let mut n = 0;
            for (seq, m) in g.members.range(s.mpos..) {
                if !dir.member_is_live(*m) {
                    continue;
                }
                if n == slice {
                    next_m = Some(*seq);
                    break;
                }
                if n > 0 {
                    body.push(b',');
                }
                member_ref(dir, *m, false, body);
                n += 1;
            }
            body.push(b']');
        }
        body.push(b'}');
        emitted += 1;
        match next_m {
            Some(seq) => s.mpos = seq,
            None => {
                s.pos += 1;
                s.mpos = 0;
            }
        }
    }
    true
}

fn removed(body: &mut Vec<u8>, id: &Uuid, reason: &str) {
    body.extend_from_slice(format!("{{\"id\":\"{id}\",\"@removed\":{{\"reason\":\"{reason}\"}}}}").as_bytes());
}

fn obj_user(dir: &Directory, i: u32, sh: &Shape<'_>, body: &mut Vec<u8>) {
    let u = &dir.users[i as usize];
    if u.purged || u.deleted_at.is_some() {
        return removed(body, &u.id, if u.purged { "deleted" } else { "changed" });
    }
    body.push(b'{');
    let mut first = true;
    write_user_fields(body, u, sh.uprops, &mut first);
    body.push(b'}');
}

fn member_ref(dir: &Directory, m: MemberRef, gone: bool, body: &mut Vec<u8>) {
    let ty = match m {
        MemberRef::User(_) => "user",
        MemberRef::Group(_) => "group",
    };
    let id = dir.member_id(m);
    let rm = if gone { ",\"@removed\":{\"reason\":\"deleted\"}" } else { "" };
    body.extend_from_slice(format!("{{\"@odata.type\":\"#microsoft.graph.{ty}\",\"id\":\"{id}\"{rm}}}").as_bytes());
}

fn write_unit(
    dir: &Directory,
    unit: &Unit,
    changes: &std::collections::HashMap<u32, Vec<(MemberRef, bool)>>,
    sh: &Shape<'_>,
    body: &mut Vec<u8>,
) {
    match unit {
        Unit::User(i) => obj_user(dir, *i, sh, body),
        Unit::Group { idx, members } => {
            let g = &dir.groups[*idx as usize];
            if g.purged || g.deleted_at.is_some() {
                return removed(body, &g.id, if g.purged { "deleted" } else { "changed" });
            }
            body.push(b'{');
            let mut first = true;
            write_group_fields(body, g, sh.gprops, &mut first);
            if let (Some((lo, hi)), Some(list)) = (members, changes.get(idx)) {
                body.extend_from_slice(b",\"members@delta\":[");
                for (n, (m, added)) in list[*lo..*hi].iter().enumerate() {
                    if n > 0 {
                        body.push(b',');
                    }
                    member_ref(dir, *m, !added, body);
                }
                body.push(b']');
            }
            body.push(b'}');
        }
    }
}
