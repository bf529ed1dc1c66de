//! The seeded demo directory: "Contoso Health", a small hospital with an admin group for Patient Access,
//! clinical groups (nested), a Microsoft 365 group, an empty security group and some disabled accounts.

use uuid::{Uuid, uuid};

use crate::control::ops::TenantInfo;
use crate::error::SimResult;
use crate::state::SimState;
use crate::store::input::{NewGroup, NewUser, TenantSpec};

pub const DEMO_TENANT_ID: Uuid = uuid!("c0a7e11a-4ea1-4b7d-9c2e-5d1f0a8b3c21");
pub const DEMO_DOMAIN: &str = "contosohealth.onmicrosoft.com";
pub const DEMO_ADMIN_UPN: &str = "avery.admin@contosohealth.onmicrosoft.com";

/// (local part, display name, job title, department, enabled)
const PEOPLE: &[(&str, &str, &str, &str, bool)] = &[
    (
        "avery.admin",
        "Avery Admin",
        "IT Director",
        "Information Technology",
        true,
    ),
    (
        "jordan.lee",
        "Jordan Lee",
        "Systems Analyst",
        "Information Technology",
        true,
    ),
    (
        "maria.garcia",
        "Maria Garcia",
        "Registered Nurse",
        "Nursing",
        true,
    ),
    (
        "sam.patel",
        "Sam Patel",
        "Registered Nurse",
        "Nursing",
        true,
    ),
    (
        "olivia.chen",
        "Olivia Chen",
        "Charge Nurse",
        "Nursing",
        true,
    ),
    (
        "liam.johnson",
        "Liam Johnson",
        "Licensed Practical Nurse",
        "Nursing",
        true,
    ),
    (
        "grace.kim",
        "Grace Kim",
        "Nurse Practitioner",
        "Nursing",
        true,
    ),
    (
        "ethan.brooks",
        "Dr. Ethan Brooks",
        "Attending Physician",
        "Medicine",
        true,
    ),
    (
        "aisha.rahman",
        "Dr. Aisha Rahman",
        "Hospitalist",
        "Medicine",
        true,
    ),
    (
        "noah.williams",
        "Dr. Noah Williams",
        "Resident Physician",
        "Medicine",
        true,
    ),
    (
        "chloe.martin",
        "Chloe Martin",
        "Patient Access Representative",
        "Front Desk",
        true,
    ),
    (
        "diego.alvarez",
        "Diego Alvarez",
        "Scheduler",
        "Front Desk",
        true,
    ),
    (
        "priya.singh",
        "Priya Singh",
        "Receptionist",
        "Front Desk",
        false,
    ),
    ("emma.davis", "Emma Davis", "Pharmacist", "Pharmacy", true),
    (
        "henry.wilson",
        "Henry Wilson",
        "Billing Specialist",
        "Administration",
        false,
    ),
];

const GROUPS: &[(&str, &str, bool)] = &[
    (
        "Patient Access Admins",
        "Administrators of the Patient Access platform",
        false,
    ),
    ("Nurses", "Nursing staff", false),
    ("Physicians", "Medical staff", false),
    ("Front Desk", "Reception and scheduling", false),
    (
        "Clinical Staff",
        "Nurses and physicians (nested groups)",
        false,
    ),
    ("All Staff", "Everyone at Contoso Health", false),
    ("Pharmacy", "Pharmacy team (no members yet)", false),
    (
        "Contoso Health Team",
        "Organization-wide Microsoft 365 group",
        true,
    ),
];

const MEMBERS: &[(&str, &[&str])] = &[
    ("Patient Access Admins", &["avery.admin", "jordan.lee"]),
    (
        "Nurses",
        &[
            "maria.garcia",
            "sam.patel",
            "olivia.chen",
            "liam.johnson",
            "grace.kim",
        ],
    ),
    (
        "Physicians",
        &["ethan.brooks", "aisha.rahman", "noah.williams"],
    ),
    (
        "Front Desk",
        &["chloe.martin", "diego.alvarez", "priya.singh"],
    ),
    ("Clinical Staff", &["group:Nurses", "group:Physicians"]),
    (
        "All Staff",
        &[
            "group:Clinical Staff",
            "group:Front Desk",
            "emma.davis",
            "henry.wilson",
            "avery.admin",
            "jordan.lee",
        ],
    ),
    (
        "Contoso Health Team",
        &[
            "avery.admin",
            "jordan.lee",
            "olivia.chen",
            "ethan.brooks",
            "chloe.martin",
            "emma.davis",
        ],
    ),
];

fn id_for(n: u8) -> Uuid {
    let mut b = *DEMO_TENANT_ID.as_bytes();
    b[15] = n;
    b[14] ^= 0x5a;
    uuid::Builder::from_random_bytes(b).into_uuid()
}

impl SimState {
    /// Create the demo tenant (idempotent) and make its admin the default signed-in user if none is chosen.
    pub fn op_seed_demo(&self) -> SimResult<TenantInfo> {
        let key = DEMO_TENANT_ID.to_string();
        if self.store.get(&DEMO_TENANT_ID).is_none() {
            self.op_create_tenant(TenantSpec {
                id: Some(DEMO_TENANT_ID),
                display_name: "Contoso Health".into(),
                domains: vec![DEMO_DOMAIN.into(), "contosohealth.org".into()],
                size_class: None,
                region_scope: Some("NA".into()),
                consented: false,
            })?;
            let mut n = 0u8;
            for (local, name, title, dept, enabled) in PEOPLE {
                n += 1;
                let mut u = NewUser::new(&format!("{local}@{DEMO_DOMAIN}"), name)
                    .job_title(title)
                    .department(dept)
                    .with_id(id_for(n));
                u.account_enabled = *enabled;
                u.office_location = Some("Main Campus".into());
                self.op_add_user(&key, u)?;
            }
            let mut guest = NewUser::new(
                &format!("riley_partner.example#EXT#@{DEMO_DOMAIN}"),
                "Riley Consultant",
            )
            .guest();
            guest.mail = Some("riley@partner.example".into());
            self.op_add_user(&key, guest.with_id(id_for(100)))?;
            for (i, (name, desc, m365)) in GROUPS.iter().enumerate() {
                let g = if *m365 {
                    NewGroup::m365(name)
                } else {
                    NewGroup::security(name)
                };
                self.op_add_group(&key, g.description(desc).with_id(id_for(200 + i as u8)))?;
            }
            for (group, members) in MEMBERS {
                for m in *members {
                    let member = match m.strip_prefix("group:") {
                        Some(g) => g.to_string(),
                        None => format!("{m}@{DEMO_DOMAIN}"),
                    };
                    self.op_add_member(&key, group, &member)?;
                }
            }
        }
        {
            let mut auth = self.auth.lock();
            if auth.signin.is_none() {
                auth.signin = Some((DEMO_TENANT_ID, id_for(1)));
            }
        }
        Ok(crate::control::ops::tenant_info(&*self.tenant_cell(&key)?))
    }
}
