//! Deterministic directory generator: a realistic tenant of any size from a seed (same seed → same ids, names
//! and memberships). Shape: "All Staff" ⊃ departments ⊃ teams ⊃ users, one Microsoft 365 group per department,
//! and extra random groups.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

use crate::error::SimResult;
use crate::state::SimState;
use crate::store::input::TenantSpec;
use crate::store::model::{Group, MemberRef, SizeClass, User};
use crate::util::SplitMix;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenerateSpec {
    pub tenant_id: Option<Uuid>,
    pub display_name: Option<String>,
    pub domain: Option<String>,
    pub users: usize,
    pub departments: usize,
    pub teams_per_department: usize,
    pub extra_groups: usize,
    pub extra_group_max_members: usize,
    pub disabled_per_mille: u32,
    pub guest_per_mille: u32,
    pub consented: bool,
    pub size_class: Option<SizeClass>,
}

impl Default for GenerateSpec {
    fn default() -> Self {
        Self {
            tenant_id: None,
            display_name: None,
            domain: None,
            users: 1000,
            departments: 8,
            teams_per_department: 6,
            extra_groups: 20,
            extra_group_max_members: 250,
            disabled_per_mille: 20,
            guest_per_mille: 10,
            consented: true,
            size_class: None,
        }
    }
}

impl GenerateSpec {
    pub fn users(n: usize) -> Self {
        Self {
            users: n,
            ..Self::default()
        }
    }
}

const FIRST: &[&str] = &[
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella", "Lucas",
    "Mia", "Mateo", "Amelia", "Benjamin", "Harper", "Aisha", "Wei", "Priya", "Diego", "Fatima",
    "Hiro", "Ngozi", "Sven", "Chloe", "Omar", "Yuki", "Mateus", "Grace", "Ravi", "Leila", "Tomasz",
    "Ines",
];
const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Nguyen",
    "Patel",
    "Kim",
    "Chen",
    "Okafor",
    "Rossi",
    "Schmidt",
    "Kowalski",
    "Haddad",
    "Tanaka",
    "Silva",
    "Murphy",
    "Andersen",
    "Dubois",
    "Singh",
    "Cohen",
    "Ali",
    "Novak",
    "Larsen",
    "Costa",
    "Ivanova",
    "Mensah",
    "Reyes",
];
const DEPTS: &[(&str, &[&str])] = &[
    (
        "Nursing",
        &[
            "Registered Nurse",
            "Charge Nurse",
            "Nurse Practitioner",
            "LPN",
        ],
    ),
    (
        "Medicine",
        &[
            "Physician",
            "Resident",
            "Attending Physician",
            "Hospitalist",
        ],
    ),
    (
        "Front Desk",
        &["Receptionist", "Scheduler", "Patient Access Representative"],
    ),
    ("Pharmacy", &["Pharmacist", "Pharmacy Technician"]),
    ("Radiology", &["Radiologist", "Radiology Technician"]),
    ("Laboratory", &["Lab Technician", "Pathologist"]),
    (
        "Information Technology",
        &["Systems Analyst", "Help Desk Technician", "IT Manager"],
    ),
    (
        "Administration",
        &["Administrator", "Billing Specialist", "HR Partner"],
    ),
    (
        "Surgery",
        &["Surgeon", "Surgical Nurse", "Anesthesiologist"],
    ),
    ("Emergency", &["ER Physician", "Paramedic", "Triage Nurse"]),
];

fn group(
    rng: &mut SplitMix,
    name: String,
    desc: Option<String>,
    unified: bool,
    domain: &str,
    now: i64,
) -> Group {
    let nick = crate::store::directory::nickname_of(&name);
    Group {
        id: rng.uuid(),
        mail: unified.then(|| format!("{nick}@{domain}")),
        mail_nickname: nick,
        display_name: name,
        description: desc,
        mail_enabled: unified,
        security_enabled: !unified,
        unified,
        visibility: unified.then(|| "Private".to_string()),
        created: now,
        deleted_at: None,
        purged: false,
        members: BTreeMap::new(),
        member_pos: HashMap::new(),
        next_member_seq: 0,
        member_of: Vec::new(),
    }
}

