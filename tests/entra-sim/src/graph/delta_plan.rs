//! Delta rounds from the change log: which objects (and which membership edges) changed in `(from, head]`,
//! expanded into page units so big member lists split across pages. Plans are cached per tenant.

use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

use crate::store::Directory;
use crate::store::changes::ChangeKind;
use crate::store::model::MemberRef;

/// One emitted object on a delta page.
#[derive(Clone, Debug)]
pub enum Unit {
    User(u32),
    /// A group, optionally with a slice `[lo, hi)` of its member changes.
    Group {
        idx: u32,
        members: Option<(usize, usize)>,
    },
}

pub struct Plan {
    pub units: Vec<Unit>,
    /// Per group: (member, added?) in first-occurrence order, last operation wins.
    pub member_changes: HashMap<u32, Vec<(MemberRef, bool)>>,
}

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PlanKey {
    pub groups: bool,
    pub from: u64,
    pub head: u64,
    pub members: bool,
    pub slice: usize,
    pub ids: Option<Vec<Uuid>>,
}

#[derive(Default)]
pub struct PlanCache {
    plans: Mutex<Vec<(PlanKey, Arc<Plan>)>>,
}

impl PlanCache {
    pub fn get_or_build(&self, key: PlanKey, dir: &Directory) -> Arc<Plan> {
        if let Some((_, p)) = self.plans.lock().iter().find(|(k, _)| *k == key) {
            return p.clone();
        }
        let plan = Arc::new(build(&key, dir));
        let mut plans = self.plans.lock();
        if plans.len() >= 8 {
            plans.remove(0);
        }
        plans.push((key, plan.clone()));
        plan
    }
}

fn wanted(dir: &Directory, ids: &Option<Vec<Uuid>>, m: MemberRef) -> bool {
    ids.as_ref()
        .is_none_or(|ids| ids.contains(&dir.member_id(m)))
}

fn build(key: &PlanKey, dir: &Directory) -> Plan {
    let changes = dir.log.range(key.from, key.head);
    let mut order: Vec<u32> = Vec::new();
    let mut seen: HashMap<u32, ()> = HashMap::new();
    let mut member_changes: HashMap<u32, Vec<(MemberRef, bool)>> = HashMap::new();
    let mut member_pos: HashMap<(u32, MemberRef), usize> = HashMap::new();
    for c in changes {
        let (idx, edge) = match (key.groups, c.kind) {
            (false, ChangeKind::User(u)) => (u, None),
            (true, ChangeKind::Group(g)) => (g, None),
            (true, ChangeKind::MemberAdded { group, member }) if key.members => {
                (group, Some((member, true)))
            }
            (true, ChangeKind::MemberRemoved { group, member }) if key.members => {
                (group, Some((member, false)))
            }
            _ => continue,
        };
        let obj = if key.groups {
            MemberRef::Group(idx)
        } else {
            MemberRef::User(idx)
        };
        if !wanted(dir, &key.ids, obj) {
            continue;
        }
        if seen.insert(idx, ()).is_none() {
            order.push(idx);
        }
        if let Some((member, added)) = edge {
            let list = member_changes.entry(idx).or_default();
            match member_pos.get(&(idx, member)) {
                Some(&p) => list[p].1 = added,
                None => {
                    member_pos.insert((idx, member), list.len());
                    list.push((member, added));
                }
            }
        }
    }
    let mut units = Vec::with_capacity(order.len());
    for idx in order {
        if !key.groups {
            units.push(Unit::User(idx));
            continue;
        }
        let n = member_changes.get(&idx).map_or(0, Vec::len);
        if n == 0 {
            units.push(Unit::Group { idx, members: None });
        } else {
            let mut lo = 0;
            while lo < n {
                let hi = (lo + key.slice).min(n);
                units.push(Unit::Group {
                    idx,
                    members: Some((lo, hi)),
                });
                lo = hi;
            }
        }
    }
    Plan {
        units,
        member_changes,
    }
}
