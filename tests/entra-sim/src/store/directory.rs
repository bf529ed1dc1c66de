//! One tenant's directory: users and groups in slabs (stable indices), id/UPN indexes, membership edges in both
//! directions, and the change log. All mutations go through here so every change reaches delta.

use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

use super::changes::{ChangeKind, ChangeLog};
use super::input::{NewUser, UserPatch};
use super::model::{Group, MemberRef, User};
use crate::error::{SimError, SimResult};
use crate::util::parse_guid;

/// (membership version, flattened members)
type CachedMembers = (u64, Arc<Vec<MemberRef>>);

#[derive(Default)]
pub struct Directory {
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub(super) user_by_id: HashMap<Uuid, u32>,
    pub(super) user_by_upn: HashMap<String, u32>,
    pub(super) group_by_id: HashMap<Uuid, u32>,
    pub log: ChangeLog,
    pub live_users: usize,
    /// Bumped on every membership-edge change; keys the transitive-members cache.
    pub membership_version: u64,
    pub(super) transitive_cache: Mutex<HashMap<u32, CachedMembers>>,
}

impl Directory {
    pub fn user_idx_by_id(&self, id: &Uuid) -> Option<u32> {
        self.user_by_id.get(id).copied()
    }

    pub fn group_idx_by_id(&self, id: &Uuid) -> Option<u32> {
        self.group_by_id.get(id).copied()
    }

    pub fn user_idx_by_upn(&self, upn: &str) -> Option<u32> {
        self.user_by_upn.get(&upn.to_lowercase()).copied()
    }

    /// A user by GUID or UPN (case-insensitive), including soft-deleted but not purged ones.
    pub fn find_user(&self, key: &str) -> Option<u32> {
        let idx = match parse_guid(key) {
            Some(id) => self.user_idx_by_id(&id),
            None => self.user_idx_by_upn(key),
        }?;
        (!self.users[idx as usize].purged).then_some(idx)
    }

    /// A group by GUID or unique displayName (not deleted ones).
    pub fn find_group(&self, key: &str) -> SimResult<u32> {
        if let Some(id) = parse_guid(key) {
            return self
                .group_idx_by_id(&id)
                .filter(|i| self.groups[*i as usize].is_live())
                .ok_or_else(|| SimError::NotFound(format!("group {key}")));
        }
        let mut hits = self
            .groups
            .iter()
            .enumerate()
            .filter(|(_, g)| g.is_live() && g.display_name.eq_ignore_ascii_case(key));
        match (hits.next(), hits.next()) {
            (Some((i, _)), None) => Ok(i as u32),
            (Some(_), Some(_)) => Err(SimError::Conflict(format!(
                "more than one group is named {key:?}"
            ))),
            _ => Err(SimError::NotFound(format!("group {key}"))),
        }
    }

    /// A member reference: user id/UPN, or group id/displayName.
    pub fn find_member(&self, key: &str) -> SimResult<MemberRef> {
        if let Some(id) = parse_guid(key) {
            if let Some(u) = self
                .user_idx_by_id(&id)
                .filter(|u| !self.users[*u as usize].purged)
            {
                return Ok(MemberRef::User(u));
            }
            return self.find_group(key).map(MemberRef::Group);
        }
        if key.contains('@') {
            return self
                .find_user(key)
                .map(MemberRef::User)
                .ok_or_else(|| SimError::NotFound(format!("user {key}")));
        }
        self.find_group(key).map(MemberRef::Group)
    }

    pub fn member_id(&self, m: MemberRef) -> Uuid {
        match m {
            MemberRef::User(i) => self.users[i as usize].id,
            MemberRef::Group(i) => self.groups[i as usize].id,
        }
    }

    pub fn member_is_live(&self, m: MemberRef) -> bool {
        match m {
            MemberRef::User(i) => self.users[i as usize].is_live(),
            MemberRef::Group(i) => self.groups[i as usize].is_live(),
        }
    }

    pub(super) fn log(&mut self, now: i64, kind: ChangeKind) {
        self.log.push(now, kind);
    }

    // ---- users ----

    pub fn add_user(&mut self, now: i64, u: NewUser) -> SimResult<u32> {
        let upn = u.user_principal_name.trim().to_string();
        if upn.is_empty() || !upn.contains('@') {
            return Err(SimError::BadRequest(
                "user_principal_name must look like name@domain".into(),
            ));
        }
        if self.user_by_upn.contains_key(&upn.to_lowercase()) {
            return Err(SimError::Conflict(format!(
                "a user with UPN {upn} already exists"
            )));
        }
        let id = u.id.unwrap_or_else(Uuid::new_v4);
        if self.user_by_id.contains_key(&id) || self.group_by_id.contains_key(&id) {
            return Err(SimError::Conflict(format!("object {id} already exists")));
        }
        let nickname = upn.split('@').next().unwrap_or_default().to_string();
        let display = if u.display_name.is_empty() {
            nickname.clone()
        } else {
            u.display_name
        };
        let user = User {
            id,
            upn,
            display_name: display,
            given_name: u.given_name,
            surname: u.surname,
            mail: u.mail,
            mail_nickname: nickname,
            job_title: u.job_title,
            department: u.department,
            office_location: u.office_location,
            mobile_phone: u.mobile_phone,
            business_phones: u.business_phones,
            preferred_language: u.preferred_language,
            employee_id: u.employee_id,
            account_enabled: u.account_enabled,
            user_type: u.user_type,
            created: now,
            deleted_at: None,
            purged: false,
            member_of: Vec::new(),
            faults: Default::default(),
        };
        Ok(self.insert_user(now, user))
    }

