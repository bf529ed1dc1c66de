//! The customer's Entra ID directory the journey connects: a fresh simulated tenant with a
//! small hospital ward, and who should end up with which role.

use std::collections::BTreeMap;

use entra_sim::{NewGroup, NewUser, SimHandle, TenantSpec};
use uuid::Uuid;

/// A person in the directory.
#[derive(Clone, Debug)]
pub struct Person {
    pub name: &'static str,
    pub upn: String,
    pub object_id: Uuid,
}

/// Group names (unique in the directory).
pub const ADMIN_GROUP: &str = "Patient Access Admins";
pub const NURSES: &str = "Nurses";
pub const CHARGE_NURSES: &str = "Charge Nurses";
/// Nested in [`NURSES`]: its members are nurses too.
pub const NIGHT_SHIFT: &str = "Night Shift";

/// Who is where: (key, display name, groups).
const PEOPLE: [(&str, &str, &[&str]); 7] = [
    ("avery", "Avery Admin", &[ADMIN_GROUP]),
    ("blake", "Blake Boyd", &[ADMIN_GROUP]),
    ("casey", "Casey Chen", &[NURSES]),
    ("drew", "Drew Diaz", &[NURSES]),
    ("emery", "Emery Evans", &[CHARGE_NURSES]),
    ("harper", "Harper Hill", &[NIGHT_SHIFT]),
    ("finley", "Finley Ford", &[]),
];

/// The initial administrator named in the wizard.
pub const INITIAL_ADMIN: &str = "avery";
/// The leaver: disabled at Microsoft near the end of the journey.
pub const LEAVER: &str = "drew";

/// The directory as created in the simulator.
#[derive(Clone, Debug)]
pub struct Directory {
    pub entra_tenant: Uuid,
    pub domain: String,
    pub people: BTreeMap<&'static str, Person>,
    pub groups: BTreeMap<&'static str, Uuid>,
}

impl Directory {
    /// Creates the tenant (not consented: the wizard does that), its people and groups.
    pub fn create(sim: &SimHandle) -> Self {
        let slug = Uuid::now_v7().simple().to_string();
        let domain = format!("ward{}.onmicrosoft.com", &slug[20..]);
        let tenant = sim
            .create_tenant(TenantSpec::new("Northwind Ward", &[domain.as_str()]))
            .expect("simulated tenant");
        let mut groups = BTreeMap::new();
        for name in [ADMIN_GROUP, NURSES, CHARGE_NURSES, NIGHT_SHIFT] {
            let group = sim
                .add_group(tenant.id, NewGroup::security(name))
                .expect("group");
            groups.insert(name, group.id);
        }
        sim.add_member(tenant.id, NURSES, NIGHT_SHIFT)
            .expect("nested group");
        let mut people = BTreeMap::new();
        for (key, name, member_of) in PEOPLE {
            let upn = format!("{key}@{domain}");
            let user = sim
                .add_user(tenant.id, NewUser::new(&upn, name))
                .expect("user");
            for group in member_of {
                sim.add_member(tenant.id, *group, &upn).expect("membership");
            }
            people.insert(
                key,
                Person {
                    name,
                    upn,
                    object_id: user.id,
                },
            );
        }
        Self {
            entra_tenant: tenant.id,
            domain,
            people,
            groups,
        }
    }

    pub fn person(&self, key: &str) -> &Person {
        &self.people[key]
    }

    /// (UPN, role, status) of every user in scope after the first sync, by UPN.
    pub fn expected_users(&self, leaver_gone: bool) -> Vec<(String, Option<String>, String)> {
        let role = |key: &str| match key {
            "avery" | "blake" => Some("admin"),
            "casey" | "drew" | "harper" => Some("viewer"),
            "emery" => Some("manager"),
            _ => None,
        };
        let mut users: Vec<_> = PEOPLE
            .iter()
            .filter_map(|(key, _, _)| {
                let role = role(key)?;
                let upn = self.person(key).upn.clone();
                if leaver_gone && *key == LEAVER {
                    Some((upn, None, "inactive".to_owned()))
                } else {
                    Some((upn, Some(role.to_owned()), "active".to_owned()))
                }
            })
            .collect();
        users.sort();
        users
    }
}