impl SimState {
    pub fn op_generate(
        &self,
        seed: u64,
        spec: GenerateSpec,
    ) -> SimResult<crate::control::ops::TenantInfo> {
        let mut rng = SplitMix(seed ^ 0x005E_ED0F_D1EC_7041);
        let tid = spec.tenant_id.unwrap_or_else(|| rng.uuid());
        let domain = spec
            .domain
            .clone()
            .unwrap_or_else(|| format!("gen{seed}.onmicrosoft.com"));
        let name = spec
            .display_name
            .clone()
            .unwrap_or_else(|| format!("Generated Health System {seed}"));
        self.op_create_tenant(TenantSpec {
            id: Some(tid),
            display_name: name,
            domains: vec![domain.clone()],
            size_class: spec.size_class,
            region_scope: None,
            consented: spec.consented,
        })?;
        let cell = self.tenant_cell(&tid.to_string())?;
        let now = self.now();
        let mut d = cell.dir.write();
        let depts = spec.departments.clamp(1, DEPTS.len());
        let teams = spec.teams_per_department.max(1);
        let all = d.insert_group(
            now,
            group(
                &mut rng,
                "All Staff".into(),
                Some("Everyone in the organization".into()),
                false,
                &domain,
                now,
            ),
        );
        let mut team_groups = Vec::with_capacity(depts * teams);
        let mut m365 = Vec::with_capacity(depts);
        for (name, _) in DEPTS.iter().take(depts) {
            let dg = d.insert_group(
                now,
                group(
                    &mut rng,
                    format!("Department: {name}"),
                    Some(format!("{name} department")),
                    false,
                    &domain,
                    now,
                ),
            );
            d.add_member_unchecked(now, all, MemberRef::Group(dg));
            for t in 1..=teams {
                let tg = d.insert_group(
                    now,
                    group(
                        &mut rng,
                        format!("{name} Team {t}"),
                        None,
                        false,
                        &domain,
                        now,
                    ),
                );
                d.add_member_unchecked(now, dg, MemberRef::Group(tg));
                team_groups.push(tg);
            }
            m365.push(d.insert_group(
                now,
                group(
                    &mut rng,
                    format!("{name} Collaboration"),
                    Some(format!("{name} Microsoft 365 group")),
                    true,
                    &domain,
                    now,
                ),
            ));
        }
        let first_user = d.users.len() as u32;
        for i in 0..spec.users {
            let f = FIRST[rng.below(FIRST.len())];
            let l = LAST[rng.below(LAST.len())];
            let dept = rng.below(depts);
            let titles = DEPTS[dept].1;
            let guest = (rng.below(1000) as u32) < spec.guest_per_mille;
            let disabled = (rng.below(1000) as u32) < spec.disabled_per_mille;
            let local = format!("{}.{}{}", f.to_lowercase(), l.to_lowercase(), i);
            let (upn, mail, user_type) = if guest {
                (
                    format!("{local}_partner.example#EXT#@{domain}"),
                    format!("{local}@partner.example"),
                    "Guest",
                )
            } else {
                (
                    format!("{local}@{domain}"),
                    format!("{local}@{domain}"),
                    "Member",
                )
            };
            let user = User {
                id: rng.uuid(),
                mail_nickname: local,
                upn,
                display_name: format!("{f} {l}"),
                given_name: Some(f.to_string()),
                surname: Some(l.to_string()),
                mail: Some(mail),
                job_title: Some(titles[rng.below(titles.len())].to_string()),
                department: Some(DEPTS[dept].0.to_string()),
                office_location: Some(format!("Building {}", 1 + rng.below(6))),
                mobile_phone: None,
                business_phones: vec![format!("+1 555 {:04}", i % 10_000)],
                preferred_language: Some("en-US".into()),
                employee_id: (!guest).then(|| format!("E{:06}", i + 1)),
                account_enabled: !disabled,
                user_type: user_type.into(),
                created: now,
                deleted_at: None,
                purged: false,
                member_of: Vec::new(),
                faults: Default::default(),
            };
            let u = d.insert_user(now, user);
            let team = team_groups[dept * teams + rng.below(teams)];
            d.add_member_unchecked(now, team, MemberRef::User(u));
            if rng.below(10) == 0 {
                d.add_member_unchecked(now, m365[dept], MemberRef::User(u));
            }
        }
        let n_users = spec.users;
        for e in 0..spec.extra_groups {
            let unified = e % 3 == 0;
            let name = if unified {
                format!("Project {} (Microsoft 365)", e + 1)
            } else {
                format!("Access Group {}", e + 1)
            };
            let g = d.insert_group(
                now,
                group(
                    &mut rng,
                    name,
                    Some(format!("Generated group {}", e + 1)),
                    unified,
                    &domain,
                    now,
                ),
            );
            let want = if n_users == 0 {
                0
            } else {
                rng.below(spec.extra_group_max_members.min(n_users) + 1)
            };
            let mut picked = HashSet::with_capacity(want);
            for _ in 0..want {
                let u = first_user + rng.below(n_users) as u32;
                if picked.insert(u) {
                    d.add_member_unchecked(now, g, MemberRef::User(u));
                }
            }
        }
        drop(d);
        Ok(crate::control::ops::tenant_info(&cell))
    }
}