    /// Insert a fully built user (the generator's fast path; UPN/id uniqueness is the caller's job).
    pub fn insert_user(&mut self, now: i64, user: User) -> u32 {
        let idx = self.users.len() as u32;
        self.user_by_id.insert(user.id, idx);
        self.user_by_upn.insert(user.upn.to_lowercase(), idx);
        self.users.push(user);
        self.live_users += 1;
        self.log(now, ChangeKind::User(idx));
        idx
    }

    pub fn update_user(&mut self, now: i64, idx: u32, p: UserPatch) -> SimResult<()> {
        if let Some(upn) = &p.user_principal_name {
            self.rename_upn(now, idx, upn)?;
        }
        let u = &mut self.users[idx as usize];
        if let Some(v) = p.display_name {
            u.display_name = v;
        }
        macro_rules! opt {
            ($f:ident) => {
                if let Some(v) = p.$f {
                    u.$f = v;
                }
            };
        }
        opt!(given_name);
        opt!(surname);
        opt!(mail);
        opt!(job_title);
        opt!(department);
        opt!(office_location);
        opt!(mobile_phone);
        opt!(preferred_language);
        opt!(employee_id);
        if let Some(v) = p.business_phones {
            u.business_phones = v;
        }
        if let Some(v) = p.account_enabled {
            u.account_enabled = v;
        }
        if let Some(v) = p.user_type {
            u.user_type = v;
        }
        self.log(now, ChangeKind::User(idx));
        Ok(())
    }

    pub fn rename_upn(&mut self, now: i64, idx: u32, new_upn: &str) -> SimResult<()> {
        let new_upn = new_upn.trim();
        if !new_upn.contains('@') {
            return Err(SimError::BadRequest(
                "user_principal_name must look like name@domain".into(),
            ));
        }
        let key = new_upn.to_lowercase();
        match self.user_by_upn.get(&key) {
            Some(&other) if other != idx => {
                return Err(SimError::Conflict(format!(
                    "a user with UPN {new_upn} already exists"
                )));
            }
            _ => {}
        }
        let u = &mut self.users[idx as usize];
        let old = u.upn.to_lowercase();
        u.upn = new_upn.to_string();
        u.mail_nickname = new_upn.split('@').next().unwrap_or_default().to_string();
        self.user_by_upn.remove(&old);
        self.user_by_upn.insert(key, idx);
        self.log(now, ChangeKind::User(idx));
        Ok(())
    }

    pub fn soft_delete_user(&mut self, now: i64, idx: u32) -> SimResult<()> {
        let u = &mut self.users[idx as usize];
        if u.deleted_at.is_some() {
            return Err(SimError::Conflict(format!(
                "user {} is already deleted",
                u.id
            )));
        }
        u.deleted_at = Some(now);
        self.live_users = self.live_users.saturating_sub(1);
        self.log(now, ChangeKind::User(idx));
        // Deleted users leave their groups' member lists (edges are kept for a restore).
        let groups = self.users[idx as usize].member_of.clone();
        for g in groups {
            self.log(
                now,
                ChangeKind::MemberRemoved {
                    group: g,
                    member: MemberRef::User(idx),
                },
            );
        }
        Ok(())
    }

    pub fn restore_user(&mut self, now: i64, idx: u32) -> SimResult<()> {
        let u = &mut self.users[idx as usize];
        if u.deleted_at.is_none() {
            return Err(SimError::Conflict(format!("user {} is not deleted", u.id)));
        }
        u.deleted_at = None;
        self.live_users += 1;
        self.log(now, ChangeKind::User(idx));
        let groups = self.users[idx as usize].member_of.clone();
        for g in groups {
            self.log(
                now,
                ChangeKind::MemberAdded {
                    group: g,
                    member: MemberRef::User(idx),
                },
            );
        }
        Ok(())
    }

    pub fn hard_delete_user(&mut self, now: i64, idx: u32) -> SimResult<()> {
        let was_live = self.users[idx as usize].is_live();
        let groups = std::mem::take(&mut self.users[idx as usize].member_of);
        for g in groups {
            self.unlink(g, MemberRef::User(idx));
            if was_live {
                self.log(
                    now,
                    ChangeKind::MemberRemoved {
                        group: g,
                        member: MemberRef::User(idx),
                    },
                );
            }
        }
        let u = &mut self.users[idx as usize];
        let upn = u.upn.to_lowercase();
        if was_live {
            self.live_users = self.live_users.saturating_sub(1);
        }
        u.purged = true;
        u.deleted_at.get_or_insert(now);
        // Keep only what a tombstone needs.
        u.upn = String::new();
        u.display_name = String::new();
        u.given_name = None;
        u.surname = None;
        u.mail = None;
        u.business_phones = Vec::new();
        self.user_by_upn.remove(&upn);
        self.membership_version += 1;
        self.log(now, ChangeKind::User(idx));
        Ok(())
    }
}

pub fn nickname_of(name: &str) -> String {
    let s: String = name.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    if s.is_empty() { "group".into() } else { s }
}
