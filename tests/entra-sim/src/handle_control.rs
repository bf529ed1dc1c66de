//! The control API as Rust methods on [`SimHandle`] (same operations as `/_sim`).

use std::fmt::Display;
use std::time::Duration;

use crate::control::ops::TenantInfo;
use crate::error::SimResult;
use crate::generator::GenerateSpec;
use crate::handle::SimHandle;
use crate::store::faults::{TenantFaults, UserFaults};
use crate::store::input::{
    GroupInfo, GroupPatch, NewGroup, NewUser, TenantSpec, UserInfo, UserPatch,
};
use crate::throttle::ThrottleStatus;

fn s(x: impl Display) -> String {
    x.to_string()
}

impl SimHandle {
    pub fn create_tenant(&self, spec: TenantSpec) -> SimResult<TenantInfo> {
        self.state.op_create_tenant(spec)
    }

    pub fn tenants(&self) -> Vec<TenantInfo> {
        self.state
            .store
            .all()
            .iter()
            .map(|t| crate::control::ops::tenant_info(t))
            .collect()
    }

    /// By GUID or verified domain.
    pub fn tenant(&self, tenant: impl Display) -> SimResult<TenantInfo> {
        Ok(crate::control::ops::tenant_info(
            &*self.state.tenant_cell(&s(tenant))?,
        ))
    }

    pub fn add_user(&self, tenant: impl Display, user: NewUser) -> SimResult<UserInfo> {
        self.state.op_add_user(&s(tenant), user)
    }

    pub fn update_user(
        &self,
        tenant: impl Display,
        user: impl Display,
        patch: UserPatch,
    ) -> SimResult<UserInfo> {
        self.state.op_update_user(&s(tenant), &s(user), patch)
    }

    pub fn get_user(&self, tenant: impl Display, user: impl Display) -> SimResult<UserInfo> {
        self.state.op_get_user(&s(tenant), &s(user))
    }

    pub fn disable_user(&self, tenant: impl Display, user: impl Display) -> SimResult<UserInfo> {
        self.state.op_set_enabled(&s(tenant), &s(user), false)
    }

    pub fn enable_user(&self, tenant: impl Display, user: impl Display) -> SimResult<UserInfo> {
        self.state.op_set_enabled(&s(tenant), &s(user), true)
    }

    pub fn soft_delete_user(
        &self,
        tenant: impl Display,
        user: impl Display,
    ) -> SimResult<UserInfo> {
        self.state.op_soft_delete(&s(tenant), &s(user))
    }

    pub fn restore_user(&self, tenant: impl Display, user: impl Display) -> SimResult<UserInfo> {
        self.state.op_restore(&s(tenant), &s(user))
    }

    pub fn hard_delete_user(
        &self,
        tenant: impl Display,
        user: impl Display,
    ) -> SimResult<UserInfo> {
        self.state.op_hard_delete(&s(tenant), &s(user))
    }

    pub fn rename_upn(
        &self,
        tenant: impl Display,
        user: impl Display,
        new_upn: &str,
    ) -> SimResult<UserInfo> {
        self.state.op_rename_upn(&s(tenant), &s(user), new_upn)
    }

    /// Remove `user` from group `from` and add it to group `to`.
    pub fn move_user(
        &self,
        tenant: impl Display,
        user: impl Display,
        from: impl Display,
        to: impl Display,
    ) -> SimResult<()> {
        self.state
            .op_move_user(&s(tenant), &s(user), &s(from), &s(to))
    }

    pub fn add_group(&self, tenant: impl Display, group: NewGroup) -> SimResult<GroupInfo> {
        self.state.op_add_group(&s(tenant), group)
    }

    pub fn update_group(
        &self,
        tenant: impl Display,
        group: impl Display,
        patch: GroupPatch,
    ) -> SimResult<GroupInfo> {
        self.state.op_update_group(&s(tenant), &s(group), patch)
    }

    pub fn delete_group(&self, tenant: impl Display, group: impl Display) -> SimResult<()> {
        self.state.op_delete_group(&s(tenant), &s(group))
    }

    /// `member`: user id or UPN, or group id or displayName. `Ok(false)` when already a member.
    pub fn add_member(
        &self,
        tenant: impl Display,
        group: impl Display,
        member: impl Display,
    ) -> SimResult<bool> {
        self.state.op_add_member(&s(tenant), &s(group), &s(member))
    }

