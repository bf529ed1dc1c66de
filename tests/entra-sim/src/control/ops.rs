//! Control operations shared by the Rust handle and the `/_sim` HTTP API. Every directory change goes through
//! [`Directory`](crate::store::Directory), so it lands in the change log that feeds delta.

use serde::{Deserialize, Serialize};
use std::sync::Arc;
use uuid::Uuid;

use crate::error::{SimError, SimResult};
use crate::state::SimState;
use crate::store::faults::{TenantFaults, UserFaults};
use crate::store::input::{
    GroupInfo, GroupPatch, NewGroup, NewUser, TenantSpec, UserInfo, UserPatch,
};
use crate::store::model::{MemberRef, SizeClass};
use crate::store::{Consent, Directory, TenantCell};
use crate::throttle::ThrottleStatus;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TenantInfo {
    pub id: Uuid,
    pub display_name: String,
    pub domains: Vec<String>,
    pub size_class: SizeClass,
    pub consented: bool,
    pub roles: Vec<String>,
    pub users: usize,
    pub groups: usize,
}

pub fn tenant_info(cell: &TenantCell) -> TenantInfo {
    let m = cell.meta.read().clone();
    let consent = cell.control.lock().consent.clone();
    let (users, groups) = {
        let d = cell.dir.read();
        (
            d.live_users,
            d.groups.iter().filter(|g| g.is_live()).count(),
        )
    };
    TenantInfo {
        id: m.id,
        display_name: m.display_name,
        domains: m.domains,
        size_class: cell.size_class(),
        consented: consent.is_some(),
        roles: consent.map(|c| c.roles).unwrap_or_default(),
        users,
        groups,
    }
}

pub fn user_info(dir: &Directory, idx: u32) -> UserInfo {
    let u = &dir.users[idx as usize];
    UserInfo {
        id: u.id,
        user_principal_name: u.upn.clone(),
        display_name: u.display_name.clone(),
        mail: u.mail.clone(),
        account_enabled: u.account_enabled,
        user_type: u.user_type.clone(),
        soft_deleted: u.deleted_at.is_some() && !u.purged,
        hard_deleted: u.purged,
    }
}

pub fn group_info(dir: &Directory, idx: u32) -> GroupInfo {
    let g = &dir.groups[idx as usize];
    GroupInfo {
        id: g.id,
        display_name: g.display_name.clone(),
        description: g.description.clone(),
        mail: g.mail.clone(),
        mail_enabled: g.mail_enabled,
        security_enabled: g.security_enabled,
        group_types: g.group_types().iter().map(|s| s.to_string()).collect(),
        direct_members: g.members.len(),
        deleted: !g.is_live(),
    }
}

fn user_idx(dir: &Directory, key: &str) -> SimResult<u32> {
    dir.find_user(key)
        .ok_or_else(|| SimError::NotFound(format!("user {key}")))
}

impl SimState {
    pub fn tenant_cell(&self, key: &str) -> SimResult<Arc<TenantCell>> {
        self.store.require(key)
    }

    pub fn op_create_tenant(&self, spec: TenantSpec) -> SimResult<TenantInfo> {
        let now = self.now();
        let consent = spec.consented.then(|| {
            let app = self.app.read();
            Consent {
                sp_object_id: Uuid::new_v4(),
                roles: app.app_roles.clone(),
                delegated: app.delegated_scopes.clone(),
                granted_at: now - 3600,
            }
        });
        let cell = self.store.create_tenant(now, spec, consent)?;
        Ok(tenant_info(&cell))
    }

    /// Run `f` on a tenant's directory under its write lock, with the sim time.
    pub fn with_dir<T>(
        &self,
        tenant: &str,
        f: impl FnOnce(&mut Directory, i64) -> SimResult<T>,
    ) -> SimResult<T> {
        let cell = self.tenant_cell(tenant)?;
        let now = self.now();
        let mut dir = cell.dir.write();
        f(&mut dir, now)
    }

    pub fn op_add_user(&self, tenant: &str, u: NewUser) -> SimResult<UserInfo> {
        self.with_dir(tenant, |d, now| {
            let idx = d.add_user(now, u)?;
            Ok(user_info(d, idx))
        })
    }

    pub fn op_update_user(&self, tenant: &str, user: &str, p: UserPatch) -> SimResult<UserInfo> {
        self.with_dir(tenant, |d, now| {
            let idx = user_idx(d, user)?;
            d.update_user(now, idx, p)?;
            Ok(user_info(d, idx))
        })
    }

    pub fn op_set_enabled(&self, tenant: &str, user: &str, enabled: bool) -> SimResult<UserInfo> {
        self.op_update_user(
            tenant,
            user,
            UserPatch {
                account_enabled: Some(enabled),
                ..UserPatch::default()
            },
        )
    }

    pub fn op_get_user(&self, tenant: &str, user: &str) -> SimResult<UserInfo> {
        let cell = self.tenant_cell(tenant)?;
        let d = cell.dir.read();
        Ok(user_info(&d, user_idx(&d, user)?))
    }

    pub fn op_soft_delete(&self, tenant: &str, user: &str) -> SimResult<UserInfo> {
        self.with_dir(tenant, |d, now| {
            let idx = user_idx(d, user)?;
            d.soft_delete_user(now, idx)?;
            Ok(user_info(d, idx))
        })
    }

    pub fn op_restore(&self, tenant: &str, user: &str) -> SimResult<UserInfo> {
        self.with_dir(tenant, |d, now| {
            let idx = user_idx(d, user)?;
            d.restore_user(now, idx)?;
            Ok(user_info(d, idx))
        })
    }

