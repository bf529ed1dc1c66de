//! Writing delta pages: initial rounds straight from the directory (with member slicing), incremental units
//! from a plan, `@removed` markers and `members@delta` entries.

use uuid::Uuid;

use super::delta::DState;
use super::delta_plan::Unit;
use super::props::{GP, UP, write_group_fields, write_user_fields};
use crate::store::Directory;
use crate::store::model::MemberRef;

pub struct Shape<'a> {
    pub uprops: &'a [UP],
    pub gprops: &'a [GP],
    pub members: bool,
}

pub fn sep(body: &mut Vec<u8>) {
    if !body.is_empty() {
        body.push(b',');
    }
}

fn wanted(dir: &Directory, f: &Option<Vec<Uuid>>, m: MemberRef) -> bool {
    f.as_ref().is_none_or(|ids| ids.contains(&dir.member_id(m)))
}

/// Fill one page of an initial round; returns true when the round is complete.
pub fn initial_page(
    dir: &Directory,
    s: &mut DState,
    page: usize,
    slice: usize,
    sh: &Shape<'_>,
    body: &mut Vec<u8>,
) -> bool {
    let mut emitted = 0;
    // The token is client-held: never trust its bounds beyond the directory's.
    s.slab = s.slab.min(if s.g {
        dir.groups.len()
    } else {
        dir.users.len()
    } as u64);
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
    body.extend_from_slice(
        format!("{{\"id\":\"{id}\",\"@removed\":{{\"reason\":\"{reason}\"}}}}").as_bytes(),
    );
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
    let rm = if gone {
        ",\"@removed\":{\"reason\":\"deleted\"}"
    } else {
        ""
    };
    body.extend_from_slice(
        format!("{{\"@odata.type\":\"#microsoft.graph.{ty}\",\"id\":\"{id}\"{rm}}}").as_bytes(),
    );
}

pub fn write_unit(
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