    pub fn remove_member(
        &self,
        tenant: impl Display,
        group: impl Display,
        member: impl Display,
    ) -> SimResult<()> {
        self.state
            .op_remove_member(&s(tenant), &s(group), &s(member))
    }

    /// Admin consent without the browser: `None` = all app roles, `Some(&[..])` = exactly these.
    pub fn grant_consent(
        &self,
        tenant: impl Display,
        roles: Option<&[&str]>,
    ) -> SimResult<TenantInfo> {
        let roles = roles.map(|r| r.iter().map(|x| x.to_string()).collect());
        self.state.op_grant_consent(&s(tenant), roles)
    }

    /// Remove the app's service principal from the tenant (tokens fail with 700016 again).
    pub fn revoke_consent(&self, tenant: impl Display) -> SimResult<TenantInfo> {
        self.state.op_revoke_consent(&s(tenant))
    }

    pub fn set_tenant_faults(
        &self,
        tenant: impl Display,
        faults: TenantFaults,
    ) -> SimResult<TenantFaults> {
        self.state.op_set_faults(&s(tenant), faults)
    }

    pub fn tenant_faults(&self, tenant: impl Display) -> SimResult<TenantFaults> {
        self.state.op_faults(&s(tenant))
    }

    /// Read-modify-write of the tenant knobs.
    pub fn update_tenant_faults(
        &self,
        tenant: impl Display,
        f: impl FnOnce(&mut TenantFaults),
    ) -> SimResult<TenantFaults> {
        let t = s(tenant);
        let mut cur = self.state.op_faults(&t)?;
        f(&mut cur);
        self.state.op_set_faults(&t, cur)
    }

    pub fn set_user_faults(
        &self,
        tenant: impl Display,
        user: impl Display,
        faults: UserFaults,
    ) -> SimResult<UserFaults> {
        self.state.op_set_user_faults(&s(tenant), &s(user), faults)
    }

    /// The user `/authorize` and `/adminconsent` sign in (until changed; a `login_hint` still wins).
    pub fn set_next_signin_user(
        &self,
        tenant: impl Display,
        user: impl Display,
    ) -> SimResult<UserInfo> {
        self.state.op_set_signin(&s(tenant), &s(user))
    }

    pub fn clear_next_signin_user(&self) {
        self.state.auth.lock().signin = None;
    }

    pub fn advance_clock(&self, by: Duration) {
        self.state.clock.advance(by);
    }

    /// Sim time, seconds since the Unix epoch.
    pub fn now(&self) -> i64 {
        self.state.now()
    }

    /// New active signing key; `retire_previous` drops the old ones from JWKS at once. Returns the new `kid`.
    pub fn rotate_keys(&self, retire_previous: bool) -> SimResult<String> {
        self.state.op_rotate_keys(retire_previous)
    }

    pub fn throttle_status(&self, tenant: impl Display) -> SimResult<ThrottleStatus> {
        self.state.op_throttle_status(&s(tenant))
    }

    /// Set the RU bucket of (this app, tenant) to `available` units (e.g. 0 to force throttling).
    pub fn set_throttle_available(&self, tenant: impl Display, available: f64) -> SimResult<()> {
        let cell = self.state.tenant_cell(&s(tenant))?;
        self.state.throttle.set(
            &self.state.client_id(),
            cell.id(),
            available,
            self.state.clock.now_ms(),
        );
        Ok(())
    }

    /// Replace the registered redirect URIs (tests whose callback listens on a random port).
    pub fn set_redirect_uris(&self, uris: Vec<String>) {
        self.state.app.write().redirect_uris = uris;
    }

    pub fn add_redirect_uri(&self, uri: impl Display) {
        let uri = s(uri);
        let mut app = self.state.app.write();
        if !app.redirect_uris.contains(&uri) {
            app.redirect_uris.push(uri);
        }
    }

    /// A new tenant populated deterministically from `seed`.
    pub fn generate_directory(&self, seed: u64, spec: GenerateSpec) -> SimResult<TenantInfo> {
        self.state.op_generate(seed, spec)
    }

    /// The "Contoso Health" demo tenant (idempotent).
    pub fn seed_demo(&self) -> SimResult<TenantInfo> {
        self.state.op_seed_demo()
    }
}
