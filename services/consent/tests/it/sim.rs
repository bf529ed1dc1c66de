//! A simulated customer directory per test: a fresh Entra tenant (random GUID, its own
//! domain) in an in-process simulator, so no two tests share a directory.

use entra_sim::{NewGroup, NewUser, SimConfig, SimHandle, Simulator, TenantSpec};
use uuid::Uuid;

/// The directory of one test.
pub struct Hospital {
    pub tenant: Uuid,
    pub domain: String,
    /// Enabled, mail, member of `admins` (through the nested `it` group too).
    pub admin_upn: String,
    pub admin_id: Uuid,
    /// Enabled, no mail address, in no group.
    pub nomail_upn: String,
    /// Disabled.
    pub disabled_upn: String,
    /// Security group with members (the admin and a nested group).
    pub admins: Uuid,
    /// Security group with nurses (not the admin).
    pub nurses: Uuid,
    /// Security group without members.
    pub empty: Uuid,
    /// A Microsoft 365 group.
    pub m365: Uuid,
}

pub async fn start() -> SimHandle {
    Simulator::start(SimConfig {
        workers: 1,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts")
}

/// Seeds a hospital directory (not consented) in `sim`.
pub fn hospital(sim: &SimHandle, name: &str) -> Hospital {
    let slug = format!("h{}", &Uuid::new_v4().simple().to_string()[..10]);
    let domain = format!("{slug}.onmicrosoft.com");
    let t = sim
        .create_tenant(TenantSpec::new(name, &[domain.as_str()]))
        .expect("tenant");
    let id = t.id.to_string();
    let user = |u: NewUser| sim.add_user(id.clone(), u).expect("user");
    let admin = user(NewUser::new(
        &format!("avery.admin@{domain}"),
        "Avery Admin",
    ));
    let mut nomail = NewUser::new(&format!("noah.nomail@{domain}"), "Noah Nomail");
    nomail.mail = None;
    let nomail = user(nomail);
    let disabled =
        user(NewUser::new(&format!("dana.disabled@{domain}"), "Dana Disabled").disabled());
    let jordan = user(NewUser::new(&format!("jordan.lee@{domain}"), "Jordan Lee"));
    let nurse = user(NewUser::new(
        &format!("maria.garcia@{domain}"),
        "Maria Garcia",
    ));
    let group = |g: NewGroup| sim.add_group(id.clone(), g).expect("group");
    let admins = group(NewGroup::security("Patient Access Admins"));
    let it = group(NewGroup::security("IT Staff"));
    let nurses = group(NewGroup::security("Nurses"));
    let empty = group(NewGroup::security("Pharmacy"));
    let m365 = group(NewGroup::m365("Hospital Team"));
    sim.add_member(id.clone(), admins.id, admin.id)
        .expect("member");
    sim.add_member(id.clone(), admins.id, it.id)
        .expect("member");
    sim.add_member(id.clone(), it.id, jordan.id)
        .expect("member");
    sim.add_member(id.clone(), nurses.id, nurse.id)
        .expect("member");
    sim.add_member(id.clone(), m365.id, admin.id)
        .expect("member");
    Hospital {
        tenant: t.id,
        domain,
        admin_upn: admin.user_principal_name,
        admin_id: admin.id,
        nomail_upn: nomail.user_principal_name,
        disabled_upn: disabled.user_principal_name,
        admins: admins.id,
        nurses: nurses.id,
        empty: empty.id,
        m365: m365.id,
    }
}
