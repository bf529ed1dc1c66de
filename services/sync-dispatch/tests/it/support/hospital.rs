//! A small hospital directory with nested groups, built in the simulator:
//!
//! ```text
//! PA Admins (admin)      alice, ⊃ IT Leads {bob}
//! All Staff (viewer)     frank, gina (disabled), admin@ (the initial admin),
//!                        ⊃ Clinical (manager) ⊃ { Nurses {carol, dave}, Physicians {erin} }
//! (no configured group)  oscar
//! ```

use std::collections::HashMap;

use entra_sim::{NewGroup, NewUser};
use pa_events::AccessRole;
use uuid::Uuid;

use super::{Stack, Tenant};

pub struct Hospital {
    pub admins: Uuid,
    pub it_leads: Uuid,
    pub all_staff: Uuid,
    pub clinical: Uuid,
    pub nurses: Uuid,
    pub physicians: Uuid,
    users: HashMap<&'static str, Uuid>,
}

impl Hospital {
    pub fn user(&self, name: &str) -> Uuid {
        self.users[name]
    }

    /// The configured groups and the roles they give.
    pub fn config(&self) -> Vec<(Uuid, AccessRole)> {
        vec![
            (self.admins, AccessRole::Admin),
            (self.clinical, AccessRole::Manager),
            (self.all_staff, AccessRole::Viewer),
        ]
    }
}

pub fn build(stack: &Stack, t: &Tenant) -> Hospital {
    let sim = &stack.sim;
    let group = |name: &str| {
        sim.add_group(t.entra, NewGroup::security(name))
            .expect("group")
            .id
    };
    let admins = group("PA Admins");
    let it_leads = group("IT Leads");
    let all_staff = group("All Staff");
    let clinical = group("Clinical");
    let nurses = group("Nurses");
    let physicians = group("Physicians");
    let nest = |parent: Uuid, child: Uuid| {
        sim.add_member(t.entra, parent, child).expect("nest");
    };
    nest(admins, it_leads);
    nest(all_staff, clinical);
    nest(clinical, nurses);
    nest(clinical, physicians);
    let mut users = HashMap::new();
    for (name, groups) in [
        ("alice", vec![admins]),
        ("bob", vec![it_leads]),
        ("carol", vec![nurses]),
        ("dave", vec![nurses]),
        ("erin", vec![physicians]),
        ("frank", vec![all_staff]),
        ("gina", vec![all_staff]),
        ("oscar", vec![]),
    ] {
        let id = sim
            .add_user(t.entra, NewUser::new(&t.upn(name), name))
            .expect("user")
            .id;
        for g in groups {
            sim.add_member(t.entra, g, id).expect("member");
        }
        users.insert(name, id);
    }
    sim.add_member(t.entra, all_staff, t.admin)
        .expect("admin in all staff");
    sim.disable_user(t.entra, users["gina"]).expect("disable");
    Hospital {
        admins,
        it_leads,
        all_staff,
        clinical,
        nurses,
        physicians,
        users,
    }
}
