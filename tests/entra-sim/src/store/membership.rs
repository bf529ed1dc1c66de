//! Groups and membership edges of a [`Directory`]: create/update/delete groups, add/remove members (both
//! directions kept in sync), and the cached transitive expansion.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use uuid::Uuid;

use super::changes::ChangeKind;
use super::directory::{Directory, nickname_of};
use super::input::{GroupPatch, NewGroup};
use super::model::{Group, GroupKind, MemberRef};
use crate::error::{SimError, SimResult};

impl Directory {
    // ---- groups ----

    pub fn add_group(&mut self, now: i64, g: NewGroup) -> SimResult<u32> {
        if g.display_name.trim().is_empty() {
            return Err(SimError::BadRequest("display_name is required".into()));
        }
        let id = g.id.unwrap_or_else(Uuid::new_v4);
        if self.user_by_id.contains_key(&id) || self.group_by_id.contains_key(&id) {
            return Err(SimError::Conflict(format!("object {id} already exists")));
        }
        let (mail_enabled, security_enabled, unified) = match g.kind {
            GroupKind::Security => (false, true, false),
            GroupKind::M365 => (true, false, true),
            GroupKind::MailSecurity => (true, true, false),
            GroupKind::Distribution => (true, false, false),
        };
        let mail_enabled = g.mail_enabled.unwrap_or(mail_enabled);
        let nickname = g
            .mail_nickname
            .unwrap_or_else(|| nickname_of(&g.display_name));
        let group = Group {
            id,
            display_name: g.display_name,
            description: g.description,
            mail: None,
            mail_nickname: nickname,
            mail_enabled,
            security_enabled: g.security_enabled.unwrap_or(security_enabled),
            unified,
            visibility: g
                .visibility
                .or_else(|| unified.then(|| "Private".to_string())),
            created: now,
            deleted_at: None,
            purged: false,
            members: BTreeMap::new(),
            member_pos: HashMap::new(),
            next_member_seq: 0,
            member_of: Vec::new(),
        };
        Ok(self.insert_group(now, group))
    }

    pub fn insert_group(&mut self, now: i64, group: Group) -> u32 {
        let idx = self.groups.len() as u32;
        self.group_by_id.insert(group.id, idx);
        self.groups.push(group);
        self.log(now, ChangeKind::Group(idx));
        idx
    }

    /// Give a mail-enabled group its address once the tenant's domain is known.
    pub fn set_group_mail(&mut self, idx: u32, mail: Option<String>) {
        self.groups[idx as usize].mail = mail;
    }

    pub fn update_group(&mut self, now: i64, idx: u32, p: GroupPatch) -> SimResult<()> {
        let g = &mut self.groups[idx as usize];
        if let Some(v) = p.display_name {
            g.display_name = v;
        }
        if let Some(v) = p.description {
            g.description = v;
        }
        if let Some(v) = p.mail_enabled {
            g.mail_enabled = v;
        }
        if let Some(v) = p.security_enabled {
            g.security_enabled = v;
        }
        if let Some(v) = p.visibility {
            g.visibility = v;
        }
        self.log(now, ChangeKind::Group(idx));
        Ok(())
    }

    /// Microsoft 365 groups are soft-deleted (`@removed: changed`), others deleted outright (`deleted`).
    pub fn delete_group(&mut self, now: i64, idx: u32) -> SimResult<()> {
        let parents = std::mem::take(&mut self.groups[idx as usize].member_of);
        for p in parents {
            self.unlink(p, MemberRef::Group(idx));
            self.log(
                now,
                ChangeKind::MemberRemoved {
                    group: p,
                    member: MemberRef::Group(idx),
                },
            );
        }
        let members: Vec<MemberRef> = self.groups[idx as usize]
            .members
            .values()
            .copied()
            .collect();
        for m in members {
            self.remove_parent(m, idx);
        }
        let g = &mut self.groups[idx as usize];
        g.members.clear();
        g.member_pos.clear();
        if g.unified {
            g.deleted_at = Some(now);
        } else {
            g.purged = true;
            g.deleted_at = Some(now);
        }
        self.membership_version += 1;
        self.log(now, ChangeKind::Group(idx));
        Ok(())
    }

