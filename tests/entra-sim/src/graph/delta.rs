//! `/users/delta` and `/groups/delta` (§5): initial rounds over the directory, incremental rounds from the change
//! log, `members@delta`, `@removed`, `$deltatoken=latest`, expiry, forced resets and the replay knob.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ctx::Ctx;
use super::delta_plan::PlanKey;
use super::delta_write::{Shape, initial_page, sep, write_unit};
use super::props::{context, group_select, user_select, w_str};
use super::query::enc;
use super::response::{GraphError, GraphOk};
use crate::util::{b64url, b64url_decode};

const DEFAULT_PAGE: usize = 200;
const DEFAULT_SLICE: usize = 500;

/// Everything a delta link carries (the opaque token).
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct DState {
    pub t: Uuid,
    pub g: bool,
    pub s: Option<Vec<String>>,
    pub f: Option<Vec<Uuid>>,
    pub init: bool,
    pub from: u64,
    pub head: u64,
    pub pos: u64,
    pub mpos: u64,
    pub slab: u64,
    pub iat: i64,
}

fn encode(s: &DState) -> String {
    b64url(&serde_json::to_vec(s).unwrap_or_default())
}

fn decode(tok: &str, ctx: &Ctx<'_>, groups: bool) -> Result<DState, GraphError> {
    let bad = || GraphError::new(400, "Request_BadRequest", "The delta token is invalid.");
    let s: DState =
        serde_json::from_slice(&b64url_decode(tok).ok_or_else(bad)?).map_err(|_| bad())?;
    if s.t != ctx.tid() || s.g != groups {
        return Err(bad());
    }
    Ok(s)
}

/// `$filter=id eq '…' or id eq '…'` (the only filter delta supports, ≤ 50 ids).
fn id_filter(f: &str) -> Result<Vec<Uuid>, GraphError> {
    let unsupported = || {
        GraphError::unsupported(format!(
            "Unsupported query filter for delta: '{f}'. Only 'id eq' clauses joined by 'or' are supported."
        ))
    };
    let mut ids = Vec::new();
    for clause in f.split(" or ").flat_map(|c| c.split(" OR ")) {
        let c = clause.trim();
        let rest = c
            .strip_prefix("id eq '")
            .or_else(|| c.strip_prefix("id eq \""))
            .ok_or_else(unsupported)?;
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
        return Err(GraphError::unsupported(
            "$search and $orderby are not supported on delta queries.",
        ));
    }
    if ctx
        .p
        .expand
        .as_deref()
        .is_some_and(|e| !e.eq_ignore_ascii_case("members"))
    {
        return Err(GraphError::unsupported(
            "$expand is not supported on delta queries.",
        ));
    }
    let faults = ctx.tenant.faults();
    let now = ctx.st.now();
    let dir = ctx.tenant.dir.read();
    let head_now = dir
        .log
        .visible_head(now, faults.delta_visibility_delay_seconds);
    let coll = if groups { "groups" } else { "users" };
    let mut state = if let Some(tok) = &ctx.p.skiptoken {
        decode(tok, ctx, groups)?
    } else if let Some(tok) = ctx.p.deltatoken.as_deref().filter(|t| !t.is_empty()) {
        if tok.eq_ignore_ascii_case("latest") {
            let st = fresh(ctx, groups, now)?;
            let link = delta_link(
                ctx,
                coll,
                &DState {
                    from: head_now,
                    ..st
                },
            );
            return Ok(GraphOk::json(envelope(ctx, coll, None, &link, true, b"")));
        }
        let mut s = decode(tok, ctx, groups)?;
        if s.iat + faults.delta_token_ttl_seconds as i64 <= now {
            return Err(GraphError::new(
                faults.delta_expired_status,
                "syncStateNotFound",
                format!(
                    "The sync state generation is not found; generation={};[highest={}].",
                    s.from, head_now
                ),
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
        DState {
            init: false,
            head: head_now.max(s.from),
            pos: 0,
            mpos: 0,
            ..s
        }
    } else {
        let mut s = fresh(ctx, groups, now)?;
        s.head = head_now;
        s.slab = if groups {
            dir.groups.len()
        } else {
            dir.users.len()
        } as u64;
        s
    };
    let uprops = if groups {
        Vec::new()
    } else {
        user_select(state.s.as_ref())?
    };
    let gprops = if groups {
        group_select(state.s.as_ref())?
    } else {
        Vec::new()
    };
    let members = groups
        && state
            .s
            .as_ref()
            .is_none_or(|s| s.iter().any(|x| x.eq_ignore_ascii_case("members")));
    let page_size = faults.delta_page_size.unwrap_or(DEFAULT_PAGE);
    let slice = faults.delta_member_slice.unwrap_or(DEFAULT_SLICE);
    let shape = Shape {
        uprops: &uprops,
        gprops: &gprops,
        members,
    };
    let mut body = Vec::with_capacity(page_size * 400);
    let start = (state.pos, state.mpos);
    let done = if state.init {
        initial_page(&dir, &mut state, page_size, slice, &shape, &mut body)
    } else {
        let key = PlanKey {
            groups,
            from: state.from,
            head: state.head,
            members,
            slice,
            ids: state.f.clone(),
        };
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
        delta_link(
            ctx,
            coll,
            &DState {
                init: false,
                from: state.head,
                pos: 0,
                mpos: 0,
                ..state.clone()
            },
        )
    } else {
        if ctx.take_duplicate() {
            (state.pos, state.mpos) = start;
        }
        format!(
            "{}/v1.0/{coll}/delta?$skiptoken={}",
            ctx.st.graph_base,
            encode(&state)
        )
    };
    Ok(GraphOk::json(envelope(
        ctx,
        coll,
        state.s.as_ref(),
        &link,
        done,
        &body,
    )))
}

fn fresh(ctx: &Ctx<'_>, groups: bool, now: i64) -> Result<DState, GraphError> {
    let f = ctx.p.filter.as_deref().map(id_filter).transpose()?;
    if groups {
        group_select(ctx.p.select.as_ref())?;
    } else {
        user_select(ctx.p.select.as_ref())?;
    }
    Ok(DState {
        t: ctx.tid(),
        g: groups,
        s: ctx.p.select.clone(),
        f,
        init: true,
        from: 0,
        head: 0,
        pos: 0,
        mpos: 0,
        slab: 0,
        iat: now,
    })
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
    format!(
        "{}/v1.0/{coll}/delta?$deltatoken={}",
        ctx.st.graph_base,
        encode(s)
    )
}

fn envelope(
    ctx: &Ctx<'_>,
    coll: &str,
    select: Option<&Vec<String>>,
    link: &str,
    done: bool,
    items: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(items.len() + 512);
    out.extend_from_slice(b"{\"@odata.context\":");
    w_str(&mut out, &context(&ctx.st.graph_base, coll, select, false));
    out.extend_from_slice(if done {
        b",\"@odata.deltaLink\":"
    } else {
        b",\"@odata.nextLink\":"
    });
    w_str(&mut out, link);
    out.extend_from_slice(b",\"value\":[");
    out.extend_from_slice(items);
    out.extend_from_slice(b"]}");
    out
}