    pub fn op_hard_delete(&self, tenant: &str, user: &str) -> SimResult<UserInfo> {
        self.with_dir(tenant, |d, now| {
            let idx = user_idx(d, user)?;
            d.hard_delete_user(now, idx)?;
            Ok(user_info(d, idx))
        })
    }

    pub fn op_rename_upn(&self, tenant: &str, user: &str, new_upn: &str) -> SimResult<UserInfo> {
        self.with_dir(tenant, |d, now| {
            let idx = user_idx(d, user)?;
            d.rename_upn(now, idx, new_upn)?;
            Ok(user_info(d, idx))
        })
    }

    pub fn op_move_user(&self, tenant: &str, user: &str, from: &str, to: &str) -> SimResult<()> {
        self.with_dir(tenant, |d, now| {
            let idx = user_idx(d, user)?;
            let (gf, gt) = (d.find_group(from)?, d.find_group(to)?);
            d.remove_member(now, gf, MemberRef::User(idx))?;
            d.add_member(now, gt, MemberRef::User(idx))?;
            Ok(())
        })
    }

    pub fn op_add_group(&self, tenant: &str, g: NewGroup) -> SimResult<GroupInfo> {
        let domain = self
            .tenant_cell(tenant)?
            .meta
            .read()
            .domains
            .first()
            .cloned()
            .unwrap_or_default();
        self.with_dir(tenant, |d, now| {
            let idx = d.add_group(now, g)?;
            if d.groups[idx as usize].mail_enabled {
                let mail = format!("{}@{domain}", d.groups[idx as usize].mail_nickname);
                d.set_group_mail(idx, Some(mail));
            }
            Ok(group_info(d, idx))
        })
    }

    pub fn op_update_group(
        &self,
        tenant: &str,
        group: &str,
        p: GroupPatch,
    ) -> SimResult<GroupInfo> {
        self.with_dir(tenant, |d, now| {
            let idx = d.find_group(group)?;
            d.update_group(now, idx, p)?;
            Ok(group_info(d, idx))
        })
    }

    pub fn op_delete_group(&self, tenant: &str, group: &str) -> SimResult<()> {
        self.with_dir(tenant, |d, now| {
            let idx = d.find_group(group)?;
            d.delete_group(now, idx)
        })
    }

    pub fn op_add_member(&self, tenant: &str, group: &str, member: &str) -> SimResult<bool> {
        self.with_dir(tenant, |d, now| {
            let g = d.find_group(group)?;
            let m = d.find_member(member)?;
            d.add_member(now, g, m)
        })
    }

    pub fn op_remove_member(&self, tenant: &str, group: &str, member: &str) -> SimResult<()> {
        self.with_dir(tenant, |d, now| {
            let g = d.find_group(group)?;
            let m = d.find_member(member)?;
            d.remove_member(now, g, m)
        })
    }

    pub fn op_grant_consent(
        &self,
        tenant: &str,
        roles: Option<Vec<String>>,
    ) -> SimResult<TenantInfo> {
        let cell = self.tenant_cell(tenant)?;
        let app = self.app.read().clone();
        {
            let mut c = cell.control.lock();
            let sp = c
                .consent
                .as_ref()
                .map(|c| c.sp_object_id)
                .unwrap_or_else(Uuid::new_v4);
            c.consent = Some(Consent {
                sp_object_id: sp,
                roles: roles.unwrap_or(app.app_roles),
                delegated: app.delegated_scopes,
                granted_at: self.now(),
            });
        }
        Ok(tenant_info(&cell))
    }

    pub fn op_revoke_consent(&self, tenant: &str) -> SimResult<TenantInfo> {
        let cell = self.tenant_cell(tenant)?;
        cell.control.lock().consent = None;
        Ok(tenant_info(&cell))
    }

    pub fn op_set_faults(&self, tenant: &str, f: TenantFaults) -> SimResult<TenantFaults> {
        f.validate().map_err(SimError::BadRequest)?;
        let cell = self.tenant_cell(tenant)?;
        cell.control.lock().faults = f.clone();
        Ok(f)
    }

    pub fn op_faults(&self, tenant: &str) -> SimResult<TenantFaults> {
        Ok(self.tenant_cell(tenant)?.faults())
    }

    pub fn op_set_user_faults(
        &self,
        tenant: &str,
        user: &str,
        f: UserFaults,
    ) -> SimResult<UserFaults> {
        self.with_dir(tenant, |d, _| {
            let idx = user_idx(d, user)?;
            d.users[idx as usize].faults = f;
            Ok(f)
        })
    }

    pub fn op_set_signin(&self, tenant: &str, user: &str) -> SimResult<UserInfo> {
        let cell = self.tenant_cell(tenant)?;
        let info = {
            let d = cell.dir.read();
            user_info(&d, user_idx(&d, user)?)
        };
        self.auth.lock().signin = Some((cell.id(), info.id));
        Ok(info)
    }

    pub fn op_throttle_status(&self, tenant: &str) -> SimResult<ThrottleStatus> {
        let cell = self.tenant_cell(tenant)?;
        let limit = cell
            .faults()
            .ru_limit_per_10s
            .unwrap_or_else(|| cell.size_class().ru_limit());
        Ok(self
            .throttle
            .status(&self.client_id(), cell.id(), limit, self.clock.now_ms()))
    }

    pub fn op_rotate_keys(&self, retire_previous: bool) -> SimResult<String> {
        let m = crate::keys::generate_rsa().map_err(|e| SimError::Internal(e.to_string()))?;
        let k = crate::keys::SigningKey::from_material(&m)
            .map_err(|e| SimError::Internal(e.to_string()))?;
        Ok(self.keys.write().rotate(k, retire_previous))
    }
}