    // ---- membership ----

    /// Add a member; `Ok(false)` when it already was one.
    pub fn add_member(&mut self, now: i64, group: u32, member: MemberRef) -> SimResult<bool> {
        if member == MemberRef::Group(group) {
            return Err(SimError::BadRequest(
                "a group cannot be a member of itself".into(),
            ));
        }
        if self.groups[group as usize].member_pos.contains_key(&member) {
            return Ok(false);
        }
        self.link(group, member);
        if self.member_is_live(member) {
            self.log(now, ChangeKind::MemberAdded { group, member });
        }
        Ok(true)
    }

    pub fn remove_member(&mut self, now: i64, group: u32, member: MemberRef) -> SimResult<()> {
        if !self.groups[group as usize].member_pos.contains_key(&member) {
            return Err(SimError::NotFound("membership".into()));
        }
        self.unlink(group, member);
        self.remove_parent(member, group);
        self.log(now, ChangeKind::MemberRemoved { group, member });
        Ok(())
    }

    /// Edge insert without logging or checks (generator fast path uses it through `add_member_unlogged`).
    pub(super) fn link(&mut self, group: u32, member: MemberRef) {
        let g = &mut self.groups[group as usize];
        let seq = g.next_member_seq;
        g.next_member_seq += 1;
        g.members.insert(seq, member);
        g.member_pos.insert(member, seq);
        match member {
            MemberRef::User(u) => self.users[u as usize].member_of.push(group),
            MemberRef::Group(c) => self.groups[c as usize].member_of.push(group),
        }
        self.membership_version += 1;
    }

    /// Generator fast path: link and log without the duplicate check (caller guarantees uniqueness).
    pub fn add_member_unchecked(&mut self, now: i64, group: u32, member: MemberRef) {
        self.link(group, member);
        self.log(now, ChangeKind::MemberAdded { group, member });
    }

    pub(super) fn unlink(&mut self, group: u32, member: MemberRef) {
        let g = &mut self.groups[group as usize];
        if let Some(seq) = g.member_pos.remove(&member) {
            g.members.remove(&seq);
        }
        self.membership_version += 1;
    }

    pub(super) fn remove_parent(&mut self, member: MemberRef, group: u32) {
        let list = match member {
            MemberRef::User(u) => &mut self.users[u as usize].member_of,
            MemberRef::Group(c) => &mut self.groups[c as usize].member_of,
        };
        if let Some(p) = list.iter().position(|g| *g == group) {
            list.swap_remove(p);
        }
    }

    /// All transitive members (users and nested groups, each once), cached per membership version.
    pub fn transitive_members(&self, group: u32) -> Arc<Vec<MemberRef>> {
        let version = self.membership_version;
        if let Some((v, list)) = self.transitive_cache.lock().get(&group)
            && *v == version
        {
            return list.clone();
        }
        let mut seen_users = vec![false; self.users.len()];
        let mut seen_groups = vec![false; self.groups.len()];
        seen_groups[group as usize] = true;
        let mut out = Vec::new();
        let mut queue = std::collections::VecDeque::from([group]);
        while let Some(g) = queue.pop_front() {
            for m in self.groups[g as usize].members.values() {
                match *m {
                    MemberRef::User(u) if !seen_users[u as usize] => {
                        seen_users[u as usize] = true;
                        out.push(*m);
                    }
                    MemberRef::Group(c) if !seen_groups[c as usize] => {
                        seen_groups[c as usize] = true;
                        out.push(*m);
                        queue.push_back(c);
                    }
                    _ => {}
                }
            }
        }
        let list = Arc::new(out);
        let mut cache = self.transitive_cache.lock();
        if cache.len() > 256 {
            cache.clear();
        }
        cache.insert(group, (version, list.clone()));
        list
    }
}
